/**
 * Binding queries: WITH, set operations, VALUES, and the ORDER BY / LIMIT /
 * OFFSET of anything that is not a plain SELECT (select.ts binds those itself,
 * because its ORDER BY may use the FROM clause's columns).
 *
 * CTEs are inlined: each reference binds the CTE's query afresh, which gives the
 * same results as PostgreSQL 12+'s materialisation for queries without volatile
 * functions (a shortcut; the planner could materialise shared ones).
 */
import { dbError } from '../../common/errors.js'
import type { Expr, Query, QueryBody } from '../../parser/index.js'
import type { Oid } from '../catalog/schema.js'
import type { BExpr, ColumnId } from '../plan/bound.js'
import type { LogicalPlan, SortKey } from '../plan/logical.js'
import { T, baseTypeName, type SqlType } from '../values/index.js'
import type { Binder, CteBinding } from './binder.js'
import { coerce, commonType } from './coerce.js'
import { at, bindExpr, startOf } from './expr.js'
import { Scope } from './scope.js'
import { bindRecursiveCte, tableReferences } from './recursive.js'
import { bindSelect, type SelectOptions } from './select.js'

export interface BoundColumn {
  readonly id: ColumnId
  readonly name: string
  readonly type: SqlType
  /** The table column it shows directly, for result metadata. */
  readonly source?: { readonly table: Oid; readonly attnum: number } | undefined
}

export interface BoundQuery {
  readonly plan: LogicalPlan
  readonly columns: readonly BoundColumn[]
}

export interface BoundSubquery extends BoundQuery {
  /** Columns of enclosing queries it reads. */
  readonly outer: readonly ColumnId[]
}

/** ORDER BY, LIMIT, OFFSET and FOR UPDATE of a query, handed to whichever binder handles its body. */
export interface QueryTail {
  readonly orderBy: Query['orderBy']
  readonly limit: Expr | undefined
  readonly offset: Expr | undefined
  readonly locking: Query['locking']
}

/** `opts` applies to a plain SELECT body (INSERT … SELECT keeps its literals untyped, as PostgreSQL does). */
export function bindQuery(b: Binder, q: Query, outer: Scope | undefined, opts: SelectOptions = {}): BoundQuery {
  const saved = b.ctes
  try {
    if (q.with.length > 0) {
      const ctes = new Map(b.ctes)
      for (const cte of q.with) {
        if (q.with.filter((c) => c.name === cte.name).length > 1) {
          throw dbError('duplicate_alias', `WITH query name "${cte.name}" specified more than once`, { position: q.position })
        }
        const binding: CteBinding = { kind: 'query', cte, outer: new Map(ctes) }
        ctes.set(cte.name, binding)
        // Each reference binds the CTE anew (it is inlined); this binding, thrown away, is
        // for PostgreSQL's analysis of every CTE, so one never referenced fails as it does there.
        b.ctes = binding.outer
        if (cte.recursive && tableReferences(cte.query, cte.name).length > 0) bindRecursiveCte(b, cte, binding.outer, outer)
        else bindQuery(b, cte.query, outer)
      }
      b.ctes = ctes
    }
    const tail: QueryTail = { orderBy: q.orderBy, limit: q.limit, offset: q.offset, locking: q.locking }
    if (q.body.kind === 'select') return bindSelect(b, q.body, outer, tail, opts)
    if (q.locking !== undefined) {
      throw dbError('feature_not_supported', `FOR ${q.locking.strength.toUpperCase()} is not allowed with ${q.body.kind === 'values' ? 'VALUES' : 'UNION/INTERSECT/EXCEPT'}`, { position: q.position })
    }
    const body = bindBody(b, q.body, outer)
    return applyTail(b, body, tail, outer, q.body.kind === 'set-op')
  } finally {
    b.ctes = saved
  }
}

/** A subquery in an expression or FROM: its reads of enclosing queries' columns are collected. */
export function bindSubquery(b: Binder, q: Query, scope: Scope): BoundSubquery {
  const outer: ColumnId[] = []
  const bridge = Scope.empty(scope, (id) => {
    if (!outer.includes(id)) outer.push(id)
  })
  const r = bindQuery(b, q, bridge)
  return { ...r, outer }
}

