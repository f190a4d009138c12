/**
 * Hash aggregation: one entry per distinct group key (hash-key.ts), holding each
 * aggregate's running state. Without GROUP BY an empty input still yields one row
 * (count 0, sum NULL …), as SQL requires. DISTINCT aggregates and aggregates with
 * their own ORDER BY collect each group's argument tuples (distinct ones, for DISTINCT)
 * and feed them at the end in the ORDER BY's order, or else in ascending order (NULLs
 * last) as PostgreSQL's sort-based DISTINCT does: string_agg(DISTINCT s, ',') is
 * 'a,b,c' whatever the input order. A row whose FILTER is not true is not fed to
 * its aggregate; aggregates other than count(x) and string_agg never see a NULL argument.
 */
import type { AggregateOrder, BExpr } from '../plan/bound.js'
import type { PhysicalPlan } from '../plan/physical.js'
import type { SqlType, SqlValue } from '../values/index.js'
import type { AggregateFunction } from '../functions/types.js'
import { compile, type Compiled, type Sync } from './compile.js'
import { interruptPoint, type ExecContext, type Row } from './context.js'
import { rowKey } from './hash-key.js'
import { BATCH, compiledOf, layoutOf, run, value } from './run.js'
import { compareKeys } from './compare-keys.js'

interface Group {
  readonly values: SqlValue[]
  readonly states: unknown[]
  /** A DISTINCT or ordered aggregate's inputs, fed at the end: by argument key (so once each, for DISTINCT) or in arrival order. */
  readonly buffered: (Map<string, Buffered> | Buffered[] | undefined)[]
}

/** One row's arguments of an aggregate, and its ORDER BY keys. */
interface Buffered {
  readonly args: SqlValue[]
  readonly keys: SqlValue[]
}

/** Buffered inputs in the ORDER BY's order (a stable sort: ties keep their arrival order). */
function byKeys(order: readonly AggregateOrder[]): (a: Buffered, b: Buffered) => number {
  const keys = order.map((k) => ({ type: k.expr.type, desc: k.desc, nullsFirst: k.nullsFirst }))
  return (a, b) => compareKeys(keys, a.keys, b.keys)
}

/** Argument tuples in ascending order, NULLs last. */
function byArguments(types: readonly SqlType[]): (a: readonly SqlValue[], b: readonly SqlValue[]) => number {
  const keys = types.map((type) => ({ type, desc: false, nullsFirst: false }))
  return (a, b) => compareKeys(keys, a, b)
}

/** What feedSync needs of an aggregate (the `aggs` entries of `aggregate`). */
interface SyncAggregate {
  readonly fn: AggregateFunction
  readonly types: readonly SqlType[]
  readonly args: readonly Compiled[]
  readonly values: SqlValue[]
  readonly filter: Compiled | undefined
}

/**
 * Steps every aggregate with the rows of one batch, when all its expressions are
 * synchronous and no aggregate buffers its inputs: a plain function, which V8
 * optimises better than the generator's loop with its (untaken) awaits.
 */
function feedSync(batch: readonly Row[], groupOf: (row: Row) => Group, aggs: readonly SyncAggregate[], ctx: ExecContext): void {
  for (let r = 0; r < batch.length; r++) {
    const row = batch[r]!
    const group = groupOf(row)
    for (let i = 0; i < aggs.length; i++) {
      const a = aggs[i]!
      if (a.filter !== undefined && (a.filter.fn as Sync)(row, ctx) !== true) continue
      const args = a.values
      let hasNull = false
      for (let j = 0; j < a.args.length; j++) {
        const v = (a.args[j]!.fn as Sync)(row, ctx)
        args[j] = v
        if (v === null) hasNull = true
      }
      if (hasNull && !a.fn.acceptsNull) continue
      group.states[i] = a.fn.step(group.states[i], args, a.types)
    }
  }
}

