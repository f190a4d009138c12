/**
 * Visiting the expressions and children of a physical plan (subquery plans are
 * separate: PlannedQuery.subplans).
 */
import type { BExpr } from './bound.js'
import type { PhysicalPlan } from './physical.js'

export function planChildren(p: PhysicalPlan): PhysicalPlan[] {
  switch (p.kind) {
    case 'filter':
    case 'project':
    case 'aggregate':
    case 'distinct':
    case 'unique':
    case 'sort':
    case 'limit':
    case 'lock-rows':
      return [p.input]
    case 'nested-loop':
    case 'hash-join':
    case 'set-op':
    case 'recursive-union':
      return [p.left, p.right]
    default:
      return []
  }
}

/** The expressions a node holds itself (not its children's). */
export function nodeExprs(p: PhysicalPlan): BExpr[] {
  const opt = (e: BExpr | undefined) => (e === undefined ? [] : [e])
  switch (p.kind) {
    case 'seq-scan':
    case 'virtual-scan':
      return opt(p.filter)
    case 'index-scan':
      return [...opt(p.filter), ...p.access.prefixes.flat(), ...opt(p.access.lower?.expr), ...opt(p.access.upper?.expr)]
    case 'values':
      return p.rows.flat()
    case 'function-scan':
      return [...p.args, ...opt(p.filter)]
    case 'one-row':
    case 'distinct':
    case 'set-op':
    case 'recursive-union':
    case 'worktable-scan':
    case 'lock-rows':
      return []
    case 'filter':
      return [p.predicate]
    case 'project':
      return p.items.map((i) => i.expr)
    case 'nested-loop':
      return opt(p.condition)
    case 'hash-join':
      return [...p.leftKeys, ...p.rightKeys, ...opt(p.residual)]
    case 'aggregate':
      return [...p.groups, ...p.aggs].map((a) => a.expr)
    case 'sort':
      return p.keys.map((k) => k.expr)
    case 'unique':
      return [...p.keys]
    case 'limit':
      return [...opt(p.limit), ...opt(p.offset)]
  }
}

/** Calls `f` on every expression of the plan tree. */
export function walkExprs(p: PhysicalPlan, f: (e: BExpr) => void): void {
  for (const e of nodeExprs(p)) f(e)
  for (const c of planChildren(p)) walkExprs(c, f)
}
