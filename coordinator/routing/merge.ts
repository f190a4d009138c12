/**
 * The coordinator's half of a scatter (scatter.ts): the shards' results in, the
 * statement's result out, with the engine's value semantics.
 *
 *     rows of every shard ─► [group on the key columns, combine partials]
 *       ─► [DISTINCT] ─► sort ─► OFFSET / LIMIT ─► drop hidden sort columns
 *
 * - Group keys and DISTINCT compare values by their key encoding (engine/rows/keys.ts):
 *   equal SQL values have equal bytes (1.0 and 1.00, 0 and -0, 'a' and 'a  ' in char(n)),
 *   so they fall in one group as they would on one node.
 * - Partials combine as the engine's aggregates compute (engine/functions/aggregates.ts):
 *   count and integer sums exactly (bigint, Decimal), avg of integers and numerics as
 *   Σsum / Σcount with numeric division's scale rules, so `avg` prints as PostgreSQL's.
 *   Float sums and averages add the shards' partial sums, so their last bits may
 *   differ from a one-node sum, as they do in PostgreSQL's parallel aggregation.
 * - Sorting uses the engine's compareValues with the column's type and PostgreSQL's
 *   NULL placement (last ascending, first descending, unless NULLS FIRST/LAST); the
 *   sort is stable, so rows equal on every key keep shard order.
 */
import { fromJs } from '../../engine/js-values.js'
import type { ResultColumn, StatementResult } from '../../engine/results.js'
import { result } from '../../engine/results.js'
import { KeyShape } from '../../engine/rows/keys.js'
import { compareValues, Decimal, T, type SqlType, type SqlValue } from '../../engine/values/index.js'
import type { Count, DistributedPlan, MergeSpec, PartialAggregate } from './plan.js'

type Row = SqlValue[]

/** A function giving a string equal for rows whose `columns` hold equal SQL values (their key encoding, shaped once). */
function groupKeyOf(columns: readonly number[], types: readonly SqlType[]): (row: readonly SqlValue[]) => string {
  const shape = new KeyShape(columns.map((c) => types[c]!))
  return (row) => {
    const b = shape.encode(columns.map((c) => row[c]!))
    return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('latin1')
  }
}

function resolveCount(c: Count, params: readonly unknown[]): number | undefined {
  if (c.kind === 'none') return undefined
  if (c.kind === 'constant') return Number(c.value)
  const v = fromJs(params[c.index - 1], T.int8)
  return v === null ? undefined : Number(v as bigint)
}

/** The type of a combined aggregate from its partials' column types. */
function aggregateType(a: PartialAggregate, types: readonly SqlType[]): SqlType {
  switch (a.fn) {
    case 'count': return T.int8
    case 'avg': {
      const k = types[a.sum]!.kind
      return k === 'float4' || k === 'float8' ? T.float8 : T.numeric
    }
    default: return types[a.column]!
  }
}

function add(type: SqlType, a: SqlValue, b: SqlValue): SqlValue {
  if (a === null) return b
  if (b === null) return a
  switch (type.kind) {
    case 'int8': return (a as bigint) + (b as bigint)
    case 'numeric': return (a as Decimal).add(b as Decimal)
    case 'float4': return Math.fround((a as number) + (b as number))
    default: return (a as number) + (b as number)
  }
}

function combine(a: PartialAggregate, rows: readonly Row[], types: readonly SqlType[]): SqlValue {
  switch (a.fn) {
    case 'count': return rows.reduce((s, r) => s + ((r[a.column] as bigint | null) ?? 0n), 0n)
    case 'sum': return rows.reduce<SqlValue>((s, r) => add(types[a.column]!, s, r[a.column]!), null)
    case 'min':
    case 'max': {
      const sign = a.fn === 'min' ? -1 : 1
      let best: SqlValue = null
      for (const r of rows) {
        const v = r[a.column]!
        if (v !== null && (best === null || compareValues(types[a.column]!, v, best) * sign > 0)) best = v
      }
      return best
    }
    case 'avg': {
      const t = types[a.sum]!
      const sum = rows.reduce<SqlValue>((s, r) => add(t, s, r[a.sum]!), null)
      const n = rows.reduce((s, r) => s + ((r[a.count] as bigint | null) ?? 0n), 0n)
      if (sum === null || n === 0n) return null
      if (t.kind === 'float4' || t.kind === 'float8') return (sum as number) / Number(n)
      const total = t.kind === 'numeric' ? (sum as Decimal) : Decimal.of(sum as bigint)
      return total.div(Decimal.of(n))
    }
  }
}

