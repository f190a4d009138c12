/**
 * The two kinds of shard the coordinator tests run against, behind one harness:
 * local participants (engine databases in the test's process) and remote ones
 * (`ShardServer`s on loopback ports, each a wire-protocol server over its own
 * database, reached through RemoteParticipant as a real shard process would be).
 * A remote cluster reopened on the same directory reopens its shard servers too,
 * so restart tests run on both.
 */
import path from 'node:path'
import type { Coordinator } from '../../coordinator/coordinator.js'
import type { SqliteDecisionLog } from '../../coordinator/decision-log.js'
import type { FaultInjector } from '../../coordinator/faults.js'
import { openLocalCluster } from '../../coordinator/local-cluster.js'
import type { Participant } from '../../coordinator/participant.js'
import { openRemoteCluster } from '../../coordinator/remote-cluster.js'
import { ShardServer } from '../../server/shard.js'

export interface TestCluster {
  readonly coordinator: Coordinator
  readonly shards: readonly Participant[]
  readonly log: SqliteDecisionLog
  close(): Promise<void>
}

export interface TestClusterOptions {
  readonly dir: string
  readonly shards: number
  /** Local shards only: in memory (remote shards are always on disk, under `<dir>/shard<i>`). */
  readonly memoryShards?: boolean
  readonly id?: string
  readonly faults?: FaultInjector
  readonly wrap?: (p: Participant) => Participant
}

export interface ClusterKind {
  readonly name: 'local' | 'remote'
  open(options: TestClusterOptions): Promise<TestCluster>
}

export const LOCAL: ClusterKind = { name: 'local', open: (o) => openLocalCluster(o) }

export const REMOTE: ClusterKind = {
  name: 'remote',
  async open(o) {
    const servers: ShardServer[] = []
    try {
      for (let i = 0; i < o.shards; i++) servers.push(await ShardServer.open({ dir: path.join(o.dir, `shard${i}`), port: 0 }))
      const c = await openRemoteCluster({ dir: o.dir, shards: servers.map((s) => ({ host: s.host, port: s.port })), id: o.id, faults: o.faults, wrap: o.wrap })
      return {
        ...c,
        async close() {
          await c.close()
          for (const s of servers) await s.close()
        },
      }
    } catch (e) {
      for (const s of servers) await s.close()
      throw e
    }
  },
}

export const CLUSTER_KINDS: readonly ClusterKind[] = [LOCAL, REMOTE]
