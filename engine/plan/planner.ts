/**
 * The planner: logical plan → physical plan.
 *
 * 1. Join blocks. A tree of inner joins and filters is flattened into its relations
 *    and the conjuncts of all its conditions. A conjunct on one relation is pushed
 *    into it (into a subquery or view through its projection); the others join.
 * 2. Access paths. Each table scan picks an index or the primary key from its own
 *    conjuncts (access-path.ts).
 * 3. Join order. Greedy: start from the smallest relation, then repeatedly join
 *    the connected relation that gives the smallest estimated result. Linear in
 *    the number of joins per step, so dozens of tables plan quickly.
 * 4. Join method. An equality between the two sides makes a hash join (the smaller
 *    side is built); when the new relation is a large table with an index on the
 *    joined column and the current result is small, an index nested loop instead;
 *    otherwise a nested loop.
 * 5. Outer joins keep their order; ON conjuncts on the nullable side and WHERE
 *    conjuncts on the preserved side move below the join.
 * 6. Sorts that an index order provides are dropped (ordering.ts).
 *
 * Subqueries inside expressions are planned the same way, into `subplans`.
 */
import type { TableInfo } from '../catalog/schema.js'
import { andAll, columnsOf, conjuncts, rewrite, some, type BExpr, type ColumnId } from './bound.js'
import { ALL_METHODS, chooseAccess, type PlanMethods, type TableEstimates } from './access-path.js'
import { outputs, type LogicalPlan } from './logical.js'
import { foldPlan } from './fold.js'
import { provideOrder } from './ordering.js'
import type { PhysicalPlan, PlannedQuery } from './physical.js'
import { walkExprs } from './walk.js'

export interface PlannerEnv {
  estimates(t: TableInfo): TableEstimates
  /** enable_seqscan and friends: a method switched off is used only where nothing else can do. */
  readonly methods?: PlanMethods
}


/** Plans a query; `extra` are expressions evaluated outside the plan (RETURNING, ON CONFLICT) whose subqueries need plans too. */
export function planQuery(root: LogicalPlan, env: PlannerEnv, extra: readonly BExpr[] = []): PlannedQuery {
  const planner = new Planner(env)
  const plan = planner.plan(foldPlan(root), false)
  planner.planSubqueries(plan)
  for (const e of extra) planner.planExprSubqueries(e)
  return { root: plan, subplans: planner.subplans }
}

interface Rel {
  plan: PhysicalPlan
  readonly ids: ReadonlySet<ColumnId>
  /** The logical scan and its own conjuncts, to re-plan it as the inner side of an index nested loop. */
  readonly scan?: { readonly logical: LogicalPlan & { kind: 'scan' }; readonly preds: readonly BExpr[] }
}

const HASHABLE_FAMILY: Record<string, string> = {
  int2: 'int', int4: 'int', int8: 'int', float4: 'float', float8: 'float', numeric: 'numeric', text: 'text', varchar: 'text',
  bpchar: 'bpchar', bool: 'bool', date: 'date', timestamp: 'timestamp', timestamptz: 'timestamptz', bytea: 'bytea',
}

const subset = (ids: Iterable<ColumnId>, of: ReadonlySet<ColumnId>) => [...ids].every((id) => of.has(id))

class Planner {
  readonly subplans = new Map<number, PhysicalPlan>()
  /** Distinct values of scanned columns (from ANALYZE), for join selectivity. */
  private readonly distinct = new Map<ColumnId, number>()

  private readonly methods: PlanMethods

  constructor(private readonly env: PlannerEnv) {
    this.methods = env.methods ?? ALL_METHODS
  }

  private noteScan(scan: LogicalPlan & { kind: 'scan' }): void {
    const est = this.env.estimates(scan.table)
    for (const c of scan.columns) {
      const d = est.distinct(c.attnum)
      if (d !== undefined && d > 0) this.distinct.set(c.id, d)
    }
  }

  /**
   * Rows of a join: |L| · |R| · ∏ selectivity. An equality between two columns
   * ANALYZE measured selects 1 / max(distinct values of either) (PostgreSQL's
   * eqjoinsel without histograms); an unmeasured one assumes a key–foreign-key join.
   */
  private joinEstimate(l: number, r: number, conds: readonly BExpr[]): number {
    let est = l * r
    for (const c of conds) {
      if (c.kind === 'op' && c.op.name === '=') {
        const a = c.left.kind === 'column' ? this.distinct.get(c.left.id) : undefined
        const b = c.right.kind === 'column' ? this.distinct.get(c.right.id) : undefined
        const nd = Math.max(a ?? 0, b ?? 0)
        est *= 1 / (nd > 0 ? nd : Math.max(l, r, 1))
      } else est *= 1 / 3
    }
    return Math.max(1, Math.round(est))
  }

