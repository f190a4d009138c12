/**
 * Running INSERT, UPDATE and DELETE: read every target row first (the read plan
 * is an ordinary query), then write them one by one through the table writer, then
 * run the statement's deferred foreign-key work, then compute RETURNING.
 *
 * READ COMMITTED's re-check (PostgreSQL's EvalPlanQual): when a target row changed
 * after the statement's snapshot, the writer hands the row's newest version back;
 * WHERE and SET are evaluated again on it (from the bound expressions over the
 * target's columns) and the row is updated, deleted or skipped accordingly. With a
 * FROM/USING clause or a subquery in SET the re-check is not possible here, and the
 * statement fails with 40001 instead (a shortcut; PostgreSQL re-runs the join).
 *
 * ON CONFLICT: each row is inserted under a savepoint; a unique violation on the
 * arbiter rolls it back and then either skips the row or updates the existing one.
 */
import { dbError, IsolaError } from '../../common/errors.js'
import type { BoundDelete, BoundInsert, BoundUpdate, Returning } from '../bind/dml.js'
import type { TableInfo } from '../catalog/schema.js'
import type { BExpr, ColumnId } from '../plan/bound.js'
import type { PhysicalPlan } from '../plan/physical.js'
import { prefixEnd } from '../rows/keys.js'
import type { SqlValue } from '../values/index.js'
import { compile, type Compiled, type Layout } from './compile.js'
import { interruptPoint, type ExecContext, type Row } from './context.js'
import { collect, layoutOf, value } from './run.js'
import { indexShape } from './scan.js'
import { primaryKeyOf, TableWriter, type WriteEnv } from './table-writer.js'

export interface DmlResult {
  readonly rowCount: number
  /** RETURNING rows, when the statement has RETURNING. */
  readonly rows: Row[] | undefined
}

/** Runs queued foreign-key work (which may queue more: cascades) until none is left. */
async function flushDeferred(env: WriteEnv): Promise<void> {
  while (env.deferred.length > 0) await env.deferred.shift()!()
}

/** Values in table-column order → values by slot. */
function toSlots(t: TableInfo, values: readonly SqlValue[]): Row {
  const slots: Row = new Array(t.slots).fill(null)
  t.columns.forEach((c, i) => (slots[c.attnum - 1] = values[i] ?? null))
  return slots
}

const fromSlots = (t: TableInfo, slots: Row): Row => t.columns.map((c) => slots[c.attnum - 1] ?? null)

class ReturningEval {
  private readonly fns: Compiled[]

  constructor(r: Returning, layout: Layout) {
    this.fns = r.exprs.map((e) => compile(e, layout))
  }

  async row(values: Row, ctx: ExecContext): Promise<Row> {
    const out: Row = []
    for (const f of this.fns) out.push(await value(f, values, ctx))
    return out
  }
}

const idLayout = (ids: readonly ColumnId[], offset = 0): Map<ColumnId, number> => new Map(ids.map((id, i) => [id, i + offset]))

export async function runInsert(ins: BoundInsert, read: PhysicalPlan, ctx: ExecContext, env: WriteEnv): Promise<DmlResult> {
  const t = ins.table
  const rows = await collect(read, ctx)
  const layout = layoutOf(read)
  const at = ins.values.map((id) => layout.get(id)!)
  const writer = new TableWriter(t, env)
  const returning = ins.returning === undefined ? undefined : new ReturningEval(ins.returning, idLayout(ins.newIds))
  const out: Row[] = []
  let count = 0
  const conflict = ins.onConflict
  const touched = new Set<string>()
  const conflictUpdate = conflict?.action === 'update' ? new ConflictUpdate(ins, conflict, ctx) : undefined
  for (const r of rows) {
    await interruptPoint(ctx)
    const values = at.map((i) => r[i]!)
    let slots = toSlots(t, values)
    if (conflict === undefined) {
      await writer.insert(slots)
    } else {
      ctx.txn.savepoint('on conflict')
      const mark = env.deferred.length
      try {
        const key = await writer.insert(slots)
        ctx.txn.releaseSavepoint('on conflict')
        touched.add(Buffer.from(key).toString('latin1'))
      } catch (e) {
        const arbiter = conflict.arbiter
        const ours = e instanceof IsolaError && e.code === '23505' && (arbiter === undefined || e.constraint === (arbiter.constraint ?? arbiter.name))
        if (!ours) throw e
        ctx.txn.rollbackToSavepoint('on conflict')
        ctx.txn.releaseSavepoint('on conflict')
        env.deferred.length = mark
        if (conflictUpdate === undefined) continue
        const key = await existingKey(ctx, t, conflict.arbiter!, slots)
        if (key === undefined) continue
        const k = Buffer.from(key).toString('latin1')
        if (touched.has(k)) {
          throw dbError('cardinality_violation', 'ON CONFLICT DO UPDATE command cannot affect row a second time', {
            hint: 'Ensure that no rows proposed for insertion within the same command have duplicate constrained values.',
          })
        }
        const updated = await conflictUpdate.apply(writer, key, values)
        if (updated === undefined) continue
        touched.add(Buffer.from(updated.key).toString('latin1'))
        slots = updated.row
      }
    }
    count++
    if (returning !== undefined) out.push(await returning.row(fromSlots(t, slots), ctx))
  }
  await flushDeferred(env)
  return { rowCount: count, rows: returning === undefined ? undefined : out }
}

