/**
 * Binding FROM: tables, views, CTE references, subqueries, table functions and
 * joins, each becoming a logical plan and a namespace item (scope.ts).
 *
 * Unqualified relation names are looked up as PostgreSQL's default search_path
 * does: pg_catalog first (our virtual catalog tables), then the user's tables.
 * A view is its stored query bound in place; a USING join merges its columns
 * (the left one for INNER and LEFT, the right one for RIGHT, COALESCE of both for
 * FULL).
 */
import { dbError } from '../../common/errors.js'
import { parse, parseExpression, type Alias, type FromItem, type Query } from '../../parser/index.js'
import type { TableInfo, ViewInfo } from '../catalog/schema.js'
import { resolveFunction, tableFunctions, type TableFunction } from '../functions/index.js'
import { andAll, BOOL, type BExpr } from '../plan/bound.js'
import { outputs, type JoinType, type LogicalPlan } from '../plan/logical.js'
import { T, sameType } from '../values/index.js'
import type { Binder } from './binder.js'
import { coerce, commonType } from './coerce.js'
import { bindBinary, bindExpr, resolveUnknown, toBool } from './expr.js'
import { bindQuery, bindSubquery, type BoundQuery } from './query.js'
import { bindRecursiveCte, bindWorktable, tableReferences } from './recursive.js'
import { figureName } from './select.js'
import { leafItems, Scope, type NsItem, type ScopeColumn } from './scope.js'

export interface BoundFrom {
  readonly plan: LogicalPlan
  readonly items: readonly NsItem[]
}

export interface FromOptions {
  /** Ask scans for their row keys (FOR UPDATE). */
  readonly rowKeys: boolean
}

export function bindFromList(b: Binder, from: readonly FromItem[], outer: Scope | undefined, opts: FromOptions): BoundFrom {
  if (from.length === 0) return { plan: { kind: 'one-row' }, items: [] }
  let plan: LogicalPlan | undefined
  const items: NsItem[] = []
  for (const f of from) {
    if (plan !== undefined && f.kind === 'subquery' && f.lateral === true) {
      const r = bindLateral(b, plan, items, f, outer)
      plan = r.plan
      items.push(r.item)
      continue
    }
    const r = bindFromItem(b, f, outer, opts)
    plan = plan === undefined ? r.plan : { kind: 'join', type: 'inner', left: plan, right: r.plan, condition: undefined }
    items.push(r.item)
  }
  checkAliases(items, from[0]!)
  return { plan: plan!, items }
}

function checkAliases(items: readonly NsItem[], first: FromItem): void {
  const seen = new Set<string>()
  for (const i of leafItems(items)) {
    if (i.alias === undefined) continue
    if (seen.has(i.alias)) throw dbError('duplicate_alias', `table name "${i.alias}" specified more than once`, { position: first.position })
    seen.add(i.alias)
  }
}

function bindFromItem(b: Binder, f: FromItem, outer: Scope | undefined, opts: FromOptions): { plan: LogicalPlan; item: NsItem } {
  switch (f.kind) {
    case 'table':
      return bindRelation(b, f, outer, opts)
    case 'subquery': {
      if (f.alias === undefined) {
        throw dbError('syntax_error', 'subquery in FROM must have an alias', {
          hint: 'For example, FROM (SELECT ...) [AS] foo.',
          position: f.position,
        })
      }
      const q = outer === undefined ? bindQuery(b, f.query, undefined) : bindSubquery(b, f.query, outer)
      return { plan: q.plan, item: aliased(q, f.alias, f.alias.name, f.position) }
    }
    case 'function':
      return bindTableFunction(b, f, outer)
    case 'join':
      return bindJoin(b, f, outer, opts)
  }
}

/** Applies `AS x(a, b)` column aliases to a bound query's columns. */
function aliased(q: BoundQuery, alias: Alias | undefined, name: string, position: number, extra?: Partial<NsItem>): NsItem {
  const names = alias?.columns ?? []
  if (names.length > q.columns.length) {
    throw dbError('invalid_column_reference', `table "${name}" has ${q.columns.length} columns available but ${names.length} columns specified`, { position })
  }
  const columns: ScopeColumn[] = q.columns.map((c, i) => ({ name: names[i] ?? c.name, id: c.id, type: c.type, source: c.source }))
  return { alias: alias?.name ?? name, columns, children: [], ...extra }
}

