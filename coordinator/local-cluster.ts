/**
 * A coordinator and its shards in one process (`isola start --shards N`, and the
 * tests): shard i in `<dir>/shard<i>`, the decision log in `<dir>/coordinator`.
 * Opening it runs the coordinator's recovery.
 */
import path from 'node:path'
import { asShardId } from '../common/ids.js'
import type { OpenOptions } from '../engine/index.js'
import { Coordinator } from './coordinator.js'
import { SqliteDecisionLog } from './decision-log.js'
import type { FaultInjector } from './faults.js'
import { LocalParticipant } from './local-participant.js'
import { TimestampOracle } from './oracle.js'
import type { Participant } from './participant.js'

export interface LocalClusterOptions {
  /** Where the shards and the decision log live. */
  readonly dir: string
  readonly shards: number
  /** Shards in memory (the decision log is still on disk): for fast tests. */
  readonly memoryShards?: boolean
  /** Default 'c1'. */
  readonly id?: string
  readonly faults?: FaultInjector
  /** Wraps each shard's participant (tests put delays or refusals in front of it). */
  readonly wrap?: (p: Participant) => Participant
  readonly shardOptions?: OpenOptions
}

export interface LocalCluster {
  readonly coordinator: Coordinator
  readonly shards: readonly LocalParticipant[]
  readonly log: SqliteDecisionLog
  close(): Promise<void>
}

export async function openLocalCluster(options: LocalClusterOptions): Promise<LocalCluster> {
  const shards: LocalParticipant[] = []
  let log: SqliteDecisionLog | undefined
  try {
    for (let i = 0; i < options.shards; i++) shards.push(await LocalParticipant.open(asShardId(i), options.memoryShards ? undefined : options.dir, options.shardOptions))
    log = SqliteDecisionLog.open(path.join(options.dir, 'coordinator'))
    const coordinator = await Coordinator.open({
      id: options.id ?? 'c1',
      participants: shards.map((s) => options.wrap?.(s) ?? s),
      log,
      oracle: new TimestampOracle(log),
      faults: options.faults,
    })
    const opened = log
    return {
      coordinator,
      shards,
      log: opened,
      async close() {
        await coordinator.close()
        opened.close()
        for (const s of shards) await s.close()
      },
    }
  } catch (e) {
    log?.close()
    for (const s of shards) await s.close()
    throw e
  }
}
