/**
 * Hash aggregation: one entry per distinct group key (hash-key.ts), holding each
 * aggregate's running state. Without GROUP BY an empty input still yields one row
 * (count 0, sum NULL …), as SQL requires. DISTINCT aggregates keep the set of
 * argument keys each group has seen; aggregates other than count(x) and
 * string_agg never see a NULL argument.
 */
import type { BExpr } from '../plan/bound.js'
import type { PhysicalPlan } from '../plan/physical.js'
import type { SqlValue } from '../values/index.js'
import { compile } from './compile.js'
import type { ExecContext, Row } from './context.js'
import { rowKey } from './hash-key.js'
import { BATCH, compiledOf, layoutOf, run } from './run.js'

interface Group {
  readonly values: SqlValue[]
  readonly states: unknown[]
  readonly seen: (Set<string> | undefined)[]
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
      // One argument array per aggregate, refilled for every row (step functions keep values, never the array).
      values: new Array<SqlValue>(args.length),
    }
  })
  const table = new Map<string, Group>()
  const newGroup = (values: SqlValue[]): Group => ({
    values,
    states: aggs.map((a) => a.fn.init(a.types)),
    seen: aggs.map((a) => (a.distinct ? new Set<string>() : undefined)),
  })
  // Without GROUP BY every row is in the one group: no key to compute per row.
  const single = p.groups.length === 0 ? newGroup([]) : undefined
  if (single !== undefined) table.set('', single)
  for await (const batch of run(p.input, ctx)) {
    ctx.checkInterrupt()
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
        const args = a.values
        let hasNull = false
        for (let j = 0; j < a.args.length; j++) {
          const c = a.args[j]!
          const v = a.anyAsync && c.async ? await c.fn(row, ctx) : (c.fn(row, ctx) as SqlValue)
          args[j] = v
          if (v === null) hasNull = true
        }
        if (hasNull && !a.fn.acceptsNull) continue
        const seen = group.seen[i]
        if (seen !== undefined) {
          if (hasNull) continue
          const k = rowKey(args)
          if (seen.has(k)) continue
          seen.add(k)
        }
        group.states[i] = a.fn.step(group.states[i], args, a.types)
      }
    }
  }
  // An empty input: one row without GROUP BY (kept above), none with it.
  let out: Row[] = []
  for (const g of table.values()) {
    out.push([...g.values, ...aggs.map((a, i) => a.fn.final(g.states[i], a.types))])
    if (out.length >= BATCH) {
      yield out
      out = []
    }
  }
  if (out.length > 0) yield out
}