function compareRows(a: Row, b: Row, spec: MergeSpec, types: readonly SqlType[]): number {
  for (const k of spec.sort) {
    const c = k.column < 0 ? types.length + k.column : k.column
    const x = a[c]!
    const y = b[c]!
    if (x === null || y === null) {
      if (x === y) continue
      return (x === null) === k.nullsFirst ? -1 : 1
    }
    const r = compareValues(types[c]!, x, y)
    if (r !== 0) return k.descending ? -r : r
  }
  return 0
}

/** The statement's result from the shards' results of a scatter with `spec`. */
export function mergeScatter(spec: MergeSpec, results: readonly StatementResult[], params: readonly unknown[] = []): StatementResult {
  const shardColumns = results[0]?.columns ?? []
  const shardTypes = shardColumns.map((c) => c.type)
  let columns: ResultColumn[]
  let rows: Row[] = results.flatMap((r) => r.rows.map((row) => [...row]))
  let types: SqlType[]
  if (spec.aggregate !== undefined) {
    const { groupKeys, output } = spec.aggregate
    const groups = new Map<string, Row[]>()
    const keyOf = groupKeyOf(groupKeys, shardTypes)
    for (const row of rows) {
      const k = keyOf(row)
      const g = groups.get(k)
      if (g === undefined) groups.set(k, [row])
      else g.push(row)
    }
    // A query without GROUP BY has one group even over no rows (each shard sends one).
    if (groups.size === 0 && groupKeys.length === 0) groups.set('', [])
    columns = output.map((o) => o.kind === 'column'
      ? { ...shardColumns[o.column]!, name: o.name }
      : { name: o.name, type: aggregateType(o.aggregate, shardTypes), tableOid: 0, attnum: 0 })
    types = columns.map((c) => c.type)
    rows = [...groups.values()].map((g) => output.map((o) => (o.kind === 'column' ? g[0]![o.column]! : combine(o.aggregate, g, shardTypes))))
  } else {
    columns = [...shardColumns]
    types = shardTypes
  }
  // The last `hidden` columns are sort keys the statement does not return.
  const visible = columns.length - spec.hidden
  if (spec.distinct) {
    const seen = new Set<string>()
    const keyOf = groupKeyOf(Array.from({ length: visible }, (_, i) => i), types)
    rows = rows.filter((r) => {
      const k = keyOf(r)
      if (seen.has(k)) return false
      seen.add(k)
      return true
    })
  }
  if (spec.sort.length > 0) rows.sort((a, b) => compareRows(a, b, spec, types))
  const offset = resolveCount(spec.offset, params) ?? 0
  const limit = resolveCount(spec.limit, params)
  rows = rows.slice(offset, limit === undefined ? undefined : offset + limit)
  if (spec.hidden > 0) {
    rows = rows.map((r) => r.slice(0, visible))
    columns = columns.slice(0, visible)
  }
  return result('SELECT', rows.length, columns, rows, results.flatMap((r) => r.notices))
}

/** The result of a statement run on several shards whole (a broadcast, a split INSERT): rows and counts added up. */
export function concatResults(results: readonly StatementResult[]): StatementResult {
  const first = results[0]
  if (first === undefined) throw new Error('no shard results')
  const count = first.rowCount === undefined ? undefined : results.reduce((s, r) => s + (r.rowCount ?? 0), 0)
  return result(first.command, count, first.columns, results.flatMap((r) => r.rows), results.flatMap((r) => r.notices))
}

/**
 * The statement's result from the results of `shardStatements(plan, …)`, in the
 * same order: merged (scatter), added up (split INSERT, broadcast to a distributed
 * table) or one shard's (single; broadcast to replicas, where every shard does the same).
 */
export function gather(plan: DistributedPlan, results: readonly StatementResult[], params: readonly unknown[] = []): StatementResult {
  switch (plan.kind) {
    case 'scatter': return mergeScatter(plan.merge, results, params)
    case 'split-insert': return concatResults(results)
    case 'broadcast': return plan.result === 'concat' ? concatResults(results) : results[0]!
    case 'single': return results[0]!
    case 'pull':
    case 'insert-select':
    case 'explain':
    case 'coordinator':
      throw new Error(`a ${plan.kind} plan has no shard results to gather`)
  }
}