  plan(l: LogicalPlan, limited: boolean): PhysicalPlan {
    switch (l.kind) {
      case 'scan':
      case 'filter':
        return this.planBlock(l)
      case 'join':
        return l.type === 'inner' ? this.planBlock(l) : this.planOuterJoin(l, [])
      case 'virtual-scan':
        return { kind: 'virtual-scan', table: l.table, alias: l.alias, columns: l.columns, filter: undefined, estimate: 100 }
      case 'values':
        return { kind: 'values', rows: l.rows, columns: l.columns, estimate: l.rows.length }
      case 'function-scan':
        return { kind: 'function-scan', fn: l.fn, args: l.args, alias: l.alias, columns: l.columns, filter: undefined, estimate: 1000 }
      case 'one-row':
        return { kind: 'one-row', estimate: 1 }
      case 'project': {
        const input = this.plan(l.input, limited)
        return { kind: 'project', input, items: l.items, estimate: input.estimate }
      }
      case 'aggregate': {
        const input = this.plan(l.input, false)
        const estimate = l.groups.length === 0 ? 1 : Math.max(1, Math.round(input.estimate / 10))
        return { kind: 'aggregate', input, groups: l.groups, aggs: l.aggs, estimate }
      }
      case 'distinct': {
        const input = this.plan(l.input, false)
        return { kind: 'distinct', input, estimate: input.estimate }
      }
      case 'recursive-union': {
        const left = this.plan(l.left, false)
        const right = this.plan(l.right, false)
        return { kind: 'recursive-union', all: l.all, left, right, worktable: l.worktable, columns: l.columns, estimate: left.estimate * 10 }
      }
      case 'worktable-scan':
        return { kind: 'worktable-scan', worktable: l.worktable, alias: l.alias, columns: l.columns, estimate: 10 }
      case 'unique': {
        const input = this.plan(l.input, false)
        return { kind: 'unique', input, keys: l.keys, estimate: Math.max(1, Math.round(input.estimate / 10)) }
      }
      case 'sort': {
        const input = this.plan(l.input, limited)
        return provideOrder(input, l.keys, limited && this.methods.indexscan) ?? { kind: 'sort', input, keys: l.keys, estimate: input.estimate }
      }
      case 'limit': {
        const input = this.plan(l.input, true)
        const n = l.limit?.kind === 'const' && typeof l.limit.value === 'bigint' ? Number(l.limit.value) : input.estimate
        return { kind: 'limit', input, limit: l.limit, offset: l.offset, estimate: Math.min(input.estimate, n) }
      }
      case 'set-op': {
        const left = this.plan(l.left, false)
        const right = this.plan(l.right, false)
        return { kind: 'set-op', op: l.op, all: l.all, left, right, columns: l.columns, estimate: left.estimate + right.estimate }
      }
      case 'lock-rows': {
        const input = this.plan(l.input, limited)
        return { kind: 'lock-rows', input, targets: l.targets, strength: l.strength, wait: l.wait, estimate: input.estimate }
      }
    }
  }

  /** Plans every subquery found in the plan's expressions (and theirs, recursively). */
  planSubqueries(p: PhysicalPlan): void {
    walkExprs(p, (e) => this.planExprSubqueries(e))
  }

  planExprSubqueries(e: BExpr): void {
    some(e, (n) => {
      if (n.kind === 'subquery' && !this.subplans.has(n.sub.id)) {
        const sp = this.plan(n.sub.plan, false)
        this.subplans.set(n.sub.id, sp)
        this.planSubqueries(sp)
      }
      return false
    })
  }

  // ── join blocks ───────────────────────────────────────────────────────────

  private planBlock(l: LogicalPlan): PhysicalPlan {
    const rels: LogicalPlan[] = []
    const preds: BExpr[] = []
    const flatten = (n: LogicalPlan) => {
      if (n.kind === 'filter') {
        preds.push(...conjuncts(n.predicate))
        flatten(n.input)
      } else if (n.kind === 'join' && n.type === 'inner') {
        preds.push(...conjuncts(n.condition))
        flatten(n.left)
        flatten(n.right)
      } else rels.push(n)
    }
    flatten(l)
    const relIds = rels.map((r) => new Set(outputs(r).map((c) => c.id)))
    const local: BExpr[][] = rels.map(() => [])
    const joinPreds: BExpr[] = []
    for (const p of preds) {
      const ids = columnsOf(p)
      const touched = relIds.flatMap((set, i) => ([...ids].some((id) => set.has(id)) ? [i] : []))
      if (touched.length === 0) local[0]!.push(p)
      else if (touched.length === 1) local[touched[0]!]!.push(p)
      else joinPreds.push(p)
    }
    const planned: Rel[] = rels.map((r, i) => ({
      plan: this.planRel(r, local[i]!),
      ids: relIds[i]!,
      scan: r.kind === 'scan' ? { logical: r, preds: local[i]! } : undefined,
    }))
    return this.orderJoins(planned, joinPreds)
  }

