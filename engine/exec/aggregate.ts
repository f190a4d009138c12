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
import { interruptPoint, type ExecContext, type Row } from './context.js'
import { rowKey } from './hash-key.js'
import { BATCH, compiledOf, layoutOf, run, value } from './run.js'

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
    return {
      fn: e.fn,
      distinct: e.distinct,
      types: e.args.map((x) => x.type),
      args: e.args.map((x, j) => compiledOf(p, `a${i}.${j}`, () => compile(x, layout))),
    }
  })
  const table = new Map<string, Group>()
  const newGroup = (values: SqlValue[]): Group => ({
    values,
    states: aggs.map((a) => a.fn.init(a.types)),
    seen: aggs.map((a) => (a.distinct ? new Set<string>() : undefined)),
  })
  for await (const batch of run(p.input, ctx)) {
    await interruptPoint(ctx)
    for (const row of batch) {
      const gv: SqlValue[] = []
      for (const g of groups) gv.push(g.async ? await g.fn(row, ctx) : g.fn(row, ctx))
      const key = rowKey(gv, trim)
      let group = table.get(key)
      if (group === undefined) table.set(key, (group = newGroup(gv)))
      for (let i = 0; i < aggs.length; i++) {
        const a = aggs[i]!
        const args: SqlValue[] = []
        for (const c of a.args) args.push(await value(c, row, ctx))
        if (!a.fn.acceptsNull && args.some((v) => v === null)) continue
        const seen = group.seen[i]
        if (seen !== undefined) {
          if (args.some((v) => v === null)) continue
          const k = rowKey(args)
          if (seen.has(k)) continue
          seen.add(k)
        }
        group.states[i] = a.fn.step(group.states[i], args, a.types)
      }
    }
  }
  if (table.size === 0 && p.groups.length === 0) table.set('', newGroup([]))
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
