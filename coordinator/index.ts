/** The coordinator: distributed transactions over shards, with a timestamp oracle and presumed-abort 2PC. */
export { Coordinator, parseGid, type CoordinatorOptions } from './coordinator.js'
export { SqliteDecisionLog, type Decision, type DecisionLog } from './decision-log.js'
export { DistributedTxn, type DistributedTxnOptions, type DistributedTxnState } from './distributed-txn.js'
export { FAULT_POINTS, faultsFromEnv, NO_FAULTS, type FaultInjector, type FaultPoint } from './faults.js'
export { LocalParticipant } from './local-participant.js'
export { TimestampOracle, type ReservationStore } from './oracle.js'
export type { Branch, BranchOptions, ConflictInfo, Participant, PreparedBranch, Resolution, RwEdge, StatementOptions, Vote } from './participant.js'
export { openLocalCluster, type LocalCluster, type LocalClusterOptions } from './local-cluster.js'