  /** One relation of a block with the conjuncts that concern it alone. */
  private planRel(r: LogicalPlan, preds: readonly BExpr[]): PhysicalPlan {
    if (r.kind === 'scan') {
      this.noteScan(r)
      return chooseAccess(r, preds, this.env.estimates(r.table), this.methods)
    }
    if (preds.length === 0) return this.plan(r, false)
    if (r.kind === 'project') {
      const pushed = pushThroughProject(r, preds)
      if (pushed !== undefined) {
        const input = this.plan({ kind: 'filter', input: r.input, predicate: andAll(pushed)! }, false)
        return { kind: 'project', input, items: r.items, estimate: input.estimate }
      }
    }
    if (r.kind === 'join') return this.planOuterJoin(r, preds)
    const input = this.plan(r, false)
    if ((input.kind === 'virtual-scan' || input.kind === 'function-scan') && input.filter === undefined) {
      return { ...input, filter: andAll(preds), estimate: Math.max(1, Math.round(input.estimate / 3)) }
    }
    return { kind: 'filter', input, predicate: andAll(preds)!, estimate: Math.max(1, Math.round(input.estimate / 3)) }
  }

  private orderJoins(rels: Rel[], joinPreds: BExpr[]): PhysicalPlan {
    const remaining = [...rels].sort((a, b) => a.plan.estimate - b.plan.estimate)
    const blockIds = new Set(rels.flatMap((r) => [...r.ids]))
    // A condition applies once every block column it reads is joined (outer references are constants here).
    const applies = (p: BExpr, ids: ReadonlySet<ColumnId>) => [...columnsOf(p)].every((id) => !blockIds.has(id) || ids.has(id))
    let cur = remaining.shift()!
    let pending = joinPreds
    while (remaining.length > 0) {
      let best: { i: number; conds: BExpr[]; est: number; connected: boolean } | undefined
      remaining.forEach((r, i) => {
        const both = new Set([...cur.ids, ...r.ids])
        const conds = pending.filter((p) => applies(p, both))
        const connected = conds.length > 0
        const est = this.joinEstimate(cur.plan.estimate, r.plan.estimate, conds)
        if (best === undefined || (connected && !best.connected) || (connected === best.connected && est < best.est)) best = { i, conds, est, connected }
      })
      const pick = best!
      const r = remaining.splice(pick.i, 1)[0]!
      pending = pending.filter((p) => !pick.conds.includes(p))
      cur = { plan: this.join('inner', cur, r, pick.conds, pick.est), ids: new Set([...cur.ids, ...r.ids]) }
    }
    if (pending.length > 0) {
      return { kind: 'filter', input: cur.plan, predicate: andAll(pending)!, estimate: cur.plan.estimate }
    }
    return cur.plan
  }

  /** Chooses the join method for `left ⋈ right` on `conds` (right is the side that may be re-scanned or built). */
  private join(type: 'inner' | 'left' | 'full' | 'semi' | 'anti', left: Rel, right: Rel, conds: readonly BExpr[], estimate: number): PhysicalPlan {
    const equi: { l: BExpr; r: BExpr; cond: BExpr }[] = []
    const residual: BExpr[] = []
    for (const c of conds) {
      const pair = equiPair(c, left.ids, right.ids)
      if (pair !== undefined) equi.push({ ...pair, cond: c })
      else residual.push(c)
    }
    // Index nested loop: a small outer side probing an index of a large table.
    const nestloop = this.methods.nestloop || !this.methods.hashjoin
    if (nestloop && this.methods.indexscan && right.scan !== undefined && equi.length > 0 && type !== 'full' && left.plan.estimate * 4 < right.plan.estimate) {
      const inner = chooseAccess(right.scan.logical, [...right.scan.preds, ...equi.map((e) => e.cond)], this.env.estimates(right.scan.logical.table), this.methods)
      if (inner.kind === 'index-scan' && inner.access.conditions.some((c) => equi.some((e) => e.cond === c))) {
        const rest = andAll(residual)
        return { kind: 'nested-loop', type, left: left.plan, right: inner, condition: rest, estimate }
      }
    }
    if (equi.length > 0 && (this.methods.hashjoin || !this.methods.nestloop)) {
      // Build the hash table on the smaller input; for outer joins the preserved side must probe.
      const swap = type === 'inner' && right.plan.estimate > left.plan.estimate
      const [probe, build] = swap ? [right, left] : [left, right]
      return {
        kind: 'hash-join',
        type,
        left: probe.plan,
        right: build.plan,
        leftKeys: equi.map((e) => (swap ? e.r : e.l)),
        rightKeys: equi.map((e) => (swap ? e.l : e.r)),
        residual: andAll(residual),
        estimate,
      }
    }
    return { kind: 'nested-loop', type, left: left.plan, right: right.plan, condition: andAll(conds), estimate }
  }