function bindRelation(b: Binder, f: FromItem & { kind: 'table' }, outer: Scope | undefined, opts: FromOptions): { plan: LogicalPlan; item: NsItem } {
  const cte = f.schema === undefined ? b.ctes.get(f.name) : undefined
  if (cte?.kind === 'worktable') {
    const q = bindWorktable(b, cte, f.alias?.name ?? f.name)
    return { plan: q.plan, item: aliased(q, f.alias, f.name, f.position) }
  }
  if (cte !== undefined) {
    const saved = b.ctes
    b.ctes = cte.outer
    try {
      const recursive = cte.cte.recursive && tableReferences(cte.cte.query, cte.cte.name).length > 0
      const q = recursive ? bindRecursiveCte(b, cte.cte, cte.outer, outer) : bindQuery(b, cte.cte.query, outer)
      const names = cte.cte.columns
      if (names.length > q.columns.length) {
        throw dbError('invalid_column_reference', `WITH query "${f.name}" has ${q.columns.length} columns available but ${names.length} columns specified`, { position: f.position })
      }
      const renamed: BoundQuery = { plan: q.plan, columns: q.columns.map((c, i) => ({ ...c, name: names[i] ?? c.name })) }
      return { plan: q.plan, item: aliased(renamed, f.alias, f.name, f.position) }
    } finally {
      b.ctes = saved
    }
  }
  const virtual = f.schema === 'pg_catalog' || f.schema === 'information_schema' || f.schema === undefined ? b.env.virtualTable(f.schema, f.name) : undefined
  if (virtual !== undefined) {
    const columns = virtual.columns.map((c) => ({ id: b.newColumn(`${f.alias?.name ?? f.name}.${c.name}`), name: c.name, type: c.type }))
    const plan: LogicalPlan = { kind: 'virtual-scan', table: virtual, alias: f.alias?.name ?? f.name, columns: columns.map((c) => ({ id: c.id, type: c.type })) }
    return { plan, item: aliased({ plan, columns }, f.alias, f.name, f.position) }
  }
  if (f.schema !== undefined && f.schema !== 'public') {
    throw dbError('undefined_table', `relation "${f.schema}.${f.name}" does not exist`, { position: f.position })
  }
  const rel = b.catalog.byName(f.name)
  if (rel === undefined && b.catalog.index(f.name) !== undefined) throw dbError('wrong_object_type', `"${f.name}" is an index`, { position: f.position })
  if (rel === undefined) throw dbError('undefined_table', `relation "${f.name}" does not exist`, { position: f.position })
  if (rel.kind === 'view') return bindView(b, rel, f)
  if (rel.kind === 'sequence') throw dbError('feature_not_supported', `reading sequence "${rel.name}" as a table is not supported`, { position: f.position })
  return scanTable(b, rel, f.alias, f.position, opts.rowKeys)
}

export function scanTable(b: Binder, t: TableInfo, alias: Alias | undefined, position: number, rowKey: boolean): { plan: LogicalPlan & { kind: 'scan' }; item: NsItem } {
  b.tablesRead.add(t.oid)
  const name = alias?.name ?? t.name
  const columns = t.columns.map((c) => ({ id: b.newColumn(`${name}.${c.name}`), attnum: c.attnum, type: c.type }))
  const key = rowKey ? b.newColumn(`${name}.ctid`) : undefined
  // Partial indexes' predicates over this scan's columns, for the planner to match against WHERE.
  const partial = new Map<string, BExpr>()
  for (const index of t.indexes) {
    if (index.predicate === undefined) continue
    const scope = new Scope([{ alias: t.name, columns: t.columns.map((c, i) => ({ name: c.name, id: columns[i]!.id, type: c.type })), children: [] }], undefined)
    partial.set(index.name, bindExpr(b, parseExpression(index.predicate), { scope, clause: 'index predicate', aggregates: false }))
  }
  const plan = { kind: 'scan' as const, table: t, alias: name, columns, rowKey: key, ...(partial.size > 0 ? { partial } : {}) }
  const bound: BoundQuery = {
    plan,
    columns: t.columns.map((c, i) => ({ id: columns[i]!.id, name: c.name, type: c.type, source: { table: t.oid, attnum: c.attnum } })),
  }
  return { plan, item: aliased(bound, alias, t.name, position, { table: t, rowKey: key }) }
}

function bindView(b: Binder, v: ViewInfo, f: FromItem & { kind: 'table' }): { plan: LogicalPlan; item: NsItem } {
  b.viewsRead.add(v.oid)
  const saved = b.ctes
  b.ctes = new Map()
  try {
    const q = bindQuery(b, parse(v.query)[0] as Query, undefined)
    const renamed: BoundQuery = { plan: q.plan, columns: q.columns.map((c, i) => ({ ...c, name: v.columns[i] ?? c.name })) }
    return { plan: q.plan, item: aliased(renamed, f.alias, v.name, f.position) }
  } finally {
    b.ctes = saved
  }
}

