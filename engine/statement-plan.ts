/**
 * From a parsed statement to what runs: bind (bind/), plan (plan/), and remember
 * which tables it reads and writes (the session locks them before running it).
 * A planned statement depends on the catalog it was bound against; the plan cache
 * keeps it while that catalog is current.
 */
import type { Statement } from '../parser/index.js'
import { Binder, type BindEnvironment } from './bind/binder.js'
import { bindDelete, bindInsert, bindUpdate, type BoundDelete, type BoundInsert, type BoundUpdate } from './bind/dml.js'
import { bindQuery, type BoundColumn } from './bind/query.js'
import type { Catalog } from './catalog/catalog.js'
import type { Oid } from './catalog/schema.js'
import type { BExpr, ColumnId } from './plan/bound.js'
import type { PlannedQuery } from './plan/physical.js'
import { planQuery, type PlannerEnv } from './plan/planner.js'
import { pruneColumns } from './plan/prune.js'
import type { SqlType } from './values/index.js'

export type Plannable = Statement & { kind: 'query' | 'insert' | 'update' | 'delete' }

export const isPlannable = (s: Statement): s is Plannable => s.kind === 'query' || s.kind === 'insert' || s.kind === 'update' || s.kind === 'delete'

export type Planned =
  | { readonly kind: 'query'; readonly query: PlannedQuery; readonly columns: readonly BoundColumn[] }
  | { readonly kind: 'insert'; readonly dml: BoundInsert; readonly read: PlannedQuery; readonly columns: readonly BoundColumn[] | undefined }
  | { readonly kind: 'update'; readonly dml: BoundUpdate; readonly read: PlannedQuery; readonly columns: readonly BoundColumn[] | undefined }
  | { readonly kind: 'delete'; readonly dml: BoundDelete; readonly read: PlannedQuery; readonly columns: readonly BoundColumn[] | undefined }

export interface PlannedStatement {
  readonly planned: Planned
  /** Every parameter's type ($1 first), declared or inferred. */
  readonly paramTypes: readonly SqlType[]
  readonly reads: readonly Oid[]
  readonly writes: readonly Oid[]
  readonly names: ReadonlyMap<ColumnId, string>
  /** Where each parameter is first used ($n → position). */
  readonly paramPositions: ReadonlyMap<number, number>
  readonly catalog: Catalog
}

export function planStatement(stmt: Plannable, env: BindEnvironment, declared: readonly (SqlType | undefined)[], planner: PlannerEnv): PlannedStatement {
  const b = new Binder(env, declared)
  let planned: Planned
  switch (stmt.kind) {
    case 'query': {
      const q = bindQuery(b, stmt, undefined)
      planned = { kind: 'query', query: pruneColumns(planQuery(q.plan, planner)), columns: q.columns }
      break
    }
    case 'insert': {
      const dml = bindInsert(b, stmt)
      const extra = [...(dml.returning?.exprs ?? []), ...(dml.onConflict?.action === 'update' ? [...dml.onConflict.sets.map((s) => s.expr), ...(dml.onConflict.where ? [dml.onConflict.where] : [])] : [])]
      planned = { kind: 'insert', dml, read: planQuery(dml.source, planner, extra), columns: dml.returning?.columns }
      break
    }
    case 'update': {
      const dml = bindUpdate(b, stmt)
      const extra: BExpr[] = [...(dml.returning?.exprs ?? [])]
      planned = { kind: 'update', dml, read: planQuery(dml.source, planner, extra), columns: dml.returning?.columns }
      break
    }
    case 'delete': {
      const dml = bindDelete(b, stmt)
      planned = { kind: 'delete', dml, read: planQuery(dml.source, planner, [...(dml.returning?.exprs ?? [])]), columns: dml.returning?.columns }
      break
    }
  }
  return {
    planned,
    paramTypes: b.paramTypes(),
    reads: [...b.tablesRead],
    writes: [...b.tablesWritten],
    names: b.names,
    paramPositions: b.paramPositions,
    catalog: env.catalog,
  }
}
