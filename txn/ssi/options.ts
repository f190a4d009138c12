/**
 * The tunables of SSI, with PostgreSQL's nearest equivalents. Coarser locks and
 * smaller caps use less memory and cause more false-positive 40001s; they never
 * let an anomaly through.
 */

export interface SsiOptions {
  /**
   * Row locks one transaction may hold in one table before they are replaced by a
   * whole-table lock (max_pred_locks_per_relation; PostgreSQL promotes tuple → page
   * at 2 per page and page → relation at 32 per relation by default).
   */
  readonly maxRowLocksPerTable?: number
  /** Key-range locks one transaction may hold in one table before the same promotion. */
  readonly maxRangeLocksPerTable?: number
  /**
   * Row and range locks one transaction (or summary bucket) may hold over all
   * tables; past it, the table where it holds most of them is promoted
   * (max_pred_locks_per_transaction, which PostgreSQL sizes a shared pool with).
   */
  readonly maxLocksPerTransaction?: number
  /**
   * Committed transactions kept whole (locks, edges) while concurrent transactions
   * run; past it the oldest are summarised (summary.ts). PostgreSQL's limit is the
   * size of its SERIALIZABLEXACT pool (10 × max_connections).
   */
  readonly maxCommitted?: number
  /** Summary buckets the summarised transactions are spread over (summary.ts). */
  readonly summaryBuckets?: number
  /** Summarised writers remembered for readers that skip their versions (PostgreSQL's pg_serial SLRU, which spills to disk). */
  readonly maxSerial?: number
  /**
   * Clear what no running serializable transaction needs after every commit and
   * rollback (PostgreSQL's ClearOldPredicateLocks). When false, only `cleanup()`
   * clears; summarisation still bounds memory.
   */
  readonly autoCleanup?: boolean
}

export const SSI_DEFAULTS: Required<SsiOptions> = {
  maxRowLocksPerTable: 512,
  maxRangeLocksPerTable: 64,
  maxLocksPerTransaction: 4096,
  maxCommitted: 4096,
  summaryBuckets: 8,
  maxSerial: 65_536,
  autoCleanup: true,
}