function bindTableFunction(b: Binder, f: FromItem & { kind: 'function' }, outer: Scope | undefined): { plan: LogicalPlan; item: NsItem } {
  const call = f.call
  if (call.kind !== 'function') throw dbError('syntax_error', 'syntax error in FROM', { position: f.position })
  const scope = outer ?? Scope.empty()
  const args = call.args.map((a) => bindExpr(b, a, { scope, clause: 'functions in FROM', aggregates: false }))
  const cands = tableFunctions(call.name)
  if (cands.length === 0) {
    throw dbError('undefined_function', `function ${call.name}(${args.map((a) => a.type.kind).join(', ')}) does not exist`, { position: f.position })
  }
  const r = resolveFunction(call.name, cands, args.map((a) => a.type), f.position)
  const bound = args.map((a, i) => coerce(b, a, r.argTypes[i]!, 'implicit', f.position))
  // WITH ORDINALITY: a bigint column numbering the function's rows from 1.
  const fn: TableFunction = f.ordinality !== true ? r.fn : {
    ...r.fn,
    columns: (types) => [...r.fn.columns(types), { name: 'ordinality', type: T.int8 }],
    *rows(values, types, ctx) {
      let n = 1n
      for (const row of r.fn.rows(values, types, ctx)) yield [...row, n++]
    },
  }
  const outCols = fn.columns(bound.map((a) => a.type))
  const alias = f.alias
  // A single-column function takes the alias as its column name, as in PostgreSQL.
  const names = outCols.map((c, i) => alias?.columns[i] ?? (outCols.length === 1 && alias !== undefined ? alias.name : c.name))
  const columns = outCols.map((c, i) => ({ id: b.newColumn(`${alias?.name ?? call.name}.${names[i]}`), name: names[i]!, type: c.type }))
  const plan: LogicalPlan = { kind: 'function-scan', fn, args: bound, alias: alias?.name ?? call.name, columns: columns.map((c) => ({ id: c.id, type: c.type })) }
  return { plan, item: { alias: alias?.name ?? call.name, columns, children: [] } }
}

/**
 * LATERAL (SELECT e1, e2 …) AS o(a, b) after the FROM items `items`: a subquery with
 * no FROM, WHERE or grouping gives exactly one row per row of the items before it,
 * so it is a projection over them, its expressions seeing their columns. pgbench's
 * start-up query joins one (array_position(current_schemas(true), n.nspname)).
 * Other LATERAL subqueries (reading tables, filtering) need a parameterised nested
 * loop, which is not built: 0A000.
 */
function bindLateral(b: Binder, input: LogicalPlan, items: readonly NsItem[], f: FromItem & { kind: 'subquery' }, outer: Scope | undefined): { plan: LogicalPlan; item: NsItem } {
  const q = f.query
  const body = q.body
  const simple = body.kind === 'select' && body.from.length === 0 && body.where === undefined && body.groupBy.length === 0 && body.having === undefined &&
    !body.distinct && body.distinctOn === undefined && q.with.length === 0 && q.orderBy.length === 0 && q.limit === undefined && q.offset === undefined && q.locking === undefined
  if (!simple || body.kind !== 'select') throw dbError('feature_not_supported', 'LATERAL subqueries other than a FROM-less SELECT list are not supported yet', { position: f.position })
  if (f.alias === undefined) throw dbError('syntax_error', 'subquery in FROM must have an alias', { hint: 'For example, FROM (SELECT ...) [AS] foo.', position: f.position })
  const scope = new Scope(items, outer)
  const x = { scope, clause: 'FROM-clause subquery', aggregates: false } as const
  const passthrough = outputs(input).map((c) => ({ id: c.id, expr: { kind: 'column', id: c.id, type: c.type } as BExpr }))
  const added: { id: number; expr: BExpr }[] = []
  const columns: ScopeColumn[] = body.columns.map((item, i) => {
    if (item.kind !== 'expr') throw dbError('feature_not_supported', 'LATERAL subqueries other than a FROM-less SELECT list are not supported yet', { position: item.position })
    const expr = resolveUnknown(b, bindExpr(b, item.expr, x))
    const name = f.alias!.columns[i] ?? item.alias ?? figureName(item.expr)
    const id = b.newColumn(`${f.alias!.name}.${name}`)
    added.push({ id, expr })
    return { name, id, type: expr.type }
  })
  if (f.alias.columns.length > columns.length) throw dbError('invalid_column_reference', `table "${f.alias.name}" has ${columns.length} columns available but ${f.alias.columns.length} columns specified`, { position: f.position })
  return { plan: { kind: 'project', input, items: [...passthrough, ...added] }, item: { alias: f.alias.name, columns, children: [] } }
}

