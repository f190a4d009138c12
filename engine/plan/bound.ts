/**
 * Bound expressions: what the binder makes of the parser's `Expr`. Names are
 * resolved to column ids, every node has its SQL type, operators and functions are
 * resolved to implementations, and implicit casts are explicit `cast` nodes.
 *
 * A column is referenced by a `ColumnId`, a number unique within one statement,
 * never by position: the planner may reorder joins and move filters, and only when
 * an expression is compiled (exec/compile.ts) are ids mapped to the positions of
 * the row it runs on. An id that the row does not produce belongs to an enclosing
 * query: a correlated reference, read from the statement's outer values.
 */
import type { AggregateFunction, ScalarFunction } from '../functions/types.js'
import type { ResolvedOperator, SqlType, SqlValue } from '../values/index.js'
import type { LogicalPlan } from './logical.js'

export type ColumnId = number

export type BExpr =
  | { readonly kind: 'const'; readonly type: SqlType; readonly value: SqlValue }
  /** $n (1-based), with its inferred type. */
  | { readonly kind: 'param'; readonly index: number; readonly type: SqlType }
  | { readonly kind: 'column'; readonly id: ColumnId; readonly type: SqlType }
  | { readonly kind: 'op'; readonly op: ResolvedOperator; readonly left: BExpr; readonly right: BExpr; readonly type: SqlType }
  | { readonly kind: 'negate'; readonly operand: BExpr; readonly type: SqlType }
  | { readonly kind: 'cast'; readonly operand: BExpr; readonly type: SqlType; readonly explicit: boolean }
  | { readonly kind: 'and' | 'or'; readonly args: readonly BExpr[]; readonly type: SqlType }
  | { readonly kind: 'not'; readonly operand: BExpr; readonly type: SqlType }
  | { readonly kind: 'is-null'; readonly operand: BExpr; readonly not: boolean; readonly type: SqlType }
  | { readonly kind: 'is-bool'; readonly operand: BExpr; readonly test: 'true' | 'false' | 'unknown'; readonly not: boolean; readonly type: SqlType }
  /** IS [NOT] DISTINCT FROM, with the `=` it compares by. */
  | { readonly kind: 'is-distinct'; readonly op: ResolvedOperator; readonly left: BExpr; readonly right: BExpr; readonly not: boolean; readonly type: SqlType }
  | { readonly kind: 'like'; readonly operand: BExpr; readonly pattern: BExpr; readonly escape: BExpr | undefined; readonly caseInsensitive: boolean; readonly not: boolean; readonly type: SqlType }
  /** x IN (a, b, …): one resolved `=` per list item (items may differ in type). */
  | { readonly kind: 'in-list'; readonly operand: BExpr; readonly list: readonly BExpr[]; readonly ops: readonly ResolvedOperator[]; readonly not: boolean; readonly type: SqlType }
  /** CASE; with an operand (evaluated once), each `when` is compared to it by `ops[i]`, the operand cast to `ops[i].leftType`. */
  | { readonly kind: 'case'; readonly operand: BExpr | undefined; readonly ops: readonly ResolvedOperator[]; readonly whens: readonly { readonly when: BExpr; readonly then: BExpr }[]; readonly else: BExpr; readonly type: SqlType }
  | { readonly kind: 'coalesce'; readonly args: readonly BExpr[]; readonly type: SqlType }
  | { readonly kind: 'nullif'; readonly left: BExpr; readonly right: BExpr; readonly op: ResolvedOperator; readonly type: SqlType }
  | { readonly kind: 'minmax'; readonly fn: 'greatest' | 'least'; readonly args: readonly BExpr[]; readonly type: SqlType }
  | { readonly kind: 'call'; readonly fn: ScalarFunction; readonly args: readonly BExpr[]; readonly type: SqlType }
  /** An aggregate call, only between binding and the aggregate node that computes it; `order` is its own ORDER BY. */
  /** An aggregate call; rows where `filter` is not true are not fed to it (FILTER (WHERE …)). */
  | { readonly kind: 'aggregate'; readonly fn: AggregateFunction; readonly args: readonly BExpr[]; readonly distinct: boolean; readonly order: readonly AggregateOrder[]; readonly filter: BExpr | undefined; readonly type: SqlType }
  | { readonly kind: 'subquery'; readonly sub: Subquery; readonly type: SqlType }

export type BExprKind = BExpr['kind']

/** A key of an aggregate's ORDER BY, string_agg(x, ',' ORDER BY x DESC). */
export interface AggregateOrder {
  readonly expr: BExpr
  readonly desc: boolean
  readonly nullsFirst: boolean
}

/**
 * A subquery inside an expression. `outer` lists the enclosing queries' columns it
 * reads (empty: uncorrelated, run at most once per statement execution).
 */
export interface Subquery {
  readonly id: number
  readonly mode:
    | { readonly kind: 'scalar' }
    | { readonly kind: 'exists' }
    /** ARRAY(SELECT …): every row's first column, as an array. */
    | { readonly kind: 'array' }
    /** `left op ANY/ALL (subquery)`; IN is `= ANY`, NOT IN is `<> ALL`. */
    | { readonly kind: 'quantified'; readonly left: BExpr; readonly op: ResolvedOperator; readonly all: boolean }
  readonly plan: LogicalPlan
  /** The subquery's output columns (scalar and quantified use the first). */
  readonly columns: readonly ColumnId[]
  readonly outer: readonly ColumnId[]
}

export const BOOL: SqlType = { kind: 'bool' }

export const constant = (type: SqlType, value: SqlValue): BExpr => ({ kind: 'const', type, value })

