/**
 * Routing: where each statement runs in a cluster of shards, and how the
 * coordinator combines what the shards answer.
 *
 * ```ts
 * let catalog = catalogOf(uniformPartitionMap(3))
 * const [create] = parse('CREATE TABLE t (id int PRIMARY KEY, g int)')
 * catalog = applyDdl(catalog, create)                           // after the DDL commits
 * const plan = route(parse(sql)[0], sql, catalog)                // cache with the statement
 * for (const s of shardStatements(plan, catalog.partitions, params)) … run s.sql on s.shard
 * const out = gather(plan, results, params)                      // results in shardStatements' order
 * // a pull plan instead: executePull(plan, (input) => run input.sql on its shards, params)
 * ```
 */
export { PARTITION_COUNT, hashValue, partitionOf, hashClass } from './hash.js'
export {
  allShards, catalogOf, coLocated, distributionOf, movePartition, uniformPartitionMap, withTable, withoutTables,
  type ColumnInfo, type DistributionCatalog, type PartitionMap, type Sequenced, type TableDistribution,
} from './distribution.js'
export type { Count, DistributedPlan, DistributedPlanKind, MergeSpec, OutputColumn, PartialAggregate, Pin, PullInput, ShardStatement, Shards, SortKey } from './plan.js'
export { route } from './router.js'
export { resolvePin, shardsOf, shardStatements } from './resolve.js'
export { concatResults, gather, mergeScatter } from './merge.js'
export { explainPlan } from './explain.js'
export { statementTexts } from './statement-text.js'
export { executePull } from './pull.js'
export { executeInsertSelect, insertRows } from './insert-select.js'
export { applyDdl, checkDdl } from './metadata-ddl.js'