function bindJoin(b: Binder, f: FromItem & { kind: 'join' }, outer: Scope | undefined, opts: FromOptions): { plan: LogicalPlan; item: NsItem } {
  if (f.right.kind === 'subquery' && f.right.lateral === true && (f.type === 'cross' || f.type === 'inner')) {
    const left = bindFromItem(b, f.left, outer, opts)
    const lateral = bindLateral(b, left.plan, [left.item], f.right, outer)
    const item: NsItem = { alias: undefined, columns: [...left.item.columns, ...lateral.item.columns], children: [left.item, lateral.item] }
    if (f.on === undefined) return { plan: lateral.plan, item }
    const condition = toBool(b, bindExpr(b, f.on, { scope: new Scope([left.item, lateral.item], outer), clause: 'JOIN conditions', aggregates: false }), 'JOIN/ON', f.on)
    return { plan: { kind: 'filter', input: lateral.plan, predicate: condition }, item }
  }
  const left = bindFromItem(b, f.left, outer, opts)
  const right = bindFromItem(b, f.right, outer, opts)
  const type: JoinType = f.type === 'cross' ? 'inner' : f.type
  const scope = new Scope([left.item, right.item], outer)
  // NATURAL: USING the names both sides have, in the left side's order (none: every pair joins).
  const rightNames = new Set(right.item.columns.map((c) => c.name))
  const using = f.natural ? [...new Set(left.item.columns.map((c) => c.name).filter((n) => rightNames.has(n)))] : f.using
  if (using === undefined || using.length === 0) {
    if (f.type !== 'cross' && !f.natural && f.on === undefined) throw dbError('syntax_error', 'syntax error at or near end of JOIN', { position: f.position })
    const condition = f.on === undefined ? undefined : toBool(b, bindExpr(b, f.on, { scope, clause: 'JOIN conditions', aggregates: false }), 'JOIN/ON', f.on)
    const plan: LogicalPlan = { kind: 'join', type, left: left.plan, right: right.plan, condition }
    return { plan, item: { alias: undefined, columns: [...left.item.columns, ...right.item.columns], children: [left.item, right.item] } }
  }
  // USING: one equality per named column; the merged column is shown once.
  const conds: BExpr[] = []
  const merged: ScopeColumn[] = []
  const coalesced: { id: number; expr: BExpr }[] = []
  const usedLeft = new Set<number>()
  const usedRight = new Set<number>()
  for (const name of using) {
    const find = (item: NsItem, side: string): ScopeColumn => {
      const cols = item.columns.filter((c) => c.name === name)
      if (cols.length === 0) throw dbError('undefined_column', `column "${name}" specified in USING clause does not exist in ${side} table`, { position: f.position })
      if (cols.length > 1) throw dbError('ambiguous_column', `common column name "${name}" appears more than once in ${side} table`, { position: f.position })
      return cols[0]!
    }
    const l = find(left.item, 'left')
    const r = find(right.item, 'right')
    usedLeft.add(l.id)
    usedRight.add(r.id)
    const lref: BExpr = { kind: 'column', id: l.id, type: l.type }
    const rref: BExpr = { kind: 'column', id: r.id, type: r.type }
    conds.push(bindBinary(b, '=', lref, rref, f.position))
    const type = commonType([l.type, r.type], 'JOIN/USING')
    // A new column also when only the typmods differ: numeric(5,2) USING numeric(6,1) is a numeric.
    if (f.type === 'full' || !sameType((f.type === 'right' ? r : l).type, type)) {
      const pick: BExpr =
        f.type === 'full'
          ? { kind: 'coalesce', args: [coerce(b, lref, type, 'implicit'), coerce(b, rref, type, 'implicit')], type }
          : coerce(b, f.type === 'right' ? rref : lref, type, 'implicit')
      const id = b.newColumn(name)
      coalesced.push({ id, expr: pick })
      merged.push({ name, id, type })
    } else merged.push(f.type === 'right' ? r : l)
  }
  let plan: LogicalPlan = { kind: 'join', type, left: left.plan, right: right.plan, condition: andAll(conds) ?? { kind: 'const', type: BOOL, value: true } }
  if (coalesced.length > 0) {
    // Every column of both sides stays reachable (qualified names still see the unmerged ones).
    const passthrough = outputs(plan).map((c) => ({ id: c.id, expr: { kind: 'column', id: c.id, type: c.type } as BExpr }))
    plan = { kind: 'project', input: plan, items: [...passthrough, ...coalesced] }
  }
  const columns = [...merged, ...left.item.columns.filter((c) => !usedLeft.has(c.id)), ...right.item.columns.filter((c) => !usedRight.has(c.id))]
  return { plan, item: { alias: undefined, columns, children: [left.item, right.item] } }
}
