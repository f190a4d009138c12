/**
 * Physical plans: what the executor runs (exec/operators.ts has one operator per
 * kind). The planner (planner.ts) makes them from logical plans by choosing an
 * access path per table, a join order and a join method per join, and by removing
 * sorts that an index order already provides.
 *
 * `estimate` is the planner's guess of the rows a node returns, shown by EXPLAIN
 * and used to order joins.
 */
import type { IndexInfo, TableInfo } from '../catalog/schema.js'
import type { VirtualTable } from '../catalog/virtual-table.js'
import type { TableFunction } from '../functions/types.js'
import type { BExpr, ColumnId } from './bound.js'
import type { Assign, JoinType, OutputColumn, ScanColumns, SortKey } from './logical.js'

/**
 * How an index (or the primary key) is searched: equality values for its leading
 * key columns (several alternatives for an IN list), then optionally a range on the
 * next key column. Values are expressions evaluated when the scan starts: constants,
 * parameters, or columns of an enclosing row (a nested-loop join's outer side).
 */
export interface IndexAccess {
  readonly prefixes: readonly (readonly BExpr[])[]
  readonly lower: { readonly expr: BExpr; readonly inclusive: boolean } | undefined
  readonly upper: { readonly expr: BExpr; readonly inclusive: boolean } | undefined
  /** The predicates this access answers, for EXPLAIN's "Index Cond". */
  readonly conditions: readonly BExpr[]
}

type Scan = { readonly table: TableInfo; readonly alias: string; readonly filter: BExpr | undefined; readonly estimate: number } & ScanColumns

export type PhysicalPlan =
  | ({ readonly kind: 'seq-scan'; readonly reverse: boolean } & Scan)
  | ({ readonly kind: 'index-scan'; readonly index: IndexInfo; readonly access: IndexAccess; readonly reverse: boolean } & Scan)
  | { readonly kind: 'virtual-scan'; readonly table: VirtualTable; readonly alias: string; readonly columns: readonly OutputColumn[]; readonly filter: BExpr | undefined; readonly estimate: number }
  | { readonly kind: 'values'; readonly rows: readonly (readonly BExpr[])[]; readonly columns: readonly OutputColumn[]; readonly estimate: number }
  | { readonly kind: 'function-scan'; readonly fn: TableFunction; readonly args: readonly BExpr[]; readonly alias: string; readonly columns: readonly OutputColumn[]; readonly filter: BExpr | undefined; readonly estimate: number }
  | { readonly kind: 'one-row'; readonly estimate: number }
  | { readonly kind: 'filter'; readonly input: PhysicalPlan; readonly predicate: BExpr; readonly estimate: number }
  | { readonly kind: 'project'; readonly input: PhysicalPlan; readonly items: readonly Assign[]; readonly estimate: number }
  /** For each left row, the right side (re-run when it reads the left row's columns, else materialised once). */
  | { readonly kind: 'nested-loop'; readonly type: JoinType; readonly left: PhysicalPlan; readonly right: PhysicalPlan; readonly condition: BExpr | undefined; readonly estimate: number }
  /** Builds a hash table of the right side on `rightKeys`, probes it with each left row's `leftKeys`. */
  | { readonly kind: 'hash-join'; readonly type: JoinType; readonly left: PhysicalPlan; readonly right: PhysicalPlan; readonly leftKeys: readonly BExpr[]; readonly rightKeys: readonly BExpr[]; readonly residual: BExpr | undefined; readonly estimate: number }
  | { readonly kind: 'aggregate'; readonly input: PhysicalPlan; readonly groups: readonly Assign[]; readonly aggs: readonly Assign[]; readonly estimate: number }
  | { readonly kind: 'distinct'; readonly input: PhysicalPlan; readonly estimate: number }
  | { readonly kind: 'unique'; readonly input: PhysicalPlan; readonly keys: readonly BExpr[]; readonly estimate: number }
  | { readonly kind: 'sort'; readonly input: PhysicalPlan; readonly keys: readonly SortKey[]; readonly estimate: number }
  | { readonly kind: 'limit'; readonly input: PhysicalPlan; readonly limit: BExpr | undefined; readonly offset: BExpr | undefined; readonly estimate: number }
  | { readonly kind: 'set-op'; readonly op: 'union' | 'intersect' | 'except'; readonly all: boolean; readonly left: PhysicalPlan; readonly right: PhysicalPlan; readonly columns: readonly OutputColumn[]; readonly estimate: number }
  | { readonly kind: 'recursive-union'; readonly all: boolean; readonly left: PhysicalPlan; readonly right: PhysicalPlan; readonly worktable: number; readonly columns: readonly OutputColumn[]; readonly estimate: number }
  | { readonly kind: 'worktable-scan'; readonly worktable: number; readonly alias: string; readonly columns: readonly OutputColumn[]; readonly estimate: number }
  | { readonly kind: 'lock-rows'; readonly input: PhysicalPlan; readonly targets: readonly { readonly table: TableInfo; readonly rowKey: ColumnId }[]; readonly strength: 'update' | 'share'; readonly wait: 'wait' | 'nowait' | 'skip-locked'; readonly estimate: number }

export type PhysicalKind = PhysicalPlan['kind']

/** A planned statement's query part: the root plan and the plans of its subqueries, by subquery id. */
export interface PlannedQuery {
  readonly root: PhysicalPlan
  readonly subplans: ReadonlyMap<number, PhysicalPlan>
}
