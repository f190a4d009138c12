/**
 * The public interface of the transaction layer: MVCC transactions over the
 * storage engine, at READ COMMITTED, REPEATABLE READ and SERIALIZABLE, with row
 * locks, savepoints and prepared transactions. The SQL engine builds on it, and it
 * is usable (and tested) on its own at the key/value level.
 *
 * Keys and values are bytes; a table is a storage tree of versioned keys. Every
 * call that may wait (a row lock, a prepared writer's decision) returns a promise.
 */
import type { Timestamp, TxnId } from '../common/ids.js'
import type { ConflictReport } from './ssi-hooks.js'
import type { IsolationLevel, KeyRange, LockWait, LockWaitInfo, PreparedInfo, RowLockMode, TableId, TxnOptions, TxnState } from './types.js'

/**
 * A row as `scanEach` hands it over: the row's value is `bytes[start…end)`, bytes
 * of a storage page valid during the visit only (one object, reused for every row
 * of a scan).
 */
export interface VisibleRow {
  readonly bytes: Uint8Array
  readonly start: number
  readonly end: number
  /** A copy of the row's key. */
  key(): Buffer
}

/** What `modify`'s callback returns: a new value, null to delete the row, undefined to leave it. */
export type RowChange = Buffer | Uint8Array | null | undefined
export type ModifyResult = 'updated' | 'deleted' | 'unchanged'

export interface Transaction {
  readonly id: TxnId
  readonly isolation: IsolationLevel
  readonly readOnly: boolean
  readonly state: TxnState
  /** The current snapshot (undefined before the first statement: the snapshot is taken then, as PostgreSQL does). */
  readonly snapshot: Timestamp | undefined

  /** Whether it has written a version (a transaction that has not needs no second phase). */
  readonly hasWrites: boolean

  /** Starts a new statement: under READ COMMITTED it takes a fresh snapshot at its first read or write. */
  nextStatement(): void

  /** The value visible to this transaction, or undefined. */
  get(table: TableId, key: Uint8Array): Promise<Buffer | undefined>
  /**
   * `get` without a promise when none is needed: the value (or undefined) at once,
   * or a promise when the read must wait (for a prepared writer's decision, or for a
   * safe snapshot). For callers that read one row at a time in a loop.
   */
  getNow(table: TableId, key: Uint8Array): Buffer | undefined | Promise<Buffer | undefined>
  /** Visible rows in key order (reverse order when asked), as [key, value] copies. */
  scan(table: TableId, range?: KeyRange): Promise<[Buffer, Buffer][]>
  /**
   * `scan` without the copies, for a reader that decodes each row at once (the SQL
   * executor): `visit` gets every visible row in turn as a VisibleRow whose bytes are
   * a view into a storage page, valid only during the call. Returns the last row's key
   * when `range.limit` stopped the scan (go on from there as with `scan`), undefined
   * when the range is exhausted.
   */
  scanEach(table: TableId, range: KeyRange, visit: (row: VisibleRow) => void): Promise<Buffer | undefined>

  /**
   * Locks the row and calls `change` with its current value, as UPDATE and DELETE do
   * for each row they touch. READ COMMITTED waits for a concurrent writer and then
   * passes the newest committed value (PostgreSQL's re-check); REPEATABLE READ and
   * SERIALIZABLE fail with 40001 if the row changed after the snapshot. The callback
   * may run more than once and must not have side effects.
   */
  modify(table: TableId, key: Uint8Array, change: (current: Buffer | undefined) => RowChange): Promise<ModifyResult>
  /** A blind write: `modify` with a callback that returns `value`. */
  put(table: TableId, key: Uint8Array, value: Uint8Array): Promise<void>
  /** Deletes the row if it exists; false when there was none. */
  delete(table: TableId, key: Uint8Array): Promise<boolean>
  /**
   * SELECT … FOR UPDATE / FOR SHARE of one row. Returns false when the row does not
   * exist, or is locked and `wait` is 'skip-locked'; 'nowait' fails with 55P03.
   * 'changed' (READ COMMITTED only): locked, but a version committed after the
   * statement's snapshot is newer than the one the statement read, so what it read
   * of the row is stale (REPEATABLE READ and SERIALIZABLE fail with 40001 instead).
   */
  lockRow(table: TableId, key: Uint8Array, mode: RowLockMode, wait?: LockWait): Promise<boolean | 'changed'>

