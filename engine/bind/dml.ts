/**
 * Binding INSERT, UPDATE and DELETE.
 *
 * Each becomes a *read plan* (a logical plan producing one row per target row)
 * plus what the writer needs to apply it (exec/dml.ts). Reading everything first
 * and writing afterwards keeps a statement from seeing its own changes (the
 * Halloween problem) without command ids.
 *
 *     INSERT: source rows, coerced to the target columns (missing ones get their
 *             defaults), in table-column order.
 *     UPDATE: the target's row key and current values, the new values of the SET
 *             columns, and the FROM columns RETURNING reads.
 *     DELETE: the target's row key and current values (RETURNING reads them).
 *
 * RETURNING is bound over the row as written (`newIds`), plus the FROM/USING items.
 */
import { dbError } from '../../common/errors.js'
import { parseExpression, type Expr, type FromItem, type SelectItem, type Statement } from '../../parser/index.js'
import type { ColumnInfo, IndexInfo, TableInfo } from '../catalog/schema.js'
import { some, type BExpr, type ColumnId } from '../plan/bound.js'
import { outputs, type Assign, type LogicalPlan } from '../plan/logical.js'
import { T, baseTypeName, type SqlType } from '../values/index.js'
import type { Binder } from './binder.js'
import { coerce } from './coerce.js'
import { bindExpr, resolveUnknown, startOf, toBool } from './expr.js'
import { bindFromList, scanTable } from './from.js'
import { bindQuery, type BoundColumn } from './query.js'
import { Scope, type NsItem, type ScopeColumn } from './scope.js'
import { figureName } from './select.js'

export interface Returning {
  readonly columns: readonly BoundColumn[]
  readonly exprs: readonly BExpr[]
}

export interface BoundInsert {
  readonly kind: 'insert'
  readonly table: TableInfo
  /** One row per inserted row; `values` are its column ids in table-column order. */
  readonly source: LogicalPlan
  readonly values: readonly ColumnId[]
  readonly onConflict: BoundConflict | undefined
  /** Ids the written row's columns have for RETURNING (table-column order). */
  readonly newIds: readonly ColumnId[]
  readonly returning: Returning | undefined
}

export type BoundConflict =
  | { readonly action: 'nothing'; readonly arbiter: IndexInfo | undefined }
  | {
      readonly action: 'update'
      readonly arbiter: IndexInfo
      /** Layout of the SET/WHERE expressions: the existing row's columns, then EXCLUDED's. */
      readonly existing: readonly ColumnId[]
      readonly excluded: readonly ColumnId[]
      readonly sets: readonly { readonly attnum: number; readonly expr: BExpr }[]
      readonly where: BExpr | undefined
    }

export interface BoundUpdate {
  readonly kind: 'update'
  readonly table: TableInfo
  readonly source: LogicalPlan
  readonly rowKey: ColumnId
  /** The target row's current values (scan ids, table-column order). */
  readonly oldIds: readonly ColumnId[]
  /** New value of each SET column, as produced by the source plan. */
  readonly sets: readonly { readonly attnum: number; readonly id: ColumnId }[]
  /** SET expressions and WHERE over `oldIds` alone, for READ COMMITTED's re-check of a concurrently updated row (undefined with FROM). */
  readonly recheck: { readonly sets: readonly { readonly attnum: number; readonly expr: BExpr }[]; readonly where: BExpr | undefined } | undefined
  readonly newIds: readonly ColumnId[]
  readonly returning: Returning | undefined
}

export interface BoundDelete {
  readonly kind: 'delete'
  readonly table: TableInfo
  readonly source: LogicalPlan
  readonly rowKey: ColumnId
  readonly oldIds: readonly ColumnId[]
  readonly recheck: { readonly where: BExpr | undefined } | undefined
  readonly returning: Returning | undefined
}

export type BoundDml = BoundInsert | BoundUpdate | BoundDelete

const VIEW_ACTIONS: Readonly<Record<string, string>> = { 'insert into': 'inserting into', update: 'updating', 'delete from': 'deleting from' }

