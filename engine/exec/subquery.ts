/**
 * Subqueries in expressions: scalar (at most one row, 21000 otherwise), EXISTS,
 * and `x op ANY/ALL (…)` (IN and NOT IN are `= ANY` under NOT).
 *
 * An uncorrelated subquery runs once per statement and its result is kept; `= ANY`
 * over an uncorrelated subquery becomes a hash set. A correlated one runs for each
 * row, after the row's columns it reads are put in `ctx.outer`.
 */
import { dbError } from '../../common/errors.js'
import type { BExpr } from '../plan/bound.js'
import { applyOperator, type SqlValue } from '../values/index.js'
import type { Async, Layout } from './compile.js'
import type { ExecContext, Row } from './context.js'
import { rowKey, valueKeyOf } from './hash-key.js'
import { run } from './run.js'

const HASH_FAMILY: Record<string, string> = { int2: 'i', int4: 'i', int8: 'i', numeric: 'n', text: 's', varchar: 's', bool: 'b', date: 'd', timestamp: 't', timestamptz: 'z', bytea: 'y', float4: 'f', float8: 'f', bpchar: 'c' }

interface HashedSet {
  readonly keys: Set<string>
  readonly hasNull: boolean
  readonly empty: boolean
}

async function firstRows(ctx: ExecContext, id: number, max: number): Promise<Row[]> {
  const out: Row[] = []
  for await (const batch of run(ctx.subplans.get(id)!, ctx)) {
    for (const r of batch) {
      out.push(r)
      if (out.length >= max) return out
    }
  }
  return out
}

export function compileSubquery(e: BExpr & { kind: 'subquery' }, layout: Layout, compileAsync: (e: BExpr) => Async): Async {
  const sub = e.sub
  const correlated = sub.outer.length > 0
  const provide = sub.outer.flatMap((id) => {
    const i = layout.get(id)
    return i === undefined ? [] : [[id, i] as const]
  })
  const setOuter = (row: Row, ctx: ExecContext) => {
    for (const [id, i] of provide) ctx.outer[id] = row[i]!
  }
  const mode = sub.mode
  switch (mode.kind) {
    case 'scalar':
      return async (row, ctx) => {
        if (!correlated && ctx.subqueryCache.has(sub.id)) return ctx.subqueryCache.get(sub.id) as SqlValue
        setOuter(row, ctx)
        const rows = await firstRows(ctx, sub.id, 2)
        if (rows.length > 1) throw dbError('cardinality_violation', 'more than one row returned by a subquery used as an expression')
        const v = rows[0]?.[0] ?? null
        if (!correlated) ctx.subqueryCache.set(sub.id, v)
        return v
      }
    case 'array':
      return async (row, ctx) => {
        if (!correlated && ctx.subqueryCache.has(sub.id)) return ctx.subqueryCache.get(sub.id) as SqlValue
        setOuter(row, ctx)
        const out: SqlValue[] = []
        for await (const batch of run(ctx.subplans.get(sub.id)!, ctx)) for (const r of batch) out.push(r[0]!)
        if (!correlated) ctx.subqueryCache.set(sub.id, out)
        return out
      }
    case 'exists':
      return async (row, ctx) => {
        if (!correlated && ctx.subqueryCache.has(sub.id)) return ctx.subqueryCache.get(sub.id) as SqlValue
        setOuter(row, ctx)
        const v = (await firstRows(ctx, sub.id, 1)).length > 0
        if (!correlated) ctx.subqueryCache.set(sub.id, v)
        return v
      }
    case 'quantified': {
      const left = compileAsync(mode.left)
      const op = mode.op
      const all = mode.all
      const fam = HASH_FAMILY[op.leftType.kind]
      const hashable = !correlated && !all && op.name === '=' && fam !== undefined && fam === HASH_FAMILY[op.rightType.kind]
      const trim = op.leftType.kind === 'bpchar'
      if (hashable) {
        return async (row, ctx) => {
          let set = ctx.subqueryCache.get(sub.id) as HashedSet | undefined
          if (set === undefined) {
            const keys = new Set<string>()
            let hasNull = false
            let empty = true
            for await (const batch of run(ctx.subplans.get(sub.id)!, ctx)) {
              for (const r of batch) {
                empty = false
                if (r[0] === null) hasNull = true
                else keys.add(valueKeyOf(r[0]!, trim))
              }
            }
            set = { keys, hasNull, empty }
            ctx.subqueryCache.set(sub.id, set)
          }
          // As PostgreSQL's ExecHashSubPlan: over no rows the left side is not evaluated (nor can it fail).
          if (set.empty) return false
          const a = await left(row, ctx)
          if (a === null) return null
          if (set.keys.has(rowKey([a], [trim]))) return true
          return set.hasNull ? null : false
        }
      }
      return async (row, ctx) => {
        setOuter(row, ctx)
        let sawNull = false
        // Evaluated at the first row (PostgreSQL evaluates it with each row): not at all over none.
        let a: SqlValue = null
        let evaluated = false
        for await (const batch of run(ctx.subplans.get(sub.id)!, ctx)) {
          for (const r of batch) {
            if (!evaluated) {
              a = await left(row, ctx)
              evaluated = true
            }
            const v = r[0]!
            const res = a === null || v === null ? null : applyOperator(op, a, v)
            if (res === null) sawNull = true
            else if (res === !all) return !all
          }
        }
        return sawNull ? null : all
      }
    }
  }
}
