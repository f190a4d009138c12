/**
 * A read scattered to every shard: the query each shard runs and how merge.ts
 * combines their rows.
 *
 * Two shapes:
 * - *Pass-through*: no aggregation, or GROUP BY includes a distribution column of
 *   the co-located tables (a group never spans shards). Each shard runs the query
 *   as written, with every ORDER BY key appended as a hidden column and
 *   `LIMIT limit + offset` (no OFFSET); the coordinator concatenates, re-applies
 *   DISTINCT, sorts on the hidden keys, applies OFFSET and LIMIT and drops them.
 *
 *       SELECT a, b FROM t ORDER BY b DESC LIMIT 5 OFFSET 2
 *       ─► shards: SELECT a, b, b AS __isola_sort0 FROM t ORDER BY b DESC LIMIT 7
 *
 * - *Re-aggregation*: each shard groups its own rows and returns partial
 *   aggregates; the coordinator combines the groups (count and sum add, min and max
 *   compare, avg = Σsum / Σcount), then DISTINCT, sort, OFFSET, LIMIT.
 *
 *       SELECT g, count(*), avg(x) FROM t GROUP BY g ORDER BY 2 DESC
 *       ─► shards: SELECT g, count(*), sum(x), count(x) FROM t GROUP BY g
 *
 * What neither shape can do (HAVING or expressions over aggregates that are
 * re-combined, DISTINCT aggregates, aggregates other than count/sum/min/max/avg,
 * DISTINCT ON, non-constant LIMIT) is reported as a problem: the router then plans a
 * pull instead.
 */
import { AGGREGATE_NAMES } from '../../engine/functions/aggregates.js'
import { ownLevel, someNode } from './ast-walk.js'
import { deparseExpr, deparseQuery, type Expr, type OrderItem, type Query, type SelectCore, type SelectItem } from '../../parser/index.js'
import type { Count, MergeSpec, OutputColumn, SortKey } from './plan.js'

export type ScatterQuery = { readonly sql: string; readonly merge: MergeSpec } | { readonly problem: string }

const COMBINABLE = new Set(['count', 'sum', 'min', 'max', 'avg'])

/** Whether an expression calls an aggregate at its own level (not inside a subquery). */
function callsAggregate(e: unknown): boolean {
  return someNode(e, (n) => n['kind'] === 'function' && typeof n['name'] === 'string' && AGGREGATE_NAMES.has(n['name']), ownLevel)
}

/** PostgreSQL's FigureColname, for the forms a re-aggregated query can have. */
function columnName(item: SelectItem & { kind: 'expr' }): string {
  if (item.alias !== undefined) return item.alias
  const figure = (e: Expr): string => (e.kind === 'column' || e.kind === 'function' ? e.name : e.kind === 'cast' ? figure(e.operand) : e.kind === 'case' ? 'case' : '?column?')
  return figure(item.expr)
}

function countOf(e: Expr | undefined): Count | undefined {
  if (e === undefined || e.kind === 'null') return { kind: 'none' }
  if (e.kind === 'number' && /^\d+$/.test(e.text)) return { kind: 'constant', value: BigInt(e.text) }
  if (e.kind === 'param') return { kind: 'param', index: e.index }
  return undefined
}

const int8 = (e: Expr): Expr => (e.kind === 'param' ? { kind: 'cast', operand: e, type: { kind: 'type', name: 'int8', args: [] }, position: 0 } : e)

/** The LIMIT each shard applies: limit + offset, so the rows OFFSET skips are there to skip. */
function pushedLimit(q: Query, limit: Count, offset: Count): Expr | undefined {
  if (limit.kind === 'none') return undefined
  if (offset.kind === 'none') return q.limit
  if (limit.kind === 'constant' && offset.kind === 'constant') return { kind: 'number', text: String(limit.value + offset.value), position: 0 }
  return { kind: 'binary', op: '+', left: int8(q.limit!), right: int8(q.offset!), position: 0 }
}

const same = (a: Expr, b: Expr): boolean => deparseExpr(a) === deparseExpr(b)

/** An ORDER BY or GROUP BY item written as an output ordinal or alias, replaced by the select item's expression. */
function outputExpr(e: Expr, sel: SelectCore, inputColumns: ReadonlySet<string>): Expr | { problem: string } {
  if (e.kind === 'number' && /^\d+$/.test(e.text)) {
    const i = Number(e.text) - 1
    if (sel.columns.slice(0, i + 1).some((c) => c.kind === 'star')) return { problem: 'an ordinal after * in the select list' }
    const item = sel.columns[i]
    return item?.kind === 'expr' ? item.expr : e // out of range: the shard reports it
  }
  if (e.kind === 'column' && e.table === undefined) {
    const item = sel.columns.find((c): c is SelectItem & { kind: 'expr' } => c.kind === 'expr' && c.alias === e.name)
    if (item !== undefined && !inputColumns.has(e.name)) return item.expr
  }
  return e
}

function sortKey(o: OrderItem, column: number): SortKey {
  const descending = o.direction === 'desc'
  return { column, descending, nullsFirst: o.nulls === undefined ? descending : o.nulls === 'first' }
}

