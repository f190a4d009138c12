/**
 * Logical plans: the relational algebra the binder builds from a query, before
 * the planner (planner.ts) chooses access paths, join order and join methods.
 *
 * Every node produces rows whose columns are identified by `ColumnId`s (bound.ts);
 * `outputs(plan)` lists them in order. Plans are data: the planner rewrites them,
 * the executor (exec/) only ever sees physical plans.
 *
 *     SELECT d.name, count(*) FROM emp e JOIN dept d ON e.dept = d.id
 *     WHERE e.salary > 100 GROUP BY d.name ORDER BY 2 DESC
 *
 *     sort [#8 desc]
 *       project [#6 name, #7 count]
 *         aggregate groups [#6 ← #5] aggs [#7 ← count(*)]
 *           filter (#3 > 100)
 *             join inner (#2 = #4)
 *               scan emp e [#1 id, #2 dept, #3 salary]
 *               scan dept d [#4 id, #5 name]
 */
import type { TableInfo } from '../catalog/schema.js'
import type { VirtualTable } from '../catalog/virtual-table.js'
import type { TableFunction } from '../functions/types.js'
import type { SqlType } from '../values/index.js'
import type { BExpr, ColumnId } from './bound.js'
import type { PhysicalPlan } from './physical.js'

export interface OutputColumn {
  readonly id: ColumnId
  readonly type: SqlType
}

/** A scanned table's columns: one id per live column (by attnum), and optionally the row key. */
export interface ScanColumns {
  readonly columns: readonly { readonly id: ColumnId; readonly attnum: number; readonly type: SqlType }[]
  /** Set when the row's stored key is needed (UPDATE, DELETE, FOR UPDATE): a bytea value. */
  readonly rowKey: ColumnId | undefined
  /** The predicates of the table's partial indexes, bound over this scan's columns (by index name). */
  readonly partial?: ReadonlyMap<string, BExpr>
}

export interface SortKey {
  readonly expr: BExpr
  readonly desc: boolean
  readonly nullsFirst: boolean
}

export type JoinType = 'inner' | 'left' | 'right' | 'full' | 'semi' | 'anti'

export interface Assign {
  readonly id: ColumnId
  readonly expr: BExpr
}

export type LogicalPlan =
  | ({ readonly kind: 'scan'; readonly table: TableInfo; readonly alias: string } & ScanColumns)
  | { readonly kind: 'virtual-scan'; readonly table: VirtualTable; readonly alias: string; readonly columns: readonly OutputColumn[] }
  | { readonly kind: 'values'; readonly rows: readonly (readonly BExpr[])[]; readonly columns: readonly OutputColumn[] }
  | { readonly kind: 'function-scan'; readonly fn: TableFunction; readonly args: readonly BExpr[]; readonly alias: string; readonly columns: readonly OutputColumn[] }
  /** SELECT without FROM: one row of no columns. */
  | { readonly kind: 'one-row' }
  | { readonly kind: 'filter'; readonly input: LogicalPlan; readonly predicate: BExpr }
  | { readonly kind: 'project'; readonly input: LogicalPlan; readonly items: readonly Assign[] }
  | { readonly kind: 'join'; readonly type: JoinType; readonly left: LogicalPlan; readonly right: LogicalPlan; readonly condition: BExpr | undefined }
  | { readonly kind: 'aggregate'; readonly input: LogicalPlan; readonly groups: readonly Assign[]; readonly aggs: readonly Assign[] }
  | { readonly kind: 'distinct'; readonly input: LogicalPlan }
  /** DISTINCT ON: of each run of rows with equal `keys` (its input is sorted by them), the first. */
  | { readonly kind: 'unique'; readonly input: LogicalPlan; readonly keys: readonly BExpr[] }
  | { readonly kind: 'sort'; readonly input: LogicalPlan; readonly keys: readonly SortKey[] }
  | { readonly kind: 'limit'; readonly input: LogicalPlan; readonly limit: BExpr | undefined; readonly offset: BExpr | undefined }
  /** UNION / INTERSECT / EXCEPT: the inputs' columns map position by position onto `columns`. */
  | { readonly kind: 'set-op'; readonly op: 'union' | 'intersect' | 'except'; readonly all: boolean; readonly left: LogicalPlan; readonly right: LogicalPlan; readonly columns: readonly OutputColumn[] }
  /**
   * WITH RECURSIVE: `left` once, then `right` again and again over the rows the
   * previous round produced (read by its `worktable-scan` of `worktable`) until a
   * round produces none; with `all` false, rows seen before are dropped. Columns map
   * by position, as in a set operation.
   */
  | { readonly kind: 'recursive-union'; readonly all: boolean; readonly left: LogicalPlan; readonly right: LogicalPlan; readonly worktable: number; readonly columns: readonly OutputColumn[] }
  | { readonly kind: 'worktable-scan'; readonly worktable: number; readonly alias: string; readonly columns: readonly OutputColumn[] }
  /** FOR UPDATE / FOR SHARE: lock each output row's source rows. */
  | { readonly kind: 'lock-rows'; readonly input: LogicalPlan; readonly targets: readonly { readonly table: TableInfo; readonly rowKey: ColumnId }[]; readonly strength: 'update' | 'share'; readonly wait: 'wait' | 'nowait' | 'skip-locked' }

export type LogicalKind = LogicalPlan['kind']

/** Output columns of a plan node, logical or physical, in row order (a physical node keeps its logical node's columns). */
export function outputs(p: LogicalPlan | PhysicalPlan): readonly OutputColumn[] {
  switch (p.kind) {
    case 'scan':
    case 'seq-scan':
    case 'index-scan': {
      const cols: OutputColumn[] = p.columns.map((c) => ({ id: c.id, type: c.type }))
      if (p.rowKey !== undefined) cols.push({ id: p.rowKey, type: { kind: 'bytea' } })
      return cols
    }
    case 'virtual-scan':
    case 'values':
    case 'function-scan':
    case 'set-op':
    case 'recursive-union':
    case 'worktable-scan':
      return p.columns
    case 'one-row':
      return []
    case 'filter':
    case 'distinct':
    case 'unique':
    case 'sort':
    case 'limit':
    case 'lock-rows':
      return outputs(p.input)
    case 'project':
      return p.items.map((i) => ({ id: i.id, type: i.expr.type }))
    case 'join':
    case 'nested-loop':
    case 'hash-join':
      return p.type === 'semi' || p.type === 'anti' ? outputs(p.left) : [...outputs(p.left), ...outputs(p.right)]
    case 'aggregate':
      return [...p.groups, ...p.aggs].map((a) => ({ id: a.id, type: a.expr.type }))
  }
}
