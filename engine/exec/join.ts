/**
 * Joins. Output rows are the left row's values followed by the right row's
 * (semi and anti joins: the left row only); an outer join fills the missing side
 * with NULLs.
 *
 * Nested loop: when the right side reads columns of the left row (the inner side of
 * an index nested loop, whose index bounds come from the left row), it runs again
 * for every left row with those values in `ctx.outer`; otherwise it runs once and is
 * kept in memory.
 *
 * Hash join: the right side is read into a hash table on its key expressions; each
 * left row probes it. A NULL key never matches (SQL's `=`), but its row still
 * appears NULL-extended in an outer join.
 */
import { columnsOf, type ColumnId } from '../plan/bound.js'
import { outputs, type JoinType } from '../plan/logical.js'
import type { PhysicalPlan } from '../plan/physical.js'
import { walkExprs } from '../plan/walk.js'
import type { SqlValue } from '../values/index.js'
import { compile, type Compiled } from './compile.js'
import { interruptPoint, type ExecContext, type Row } from './context.js'
import { rowKey } from './hash-key.js'
import { BATCH, collect, collectNow, compiledOf, layoutOf, run, value } from './run.js'

const dependencies = new WeakMap<PhysicalPlan, readonly [ColumnId, number][]>()

/** Left columns (id, position) that the right subtree reads: set in ctx.outer before each run of it. */
function leftColumnsReadByRight(p: PhysicalPlan & { kind: 'nested-loop' }): readonly [ColumnId, number][] {
  let d = dependencies.get(p)
  if (d === undefined) {
    const used = new Set<ColumnId>()
    walkExprs(p.right, (e) => columnsOf(e, used))
    const left = layoutOf(p.left)
    d = [...used].flatMap((id) => (left.has(id) ? [[id, left.get(id)!] as [ColumnId, number]] : []))
    dependencies.set(p, d)
  }
  return d
}

/** Whether a joined row passes the join's condition: synchronous unless the condition holds a subquery. */
function passes(c: Compiled | undefined, row: Row, ctx: ExecContext): boolean | Promise<boolean> {
  if (c === undefined) return true
  if (!c.async) return c.fn(row, ctx) === true
  return c.fn(row, ctx).then((v) => v === true)
}

/**
 * What a left row adds once its matches (if any) are emitted: itself for a semi join
 * that matched or an anti join that did not, itself padded with NULLs for an outer
 * join that did not.
 */
function emitLeft(type: JoinType, matched: boolean, l: Row, nullsRight: readonly SqlValue[], out: Row[]): void {
  if (type === 'semi' || type === 'anti') {
    if (matched === (type === 'semi')) out.push(l)
  } else if (!matched && (type === 'left' || type === 'full')) out.push(l.concat(nullsRight))
}

export async function* nestedLoop(p: PhysicalPlan & { kind: 'nested-loop' }, ctx: ExecContext): AsyncGenerator<Row[]> {
  const cond = p.condition === undefined ? undefined : compiledOf(p, 'cond', () => compile(p.condition!, joinedLayout(p)))
  const deps = leftColumnsReadByRight(p)
  const rightWidth = outputs(p.right).length
  const leftWidth = outputs(p.left).length
  const nullsRight: SqlValue[] = new Array(rightWidth).fill(null)
  let shared: Row[] | undefined = deps.length === 0 ? await collect(p.right, ctx) : undefined
  const matchedRight = p.type === 'full' && shared !== undefined ? new Array<boolean>(shared.length).fill(false) : undefined
  let out: Row[] = []
  for await (const batch of run(p.left, ctx)) {
    for (const l of batch) {
      let rights = shared
      if (rights === undefined) {
        for (const [id, i] of deps) ctx.outer[id] = l[i]!
        const found = collectNow(p.right, ctx)
        rights = Array.isArray(found) ? found : await found
      }
      let matched = false
      for (let j = 0; j < rights.length; j++) {
        const r = rights[j]!
        const row = l.concat(r)
        const ok = passes(cond, row, ctx)
        if (!(ok === true || (ok !== false && (await ok)))) continue
        matched = true
        if (matchedRight) matchedRight[j] = true
        if (p.type === 'semi' || p.type === 'anti') break
        out.push(row)
      }
      emitLeft(p.type, matched, l, nullsRight, out)
      if (out.length >= BATCH) {
        yield out
        out = []
      }
    }
    await interruptPoint(ctx)
  }
  if (matchedRight !== undefined && shared !== undefined) {
    const nullsLeft: SqlValue[] = new Array(leftWidth).fill(null)
    shared.forEach((r, j) => {
      if (!matchedRight[j]) out.push(nullsLeft.concat(r))
    })
  }
  shared = undefined
  if (out.length > 0) yield out
}