export function targetTable(b: Binder, s: Statement & { kind: 'insert' | 'update' | 'delete' }, verb: string): TableInfo {
  const { table: name, tablePosition: position } = s
  // Tables live in schema public; the system schemas hold only read-only views.
  if (s.schema !== undefined && s.schema !== 'public') throw dbError('undefined_table', `relation "${s.schema}.${name}" does not exist`, { position })
  const rel = b.catalog.byName(name)
  if (rel === undefined && b.catalog.index(name) !== undefined) throw dbError('wrong_object_type', `"${name}" is an index`, { position })
  if (rel === undefined) throw dbError('undefined_table', `relation "${name}" does not exist`, { position })
  // As PostgreSQL words them, without a position. (A view over one table would be
  // automatically updatable there; here no view is: a shortcut.)
  if (rel.kind === 'view') {
    const action = verb.split(' ')[0]!.toUpperCase()
    throw dbError('object_not_in_prerequisite_state', `cannot ${verb} view "${name}"`, {
      detail: 'Views that do not select from a single table or view are not automatically updatable.',
      hint: `To enable ${VIEW_ACTIONS[verb]} the view, provide an INSTEAD OF ${action} trigger or an unconditional ON ${action} DO INSTEAD rule.`,
    })
  }
  if (rel.kind !== 'table') throw dbError('wrong_object_type', `cannot change ${rel.kind} "${name}"`)
  b.tablesWritten.add(rel.oid)
  return rel
}

/** A column's DEFAULT, bound (NULL when it has none). */
export function defaultExpr(b: Binder, c: ColumnInfo): BExpr {
  if (c.default === undefined) return { kind: 'const', type: c.type, value: null }
  const e = parseExpression(c.default)
  const v = bindExpr(b, e, { scope: Scope.empty(), clause: 'DEFAULT expressions', aggregates: false })
  return coerce(b, v, c.type, 'assignment')
}

/** A value assigned to a column: coerced in the assignment context, 42804 otherwise. */
function assign(b: Binder, c: ColumnInfo, v: BExpr, position: number | undefined): BExpr {
  return coerce(b, v, c.type, 'assignment', position, () =>
    dbError('datatype_mismatch', `column "${c.name}" is of type ${baseTypeName(c.type)} but expression is of type ${baseTypeName(v.type)}`, {
      hint: 'You will need to rewrite or cast the expression.',
      position,
    }),
  )
}

function columnsOfTarget(t: TableInfo, names: readonly string[], positions: readonly number[]): ColumnInfo[] {
  if (names.length === 0) return [...t.columns]
  const seen = new Set<string>()
  return names.map((n, i) => {
    const position = positions[i]
    const c = t.columns.find((x) => x.name === n)
    if (c === undefined) throw dbError('undefined_column', `column "${n}" of relation "${t.name}" does not exist`, { position })
    if (seen.has(n)) throw dbError('duplicate_column', `column "${n}" specified more than once`, { position })
    seen.add(n)
    return c
  })
}

function bindReturning(b: Binder, items: readonly SelectItem[], scope: Scope): Returning | undefined {
  if (items.length === 0) return undefined
  const columns: BoundColumn[] = []
  const exprs: BExpr[] = []
  for (const it of items) {
    if (it.kind === 'star') {
      const cols: readonly ScopeColumn[] = it.table === undefined ? scope.star() : (scope.findItem(it.table)?.columns ?? [])
      if (it.table !== undefined && scope.findItem(it.table) === undefined) {
        throw dbError('undefined_table', `missing FROM-clause entry for table "${it.table}"`, { position: it.position })
      }
      for (const c of cols) {
        columns.push({ id: b.newColumn(c.name), name: c.name, type: c.type, source: c.source })
        exprs.push({ kind: 'column', id: c.id, type: c.type })
      }
      continue
    }
    const e = resolveUnknown(b, bindExpr(b, it.expr, { scope, clause: 'RETURNING', aggregates: false }))
    const name = it.alias ?? figureName(it.expr)
    columns.push({ id: b.newColumn(name), name, type: e.type })
    exprs.push(e)
  }
  return { columns, exprs }
}

/** The target's columns as a namespace item over given ids. */
function targetItem(t: TableInfo, alias: string | undefined, ids: readonly ColumnId[]): NsItem {
  return {
    alias: alias ?? t.name,
    columns: t.columns.map((c, i) => ({ name: c.name, id: ids[i]!, type: c.type, source: { table: t.oid, attnum: c.attnum } })),
    children: [],
    table: t,
  }
}

