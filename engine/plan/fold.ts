/**
 * Constant folding, as PostgreSQL's eval_const_expressions: a node whose inputs are
 * all constants and whose function is immutable is computed once, when the
 * statement is planned. So `LIMIT 5` is a constant of type bigint (not a cast of
 * one), `DATE '2024-01-01' + 30` is a date, and `WHERE x = 1/0` fails when planned
 * even if no row is read — PostgreSQL does the same.
 *
 * Like PostgreSQL, folding respects the lazy forms: a CASE arm whose condition folds
 * to false or NULL is dropped before its result is folded, AND/OR stop at a deciding
 * constant, COALESCE at the first non-NULL constant. Parameters, columns, stable and
 * volatile functions (now(), random(), nextval) and subqueries are never folded.
 */
import { compileSync, EMPTY_LAYOUT } from '../exec/compile.js'
import type { ExecContext } from '../exec/context.js'
import { children, mapChildren, type BExpr } from './bound.js'
import type { LogicalPlan } from './logical.js'

const isConst = (e: BExpr): e is BExpr & { kind: 'const' } => e.kind === 'const'

const FOLDABLE: ReadonlySet<BExpr['kind']> = new Set(['op', 'negate', 'cast', 'not', 'is-null', 'is-bool', 'is-distinct', 'like', 'in-list', 'nullif', 'minmax', 'call'])

/** Folding runs no query: the context is never consulted by immutable expressions. */
const NO_CONTEXT = {} as ExecContext

function evaluate(e: BExpr): BExpr {
  return { kind: 'const', type: e.type, value: compileSync(e, EMPTY_LAYOUT)([], NO_CONTEXT) }
}

export function foldExpr(e: BExpr): BExpr {
  switch (e.kind) {
    case 'const':
    case 'param':
    case 'column':
    case 'aggregate':
      return e.kind === 'aggregate' ? mapChildren(e, foldExpr) : e
    case 'subquery':
      return { ...mapChildren(e, foldExpr), sub: { ...e.sub, plan: foldPlan(e.sub.plan) } } as BExpr
    case 'and':
    case 'or': {
      const decides = e.kind === 'or'
      const args: BExpr[] = []
      for (const a of e.args) {
        const f = foldExpr(a)
        if (isConst(f) && f.value === decides) return f
        if (isConst(f) && f.value === !decides) continue
        args.push(f)
      }
      if (args.length === 0) return { kind: 'const', type: e.type, value: !decides }
      return args.length === 1 ? args[0]! : { ...e, args }
    }
    case 'case': {
      if (e.operand !== undefined) {
        const folded = mapChildren(e, foldExpr)
        return children(folded).every(isConst) ? evaluate(folded) : folded
      }
      const whens: { when: BExpr; then: BExpr }[] = []
      for (const w of e.whens) {
        const when = foldExpr(w.when)
        if (isConst(when) && when.value !== true) continue // false or NULL: the arm can never run
        const then = foldExpr(w.then)
        // An arm that always runs ends the CASE: it is the ELSE of the arms before it.
        if (isConst(when)) return whens.length === 0 ? then : { ...e, whens, else: then }
        whens.push({ when, then })
      }
      const otherwise = foldExpr(e.else)
      if (whens.length === 0) return otherwise
      return { ...e, whens, else: otherwise }
    }
    case 'coalesce': {
      const args: BExpr[] = []
      for (const a of e.args) {
        const f = foldExpr(a)
        if (isConst(f) && f.value === null) continue
        args.push(f)
        if (isConst(f)) break
      }
      if (args.length === 0) return { kind: 'const', type: e.type, value: null }
      if (args.length === 1 && isConst(args[0]!)) return args[0]!
      return { ...e, args }
    }
    default: {
      const folded = mapChildren(e, foldExpr)
      if (!FOLDABLE.has(folded.kind) || !children(folded).every(isConst)) return folded
      if (folded.kind === 'call' && (folded.fn.volatility !== 'immutable' || folded.fn.async)) return folded
      return evaluate(folded)
    }
  }
}

const fold = (e: BExpr | undefined): BExpr | undefined => (e === undefined ? undefined : foldExpr(e))

/** Folds every expression of a logical plan (subqueries' plans included). */
export function foldPlan(p: LogicalPlan): LogicalPlan {
  switch (p.kind) {
    case 'scan':
      return p.partial === undefined ? p : { ...p, partial: new Map([...p.partial].map(([k, e]) => [k, foldExpr(e)])) }
    case 'virtual-scan':
    case 'one-row':
      return p
    case 'values':
      return { ...p, rows: p.rows.map((r) => r.map(foldExpr)) }
    case 'function-scan':
      return { ...p, args: p.args.map(foldExpr) }
    case 'filter':
      return { ...p, input: foldPlan(p.input), predicate: foldExpr(p.predicate) }
    case 'project':
      return { ...p, input: foldPlan(p.input), items: p.items.map((i) => ({ id: i.id, expr: foldExpr(i.expr) })) }
    case 'join':
      return { ...p, left: foldPlan(p.left), right: foldPlan(p.right), condition: fold(p.condition) }
    case 'aggregate':
      return {
        ...p,
        input: foldPlan(p.input),
        groups: p.groups.map((g) => ({ id: g.id, expr: foldExpr(g.expr) })),
        aggs: p.aggs.map((a) => ({ id: a.id, expr: foldExpr(a.expr) })),
      }
    case 'distinct':
    case 'lock-rows':
      return { ...p, input: foldPlan(p.input) }
    case 'sort':
      return { ...p, input: foldPlan(p.input), keys: p.keys.map((k) => ({ ...k, expr: foldExpr(k.expr) })) }
    case 'unique':
      return { ...p, input: foldPlan(p.input), keys: p.keys.map(foldExpr) }
    case 'limit':
      return { ...p, input: foldPlan(p.input), limit: fold(p.limit), offset: fold(p.offset) }
    case 'set-op':
    case 'recursive-union':
      return { ...p, left: foldPlan(p.left), right: foldPlan(p.right) }
    case 'worktable-scan':
      return p
  }
}