/** The key of the row a rejected insert collided with on `arbiter`. */
async function existingKey(ctx: ExecContext, t: TableInfo, arbiter: NonNullable<BoundInsert['onConflict']>['arbiter'] & object, slots: Row): Promise<Uint8Array | undefined> {
  if (arbiter.primary) return primaryKeyOf(t, slots)
  const values = arbiter.keys.map((k) => slots[k.attnum! - 1] ?? null)
  const prefix = indexShape(arbiter).encode(values)
  const entry = (await ctx.txn.scan(arbiter.tree, { from: prefix, to: prefixEnd(prefix), limit: 1 }))[0]
  return entry?.[1]
}

/** ON CONFLICT DO UPDATE: SET and WHERE over the existing row and EXCLUDED. */
class ConflictUpdate {
  private readonly sets: { attnum: number; fn: Compiled }[]
  private readonly where: Compiled | undefined
  private readonly layout: Map<ColumnId, number>

  constructor(
    private readonly ins: BoundInsert,
    c: NonNullable<BoundInsert['onConflict']> & { action: 'update' },
    private readonly ctx: ExecContext,
  ) {
    // Evaluated over [existing row (table-column order), excluded row (table-column order)].
    this.layout = new Map([...idLayout(c.existing), ...idLayout(c.excluded, c.existing.length)])
    this.sets = c.sets.map((s) => ({ attnum: s.attnum, fn: compile(s.expr, this.layout) }))
    this.where = c.where === undefined ? undefined : compile(c.where, this.layout)
  }

  private get sync(): boolean {
    return !this.where?.async && this.sets.every((s) => !s.fn.async)
  }

  /** The new row for `current`, or null when WHERE rejects it. */
  private next(current: Row, excluded: readonly SqlValue[]): Row | null {
    const t = this.ins.table
    const env = [...fromSlots(t, current), ...excluded]
    if (this.where !== undefined && this.where.fn(env, this.ctx) !== true) return null
    const row = [...current]
    for (const s of this.sets) row[s.attnum - 1] = s.fn.fn(env, this.ctx) as SqlValue
    return row
  }

  async apply(writer: TableWriter, key: Uint8Array, excluded: readonly SqlValue[]) {
    if (!this.sync) throw dbError('feature_not_supported', 'subqueries in ON CONFLICT DO UPDATE are not supported yet')
    // No expected row: the current version (locked by the writer) is always evaluated.
    return writer.update(key, undefined, [], (current) => this.next(current, excluded))
  }
}

/** Compiles a READ COMMITTED re-check over the target's columns, or undefined when that is not possible. */
function recheckOf(t: TableInfo, oldIds: readonly ColumnId[], where: BExpr | undefined): Compiled | undefined | null {
  if (where === undefined) return undefined
  const layout = new Map(oldIds.map((id, i) => [id, t.columns[i]!.attnum - 1]))
  const c = compile(where, layout)
  return c.async ? null : c
}

function concurrentUpdate(): IsolaError {
  return dbError('serialization_failure', 'could not serialize access due to concurrent update', {
    detail: 'The row changed after the statement began, and this statement cannot be re-evaluated on its newest version.',
    hint: 'The transaction might succeed if retried.',
  })
}

interface UpdateRecheck {
  readonly where: Compiled | undefined | null
  readonly sets: readonly { readonly slot: number; readonly fn: Compiled }[] | undefined
  readonly canRecheck: boolean
}

const rechecks = new WeakMap<BoundUpdate, UpdateRecheck>()

/**
 * The rows an UPDATE … FROM or DELETE … USING read, each target row once: a join may
 * match a target row several times, and PostgreSQL changes it once.
 */
