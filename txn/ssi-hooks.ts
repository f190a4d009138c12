/**
 * The seam between MVCC (txn/mvcc*.ts) and serializable snapshot isolation
 * (txn/ssi/). MVCC calls these hooks at the points where Ports & Grittner's SSI
 * needs to see reads and writes; the SSI module keeps SIREAD locks and rw-antidependency
 * edges and decides when a transaction must fail with 40001.
 *
 * Only transactions at SERIALIZABLE are *tracked* (take SIREAD locks, get pivots
 * checked), but writes by any transaction can create rw edges from serializable
 * readers (PostgreSQL ignores writers at other levels; counting them costs little
 * and can only make SERIALIZABLE stricter). Any hook a transaction calls may throw
 * 40001; the transaction then rolls back.
 *
 * Keys here are *user* keys (no version suffix); tables are TableIds.
 */
import type { Timestamp, TxnId } from '../common/ids.js'
import type { TableId } from './types.js'

export interface SsiTxnInfo {
  readonly id: TxnId
  /** Its snapshot (the start timestamp of a REPEATABLE READ / SERIALIZABLE transaction). */
  readonly snapshot: Timestamp
  readonly readOnly: boolean
}

export interface SsiHooks {
  /** A serializable transaction starts (its snapshot is taken). */
  begin(txn: SsiTxnInfo): void
  /** It read the row `key` (whether or not a visible version existed: a read of an absent key is a predicate read of that key). */
  onRead(txn: TxnId, table: TableId, key: Uint8Array): void
  /** It scanned the key range [from, to) of `table` (undefined bounds: open). Covers phantoms. */
  onScan(txn: TxnId, table: TableId, from: Uint8Array | undefined, to: Uint8Array | undefined): void
  /**
   * While reading, `reader` skipped a version of `key` written by `writer` that its
   * snapshot cannot see (the writer is still running, or committed after the snapshot):
   * an rw-antidependency reader → writer.
   */
  onInvisibleVersion(reader: TxnId, writer: TxnId, table: TableId, key: Uint8Array): void
  /**
   * `writer` (any isolation level) wrote `key`: every serializable transaction
   * holding a SIREAD lock covering `key` (other than the writer) gets an rw edge to it.
   */
  onWrite(writer: TxnId, table: TableId, key: Uint8Array): void
  /**
   * Before `txn` commits (or prepares): throws IsolaError 40001 if committing would
   * complete a dangerous structure (detail names the conflicting transaction and key).
   */
  preCommit(txn: TxnId): void
  /** It committed at `commitTs` (its SIREAD locks may outlive it: see README-SSI). */
  committed(txn: TxnId, commitTs: Timestamp): void
  /** It rolled back: its locks and edges go. */
  aborted(txn: TxnId): void
  /** The oldest snapshot still in use: committed transactions older than it can be summarised or dropped. */
  cleanup(oldestActiveSnapshot: Timestamp): void
  /**
   * READ ONLY DEFERRABLE: resolves true once the snapshot of the (read-only) `txn` is
   * safe, after which it is no longer tracked; false when it turned unsafe (take a
   * new snapshot and try again).
   */
  whenSafe?(txn: TxnId): Promise<boolean>
  /**
   * Snapshots come from a coordinator from now on, and may be older than commits
   * already reported here: clear old transactions only at `cleanup()`, whose horizon
   * the coordinator bounds (autoCleanup off).
   */
  externalSnapshots?(): void
  /**
   * The coordinator found that `txn` (prepared) has an rw edge out, on another
   * shard, to a transaction that committed first: it counts here as a conflict out
   * to an old committed transaction, so that a reader that later skips one of its
   * versions fails as the Tin of that structure.
   */
  outConflictElsewhere?(txn: TxnId): void
  /** Names `txn` as a branch of the distributed transaction `globalId` (before its first read or write). */
  name?(txn: TxnId, globalId: string): void
  /**
   * For the coordinator (cross-shard SSI, DESIGN.md §4): the other ends of `txn`'s
   * rw edges, in (they read what it wrote) and out (it read what they wrote), each
   * with its state, so that the coordinator can join them with edges on other shards.
   */
  conflicts(txn: TxnId): ConflictReport
}

/**
 * One end of an rw edge as a shard reports it. `name` is the distributed
 * transaction's gid for a branch, `local:<txn id>` for a transaction of this shard
 * alone, `*` for old committed transactions summarised together (their timestamps
 * are gone: the coordinator must assume the worst order).
 */
export interface ConflictEnd {
  readonly name: string
  readonly state: 'active' | 'prepared' | 'committed'
  /** Its commit timestamp, when committed and known. */
  readonly commitTs?: number
}

export interface ConflictReport {
  readonly ins: readonly ConflictEnd[]
  readonly outs: readonly ConflictEnd[]
}

export const NO_CONFLICTS: ConflictReport = Object.freeze({ ins: Object.freeze([]), outs: Object.freeze([]) })
