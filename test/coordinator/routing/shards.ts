/**
 * A test cluster without the coordinator: N in-memory engine databases as shards,
 * each statement run through route → shardStatements → the shards → gather (or
 * executePull for a pull plan). One
 * more database holds every row, to compare answers with (differential.test.ts).
 */
import { open, type Database, type Session, type StatementResult } from '../../../engine/index.js'
import { parse } from '../../../parser/index.js'
import {
  applyDdl, catalogOf, executePull, gather, route, shardStatements, uniformPartitionMap,
  type DistributedPlan, type DistributionCatalog,
} from '../../../coordinator/routing/index.js'

export class ShardCluster {
  catalog: DistributionCatalog
  /** The shards each statement touched last, for tests of routing itself. */
  lastShards: number[] = []
  lastPlan: DistributedPlan | undefined

  private constructor(private readonly dbs: Database[], private readonly sessions: Session[]) {
    this.catalog = catalogOf(uniformPartitionMap(dbs.length))
  }

  static async start(shards: number): Promise<ShardCluster> {
    const dbs = await Promise.all(Array.from({ length: shards }, () => open({ memory: true })))
    return new ShardCluster(dbs, dbs.map((d) => d.session()))
  }

  /** Run one statement through the router, the shards and the merge. */
  async execute(sql: string, params: readonly unknown[] = []): Promise<StatementResult> {
    const [statement] = parse(sql)
    if (statement === undefined) throw new Error('no statement')
    const plan = route(statement, sql, this.catalog)
    this.lastPlan = plan
    if (plan.kind === 'pull') {
      this.lastShards = []
      return executePull(plan, async (input, inputParams) => {
        const shards = input.shards === 'all' ? this.sessions.map((_, i) => i) : [0]
        this.lastShards.push(...shards)
        return Promise.all(shards.map(async (i) => (await this.sessions[i]!.execute(input.sql, inputParams))[0]!))
      }, params)
    }
    const work = shardStatements(plan, this.catalog.partitions, params)
    this.lastShards = work.map((w) => w.shard)
    const results = await Promise.all(work.map(async (w) => (await this.sessions[w.shard]!.execute(w.sql, w.params))[0]!))
    this.catalog = applyDdl(this.catalog, statement)
    return gather(plan, results, params)
  }

  /** Rows of a table on one shard, straight from that shard. */
  async onShard(shard: number, sql: string): Promise<StatementResult> {
    return (await this.sessions[shard]!.execute(sql))[0]!
  }

  async close(): Promise<void> {
    for (const s of this.sessions) await s.close()
    for (const d of this.dbs) await d.close()
  }
}