const joined = new WeakMap<PhysicalPlan, Map<ColumnId, number>>()

/** The layout of a joined row (left columns, then right). */
function joinedLayout(p: PhysicalPlan & { kind: 'nested-loop' | 'hash-join' }): Map<ColumnId, number> {
  let l = joined.get(p)
  if (l === undefined) {
    l = new Map([...outputs(p.left), ...outputs(p.right)].map((c, i) => [c.id, i]))
    joined.set(p, l)
  }
  return l
}

export async function* hashJoin(p: PhysicalPlan & { kind: 'hash-join' }, ctx: ExecContext): AsyncGenerator<Row[]> {
  const leftKeys = p.leftKeys.map((k, i) => compiledOf(p, `lk${i}`, () => compile(k, layoutOf(p.left))))
  const rightKeys = p.rightKeys.map((k, i) => compiledOf(p, `rk${i}`, () => compile(k, layoutOf(p.right))))
  const trim = p.leftKeys.map((k, i) => k.type.kind === 'bpchar' || p.rightKeys[i]!.type.kind === 'bpchar')
  const residual = p.residual === undefined ? undefined : compiledOf(p, 'residual', () => compile(p.residual!, joinedLayout(p)))
  const rightWidth = outputs(p.right).length
  const leftWidth = outputs(p.left).length
  const table = new Map<string, { row: Row; matched: boolean }[]>()
  const unkeyed: Row[] = [] // right rows with a NULL key: only an outer join shows them
  // The hash key of a row (undefined: a NULL key); synchronous unless a key expression holds a subquery.
  const vals: SqlValue[] = []
  const keyOfSync = (keys: Compiled[], row: Row): string | undefined => {
    vals.length = 0
    for (const k of keys) {
      const v = k.fn(row, ctx) as SqlValue
      if (v === null) return undefined
      vals.push(v)
    }
    return rowKey(vals, trim)
  }
  const keyOfAsync = async (keys: Compiled[], row: Row): Promise<string | undefined> => {
    const vals: SqlValue[] = []
    for (const k of keys) {
      const v = await value(k, row, ctx)
      if (v === null) return undefined
      vals.push(v)
    }
    return rowKey(vals, trim)
  }
  const keyOf = [...leftKeys, ...rightKeys].some((k) => k.async) ? keyOfAsync : keyOfSync
  for await (const batch of run(p.right, ctx)) {
    await interruptPoint(ctx)
    for (const r of batch) {
      const found = keyOf(rightKeys, r)
      const k = typeof found === 'object' ? await found : found
      if (k === undefined) {
        if (p.type === 'full') unkeyed.push(r)
        continue
      }
      const list = table.get(k)
      if (list) list.push({ row: r, matched: false })
      else table.set(k, [{ row: r, matched: false }])
    }
  }
  const nullsRight: SqlValue[] = new Array(rightWidth).fill(null)
  let out: Row[] = []
  for await (const batch of run(p.left, ctx)) {
    for (const l of batch) {
      const found = keyOf(leftKeys, l)
      const k = typeof found === 'object' ? await found : found
      const candidates = k === undefined ? undefined : table.get(k)
      let matched = false
      if (candidates !== undefined) {
        for (const c of candidates) {
          const row = l.concat(c.row)
          const ok = passes(residual, row, ctx)
          if (!(ok === true || (ok !== false && (await ok)))) continue
          matched = true
          c.matched = true
          if (p.type === 'semi' || p.type === 'anti') break
          out.push(row)
        }
      }
      emitLeft(p.type, matched, l, nullsRight, out)
      if (out.length >= BATCH) {
        yield out
        out = []
      }
    }
  }
  if (p.type === 'full') {
    const nullsLeft: SqlValue[] = new Array(leftWidth).fill(null)
    for (const list of table.values()) for (const c of list) if (!c.matched) out.push(nullsLeft.concat(c.row))
    for (const r of unkeyed) out.push(nullsLeft.concat(r))
  }
  if (out.length > 0) yield out
}
