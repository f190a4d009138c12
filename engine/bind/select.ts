/**
 * Binding one SELECT: FROM → WHERE → GROUP BY / aggregates → HAVING → select
 * list → DISTINCT → ORDER BY → FOR UPDATE → LIMIT, the order PostgreSQL
 * evaluates them in.
 *
 * Grouping: every expression above the aggregate node is rewritten so that a
 * sub-expression equal to a GROUP BY expression reads the group's column and an
 * aggregate call reads its result; a column of the FROM clause left over is 42803.
 * A GROUP BY of plain columns keeps their ids, so outer references from
 * subqueries still find them, and grouping by a table's whole primary key lets
 * its other columns through (functional dependency), as PostgreSQL allows.
 *
 * ORDER BY resolves a bare name to an output column first (SQL92), then to the
 * FROM clause (SQL99); expressions not in the select list become hidden columns
 * that a final projection drops.
 */
import { dbError } from '../../common/errors.js'
import type { Expr, QueryBody, SelectCore, SelectItem } from '../../parser/index.js'
import { scalarFunctions, tableFunctions } from '../functions/index.js'
import { mapChildren, sameExpr, some, type BExpr, type ColumnId } from '../plan/bound.js'
import { outputs, type Assign, type LogicalPlan, type SortKey } from '../plan/logical.js'
import type { SqlType } from '../values/index.js'
import type { Binder } from './binder.js'
import { bindExpr, resolveUnknown, toBool, type ExprContext } from './expr.js'
import { bindFromList } from './from.js'
import { applyLimit, positionalItem, sortKey, type BoundColumn, type BoundQuery, type QueryTail } from './query.js'
import { leafItems, Scope, type ScopeColumn } from './scope.js'

interface Item {
  readonly name: string
  expr: BExpr
  readonly source: ScopeColumn['source']
}

export interface SelectOptions {
  /** Leave untyped literals `unknown` (a UNION branch: the set operation types them). */
  readonly keepUnknown?: boolean
}

/**
 * `SELECT srf(…)` with no FROM, where srf is a single-column set-returning function,
 * is `SELECT * FROM srf(…)` (the same rows and column name); psql's \d sends
 * `SELECT pg_catalog.pg_partition_ancestors(…)`. Set-returning functions elsewhere
 * in a select list stay refused (0A000).
 */
function setReturningSelect(core: SelectCore): SelectCore {
  const item = core.columns[0]
  if (core.from.length > 0 || core.columns.length !== 1 || item?.kind !== 'expr' || item.expr.kind !== 'function') return core
  if (core.where !== undefined || core.groupBy.length > 0 || core.having !== undefined || core.distinct) return core
  const call = item.expr
  if (scalarFunctions(call.name).length > 0 || tableFunctions(call.name).length === 0) return core
  const alias = item.alias === undefined ? undefined : { name: call.name, columns: [item.alias] }
  return { ...core, from: [{ kind: 'function', call, alias, position: call.position }], columns: [{ kind: 'star', table: undefined, position: call.position }] }
}