export function bindInsert(b: Binder, s: Statement & { kind: 'insert' }): BoundInsert {
  const t = targetTable(b, s, 'insert into')
  let cols = columnsOfTarget(t, s.columns, s.columnPositions)
  // Without a column list the values fill the first columns; the rest get defaults.
  const arity = (given: number, extraAt: number | undefined) => {
    if (given > cols.length) throw dbError('syntax_error', 'INSERT has more expressions than target columns', { position: extraAt })
    if (given < cols.length && s.columns.length > 0) throw dbError('syntax_error', 'INSERT has more target columns than expressions', { position: s.columnPositions[given] })
    cols = cols.slice(0, given)
  }
  let source: LogicalPlan
  let provided: { column: ColumnInfo; id: ColumnId }[] = []
  if (s.source === 'default-values') {
    source = { kind: 'one-row' }
    cols = []
  } else if (s.source.body.kind === 'values' && s.source.orderBy.length === 0 && s.source.limit === undefined && s.source.with.length === 0) {
    // VALUES directly: each item is coerced to its column (and DEFAULT allowed).
    const rows = s.source.body.rows
    const width = rows[0]!.length
    const uneven = rows.find((r) => r.length !== width)
    if (uneven !== undefined) throw dbError('syntax_error', 'VALUES lists must all be the same length', { position: uneven.length > 0 ? startOf(uneven[0]!) : s.position })
    arity(width, rows[0]!.length > cols.length ? startOf(rows[0]![cols.length]!) : undefined)
    const ids = cols.map((c) => b.newColumn(c.name))
    const bound = rows.map((r) =>
      r.map((e, i) => {
        const c = cols[i]!
        if (e.kind === 'default') return defaultExpr(b, c)
        checkIdentity(t, c, e)
        return assign(b, c, bindExpr(b, e, { scope: Scope.empty(), clause: 'VALUES', aggregates: false }), startOf(e))
      }),
    )
    source = { kind: 'values', rows: bound, columns: cols.map((c, i) => ({ id: ids[i]!, type: c.type })) }
    provided = cols.map((c, i) => ({ column: c, id: ids[i]! }))
  } else {
    // Literals stay untyped so that each takes its column's type (INSERT … SELECT NULL into a
    // bytea column), except where grouping types them first, as in PostgreSQL.
    const body = s.source.body
    const keepUnknown = body.kind === 'select' && !body.distinct && body.groupBy.length === 0 && body.having === undefined
    const q = bindQuery(b, s.source, undefined, { keepUnknown })
    const extra = body.kind === 'select' ? body.columns[cols.length] : undefined
    arity(q.columns.length, extra === undefined ? s.source.position : extra.kind === 'star' ? extra.position : startOf(extra.expr))
    for (const c of cols) if (c.identity === 'always') throw identityError(c)
    // An untyped literal in the select list takes its column's type now, as in PostgreSQL: a
    // bad one is an error at its position even if no row is selected.
    const written = body.kind === 'select' && body.columns.every((c) => c.kind === 'expr') ? body.columns : []
    cols.forEach((c, i) => {
      const item = written[i]
      if (item?.kind === 'expr' && item.expr.kind === 'string') coerce(b, { kind: 'const', type: T.unknown, value: item.expr.value }, c.type, 'assignment', item.expr.position)
    })
    const items: Assign[] = cols.map((c, i) => {
      const qc = q.columns[i]!
      return { id: b.newColumn(c.name), expr: assign(b, c, { kind: 'column', id: qc.id, type: qc.type }, s.position) }
    })
    source = { kind: 'project', input: q.plan, items }
    provided = cols.map((c, i) => ({ column: c, id: items[i]!.id }))
  }
  // Every table column in order: the provided value, or the column's default.
  const values: ColumnId[] = []
  const fill: Assign[] = []
  const passthrough = outputs(source).map((o) => ({ id: o.id, expr: { kind: 'column', id: o.id, type: o.type } as BExpr }))
  for (const c of t.columns) {
    const p = provided.find((x) => x.column === c)
    if (p !== undefined) values.push(p.id)
    else {
      const id = b.newColumn(c.name)
      fill.push({ id, expr: defaultExpr(b, c) })
      values.push(id)
    }
  }
  if (fill.length > 0) source = { kind: 'project', input: source, items: [...passthrough, ...fill] }
  const newIds = t.columns.map((c) => b.newColumn(c.name))
  const returning = bindReturning(b, s.returning, new Scope([targetItem(t, s.alias, newIds)], undefined))
  return { kind: 'insert', table: t, source, values, onConflict: bindConflict(b, s, t), newIds, returning }
}

