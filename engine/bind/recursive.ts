/**
 * WITH RECURSIVE: a CTE whose query reads its own name. As in PostgreSQL it must be
 * `non-recursive term UNION [ALL] recursive term`; the non-recursive term fixes the
 * column types, and in the recursive term the CTE's name is a *worktable*: the rows
 * the previous round produced (exec/run.ts's recursive-union runs the rounds).
 *
 * Where the recursive reference may stand is checked on the syntax first, as
 * PostgreSQL's checkWellFormedRecursion does: not in the non-recursive term, not
 * twice, not inside an expression's subquery (whose cached result would be stale by
 * the next round). Its other checks (not under an aggregate, not on the nullable
 * side of an outer join) are not made: such queries run where PostgreSQL refuses.
 */
import { dbError } from '../../common/errors.js'
import type { Cte } from '../../parser/index.js'
import type { LogicalPlan } from '../plan/logical.js'
import { baseTypeName, sameType, T, type SqlType } from '../values/index.js'
import type { Binder, CteBinding } from './binder.js'
import { coerce, commonType } from './coerce.js'
import { bindBody, itemPosition, type BoundQuery } from './query.js'
import type { Scope } from './scope.js'

interface Reference {
  readonly position: number
  /** Inside a subquery of an expression (EXISTS, IN, a scalar subquery): PostgreSQL's SubLink. */
  readonly inSublink: boolean
}

/** Where a query (any AST) reads the table `name`: its unqualified FROM items of that name, in tree order. */
export function tableReferences(node: unknown, name: string, inSublink = false, out: Reference[] = []): Reference[] {
  if (typeof node !== 'object' || node === null) return out
  if (Array.isArray(node)) {
    for (const n of node) tableReferences(n, name, inSublink, out)
    return out
  }
  const o = node as Record<string, unknown>
  if (o.kind === 'table' && o.name === name && o.schema === undefined) out.push({ position: o.position as number, inSublink })
  // A FROM subquery has an alias field; an expression's subquery has none.
  const sublink = o.kind === 'in-query' || o.kind === 'quantified' || o.kind === 'exists' || (o.kind === 'subquery' && !('alias' in o))
  for (const v of Object.values(o)) tableReferences(v, name, inSublink || sublink, out)
  return out
}

/** Binds a recursive CTE's query, with `ctes` the CTEs visible to it (not itself). */
export function bindRecursiveCte(b: Binder, cte: Cte, ctes: ReadonlyMap<string, CteBinding>, outer: Scope | undefined): BoundQuery {
  const q = cte.query
  const body = q.body
  const invalid = (message: string, position: number) => dbError('invalid_recursion', message, { position })
  if (body.kind !== 'set-op' || body.op !== 'union' || q.with.length > 0 || q.orderBy.length > 0 || q.limit !== undefined || q.offset !== undefined || q.locking !== undefined) {
    throw invalid(`recursive query "${cte.name}" does not have the form non-recursive-term UNION [ALL] recursive-term`, cte.position)
  }
  const early = tableReferences(body.left, cte.name)[0]
  if (early !== undefined) throw invalid(`recursive reference to query "${cte.name}" must not appear within its non-recursive term`, early.position)
  const refs = tableReferences(body.right, cte.name)
  const nested = refs.find((r) => r.inSublink)
  if (nested !== undefined) throw invalid(`recursive reference to query "${cte.name}" must not appear within a subquery`, nested.position)
  if (refs.length > 1) throw invalid(`recursive reference to query "${cte.name}" must not appear more than once`, refs[1]!.position)

  b.ctes = ctes
  const left = textForUnknown(b, bindBody(b, body.left, outer))
  const names = left.columns.map((c, i) => cte.columns[i] ?? c.name)
  if (cte.columns.length > left.columns.length) {
    throw dbError('invalid_column_reference', `WITH query "${cte.name}" has ${left.columns.length} columns available but ${cte.columns.length} columns specified`, { position: cte.position })
  }
  const worktable: CteBinding = { kind: 'worktable', id: b.newWorktable(), name: cte.name, columns: left.columns.map((c, i) => ({ name: names[i]!, type: c.type })) }
  b.ctes = new Map(ctes).set(cte.name, worktable)
  const right = bindBody(b, body.right, outer)
  if (left.columns.length !== right.columns.length) {
    throw dbError('syntax_error', 'each UNION query must have the same number of columns', { position: itemPosition(body.right, 0) })
  }
  // The non-recursive term's types are the CTE's: the union may not need another.
  left.columns.forEach((c, i) => {
    const overall = commonType([c.type, right.columns[i]!.type], 'UNION', [itemPosition(body.left, i), itemPosition(body.right, i)])
    if (!sameType(overall, c.type)) {
      throw dbError('datatype_mismatch', `recursive query "${cte.name}" column ${i + 1} has type ${baseTypeName(c.type)} in non-recursive term but type ${baseTypeName(overall)} overall`, {
        hint: 'Cast the output of the non-recursive term to the correct type.',
        position: itemPosition(body.left, i),
      })
    }
  })
  const columns = left.columns.map((c, i) => ({ id: b.newColumn(names[i]!), name: names[i]!, type: c.type }))
  const plan: LogicalPlan = {
    kind: 'recursive-union',
    all: body.all,
    left: left.plan,
    right: castTo(b, right, left.columns.map((c) => c.type)).plan,
    worktable: worktable.id,
    columns: columns.map((c) => ({ id: c.id, type: c.type })),
  }
  return { plan, columns }
}

/** The recursive term's reference to its CTE: a scan of the previous round's rows. */
export function bindWorktable(b: Binder, w: CteBinding & { kind: 'worktable' }, alias: string): BoundQuery {
  const columns = w.columns.map((c) => ({ id: b.newColumn(`${alias}.${c.name}`), name: c.name, type: c.type }))
  return { plan: { kind: 'worktable-scan', worktable: w.id, alias, columns: columns.map((c) => ({ id: c.id, type: c.type })) }, columns }
}

/** The non-recursive term's untyped literals become text, as PostgreSQL resolves them there. */
function textForUnknown(b: Binder, q: BoundQuery): BoundQuery {
  return castTo(b, q, q.columns.map((c) => (c.type.kind === 'unknown' ? T.text : c.type)))
}

function castTo(b: Binder, q: BoundQuery, types: readonly SqlType[]): BoundQuery {
  if (q.columns.every((c, i) => sameType(c.type, types[i]!))) return q
  const columns = q.columns.map((c, i) => ({ id: b.newColumn(c.name), name: c.name, type: types[i]! }))
  const items = q.columns.map((c, i) => ({ id: columns[i]!.id, expr: coerce(b, { kind: 'column', id: c.id, type: c.type }, types[i]!, 'implicit') }))
  return { plan: { kind: 'project', input: q.plan, items }, columns }
}
