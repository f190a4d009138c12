/**
 * Who wrote a version, and is it visible? The registry knows the state of every
 * transaction a reader can meet: live ones in memory (active, prepared, committing),
 * committed ones through a bounded cache in front of the status tree, where each
 * writing transaction records its commit timestamp inside its own storage commit.
 *
 * After a restart the storage layer has already removed the versions of every
 * transaction that neither committed nor prepared, so a version whose writer is
 * unknown here and absent from the status tree means a damaged table (XX001).
 */
import { dbError } from '../common/errors.js'
import { asTimestamp, type Timestamp, type TreeId, type TxnId } from '../common/ids.js'
import type { Store } from '../storage/store.js'

export type WriterStatus =
  | { readonly kind: 'active' }
  | { readonly kind: 'prepared'; readonly prepareTs: Timestamp; readonly decided: Promise<void> }
  /**
   * `durable` is there while the commit record is appended but not yet on disk. A
   * single node's snapshots never reach such a commit (they take the newest durable
   * timestamp), but a snapshot from a coordinator can: such a reader waits for it
   * rather than see a commit that a crash could still undo.
   */
  | { readonly kind: 'committed'; readonly commitTs: Timestamp; readonly durable?: Promise<void> }

interface Live {
  status: WriterStatus
  /** Resolves a prepared transaction's `decided`. */
  decide?: () => void
}

const ACTIVE: WriterStatus = { kind: 'active' }
/** Committed statuses kept in memory before the status tree is asked again. */
const CACHE_SIZE = 100_000

export class TxnRegistry {
  private readonly live = new Map<TxnId, Live>()
  /** Statuses, not bare timestamps: a reader asks once per version it meets, and gets this object without an allocation. */
  private readonly committed = new Map<TxnId, WriterStatus>()
  private readonly key = Buffer.alloc(8)

  constructor(
    private readonly store: Store,
    private readonly statusTree: TreeId,
  ) {}

  status(txn: TxnId): WriterStatus {
    const live = this.live.get(txn)
    if (live) return live.status
    const cached = this.committed.get(txn)
    if (cached !== undefined) return cached
    const stored = this.store.get(this.statusTree, statusKey(txn, this.key))
    if (!stored) throw dbError('data_corrupted', `a table holds a version of transaction ${txn}, which never committed`)
    return this.remember(txn, asTimestamp(stored.readDoubleBE(0)))
  }

  /** A transaction's first write (one that writes nothing never enters the live set: no version names it). */
  begin(txn: TxnId): void {
    this.live.set(txn, { status: ACTIVE })
  }

  prepared(txn: TxnId, prepareTs: Timestamp): void {
    let decide!: () => void
    const decided = new Promise<void>((resolve) => (decide = resolve))
    this.live.set(txn, { status: { kind: 'prepared', prepareTs, decided }, decide })
  }

  /** The commit record is appended: its timestamp is fixed (readers compare it with their snapshot). */
  committing(txn: TxnId, commitTs: Timestamp, trackDurability: boolean): void {
    const live = this.live.get(txn)
    // A prepared transaction's readers already wait on `decided`; others get a promise
    // now, when snapshots may come from outside (a single node's never reach it).
    if (live?.decide !== undefined && live.status.kind === 'prepared') live.status = { kind: 'committed', commitTs, durable: live.status.decided }
    else if (!trackDurability) {
      if (live) live.status = { kind: 'committed', commitTs }
      else this.live.set(txn, { status: { kind: 'committed', commitTs } })
    } else {
      let decide!: () => void
      const durable = new Promise<void>((resolve) => (decide = resolve))
      this.live.set(txn, { status: { kind: 'committed', commitTs, durable }, decide })
    }
  }

  /** The commit is durable: the transaction leaves the live set. */
  committedDurably(txn: TxnId, commitTs: Timestamp): void {
    const live = this.live.get(txn)
    this.live.delete(txn)
    this.remember(txn, commitTs)
    live?.decide?.()
  }

  /** Transactions in the live set (tests check that ended ones leave it). */
  get liveCount(): number {
    return this.live.size
  }

  aborted(txn: TxnId): void {
    const live = this.live.get(txn)
    this.live.delete(txn)
    live?.decide?.()
  }

  private remember(txn: TxnId, commitTs: Timestamp): WriterStatus {
    if (this.committed.size >= CACHE_SIZE) this.committed.delete(this.committed.keys().next().value!)
    const st: WriterStatus = { kind: 'committed', commitTs }
    this.committed.set(txn, st)
    return st
  }
}

/** The status tree's key for a transaction (big-endian, so ids sort numerically). */
export function statusKey(txn: TxnId, into = Buffer.alloc(8)): Buffer {
  into.writeDoubleBE(0, 0)
  into.writeUIntBE(txn, 2, 6)
  return into
}

export function statusValue(commitTs: Timestamp): Buffer {
  const v = Buffer.alloc(8)
  v.writeDoubleBE(commitTs, 0)
  return v
}
