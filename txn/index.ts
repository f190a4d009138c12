/** The transaction layer: MVCC transactions over the storage engine. */
export type { ModifyResult, RowChange, Transaction, TxnDatabase, VisibleRow } from './api.js'
export { openTxnDatabase, type TxnDatabaseOptions } from './database.js'
export { NO_CONFLICTS, type ConflictEnd, type ConflictReport, type SsiHooks, type SsiTxnInfo } from './ssi-hooks.js'
export {
  ISOLATION_LEVELS,
  successorKey,
  type IsolationLevel,
  type KeyRange,
  type LockWait,
  type LockWaitEdge,
  type LockWaitInfo,
  type PreparedInfo,
  type RowLockMode,
  type TableId,
  type TxnOptions,
  type TxnState,
} from './types.js'
