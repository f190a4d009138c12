/**
 * The anomaly golden scripts' backend over a cluster: every session a ClusterSession
 * on one coordinator and three local shards, and the partition map arranged so that
 * the rows a script touches live on different shards (1, 2 and 3 each on its own,
 * the phantom 4 apart from 3, and 0, 100 and 101 each on its own; 4 and 100 share
 * a partition). So a
 * write skew's two rows, a read skew's two reads, a phantom's predicate read and its
 * insert, all cross shards: what one shard's SSI cannot see on its own.
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { isIsolaError } from '../../common/errors.js'
import { asShardId } from '../../common/ids.js'
import { ClusterMetadata, ClusterSession } from '../../coordinator/cluster-session.js'
import { openLocalCluster, type LocalCluster } from '../../coordinator/local-cluster.js'
import { movePartition } from '../../coordinator/routing/distribution.js'
import { partitionOf } from '../../coordinator/routing/hash.js'
import { T } from '../../engine/values/index.js'
import { toSql } from '../txn/golden-postgres.js'
import type { GoldenBackend, Line } from '../txn/golden-runner.js'
import { sqlOutput } from '../txn/golden-sql.js'

export const SHARDS = 3
/** Where each id of the scripts lives. */
export const PLACEMENT: ReadonlyMap<number, number> = new Map([
  [1, 0], [2, 1], [3, 2], [4, 1], [0, 0], [100, 1], [101, 2],
])

export class ClusterBackend implements GoldenBackend {
  private readonly sessions = new Map<string, ClusterSession>()
  private constructor(
    private readonly cluster: LocalCluster,
    private readonly metadata: ClusterMetadata,
    /** The decision log's directory (the shards are in memory). */
    private readonly dir: string,
  ) {}

  static async open(): Promise<ClusterBackend> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'isola-golden-cluster-'))
    const cluster = await openLocalCluster({ dir, shards: SHARDS, memoryShards: true })
    const metadata = new ClusterMetadata(SHARDS)
    let partitions = metadata.catalog.partitions
    for (const [id, shard] of PLACEMENT) partitions = movePartition(partitions, partitionOf(T.int4, id), asShardId(shard))
    metadata.catalog = { ...metadata.catalog, partitions }
    return new ClusterBackend(cluster, metadata, dir)
  }

  /** The shard a row of `id` lives on, as the router sends it. */
  shardOf(id: number): number {
    return this.metadata.catalog.partitions.shards[partitionOf(T.int4, id)]!
  }

  private session(name: string): ClusterSession {
    let s = this.sessions.get(name)
    if (s === undefined) {
      s = new ClusterSession(this.cluster.coordinator, this.metadata)
      this.sessions.set(name, s)
    }
    return s
  }

  async run(line: Line): Promise<string[]> {
    const c = line.command
    const sql = toSql(c)
    if (c.kind === 'setup') {
      const s = new ClusterSession(this.cluster.coordinator, this.metadata)
      await s.execute(sql)
      await s.close()
      return ['ok']
    }
    const r = (await this.session(line.session).execute(sql)).at(-1)!
    return sqlOutput(c, r.command, r.rowCount, r.rows.map((row) => [Number(row[0]), Number(row[1])] as const))
  }

  async close(): Promise<void> {
    for (const s of this.sessions.values()) await s.close().catch((e: unknown) => (isIsolaError(e) ? undefined : Promise.reject(e)))
    await this.cluster.close()
    fs.rmSync(this.dir, { recursive: true, force: true })
  }
}