function identityError(c: ColumnInfo) {
  return dbError('generated_always', `cannot insert a non-DEFAULT value into column "${c.name}"`, {
    detail: `Column "${c.name}" is an identity column defined as GENERATED ALWAYS.`,
    hint: 'Use OVERRIDING SYSTEM VALUE to override.',
  })
}

function checkIdentity(_t: TableInfo, c: ColumnInfo, e: Expr): void {
  if (c.identity === 'always' && e.kind !== 'default') throw identityError(c)
}

function bindConflict(b: Binder, s: Statement & { kind: 'insert' }, t: TableInfo): BoundConflict | undefined {
  const oc = s.onConflict
  if (oc === undefined) return undefined
  let arbiter: IndexInfo | undefined
  if (oc.columns.length > 0) {
    const attnums = oc.columns.map((n) => {
      const c = t.columns.find((x) => x.name === n)
      if (c === undefined) throw dbError('undefined_column', `column "${n}" does not exist`)
      return c.attnum
    })
    arbiter = t.indexes.find((i) => i.unique && i.predicate === undefined && i.keys.length === attnums.length && i.keys.every((k) => k.attnum !== undefined && attnums.includes(k.attnum)))
    if (arbiter === undefined) {
      throw dbError('invalid_column_reference', 'there is no unique or exclusion constraint matching the ON CONFLICT specification')
    }
  }
  if (oc.action === 'nothing') return { action: 'nothing', arbiter }
  if (arbiter === undefined) {
    throw dbError('syntax_error', 'ON CONFLICT DO UPDATE requires inference specification or constraint name', {
      hint: 'For example, ON CONFLICT (column_name).',
      position: s.position,
    })
  }
  const existing = t.columns.map((c) => b.newColumn(`${t.name}.${c.name}`))
  const excluded = t.columns.map((c) => b.newColumn(`excluded.${c.name}`))
  const scope = new Scope([targetItem(t, s.alias, existing), { ...targetItem(t, 'excluded', excluded), table: undefined }], undefined)
  const sets = oc.set.map((a) => {
    const c = t.columns.find((x) => x.name === a.column)
    if (c === undefined) throw dbError('undefined_column', `column "${a.column}" of relation "${t.name}" does not exist`, { position: a.position })
    const e = a.value.kind === 'default' ? defaultExpr(b, c) : assign(b, c, bindExpr(b, a.value, { scope, clause: 'UPDATE', aggregates: false }), startOf(a.value))
    return { attnum: c.attnum, expr: e }
  })
  const where = oc.where === undefined ? undefined : toBool(b, bindExpr(b, oc.where, { scope, clause: 'WHERE', aggregates: false }), 'WHERE', oc.where)
  return { action: 'update', arbiter, existing, excluded, sets, where }
}

/** UPDATE and DELETE share the read side: the target scan (with its row key), joined with FROM/USING, filtered by WHERE. */
function bindTarget(b: Binder, t: TableInfo, alias: string | undefined, position: number, from: readonly FromItem[], where: Expr | undefined) {
  const target = scanTable(b, t, alias === undefined ? undefined : { name: alias, columns: [] }, position, true)
  const extra = bindFromList(b, from, undefined, { rowKeys: false })
  const scope = new Scope([target.item, ...extra.items], undefined)
  let plan: LogicalPlan = from.length === 0 ? target.plan : { kind: 'join', type: 'inner', left: target.plan, right: extra.plan, condition: undefined }
  let pred: BExpr | undefined
  if (where !== undefined) {
    pred = toBool(b, bindExpr(b, where, { scope, clause: 'WHERE', aggregates: false }), 'WHERE', where)
    plan = { kind: 'filter', input: plan, predicate: pred }
  }
  const oldIds = target.plan.columns.map((c) => c.id)
  return { target, extra, scope, plan, pred, oldIds, rowKey: target.plan.rowKey! }
}