export function bindSelect(b: Binder, written: SelectCore, outer: Scope | undefined, tail: QueryTail, opts: SelectOptions = {}): BoundQuery {
  const core = setReturningSelect(written)
  const locking = tail.locking
  const from = bindFromList(b, core.from, outer, { rowKeys: locking !== undefined })
  const scope = new Scope(from.items, outer)
  let plan: LogicalPlan = from.plan
  const inputTypes = new Map(outputs(plan).map((c) => [c.id, c.type] as const))
  const sources = new Map<ColumnId, ScopeColumn['source']>()
  for (const leaf of leafItems(from.items)) for (const c of leaf.columns) if (c.source) sources.set(c.id, c.source)

  const selectCtx: ExprContext = { scope, clause: 'SELECT', aggregates: true }
  const items: Item[] = []
  for (const it of core.columns) {
    if (it.kind === 'star') {
      let cols: readonly ScopeColumn[]
      if (it.table === undefined) {
        if (from.items.length === 0) throw dbError('syntax_error', 'SELECT * with no tables specified is not valid', { position: it.position })
        cols = scope.star()
      } else {
        const item = scope.findItem(it.table)
        if (item === undefined) throw dbError('undefined_table', `missing FROM-clause entry for table "${it.table}"`, { position: it.position })
        cols = item.columns
      }
      for (const c of cols) items.push({ name: c.name, expr: { kind: 'column', id: c.id, type: c.type }, source: c.source })
      continue
    }
    let expr = bindExpr(b, it.expr, selectCtx)
    if (!opts.keepUnknown) expr = resolveUnknown(b, expr)
    items.push({ name: it.alias ?? figureName(it.expr), expr, source: expr.kind === 'column' ? sources.get(expr.id) : undefined })
  }

  // WHERE after the select list, then HAVING, ORDER BY and GROUP BY: transformSelectStmt's
  // order, which decides which of two errors a query reports.
  if (core.where !== undefined) {
    const w = bindExpr(b, core.where, { scope, clause: 'WHERE', aggregates: false })
    plan = { kind: 'filter', input: plan, predicate: toBool(b, w, 'WHERE', core.where) }
  }
  let having = core.having === undefined ? undefined : toBool(b, bindExpr(b, core.having, { scope, clause: 'HAVING', aggregates: true }), 'HAVING', core.having)

  // ORDER BY targets: an output column (index) or a hidden expression.
  const order = tail.orderBy.map((o) => {
    const target = orderTarget(b, o.expr, items, scope)
    return { ...target, direction: o.direction, nulls: o.nulls }
  })
  const distinctOn = core.distinctOn?.map((e) => orderTarget(b, e, items, scope, 'DISTINCT ON'))

  if (opts.keepUnknown) {
    // Sorting or grouping by an untyped literal types it as text (addTargetToSortList), in a set operation's branch too.
    const grouped = new Set(core.groupBy.map((g) => positionalItem(g, 'GROUP BY')))
    items.forEach((it, i) => {
      if (core.distinct || grouped.has(i + 1)) it.expr = resolveUnknown(b, it.expr)
    })
  }
  const groupExprs = core.groupBy.map((g) => bindGroupItem(b, g, items, scope))

  const isAgg = (e: BExpr) => some(e, (n) => n.kind === 'aggregate')
  const grouped = groupExprs.length > 0 || having !== undefined || items.some((i) => isAgg(i.expr)) || order.some((o) => o.expr !== undefined && isAgg(o.expr))
  if (grouped) {
    if (locking !== undefined) throw dbError('feature_not_supported', `FOR ${locking.strength.toUpperCase()} is not allowed with GROUP BY clause`)
    const g = new Grouping(b, inputTypes, groupExprs, leafItems(from.items))
    for (const i of items) i.expr = g.rewrite(i.expr)
    if (having !== undefined) having = g.rewrite(having)
    for (const o of [...order, ...(distinctOn ?? [])]) if (o.expr !== undefined) o.expr = g.rewrite(o.expr)
    plan = { kind: 'aggregate', input: plan, groups: g.groups, aggs: g.aggs }
    if (having !== undefined) plan = { kind: 'filter', input: plan, predicate: having }
  }

  const columns: BoundColumn[] = items.map((i) => ({ id: b.newColumn(i.name), name: i.name, type: i.expr.type, source: i.source }))
  const hidden: Assign[] = []
  // An ORDER BY or DISTINCT ON item as a column of the projection: an output one, or a hidden one (once per expression).
  const columnOf = (t: Target): BExpr => {
    if (t.output !== undefined) return { kind: 'column', id: columns[t.output]!.id, type: columns[t.output]!.type }
    if (core.distinct && distinctOn === undefined) {
      throw dbError('invalid_column_reference', 'for SELECT DISTINCT, ORDER BY expressions must appear in select list', { position: t.position })
    }
    let h = hidden.find((x) => sameExpr(x.expr, t.expr!))
    if (h === undefined) hidden.push((h = { id: b.newColumn('?column?'), expr: t.expr! }))
    return { kind: 'column', id: h.id, type: t.expr!.type }
  }
  const sorted = distinctOn === undefined ? order : distinctOnOrder(distinctOn, order)
  const keys: SortKey[] = sorted.map((o) => sortKey(columnOf(o), o.direction, o.nulls))
  const uniqueKeys = distinctOn?.map(columnOf)
  const targets = locking === undefined ? [] : leafItems(from.items).filter((i) => i.table !== undefined && i.rowKey !== undefined)
  for (const t of targets) hidden.push({ id: t.rowKey!, expr: { kind: 'column', id: t.rowKey!, type: { kind: 'bytea' } } })

  plan = { kind: 'project', input: plan, items: [...items.map((i, k) => ({ id: columns[k]!.id, expr: i.expr })), ...hidden] }
  if (core.distinct && locking !== undefined) throw dbError('feature_not_supported', `FOR ${locking.strength.toUpperCase()} is not allowed with DISTINCT clause`)
  if (core.distinct && uniqueKeys === undefined) plan = { kind: 'distinct', input: plan }
  if (keys.length > 0) plan = { kind: 'sort', input: plan, keys }
  if (uniqueKeys !== undefined) plan = { kind: 'unique', input: plan, keys: uniqueKeys }
  if (locking !== undefined) {
    plan = { kind: 'lock-rows', input: plan, targets: targets.map((t) => ({ table: t.table!, rowKey: t.rowKey! })), strength: locking.strength, wait: locking.wait }
  }
  plan = applyLimit(b, plan, tail, outer)
  if (hidden.length > 0) plan = { kind: 'project', input: plan, items: columns.map((c) => ({ id: c.id, expr: { kind: 'column', id: c.id, type: c.type } })) }
  return { plan, columns }
}