  /**
   * A lock on a database object (the engine passes a table's oid), from the same lock
   * table as row locks so that waits for it take part in deadlock detection. Statements
   * hold 'share' on the tables they use and DDL that rewrites or drops a table takes
   * 'update' (exclusive), as PostgreSQL's AccessShare and AccessExclusive locks.
   * Held until the transaction ends; no snapshot or version checks. Returns true
   * synchronously when granted at once.
   */
  lockObject(oid: number, mode: RowLockMode, wait?: LockWait): boolean | Promise<boolean>
  /** Ends a lock wait in progress with `error` (statement_timeout, a cancel request). */
  cancelWait(error: unknown): void

  savepoint(name: string): void
  /** Undoes the writes after the savepoint; locks taken before it stay. 3B001 if unknown. */
  rollbackToSavepoint(name: string): void
  releaseSavepoint(name: string): void

  /** PREPARE TRANSACTION: durable, and from then on it can only be committed or rolled back by gid. */
  prepare(gid: string): Promise<void>
  /**
   * Commits; resolves with the commit timestamp once durable (undefined for a
   * transaction that wrote nothing). A coordinator's one-phase commit passes its
   * proposed timestamp (`advanceClock`ed first): the commit happens at
   * max(proposed, highest timestamp served + 1), which is what resolves.
   */
  commit(proposedTs?: Timestamp): Promise<Timestamp | undefined>
  rollback(): Promise<void>
}

export interface TxnDatabase {
  begin(options?: TxnOptions): Transaction
  /** A new table (committed at once, as a catalog change of its own). */
  createTable(): Promise<TableId>
  dropTable(table: TableId): Promise<void>
  /**
   * The largest user key stored in a table, whatever the state of its writer (a
   * running or prepared transaction's too): where hidden row ids continue after a
   * restart.
   */
  maxKey(table: TableId): Buffer | undefined
  /** Every table of the store (the layer above finds tables it no longer knows). */
  tables(): TableId[]
  /**
   * The oldest snapshot in use: no reader can see a version hidden below it, so a
   * table dropped by a transaction that committed at or before it can be removed.
   */
  horizon(): Timestamp
  /**
   * A coordinator's promise that no snapshot older than `ts` will be handed to this
   * node any more (a shard's branches arrive with snapshots taken elsewhere, possibly
   * older than any it has seen). The horizon stays at or below it; it only grows.
   * Until the first call a node is its own judge.
   */
  limitHorizon(ts: Timestamp): void

  /** COMMIT PREPARED; `commitTs` is the coordinator's (a single node picks its own). */
  /** `outConflict`: see SsiHooks.outConflictElsewhere (a coordinator's cross-shard SSI). */
  commitPrepared(gid: string, commitTs?: Timestamp, outConflict?: boolean): Promise<Timestamp>
  /**
   * Makes a timestamp from outside (a coordinator's snapshot or proposed commit
   * timestamp) usable here: the oracle's durable reservation covers it, so a snapshot
   * source or `commit(proposedTs)` may hand it over. Call it before either.
   */
  advanceClock(ts: Timestamp): Promise<void>
  /** ROLLBACK PREPARED. */
  rollbackPrepared(gid: string): Promise<void>
  prepared(): PreparedInfo[]
  /** One of them, by gid (without decoding the others: COMMIT PREPARED and PREPARE's vote ask for one). */
  preparedTransaction(gid: string): PreparedInfo | undefined
  /** The other ends of a transaction's rw edges (SERIALIZABLE; empty without SSI): what a shard reports to its coordinator. */
  conflicts(txn: TxnId): ConflictReport

  /** The wait-for graph's edges now (view `isola_lock_waits`). */
  lockWaits(): LockWaitInfo[]
  /**
   * Fails lock wait `waitId` with 40P01 "deadlock detected" and `detail` (a
   * coordinator found it on a cycle through several nodes). False when that wait is
   * over.
   */
  rejectLockWait(waitId: number, detail: string): boolean

  /** One bounded step of version garbage collection; resolves with the number of versions removed. */
  gcStep(maxVersions?: number): Promise<number>
  /** Every stored version of a key, newest first (tests and teaching tools). */
  versions(table: TableId, key: Uint8Array): { readonly writer: TxnId; readonly commitTs: Timestamp | undefined; readonly deleted: boolean }[]

  close(): Promise<void>
}