export function bindUpdate(b: Binder, s: Statement & { kind: 'update' }): BoundUpdate {
  const t = targetTable(b, s, 'update')
  const r = bindTarget(b, t, s.alias, s.position, s.from, s.where)
  const seen = new Set<string>()
  const setExprs = s.set.map((a) => {
    const c = t.columns.find((x) => x.name === a.column)
    if (c === undefined) throw dbError('undefined_column', `column "${a.column}" of relation "${t.name}" does not exist`, { position: a.position })
    if (seen.has(c.name)) throw dbError('syntax_error', `multiple assignments to same column "${c.name}"`, { position: a.position })
    seen.add(c.name)
    if (c.identity === 'always' && a.value.kind !== 'default') {
      throw dbError('generated_always', `column "${c.name}" can only be updated to DEFAULT`, { detail: `Column "${c.name}" is an identity column defined as GENERATED ALWAYS.` })
    }
    const e = a.value.kind === 'default' ? defaultExpr(b, c) : assign(b, c, bindExpr(b, a.value, { scope: r.scope, clause: 'UPDATE', aggregates: false }), startOf(a.value))
    return { attnum: c.attnum, expr: e }
  })
  const sets = setExprs.map((x) => ({ attnum: x.attnum, id: b.newColumn('set') }))
  const newIds = t.columns.map((c) => b.newColumn(c.name))
  // RETURNING sees the new row under the target's name, and the FROM items as they were joined.
  const retScope = new Scope([targetItem(t, s.alias, newIds), ...r.extra.items], undefined)
  const returning = bindReturning(b, s.returning, retScope)
  const keep = [r.rowKey, ...r.oldIds, ...extraIdsFor(returning, r.extra.items)]
  const items: Assign[] = [
    ...keep.map((id) => ({ id, expr: { kind: 'column', id, type: typeIn(r.plan, id) } as BExpr })),
    ...setExprs.map((x, i) => ({ id: sets[i]!.id, expr: x.expr })),
  ]
  const simple = s.from.length === 0
  return {
    kind: 'update',
    table: t,
    source: { kind: 'project', input: r.plan, items },
    rowKey: r.rowKey,
    oldIds: r.oldIds,
    sets,
    recheck: simple ? { sets: setExprs, where: r.pred } : undefined,
    newIds,
    returning,
  }
}

export function bindDelete(b: Binder, s: Statement & { kind: 'delete' }): BoundDelete {
  const t = targetTable(b, s, 'delete from')
  const r = bindTarget(b, t, s.alias, s.position, s.using, s.where)
  const retScope = new Scope([targetItem(t, s.alias, r.oldIds), ...r.extra.items], undefined)
  const returning = bindReturning(b, s.returning, retScope)
  const keep = [r.rowKey, ...r.oldIds, ...extraIdsFor(returning, r.extra.items)]
  const items: Assign[] = keep.map((id) => ({ id, expr: { kind: 'column', id, type: typeIn(r.plan, id) } as BExpr }))
  return {
    kind: 'delete',
    table: t,
    source: { kind: 'project', input: r.plan, items },
    rowKey: r.rowKey,
    oldIds: r.oldIds,
    recheck: s.using.length === 0 ? { where: r.pred } : undefined,
    returning,
  }
}

/** Columns of FROM/USING items that RETURNING reads (kept through the read plan). */
function extraIdsFor(returning: Returning | undefined, items: readonly NsItem[]): ColumnId[] {
  if (returning === undefined || items.length === 0) return []
  const ids = new Set(items.flatMap((i) => i.columns.map((c) => c.id)))
  const out = new Set<ColumnId>()
  const visit = (e: BExpr) => {
    if (e.kind === 'column' && ids.has(e.id)) out.add(e.id)
  }
  for (const e of returning.exprs) some(e, (n) => (visit(n), false))
  return [...out]
}


function typeIn(plan: LogicalPlan, id: ColumnId): SqlType {
  return outputs(plan).find((o) => o.id === id)?.type ?? T.bytea
}
