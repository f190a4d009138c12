/**
 * The vocabulary of the transaction layer, shared by its modules and by the layers
 * above (engine, coordinator).
 */
import type { Timestamp, TxnId } from '../common/ids.js'

export const ISOLATION_LEVELS = ['read committed', 'repeatable read', 'serializable'] as const
export type IsolationLevel = (typeof ISOLATION_LEVELS)[number]

export interface TxnOptions {
  /** Default 'read committed', as PostgreSQL's default_transaction_isolation. */
  readonly isolation?: IsolationLevel
  readonly readOnly?: boolean
  /** READ ONLY DEFERRABLE at SERIALIZABLE: wait for a safe snapshot, then run without SSI tracking. */
  readonly deferrable?: boolean
  /** How long a row-lock wait may last before 55P03 (lock_timeout); 0 = forever. */
  readonly lockTimeoutMs?: number
  /**
   * Treat versions of prepared transactions as uncommitted (invisible) instead of
   * waiting for their decision (DESIGN.md §2). For the engine's own reads of its
   * catalog at start-up, which must not wait for a coordinator that may never call.
   */
  readonly skipPrepared?: boolean
  /**
   * Where snapshots come from: a coordinator's timestamp oracle (DESIGN.md §2), called
   * at each statement that takes one (the first; every one under READ COMMITTED). The
   * timestamp must have been `advanceClock`ed first. Default: the node's newest durable
   * commit.
   */
  readonly snapshot?: () => Timestamp
  /**
   * The name of the distributed transaction this one is a branch of (a coordinator's
   * gid): how SSI names it in the rw-edges it reports for cross-shard checking.
   */
  readonly globalId?: string
}

/** A table or index of the transaction layer: a storage tree of versioned keys. */
export type TableId = number & { readonly __table: true }

export type TxnState = 'active' | 'prepared' | 'committed' | 'aborted'

/** FOR UPDATE / FOR SHARE and how to wait for them. */
export type RowLockMode = 'update' | 'share'
export type LockWait = 'wait' | 'nowait' | 'skip-locked'

export interface KeyRange {
  /** Inclusive lower bound on user keys (absent: from the first key). */
  readonly from?: Uint8Array
  /** Exclusive upper bound (absent: to the last key). */
  readonly to?: Uint8Array
  readonly reverse?: boolean
  /**
   * At most this many rows (absent: all). A scan that stops at its limit reads on
   * from just past its last key: `from: successorKey(last)` forwards, `to: last`
   * backwards. Only the part of the range actually read is SIREAD-locked.
   */
  readonly limit?: number
}

/** The smallest key greater than `key` (for resuming a forward scan after it). */
export function successorKey(key: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(key.length + 1)
  out.set(key, 0)
  out[key.length] = 0
  return out
}

/** What `pg_prepared_xacts` shows of a prepared transaction. */
export interface PreparedInfo {
  readonly gid: string
  readonly txn: TxnId
  readonly preparedAt: Timestamp
  readonly owner: string
  /** The keys it wrote or locked: (table, user key) pairs. */
  readonly holds: readonly { readonly table: TableId; readonly key: Uint8Array }[]
}

/** One edge of a node's wait-for graph (LockTable.waits): `waiter` waits for `holder`. */
export interface LockWaitEdge {
  /** The wait's id, unique on the node for its life: it names the wait to reject. */
  readonly waitId: number
  readonly waiter: TxnId
  /** A transaction holding the lock, or queued ahead of the waiter for it. */
  readonly holder: TxnId
  /** The lock as the table keys it: `<table>:<key bytes as latin1>` for a row, `0:<oid>` for an object. */
  readonly lock: string
  readonly mode: RowLockMode
  /** Date.now() when the wait began. */
  readonly since: number
}

/**
 * A lock wait as view `isola_lock_waits` shows it: the edge, the lock printable
 * (`table <id> key <hex>` or `object <oid>`), and the gid of a holder that is a
 * prepared transaction (it has no session any more).
 */
export interface LockWaitInfo extends LockWaitEdge {
  readonly lockName: string
  /** The distributed transactions waiter and holder belong to (a branch's globalId, a prepared one's gid), if any. */
  readonly waiterGid: string | undefined
  readonly holderGid: string | undefined
}