  // ── outer joins ───────────────────────────────────────────────────────────

  private planOuterJoin(j: LogicalPlan & { kind: 'join' }, above: readonly BExpr[]): PhysicalPlan {
    // RIGHT JOIN is LEFT JOIN with the inputs swapped: rows are addressed by column id, not position.
    const [lp, rp] = j.type === 'right' ? [j.right, j.left] : [j.left, j.right]
    const type = j.type === 'right' ? 'left' : (j.type as 'left' | 'full' | 'semi' | 'anti' | 'inner')
    const leftIds = new Set(outputs(lp).map((c) => c.id))
    const rightIds = new Set(outputs(rp).map((c) => c.id))
    const conds = conjuncts(j.condition)
    const touches = (p: BExpr, ids: ReadonlySet<ColumnId>) => [...columnsOf(p)].some((id) => ids.has(id))
    const rightOnly = type === 'full' ? [] : conds.filter((c) => touches(c, rightIds) && !touches(c, leftIds))
    const joinConds = conds.filter((c) => !rightOnly.includes(c))
    const leftOnly = type === 'full' ? [] : above.filter((p) => !touches(p, rightIds))
    const stay = above.filter((p) => !leftOnly.includes(p))
    const left: Rel = { plan: leftOnly.length > 0 ? this.planRel(lp, leftOnly) : this.plan(lp, false), ids: leftIds }
    const rightPlan = rightOnly.length > 0 ? this.planRel(rp, rightOnly) : this.plan(rp, false)
    const right: Rel = { plan: rightPlan, ids: rightIds, scan: rp.kind === 'scan' ? { logical: rp, preds: rightOnly } : undefined }
    const est = type === 'semi' || type === 'anti' ? left.plan.estimate : Math.max(left.plan.estimate, this.joinEstimate(left.plan.estimate, right.plan.estimate, joinConds))
    const plan = this.join(type as 'left' | 'full' | 'semi' | 'anti', left, right, joinConds, est)
    return stay.length > 0 ? { kind: 'filter', input: plan, predicate: andAll(stay)!, estimate: plan.estimate } : plan
  }
}

/** `l = r` with one side from each input and hash-compatible types, oriented (left input's side first). */
function equiPair(c: BExpr, left: ReadonlySet<ColumnId>, right: ReadonlySet<ColumnId>): { l: BExpr; r: BExpr } | undefined {
  if (c.kind !== 'op' || c.op.name !== '=') return undefined
  const fam = (e: BExpr) => HASHABLE_FAMILY[e.type.kind]
  if (fam(c.left) === undefined || fam(c.left) !== fam(c.right)) return undefined
  const a = columnsOf(c.left)
  const b = columnsOf(c.right)
  if (a.size === 0 || b.size === 0) return undefined
  if (some(c, (n) => n.kind === 'subquery')) return undefined
  if (subset(a, left) && subset(b, right)) return { l: c.left, r: c.right }
  if (subset(a, right) && subset(b, left)) return { l: c.right, r: c.left }
  return undefined
}

/**
 * Conjuncts above a projection rewritten onto its input (each output column replaced
 * by its expression), or undefined when an output they read is volatile or a subquery.
 */
function pushThroughProject(p: LogicalPlan & { kind: 'project' }, preds: readonly BExpr[]): BExpr[] | undefined {
  const items = new Map(p.items.map((i) => [i.id, i.expr]))
  const unsafe = (e: BExpr) => some(e, (n) => n.kind === 'subquery' || n.kind === 'aggregate' || (n.kind === 'call' && (n.fn.volatility === 'volatile' || n.fn.async)))
  const out: BExpr[] = []
  for (const pred of preds) {
    if (unsafe(pred)) return undefined
    for (const id of columnsOf(pred)) {
      const e = items.get(id)
      if (e !== undefined && unsafe(e)) return undefined
    }
    out.push(rewrite(pred, (n) => (n.kind === 'column' && items.has(n.id) ? items.get(n.id)! : n)))
  }
  return out
}