export function bindBody(b: Binder, body: QueryBody, outer: Scope | undefined): BoundQuery {
  switch (body.kind) {
    case 'select':
      // A set operation's branch: its untyped literals are typed by the set operation.
      return bindSelect(b, body, outer, { orderBy: [], limit: undefined, offset: undefined, locking: undefined }, { keepUnknown: true })
    case 'nested':
      return bindQuery(b, body.query, outer)
    case 'values':
      return bindValues(b, body.rows, outer, body.position)
    case 'set-op':
      return bindSetOp(b, body, outer)
  }
}

export function bindValues(b: Binder, rows: readonly (readonly Expr[])[], outer: Scope | undefined, position: number): BoundQuery {
  const width = rows[0]!.length
  const scope = outer ?? Scope.empty()
  const bound = rows.map((r) => {
    if (r.length !== width) throw dbError('syntax_error', 'VALUES lists must all be the same length', { position: 'position' in r[0]! ? r[0].position : position })
    return r.map((e) => bindExpr(b, e, { scope, clause: 'VALUES', aggregates: false }))
  })
  const types = Array.from({ length: width }, (_, i) => at(position, () => commonType(bound.map((r) => r[i]!.type), 'VALUES', rows.map((r) => r[i]!.position))))
  const columns = types.map((type, i) => ({ id: b.newColumn(`column${i + 1}`), name: `column${i + 1}`, type }))
  const coerced = bound.map((r, j) => r.map((e, i) => coerce(b, e, types[i]!, 'implicit', rows[j]![i]!.position)))
  return { plan: { kind: 'values', rows: coerced, columns: columns.map((c) => ({ id: c.id, type: c.type })) }, columns }
}

/**
 * Where a set operation's branch has its i-th output column (the select list's start
 * for i = 0): PostgreSQL reports column-count and type mismatches there.
 */
export function itemPosition(body: QueryBody, i: number): number | undefined {
  switch (body.kind) {
    case 'select': {
      const item = body.columns[i]
      return item === undefined ? body.position : item.kind === 'star' ? item.position : startOf(item.expr)
    }
    case 'values': return body.position
    case 'set-op': return itemPosition(body.left, i)
    case 'nested': return itemPosition(body.query.body, i)
  }
}

function bindSetOp(b: Binder, body: QueryBody & { kind: 'set-op' }, outer: Scope | undefined): BoundQuery {
  const left = bindBody(b, body.left, outer)
  const right = bindBody(b, body.right, outer)
  const what = body.op.toUpperCase()
  if (left.columns.length !== right.columns.length) {
    throw dbError('syntax_error', `each ${what} query must have the same number of columns`, { position: itemPosition(body.right, 0) })
  }
  const types = left.columns.map((c, i) => commonType([c.type, right.columns[i]!.type], what, [itemPosition(body.left, i), itemPosition(body.right, i)]))
  const cast = (q: BoundQuery): LogicalPlan => {
    if (q.columns.every((c, i) => c.type.kind === types[i]!.kind && JSON.stringify(c.type) === JSON.stringify(types[i]))) return q.plan
    // A branch that projects an untyped literal takes the set operation's type right there,
    // so a bad literal fails now, at its position, as in PostgreSQL.
    if (q.plan.kind === 'project') {
      const p = q.plan
      const items = p.items.map((it) => {
        const i = q.columns.findIndex((c) => c.id === it.id)
        return i < 0 || it.expr.type.kind !== 'unknown' ? it : { id: it.id, expr: coerce(b, it.expr, types[i]!, 'implicit') }
      })
      const plan: LogicalPlan = { ...p, items }
      const fixed = q.columns.map((c) => ({ ...c, type: items.find((it) => it.id === c.id)?.expr.type ?? c.type }))
      if (fixed.every((c, i) => JSON.stringify(c.type) === JSON.stringify(types[i]))) return plan
      q = { plan, columns: fixed }
    }
    const input = q.plan
    return {
      kind: 'project',
      input,
      items: q.columns.map((c, i) => ({ id: b.newColumn(c.name), expr: coerce(b, { kind: 'column', id: c.id, type: c.type }, types[i]!, 'implicit') })),
    }
  }
  const columns = left.columns.map((c, i) => ({ id: b.newColumn(c.name), name: c.name, type: types[i]! }))
  return {
    plan: { kind: 'set-op', op: body.op, all: body.all, left: cast(left), right: cast(right), columns: columns.map((c) => ({ id: c.id, type: c.type })) },
    columns,
  }
}