/** What an ORDER BY or DISTINCT ON item names: an output column (by index) or an expression of its own. */
interface Target {
  readonly output: number | undefined
  expr: BExpr | undefined
  readonly position: number | undefined
}

const sameTarget = (a: Target, b: Target): boolean =>
  a.output !== undefined ? a.output === b.output : b.output === undefined && sameExpr(a.expr!, b.expr!)

/**
 * DISTINCT ON's sort: ORDER BY's, whose leading items must be the DISTINCT ON items
 * (in any order), then any DISTINCT ON item ORDER BY lacks, ascending — PostgreSQL's
 * transformDistinctOnClause, with its error at the DISTINCT ON item out of place.
 */
function distinctOnOrder(on: readonly Target[], order: readonly (Target & { direction: 'asc' | 'desc' | undefined; nulls: 'first' | 'last' | undefined })[]) {
  const mismatch = (t: Target) => dbError('invalid_column_reference', 'SELECT DISTINCT ON expressions must match initial ORDER BY expressions', { position: t.position })
  let skipped = false
  for (const o of order) {
    const match = on.find((d) => sameTarget(d, o))
    if (match === undefined) skipped = true
    else if (skipped) throw mismatch(match)
  }
  const rest = on.filter((d) => !order.some((o) => sameTarget(o, d)))
  if (rest.length > 0 && skipped) throw mismatch(rest[0]!)
  return [...order, ...rest.map((t) => ({ ...t, direction: undefined, nulls: undefined }))]
}

/** GROUP BY item: an ordinal, an output column's name (if no input column has it), or an expression. */
function bindGroupItem(b: Binder, g: Expr, items: readonly Item[], scope: Scope): BExpr {
  const n = positionalItem(g, 'GROUP BY')
  if (n !== undefined) {
    const item = items[n - 1]
    if (item === undefined) throw dbError('invalid_column_reference', `GROUP BY position ${n} is not in select list`, { position: g.position })
    if (some(item.expr, (n) => n.kind === 'aggregate')) throw dbError('grouping_error', 'aggregate functions are not allowed in GROUP BY', { position: g.position })
    return item.expr
  }
  if (g.kind === 'column' && g.table === undefined && !scope.items.some((i) => i.columns.some((c) => c.name === g.name))) {
    const item = items.find((i) => i.name === g.name)
    if (item !== undefined) return item.expr
  }
  return bindExpr(b, g, { scope, clause: 'GROUP BY', aggregates: false })
}

function orderTarget(b: Binder, e: Expr, items: readonly Item[], scope: Scope, clause: 'ORDER BY' | 'DISTINCT ON' = 'ORDER BY'): Target {
  const position = 'position' in e ? e.position : undefined
  const n = positionalItem(e, clause)
  if (n !== undefined) {
    if (n < 1 || n > items.length) throw dbError('invalid_column_reference', `${clause} position ${n} is not in select list`, { position })
    return { output: n - 1, expr: undefined, position }
  }
  if (e.kind === 'column' && e.table === undefined) {
    const hits = items.map((it, i) => ({ it, i })).filter((h) => h.it.name === e.name)
    if (hits.length > 1 && !hits.every((h) => sameExpr(h.it.expr, hits[0]!.it.expr))) {
      throw dbError('ambiguous_column', `${clause} "${e.name}" is ambiguous`, { position })
    }
    if (hits.length > 0) return { output: hits[0]!.i, expr: undefined, position }
  }
  const expr = bindExpr(b, e, { scope, clause, aggregates: true })
  const same = items.findIndex((it) => sameExpr(it.expr, expr))
  return same >= 0 ? { output: same, expr: undefined, position } : { output: undefined, expr, position }
}

/** The aggregate node's groups and aggregates, and the rewrite of expressions above it. */
class Grouping {
  readonly groups: Assign[] = []
  readonly aggs: Assign[] = []
  private readonly dependent = new Set<ColumnId>()