/**
 * The scatter form of a SELECT. `groupedOnDistribution`: GROUP BY includes a
 * distribution column of the co-located tables. `inputColumns`: the column names of
 * the tables read (an ORDER BY name that is one of them is that column, as in PostgreSQL
 * for GROUP BY; for ORDER BY an output name wins).
 */
export function scatterQuery(q: Query, sel: SelectCore, groupedOnDistribution: boolean, inputColumns: ReadonlySet<string>): ScatterQuery {
  if (sel.distinctOn !== undefined) return { problem: 'DISTINCT ON across shards' }
  const limit = countOf(q.limit)
  const offset = countOf(q.offset)
  if (limit === undefined || offset === undefined) return { problem: 'LIMIT or OFFSET is not a constant or a parameter' }
  const aggregating = sel.groupBy.length > 0 || callsAggregate([sel.columns, sel.having, q.orderBy])
  if (!aggregating || groupedOnDistribution) {
    const hidden: SelectItem[] = []
    for (const [i, o] of q.orderBy.entries()) {
      // In ORDER BY an output name wins over an input column (GROUP BY is the other way round).
      const e = outputExpr(o.expr, sel, new Set())
      if ('problem' in e) return e
      hidden.push({ kind: 'expr', expr: e, alias: `__isola_sort${i}` })
    }
    const shard: Query = { ...q, body: { ...sel, columns: [...sel.columns, ...hidden] }, limit: pushedLimit(q, limit, offset), offset: undefined }
    // The shards' rows end with the hidden keys; `sort` indexes them from the end.
    const sort = q.orderBy.map((o, i) => sortKey(o, i - hidden.length))
    return { sql: deparseQuery(shard), merge: { aggregate: undefined, hidden: hidden.length, distinct: sel.distinct, sort, limit, offset } }
  }
  // Re-aggregation.
  if (sel.having !== undefined) return { problem: 'HAVING over aggregates combined at the coordinator' }
  const groups: Expr[] = []
  for (const g of sel.groupBy) {
    const e = outputExpr(g, sel, inputColumns)
    if ('problem' in e) return e
    groups.push(e)
  }
  const shardItems: SelectItem[] = groups.map((g, i) => ({ kind: 'expr', expr: g, alias: `__isola_group${i}` }))
  const partial = (call: Expr & { kind: 'function' }, name: string): number => {
    shardItems.push({ kind: 'expr', expr: { ...call, name }, alias: `__isola_partial${shardItems.length}` })
    return shardItems.length - 1
  }
  const output: OutputColumn[] = []
  for (const item of sel.columns) {
    if (item.kind === 'star') return { problem: '* with aggregates' }
    const e = item.expr
    const name = columnName(item)
    const g = groups.findIndex((x) => same(x, e))
    if (g >= 0) { output.push({ kind: 'column', column: g, name }); continue }
    if (e.kind !== 'function' || !COMBINABLE.has(e.name) || (e.schema !== undefined && e.schema !== 'pg_catalog')) {
      return { problem: `${deparseExpr(e)} is neither grouped nor an aggregate the coordinator can combine` }
    }
    if (e.distinct || e.orderBy !== undefined) return { problem: `${deparseExpr(e)} cannot be combined from partial results` }
    if (e.name === 'avg') output.push({ kind: 'aggregate', aggregate: { fn: 'avg', sum: partial(e, 'sum'), count: partial(e, 'count') }, name })
    else output.push({ kind: 'aggregate', aggregate: { fn: e.name as 'count' | 'sum' | 'min' | 'max', column: partial(e, e.name) }, name })
  }
  const sort: SortKey[] = []
  let hidden = 0
  for (const o of q.orderBy) {
    const e = o.expr
    let index = -1
    if (e.kind === 'number' && /^\d+$/.test(e.text)) index = Number(e.text) - 1
    else if (e.kind === 'column' && e.table === undefined) index = output.findIndex((c) => c.name === e.name)
    if (index < 0) index = sel.columns.findIndex((c) => c.kind === 'expr' && same(c.expr, e))
    if (index < 0 && !sel.distinct) {
      // A group key the statement does not return: a hidden result column.
      const g = groups.findIndex((x) => same(x, e))
      if (g >= 0) {
        output.push({ kind: 'column', column: g, name: `__isola_sort${hidden}` })
        hidden++
        index = output.length - 1
      }
    }
    if (index < 0 || index >= output.length) return { problem: `ORDER BY ${deparseExpr(e)} is not a result column` }
    sort.push(sortKey(o, index))
  }
  const shard: Query = {
    kind: 'query', with: q.with, position: 0, orderBy: [], limit: undefined, offset: undefined, locking: undefined,
    body: { ...sel, distinct: false, columns: shardItems, groupBy: groups },
  }
  return {
    sql: deparseQuery(shard),
    merge: { aggregate: { groupKeys: groups.map((_, i) => i), output }, hidden, distinct: sel.distinct, sort, limit, offset },
  }
}
