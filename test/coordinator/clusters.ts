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
import { asShardId } from '../../common/ids.js'
import { openLocalCluster, type LocalClusterOptions } from '../../coordinator/local-cluster.js'
import { LocalParticipant } from '../../coordinator/local-participant.js'
import type { Participant } from '../../coordinator/participant.js'
import { openRemoteCluster } from '../../coordinator/remote-cluster.js'
import { RemoteParticipant } from '../../coordinator/remote-participant.js'
import { ShardServer } from '../../server/shard.js'

export interface TestCluster {
  readonly coordinator: Coordinator
  readonly shards: readonly Participant[]
  readonly log: SqliteDecisionLog
  close(): Promise<void>
}

/** A local cluster's options; `memoryShards` applies to local shards only (remote ones are always on disk, under `<dir>/shard<i>`). */
export type TestClusterOptions = Omit<LocalClusterOptions, 'shardOptions'>

export interface ClusterKind {
  readonly name: 'local' | 'remote'
  open(options: TestClusterOptions): Promise<TestCluster>
  /** One shard alone, as participant 0, without a coordinator (tests that drive branches by hand). */
  shard(dir: string): Promise<{ readonly participant: Participant; close(): Promise<void> }>
}

export const LOCAL: ClusterKind = {
  name: 'local',
  open: (o) => openLocalCluster(o),
  async shard() {
    const participant = await LocalParticipant.open(asShardId(0), undefined)
    return { participant, close: () => participant.close() }
  },
}

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
  async shard(dir) {
    const server = await ShardServer.open({ dir, port: 0 })
    const participant = new RemoteParticipant({ id: asShardId(0), host: server.host, port: server.port, coordinator: 'c1' })
    return {
      participant,
      async close() {
        await participant.close()
        await server.close()
      },
    }
  },
}

export const CLUSTER_KINDS: readonly ClusterKind[] = [LOCAL, REMOTE]
