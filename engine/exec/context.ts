/**
 * What a running statement carries: its transaction, parameter values, the values
 * of enclosing rows that correlated subqueries and index nested loops read, the
 * plans of its subqueries, and the checks for cancellation and timeouts.
 */
import type { Transaction } from '../../txn/index.js'
import type { VirtualContext } from '../catalog/virtual-table.js'
import type { FunctionContext } from '../functions/types.js'
import type { ColumnId } from '../plan/bound.js'
import type { PhysicalPlan } from '../plan/physical.js'
import type { SqlValue } from '../values/index.js'

export type Row = SqlValue[]

/** EXPLAIN ANALYZE's counters for one plan node. */
export interface NodeStats {
  rows: number
  loops: number
  /** Milliseconds spent producing this node's rows, children included. */
  time: number
}

export interface ExecContext {
  readonly txn: Transaction
  readonly params: readonly SqlValue[]
  /** Values of enclosing rows' columns by id: correlated subqueries and the inner side of index nested loops read them. */
  readonly outer: SqlValue[]
  readonly fn: FunctionContext
  readonly subplans: ReadonlyMap<number, PhysicalPlan>
  /** Results of uncorrelated subqueries, computed once per execution. */
  readonly subqueryCache: Map<number, unknown>
  /** A recursive union's rows of the previous round, by worktable id, for its worktable scans. */
  readonly worktables: Map<number, readonly Row[]>
  readonly virtual: VirtualContext
  /** Throws 57014 when the statement was cancelled or ran past statement_timeout. */
  checkInterrupt(): void
  /**
   * A promise of one event-loop turn when the statement has run a while without
   * one (else undefined). Operators chain only promises that are already resolved,
   * so without these turns no timer or cancel request could fire until the end.
   */
  pause(): Promise<void> | undefined
  /** Set by EXPLAIN ANALYZE. */
  readonly stats: Map<PhysicalPlan, NodeStats> | undefined
}

/**
 * Where a long-running loop checks for cancellation: the event loop gets its turn
 * first when one is due (ExecContext.pause), so that the timer or the cancel
 * request that would interrupt the statement can run at all.
 */
export function interruptPoint(ctx: Pick<ExecContext, 'checkInterrupt' | 'pause'>): Promise<void> | undefined {
  // Synchronous when no turn is due (the usual case): a hot loop may skip the await.
  const turn = ctx.pause()
  if (turn === undefined) {
    ctx.checkInterrupt()
    return undefined
  }
  return turn.then(() => ctx.checkInterrupt())
}

export function setOuter(ctx: ExecContext, id: ColumnId, value: SqlValue): void {
  ctx.outer[id] = value
}