export async function* aggregate(p: PhysicalPlan & { kind: 'aggregate' }, ctx: ExecContext): AsyncGenerator<Row[]> {
  const layout = layoutOf(p.input)
  const groups = p.groups.map((g, i) => compiledOf(p, `g${i}`, () => compile(g.expr, layout)))
  const trim = p.groups.map((g) => g.expr.type.kind === 'bpchar')
  const aggs = p.aggs.map((a, i) => {
    const e = a.expr as BExpr & { kind: 'aggregate' }
    const args = e.args.map((x, j) => compiledOf(p, `a${i}.${j}`, () => compile(x, layout)))
    return {
      fn: e.fn,
      distinct: e.distinct,
      types: e.args.map((x) => x.type),
      args,
      anyAsync: args.some((c) => c.async),
      // One argument array per aggregate, refilled for every row (step functions keep
      // values, never the array; buffered inputs take a copy).
      values: new Array<SqlValue>(args.length),
      order: e.order,
      keys: e.order.map((k, j) => compiledOf(p, `o${i}.${j}`, () => compile(k.expr, layout))),
      filter: e.filter === undefined ? undefined : compiledOf(p, `f${i}`, () => compile(e.filter!, layout)),
    }
  })
  const table = new Map<string, Group>()
  const newGroup = (values: SqlValue[]): Group => ({
    values,
    states: aggs.map((a) => a.fn.init(a.types)),
    buffered: aggs.map((a) => (a.distinct ? new Map<string, Buffered>() : a.order.length > 0 ? [] : undefined)),
  })
  // Without GROUP BY every row is in the one group: no key to compute per row (and an
  // empty input still gives its row).
  const single = p.groups.length === 0 ? newGroup([]) : undefined
  if (single !== undefined) table.set('', single)
  // Nothing async and nothing buffered (the usual case): batches go through a plain synchronous loop.
  const sync = groups.every((g) => !g.async) && aggs.every((a) => !a.anyAsync && a.filter?.async !== true && !a.distinct && a.order.length === 0)
  const groupOf =
    single !== undefined
      ? () => single
      : (row: Row): Group => {
          const gv: SqlValue[] = []
          for (const g of groups) gv.push((g.fn as Sync)(row, ctx))
          const key = rowKey(gv, trim)
          let group = table.get(key)
          if (group === undefined) table.set(key, (group = newGroup(gv)))
          return group
        }
  for await (const batch of run(p.input, ctx)) {
    await interruptPoint(ctx)
    if (sync) {
      feedSync(batch, groupOf, aggs, ctx)
      continue
    }
    for (const row of batch) {
      let group = single
      if (group === undefined) {
        const gv: SqlValue[] = []
        for (const g of groups) gv.push(g.async ? await g.fn(row, ctx) : g.fn(row, ctx))
        const key = rowKey(gv, trim)
        group = table.get(key)
        if (group === undefined) table.set(key, (group = newGroup(gv)))
      }
      for (let i = 0; i < aggs.length; i++) {
        const a = aggs[i]!
        if (a.filter !== undefined && (a.filter.async ? await a.filter.fn(row, ctx) : a.filter.fn(row, ctx)) !== true) continue
        const args = a.values
        let hasNull = false
        for (let j = 0; j < a.args.length; j++) {
          const c = a.args[j]!
          const v = a.anyAsync && c.async ? await c.fn(row, ctx) : (c.fn(row, ctx) as SqlValue)
          args[j] = v
          if (v === null) hasNull = true
        }
        if (hasNull && !a.fn.acceptsNull) continue
        const buffered = group.buffered[i]
        if (buffered !== undefined) {
          const k = buffered instanceof Map ? rowKey(args) : ''
          if (buffered instanceof Map && buffered.has(k)) continue
          const keys: SqlValue[] = []
          for (const c of a.keys) keys.push(await value(c, row, ctx))
          const input = { args: args.slice(), keys }
          if (buffered instanceof Map) buffered.set(k, input)
          else buffered.push(input)
          continue
        }
        group.states[i] = a.fn.step(group.states[i], args, a.types)
      }
    }
  }
  let out: Row[] = []
  for (const g of table.values()) {
    aggs.forEach((a, i) => {
      const buffered = g.buffered[i]
      if (buffered === undefined) return
      const inputs = [...buffered.values()]
      if (a.order.length > 0) inputs.sort(byKeys(a.order))
      else inputs.sort((x, y) => byArguments(a.types)(x.args, y.args))
      for (const input of inputs) g.states[i] = a.fn.step(g.states[i], input.args, a.types)
    })
    out.push([...g.values, ...aggs.map((a, i) => a.fn.final(g.states[i], a.types))])
    if (out.length >= BATCH) {
      yield out
      out = []
    }
  }
  if (out.length > 0) yield out
}
