/**
 * INSERT … SELECT through the coordinator: the rows a shard would need to see from
 * other shards cannot be inserted there, so the coordinator runs the source as a
 * read (single, scatter or pull: whatever the router chose for it), then inserts
 * its rows as a VALUES INSERT whose values are parameters, routed like any other
 * (split by the distribution column, or broadcast to a reference table), in
 * batches so that no statement carries more than ROWS_PER_INSERT rows.
 *
 * The values travel as text parameters (each in its source type's output form, which
 * loses nothing), converted by the shards to the target columns' types as
 * PostgreSQL converts a SELECT's output on assignment; ON CONFLICT and RETURNING go
 * with every batch, and the result adds the batches up.
 */
import { result, type StatementResult } from '../../engine/index.js'
import { formatValue } from '../../engine/values/index.js'
import { deparseInsert, type Expr, type Statement } from '../../parser/index.js'
import { concatResults, gather } from './merge.js'
import type { DistributedPlan, ShardStatement } from './plan.js'
import type { DistributionCatalog } from './distribution.js'
import { shardStatements } from './resolve.js'
import { route } from './router.js'

const ROWS_PER_INSERT = 500

type Insert = Statement & { readonly kind: 'insert' }

/**
 * Runs an insert-select plan: `runSource` executes the source plan; `send` runs
 * shard statements (in the transaction) and resolves with their results in order.
 */
export async function executeInsertSelect(
  plan: DistributedPlan & { kind: 'insert-select' },
  catalog: DistributionCatalog,
  params: readonly unknown[],
  runSource: (source: DistributedPlan) => Promise<StatementResult>,
  send: (work: readonly ShardStatement[]) => Promise<readonly StatementResult[]>,
): Promise<StatementResult> {
  const source = await runSource(plan.source)
  const types = source.columns?.map((c) => c.type)
  const rows = source.rows
  const results: StatementResult[] = []
  for (let at = 0; at < rows.length; at += ROWS_PER_INSERT) {
    const batch = rows.slice(at, at + ROWS_PER_INSERT)
    const insert = valuesInsert(plan.statement, batch.length, batch[0]!.length)
    const values = batch.flatMap((row) => row.map((v, i) => (types === undefined ? v : formatValue(types[i]!, v))))
    const routed = route(insert, deparseInsert(insert), catalog)
    results.push(gather(routed, await send(shardStatements(routed, catalog.partitions, values)), values))
  }
  return results.length === 0 ? result('INSERT', 0, undefined, [], []) : concatResults(results)
}

/** The statement with VALUES ($1, …, $w), ($w+1, …) for `rows` rows of `width` values. */
function valuesInsert(s: Insert, rows: number, width: number): Insert {
  const values: Expr[][] = []
  for (let r = 0; r < rows; r++) values.push(Array.from({ length: width }, (_, c): Expr => ({ kind: 'param', index: r * width + c + 1, position: 0 })))
  return { ...s, source: { kind: 'query', with: [], body: { kind: 'values', rows: values, position: 0 }, orderBy: [], limit: undefined, offset: undefined, locking: undefined, position: 0 } }
}
