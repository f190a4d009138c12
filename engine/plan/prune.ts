/**
 * Column pruning for queries: a table scan reads only the columns its statement
 * uses. The binder gives every scan all of its table's columns; decoding a column
 * nobody reads (a long text beside the integer a sum() adds up) is most of the
 * cost of a scan, so after planning each scan keeps just the columns some part of
 * the statement refers to.
 *
 * A column is used when any expression of any plan node (or of a subquery's plan)
 * names it, when it is an output of a plan's root (the result, a subquery's value),
 * or when it reaches a node that compares whole rows (DISTINCT, set operations).
 * Column ids are unique within a statement, so one set serves every plan of it.
 * A row key (UPDATE, DELETE, FOR UPDATE) is never pruned.
 *
 * A projected column nobody reads is not computed either, and the columns its
 * expression reads count only if the projected one does: `SELECT a FROM (SELECT a,
 * 1/b AS c FROM t) s` never divides, as in PostgreSQL, whose planner removes unused
 * subquery outputs. Volatile and side-effecting expressions (random(), nextval) stay.
 *
 * Only queries are pruned: DML reads its target rows by column ids held outside
 * the plan (old values, SET targets), and its scans read one table anyway.
 */
import { columnsOf, some, type BExpr, type ColumnId } from './bound.js'
import { outputs, type Assign } from './logical.js'
import type { PhysicalPlan, PlannedQuery } from './physical.js'
import { nodeExprs, planChildren } from './walk.js'

export function pruneColumns(q: PlannedQuery): PlannedQuery {
  const used = new Set<ColumnId>()
  const projected: Assign[] = []
  const plans = [q.root, ...q.subplans.values()]
  for (const p of plans) {
    for (const c of outputs(p)) used.add(c.id)
    collectUsed(p, used, projected)
  }
  // A projected column's inputs count once it is read (or must run anyway); that may make others read.
  let pending = projected
  for (let grew = true; grew; ) {
    grew = false
    pending = pending.filter((a) => {
      if (!used.has(a.id) && !mustRun(a.expr)) return true
      columnsOf(a.expr, used)
      grew = true
      return false
    })
  }
  const subplans = new Map<number, PhysicalPlan>()
  for (const [id, p] of q.subplans) subplans.set(id, prune(p, used))
  return { root: prune(q.root, used), subplans }
}

/** A projection computed even if no one reads it: a volatile or side-effecting call (random(), nextval). */
const mustRun = (e: BExpr): boolean => some(e, (n) => n.kind === 'call' && (n.fn.volatility === 'volatile' || n.fn.async))

function collectUsed(p: PhysicalPlan, used: Set<ColumnId>, projected: Assign[]): void {
  if (p.kind === 'project') projected.push(...p.items)
  else for (const e of nodeExprs(p)) columnsOf(e, used)
  // FOR UPDATE locks rows by their keys, which no expression names.
  if (p.kind === 'lock-rows') for (const t of p.targets) used.add(t.rowKey)
  // These compare their input rows whole: every column of them counts.
  if (p.kind === 'distinct' || p.kind === 'set-op' || p.kind === 'recursive-union') for (const c of planChildren(p)) for (const o of outputs(c)) used.add(o.id)
  for (const c of planChildren(p)) collectUsed(c, used, projected)
}

/** The plan with its scans' unused columns dropped (nodes that do not change are kept as they are). */
function prune(p: PhysicalPlan, used: ReadonlySet<ColumnId>): PhysicalPlan {
  switch (p.kind) {
    case 'seq-scan':
    case 'index-scan': {
      const columns = p.columns.filter((c) => used.has(c.id))
      return columns.length === p.columns.length ? p : { ...p, columns }
    }
    case 'project': {
      const input = prune(p.input, used)
      const items = p.items.filter((a) => used.has(a.id) || mustRun(a.expr))
      return input === p.input && items.length === p.items.length ? p : { ...p, input, items }
    }
    case 'filter':
    case 'aggregate':
    case 'distinct':
    case 'unique':
    case 'sort':
    case 'limit':
    case 'lock-rows': {
      const input = prune(p.input, used)
      return input === p.input ? p : { ...p, input }
    }
    case 'nested-loop':
    case 'hash-join':
    case 'set-op':
    case 'recursive-union': {
      const left = prune(p.left, used)
      const right = prune(p.right, used)
      return left === p.left && right === p.right ? p : { ...p, left, right }
    }
    case 'virtual-scan':
    case 'values':
    case 'function-scan':
    case 'worktable-scan':
    case 'one-row':
      return p
  }
}
