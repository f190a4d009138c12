/**
 * INSERT … SELECT through the coordinator, and INSERTs whose distribution values
 * or sequence-filled columns the coordinator must compute: the coordinator runs the
 * source as a read (single, scatter or pull: whatever the router chose for it), takes
 * the values of the columns left to sequences from the sequences' shard, then
 * inserts the rows as a VALUES INSERT whose values are parameters, routed like any
 * other (split by the distribution column, or broadcast to a reference table), in
 * batches so that no statement carries more than ROWS_PER_INSERT rows.
 *
 * The values travel as text parameters (each in its source type's output form, which
 * loses nothing), converted by the shards to the target columns' types as
 * PostgreSQL converts a SELECT's output on assignment; ON CONFLICT and RETURNING go
 * with every batch, and the result adds the batches up.
 */
import { result, type StatementResult } from '../../engine/index.js'
import { formatValue, type SqlType, type SqlValue } from '../../engine/values/index.js'
import { deparseInsert, type Expr, type Statement } from '../../parser/index.js'
import { concatResults, gather } from './merge.js'
import type { DistributedPlan, ShardStatement } from './plan.js'
import type { DistributionCatalog, Sequenced } from './distribution.js'
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
  const source = plan.source === undefined ? ONE_EMPTY_ROW : await runSource(plan.source)
  return insertRows(plan, catalog, source.rows, source.columns?.map((c) => c.type), runSource, send)
}

/**
 * Inserts `rows` (values of `types`; without types, text or NULL already, as COPY's
 * fields are) into the plan's table: the sequences' values first, then VALUES
 * INSERTs of at most ROWS_PER_INSERT rows, each routed. COPY FROM STDIN through the
 * coordinator comes here a batch at a time (cluster-copy.ts).
 */
export async function insertRows(
  plan: DistributedPlan & { kind: 'insert-select' },
  catalog: DistributionCatalog,
  rows: readonly (readonly unknown[])[],
  types: readonly SqlType[] | undefined,
  runSource: (source: DistributedPlan) => Promise<StatementResult>,
  send: (work: readonly ShardStatement[]) => Promise<readonly StatementResult[]>,
): Promise<StatementResult> {
  let text = types === undefined ? rows : rows.map((r) => r.map((v, i) => formatValue(types[i]!, v as SqlValue)))
  if (plan.fill.length > 0 && rows.length > 0) {
    const filled = await runSource(sequenceValues(plan.fill, rows.length))
    const fillTypes = filled.columns!.map((c) => c.type)
    text = text.map((r, i) => [...filled.rows[i]!.map((v, j) => formatValue(fillTypes[j]!, v)), ...r])
  }
  const results: StatementResult[] = []
  for (let at = 0; at < text.length; at += ROWS_PER_INSERT) {
    const batch = text.slice(at, at + ROWS_PER_INSERT)
    const insert = valuesInsert(plan.statement, batch.length, batch[0]!.length)
    const values = batch.flat()
    const routed = route(insert, deparseInsert(insert), catalog)
    results.push(gather(routed, await send(shardStatements(routed, catalog.partitions, values)), values))
  }
  return results.length === 0 ? result('INSERT', 0, undefined, [], []) : concatResults(results)
}

const ONE_EMPTY_ROW: StatementResult = result('SELECT', 1, [], [[]], [])

/**
 * `n` values of each sequence, from the shard reads of no distributed table go to
 * (shard 0: the sequences' home, distribution.ts `Sequenced`).
 */
function sequenceValues(fill: readonly Sequenced[], n: number): DistributedPlan {
  const sql = `SELECT ${fill.map((q) => q.nextval).join(', ')} FROM generate_series(1, ${n})`
  return { kind: 'single', sql, target: { kind: 'any' }, write: true, reason: 'sequence values' }
}

/** The statement with VALUES ($1, …, $w), ($w+1, …) for `rows` rows of `width` values. */
function valuesInsert(s: Insert, rows: number, width: number): Insert {
  const values: Expr[][] = []
  for (let r = 0; r < rows; r++) values.push(Array.from({ length: width }, (_, c): Expr => ({ kind: 'param', index: r * width + c + 1, position: 0 })))
  return { ...s, source: { kind: 'query', with: [], body: { kind: 'values', rows: values, position: 0 }, orderBy: [], limit: undefined, offset: undefined, locking: undefined, position: 0 } }
}