/** Every child expression of a node (subqueries' plans are not entered). */
export function children(e: BExpr): BExpr[] {
  switch (e.kind) {
    case 'const':
    case 'param':
    case 'column':
      return []
    case 'op':
    case 'is-distinct':
    case 'nullif':
      return [e.left, e.right]
    case 'negate':
    case 'cast':
    case 'not':
    case 'is-null':
    case 'is-bool':
      return [e.operand]
    case 'and':
    case 'or':
    case 'coalesce':
    case 'minmax':
    case 'call':
      return [...e.args]
    case 'aggregate':
      return [...e.args, ...e.order.map((k) => k.expr), ...(e.filter === undefined ? [] : [e.filter])]
    case 'like':
      return e.escape === undefined ? [e.operand, e.pattern] : [e.operand, e.pattern, e.escape]
    case 'in-list':
      return [e.operand, ...e.list]
    case 'case':
      return [...(e.operand ? [e.operand] : []), ...e.whens.flatMap((w) => [w.when, w.then]), e.else]
    case 'subquery':
      return e.sub.mode.kind === 'quantified' ? [e.sub.mode.left] : []
  }
}

/** Rebuilds `e` with each child replaced by `f(child)` (the identity when nothing changes). */
export function mapChildren(e: BExpr, f: (c: BExpr) => BExpr): BExpr {
  switch (e.kind) {
    case 'const':
    case 'param':
    case 'column':
      return e
    case 'op':
    case 'is-distinct':
    case 'nullif':
      return { ...e, left: f(e.left), right: f(e.right) }
    case 'negate':
    case 'cast':
    case 'not':
    case 'is-null':
    case 'is-bool':
      return { ...e, operand: f(e.operand) }
    case 'and':
    case 'or':
    case 'coalesce':
    case 'minmax':
    case 'call':
      return { ...e, args: e.args.map(f) }
    case 'aggregate':
      return { ...e, args: e.args.map(f), order: e.order.map((k) => ({ ...k, expr: f(k.expr) })), filter: e.filter === undefined ? undefined : f(e.filter) }
    case 'like':
      return { ...e, operand: f(e.operand), pattern: f(e.pattern), escape: e.escape === undefined ? undefined : f(e.escape) }
    case 'in-list':
      return { ...e, operand: f(e.operand), list: e.list.map(f) }
    case 'case':
      return { ...e, operand: e.operand === undefined ? undefined : f(e.operand), whens: e.whens.map((w) => ({ when: f(w.when), then: f(w.then) })), else: f(e.else) }
    case 'subquery':
      if (e.sub.mode.kind !== 'quantified') return e
      return { ...e, sub: { ...e.sub, mode: { ...e.sub.mode, left: f(e.sub.mode.left) } } }
  }
}

/** Post-order rewrite: children first, then `f` on the rebuilt node. */
export function rewrite(e: BExpr, f: (e: BExpr) => BExpr): BExpr {
  return f(mapChildren(e, (c) => rewrite(c, f)))
}

/** Does any node of `e` satisfy `p` (subquery plans not entered)? */
export function some(e: BExpr, p: (e: BExpr) => boolean): boolean {
  if (p(e)) return true
  for (const c of children(e)) if (some(c, p)) return true
  return false
}

/** Column ids `e` reads, including the outer references of its subqueries. */
export function columnsOf(e: BExpr, into: Set<ColumnId> = new Set()): Set<ColumnId> {
  if (e.kind === 'column') into.add(e.id)
  if (e.kind === 'subquery') for (const id of e.sub.outer) into.add(id)
  for (const c of children(e)) columnsOf(c, into)
  return into
}

/** Splits nested ANDs into a list of conjuncts. */
export function conjuncts(e: BExpr | undefined): BExpr[] {
  if (e === undefined) return []
  if (e.kind === 'and') return e.args.flatMap(conjuncts)
  return [e]
}

export function andAll(list: readonly BExpr[]): BExpr | undefined {
  if (list.length === 0) return undefined
  if (list.length === 1) return list[0]
  return { kind: 'and', args: list, type: BOOL }
}

/** Structural equality (what GROUP BY matching and index-expression matching need). */
export function sameExpr(a: BExpr, b: BExpr): boolean {
  if (a.kind !== b.kind) return false
  switch (a.kind) {
    case 'const': {
      const bv = (b as typeof a).value
      if (a.value === null || bv === null) return a.value === bv && a.type.kind === (b as typeof a).type.kind
      return a.type.kind === (b as typeof a).type.kind && String(a.value) === String(bv)
    }
    case 'param': return a.index === (b as typeof a).index
    case 'column': return a.id === (b as typeof a).id
    case 'op': if (a.op.entry !== (b as typeof a).op.entry) return false; break
    case 'cast': if (a.type.kind !== b.type.kind) return false; break
    case 'call': if (a.fn !== (b as typeof a).fn) return false; break
    case 'aggregate': {
      const o = b as typeof a
      if (a.fn !== o.fn || a.distinct !== o.distinct || a.args.length !== o.args.length || a.order.length !== o.order.length || (a.filter === undefined) !== (o.filter === undefined)) return false
      if (a.order.some((k, i) => k.desc !== o.order[i]!.desc || k.nullsFirst !== o.order[i]!.nullsFirst)) return false
      break
    }
    case 'is-null': case 'is-distinct': case 'in-list': if (a.not !== (b as typeof a).not) return false; break
    case 'is-bool': if (a.not !== (b as typeof a).not || a.test !== (b as typeof a).test) return false; break
    case 'like': if (a.not !== (b as typeof a).not || a.caseInsensitive !== (b as typeof a).caseInsensitive) return false; break
    case 'minmax': if (a.fn !== (b as typeof a).fn) return false; break
    case 'subquery': return false
    default: break
  }
  const ca = children(a)
  const cb = children(b)
  return ca.length === cb.length && ca.every((c, i) => sameExpr(c, cb[i]!))
}