function* eachTargetOnce(rows: readonly Row[], keyAt: number): Generator<Row> {
  if (rows.length < 2) return yield* rows
  const seen = new Set<string>()
  for (const r of rows) {
    const k = (r[keyAt] as Buffer).toString('latin1')
    if (seen.has(k)) continue
    seen.add(k)
    yield r
  }
}

/** An UPDATE's re-check: WHERE and SET over the current row's slots, compiled at its first use per (cached) statement. */
function updateRecheck(upd: BoundUpdate): UpdateRecheck {
  let r = rechecks.get(upd)
  if (r === undefined) {
    const t = upd.table
    const slotLayout = new Map(upd.oldIds.map((id, i) => [id, t.columns[i]!.attnum - 1]))
    const rc = upd.recheck
    const where = rc === undefined ? null : recheckOf(t, upd.oldIds, rc.where)
    const sets = rc === undefined ? undefined : rc.sets.map((s) => ({ slot: s.attnum - 1, fn: compile(s.expr, slotLayout) }))
    r = { where, sets, canRecheck: rc !== undefined && where !== null && sets!.every((s) => !s.fn.async) }
    rechecks.set(upd, r)
  }
  return r
}

export async function runUpdate(upd: BoundUpdate, read: PhysicalPlan, ctx: ExecContext, env: WriteEnv): Promise<DmlResult> {
  const t = upd.table
  const rows = await collect(read, ctx)
  const layout = layoutOf(read)
  const keyAt = layout.get(upd.rowKey)!
  const oldAt = upd.oldIds.map((id) => layout.get(id)!)
  const setAt = upd.sets.map((s) => ({ slot: s.attnum - 1, at: layout.get(s.id)! }))
  const writer = new TableWriter(t, env)
  // Compiled when a row changed under the statement, not before: a plan run once (a
  // simple query) would otherwise compile its WHERE and SET twice for nothing.
  const recheck = (current: Row): Row | null => {
    const { where, sets, canRecheck } = updateRecheck(upd)
    if (!canRecheck) throw concurrentUpdate()
    if (where !== undefined && where!.fn(current, ctx) !== true) return null
    const next = [...current]
    for (const s of sets!) next[s.slot] = s.fn.fn(current, ctx) as SqlValue
    return next
  }
  const returning = upd.returning === undefined ? undefined : new ReturningEval(upd.returning, new Map([...idLayout(upd.newIds), ...[...layout].map(([id, i]) => [id, upd.newIds.length + i] as [ColumnId, number])]))
  const out: Row[] = []
  let count = 0
  for (const r of eachTargetOnce(rows, keyAt)) {
    await interruptPoint(ctx)
    const key = r[keyAt] as Buffer
    const old = toSlots(t, oldAt.map((i) => r[i]!))
    const next = [...old]
    for (const s of setAt) next[s.slot] = r[s.at]!
    const done = await writer.update(key, old, next, recheck)
    if (done === undefined) continue
    count++
    if (returning !== undefined) out.push(await returning.row([...fromSlots(t, done.row), ...r], ctx))
  }
  await flushDeferred(env)
  return { rowCount: count, rows: returning === undefined ? undefined : out }
}

export async function runDelete(del: BoundDelete, read: PhysicalPlan, ctx: ExecContext, env: WriteEnv): Promise<DmlResult> {
  const t = del.table
  const rows = await collect(read, ctx)
  const layout = layoutOf(read)
  const keyAt = layout.get(del.rowKey)!
  const oldAt = del.oldIds.map((id) => layout.get(id)!)
  const writer = new TableWriter(t, env)
  const where = del.recheck === undefined ? null : recheckOf(t, del.oldIds, del.recheck.where)
  const recheck = (current: Row): boolean => {
    if (where === null) throw concurrentUpdate()
    return where === undefined || where.fn(current, ctx) === true
  }
  const returning = del.returning === undefined ? undefined : new ReturningEval(del.returning, layout)
  const out: Row[] = []
  let count = 0
  for (const r of eachTargetOnce(rows, keyAt)) {
    await interruptPoint(ctx)
    const key = r[keyAt] as Buffer
    const old = toSlots(t, oldAt.map((i) => r[i]!))
    const gone = await writer.delete(key, old, recheck)
    if (gone === undefined) continue
    count++
    if (returning !== undefined) {
      const now = [...r]
      oldAt.forEach((i, j) => (now[i] = gone[t.columns[j]!.attnum - 1] ?? null))
      out.push(await returning.row(now, ctx))
    }
  }
  await flushDeferred(env)
  return { rowCount: count, rows: returning === undefined ? undefined : out }
}
