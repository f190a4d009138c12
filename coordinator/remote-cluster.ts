/**
 * A coordinator over shards in other processes (`isola shard` each): one remote
 * participant per address, shard i at `shards[i]`, the decision log in
 * `<dir>/coordinator`. Opening it runs the coordinator's recovery, which waits for
 * every shard it can reach; a shard that is down gets its part once it is back
 * (coordinator.ts), and a shard that refuses this coordinator fails the open (28000).
 */
import path from 'node:path'
import { asShardId } from '../common/ids.js'
import { Coordinator } from './coordinator.js'
import { SqliteDecisionLog } from './decision-log.js'
import type { FaultInjector } from './faults.js'
import { TimestampOracle } from './oracle.js'
import type { Participant } from './participant.js'
import { RemoteParticipant } from './remote-participant.js'

export interface RemoteClusterOptions {
  /** Where the decision log lives. */
  readonly dir: string
  readonly shards: readonly { readonly host: string; readonly port: number }[]
  /** The coordinator's identity (default 'c1'): each shard records the first it serves and refuses others. */
  readonly id?: string
  readonly faults?: FaultInjector
  /** Wraps each shard's participant (tests put delays or refusals in front of it). */
  readonly wrap?: (p: Participant) => Participant
  /** Connections per shard at most. */
  readonly maxConnections?: number
}

export interface RemoteCluster {
  readonly coordinator: Coordinator
  readonly shards: readonly RemoteParticipant[]
  readonly log: SqliteDecisionLog
  close(): Promise<void>
}

export async function openRemoteCluster(options: RemoteClusterOptions): Promise<RemoteCluster> {
  const id = options.id ?? 'c1'
  const shards = options.shards.map((a, i) => new RemoteParticipant({ id: asShardId(i), host: a.host, port: a.port, coordinator: id, maxConnections: options.maxConnections }))
  const log = SqliteDecisionLog.open(path.join(options.dir, 'coordinator'))
  try {
    const coordinator = await Coordinator.open({
      id,
      participants: shards.map((s) => options.wrap?.(s) ?? s),
      log,
      oracle: new TimestampOracle(log),
      faults: options.faults,
    })
    return {
      coordinator,
      shards,
      log,
      async close() {
        await coordinator.close()
        log.close()
        for (const s of shards) await s.close()
      },
    }
  } catch (e) {
    log.close()
    for (const s of shards) await s.close()
    throw e
  }
}