  constructor(
    private readonly b: Binder,
    /** The FROM clause's columns: those left over after the rewrite are ungrouped. */
    private readonly input: ReadonlyMap<ColumnId, SqlType>,
    groupExprs: readonly BExpr[],
    leaves: ReturnType<typeof leafItems>,
  ) {
    for (const g of groupExprs) {
      if (this.groups.some((x) => sameExpr(x.expr, g))) continue
      this.groups.push({ id: g.kind === 'column' ? g.id : b.newColumn('?column?'), expr: g })
    }
    const grouped = new Set(this.groups.filter((g) => g.expr.kind === 'column').map((g) => g.id))
    for (const leaf of leaves) {
      const pk = leaf.table?.primaryKey ?? []
      if (pk.length === 0) continue
      const pkIds = pk.map((attnum) => leaf.columns.find((c) => c.source?.attnum === attnum)?.id)
      if (pkIds.every((id) => id !== undefined && grouped.has(id))) for (const c of leaf.columns) this.dependent.add(c.id)
    }
  }

  rewrite = (e: BExpr): BExpr => {
    const g = this.groups.find((x) => sameExpr(x.expr, e))
    if (g !== undefined) return { kind: 'column', id: g.id, type: e.type }
    if (e.kind === 'aggregate') {
      let a = this.aggs.find((x) => sameExpr(x.expr, e))
      if (a === undefined) {
        a = { id: this.b.newColumn(e.fn.name), expr: e }
        this.aggs.push(a)
      }
      return { kind: 'column', id: a.id, type: e.type }
    }
    if (e.kind === 'column' && this.input.has(e.id)) {
      if (this.dependent.has(e.id)) {
        this.groups.push({ id: e.id, expr: e })
        return e
      }
      throw dbError('grouping_error', `column "${this.b.names.get(e.id) ?? '?'}" must appear in the GROUP BY clause or be used in an aggregate function`, {
        position: this.b.positions.get(e),
      })
    }
    if (e.kind === 'subquery') {
      for (const id of e.sub.outer) {
        const type = this.input.get(id)
        if (type === undefined || this.groups.some((g) => g.id === id)) continue
        if (this.dependent.has(id)) {
          this.groups.push({ id, expr: { kind: 'column', id, type } })
          continue
        }
        throw dbError('grouping_error', `subquery uses ungrouped column "${this.b.names.get(id) ?? '?'}" from outer query`)
      }
    }
    return mapChildren(e, this.rewrite)
  }
}

/** PostgreSQL's FigureColname: the default name of a select-list expression. */
export function figureName(e: Expr): string {
  return figure(e)?.name ?? '?column?'
}

/**
 * FigureColnameInternal: a name and its strength, 2 for a real name (a column, a
 * function, a subquery's column), 1 for a fallback (a cast's type name, "case") that
 * an enclosing cast or CASE may replace; undefined for no name at all.
 */
function figure(e: Expr): { name: string; strength: 1 | 2 } | undefined {
  switch (e.kind) {
    case 'column': return { name: e.name, strength: 2 }
    // TRIM(…) is special syntax in PostgreSQL's grammar that calls btrim.
    case 'function': return { name: e.name === 'trim' && e.schema === undefined ? 'btrim' : e.name, strength: 2 }
    case 'cast': {
      const inner = figure(e.operand)
      return inner !== undefined && inner.strength === 2 ? inner : { name: e.type.name, strength: 1 }
    }
    case 'typed-literal': return { name: e.type.name, strength: 1 }
    case 'case': {
      const otherwise = e.else === undefined ? undefined : figure(e.else)
      return otherwise !== undefined && otherwise.strength === 2 ? otherwise : { name: 'case', strength: 1 }
    }
    case 'exists': return { name: 'exists', strength: 2 }
    case 'array':
    case 'array-query': return { name: 'array', strength: 2 }
    case 'subscript':
    case 'collate': return figure(e.operand)
    case 'subquery': {
      // The subquery's first output column, whatever its name ("?column?" included).
      const first = firstSelectItem(e.query.body)
      if (first === undefined || first.kind === 'star') return undefined
      return { name: first.alias ?? figureName(first.expr), strength: 2 }
    }
    default: return undefined
  }
}

/** The first select-list item of a query body: a set operation's come from its leftmost SELECT. */
function firstSelectItem(body: QueryBody): SelectItem | undefined {
  switch (body.kind) {
    case 'select': return body.columns[0]
    case 'set-op': return firstSelectItem(body.left)
    case 'nested': return firstSelectItem(body.query.body)
    case 'values': return undefined
  }
}