/** ORDER BY over a query's output columns (names or ordinals), then LIMIT / OFFSET. */
function applyTail(b: Binder, q: BoundQuery, tail: QueryTail, outer: Scope | undefined, setOp: boolean): BoundQuery {
  let plan = q.plan
  if (tail.orderBy.length > 0) {
    const scope = new Scope([{ alias: undefined, columns: q.columns, children: [] }], outer)
    const keys: SortKey[] = tail.orderBy.map((o) => {
      let expr: BExpr
      const n = positionalItem(o.expr, 'ORDER BY')
      if (n !== undefined) {
        const col = q.columns[n - 1]
        if (col === undefined) throw dbError('invalid_column_reference', `ORDER BY position ${n} is not in select list`, { position: o.expr.position })
        expr = { kind: 'column', id: col.id, type: col.type }
      } else {
        if (setOp && o.expr.kind !== 'column') {
          throw dbError('feature_not_supported', 'invalid UNION/INTERSECT/EXCEPT ORDER BY clause', {
            detail: 'Only result column names can be used, not expressions or functions.',
            hint: 'Add the expression/function to every SELECT, or move the UNION into a FROM clause.',
            position: 'position' in o.expr ? o.expr.position : undefined,
          })
        }
        expr = bindExpr(b, o.expr, { scope, clause: 'ORDER BY', aggregates: false })
      }
      return sortKey(expr, o.direction, o.nulls)
    })
    plan = { kind: 'sort', input: plan, keys }
  }
  plan = applyLimit(b, plan, tail, outer)
  return { plan, columns: q.columns }
}

/**
 * findTargetlistEntrySQL92's constants: in GROUP BY and ORDER BY an integer constant
 * (also negative: the grammar folds the sign in) is a select-list position, and any
 * other constant is an error rather than a sort or grouping key of no effect.
 * Returns the 1-based position, or undefined when `e` is not a constant.
 */
export function positionalItem(e: Expr, clause: 'GROUP BY' | 'ORDER BY' | 'DISTINCT ON'): number | undefined {
  // The grammar folds any chain of minus signs into the constant (doNegate): - (-0.5) is one.
  let num = e
  let negated = false
  while (num.kind === 'unary' && num.op === '-' && (num.operand.kind === 'number' || num.operand.kind === 'unary')) {
    negated = !negated
    num = num.operand
  }
  if (num.kind === 'number') {
    const n = /^\d+$/.test(num.text) ? Number(num.text) : NaN
    if (n <= 2147483647) return negated ? -n : n
  } else if (e.kind !== 'string' && e.kind !== 'boolean' && e.kind !== 'null') {
    return undefined
  }
  throw dbError('syntax_error', `non-integer constant in ${clause}`, { position: e.position })
}

export function sortKey(expr: BExpr, direction: 'asc' | 'desc' | undefined, nulls: 'first' | 'last' | undefined): SortKey {
  const desc = direction === 'desc'
  return { expr, desc, nullsFirst: nulls === undefined ? desc : nulls === 'first' }
}

export function applyLimit(b: Binder, plan: LogicalPlan, tail: QueryTail, outer: Scope | undefined): LogicalPlan {
  if (tail.limit === undefined && tail.offset === undefined) return plan
  const scope = outer ?? Scope.empty()
  const bind = (e: Expr | undefined, what: string): BExpr | undefined => {
    if (e === undefined) return undefined
    // An untyped literal ('3', NULL) becomes bigint directly, as in PostgreSQL.
    const v = bindExpr(b, e, { scope, clause: what, aggregates: false })
    return coerce(b, v, T.int8, 'assignment', e.position, () =>
      dbError('datatype_mismatch', `argument of ${what} must be type bigint, not type ${baseTypeName(v.type)}`, { position: e.position }),
    )
  }
  return { kind: 'limit', input: plan, limit: bind(tail.limit, 'LIMIT'), offset: bind(tail.offset, 'OFFSET') }
}
