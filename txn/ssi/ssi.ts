/**
 * Serializable snapshot isolation: the `SsiHooks` that MVCC calls (txn/ssi-hooks.ts),
 * following Ports & Grittner (VLDB 2012) and PostgreSQL's README-SSI.
 *
 * Reads take SIREAD locks (siread-locks.ts). An rw-antidependency `R →rw W` is
 * found from either side: a write meets the SIREAD locks of R (`onWrite`, R may have
 * committed: its locks outlive it), or a read skips a version of W it cannot see
 * (`onInvisibleVersion`). Each new edge, and each `preCommit`, is checked for a
 * dangerous structure `Tin →rw Tpivot →rw Tout` in which Tout commits first
 * (dangerous-structure.ts); one member fails with 40001, now or at its next call.
 *
 * A transaction's life here:
 *
 * ```
 *  begin ──► active ──preCommit──► prepared ──committed──► committed ──► partially cleared ──► forgotten
 *    │         │                      │                       │                                ▲
 *    │         └───── aborted ◄───────┘                       └── summarised (when too many) ──┘
 *    │              (locks and edges go at once)
 *    └── read-only with a safe snapshot: untracked (also later, when it becomes safe)
 * ```
 *
 * A committed transaction is kept while a serializable transaction that overlaps
 * it still runs: whole while an overlapping *read-write* one runs (a later write may
 * meet its locks), then only its flags while only read-only ones do (a reader may
 * skip one of its versions), then not at all. The horizons are computed from the
 * snapshots of the serializable transactions this module tracks, which is exact on
 * one node, where a snapshot handed to `begin` is never older than a commit already
 * reported through `committed`. Where that can happen (a coordinator's snapshot
 * arriving late at a shard), pass `autoCleanup: false` (or call
 * `externalSnapshots()`) and call `cleanup()` with a horizon no future snapshot will
 * be older than.
 *
 * Writers at other isolation levels call `onWrite` and `committed`/`aborted` too
 * (the hook contract): they get a record on their first write so that serializable
 * readers can relate to them, and they can be the Tout of a structure. They never
 * fail with 40001 here and have no preCommit, so they count as prepared only once
 * `committed` reports them (PostgreSQL does not track them at all).
 */
import { internalError } from '../../common/errors.js'
import { asTimestamp, type Timestamp, type TxnId } from '../../common/ids.js'
import type { ConflictReport, SsiHooks, SsiTxnInfo } from '../ssi-hooks.js'
import type { TableId } from '../types.js'
import { conflictsOf, fixEarliestOut, foldEdgesIntoFlags, hasEdge, removeEdges } from './conflict-graph.js'
import { failure } from './dangerous-structure.js'
import { Detector } from './detection.js'
import { FinishedQueue } from './finished-queue.js'
import { SSI_DEFAULTS, type SsiOptions } from './options.js'
import { SafeSnapshots } from './safe-snapshot.js'
import { SireadLocks } from './siread-locks.js'
import { Summary } from './summary.js'
import { EARLIEST_SEQ, NO_SNAPSHOT, type Safety, Sxact } from './sxact.js'

const NEVER = asTimestamp(Number.POSITIVE_INFINITY)

/** Counts for tests, monitoring and teaching tools. */
export interface SsiStats {
  /** Serializable transactions begun and not yet committed or rolled back (safe read-only ones excluded). */
  readonly running: number
  /** Transactions known at all (running, retained committed, writers of other levels). */
  readonly known: number
  /** Committed transactions retained (whole or partially cleared). */
  readonly committed: number
  readonly edges: number
  readonly rowLocks: number
  readonly rangeLocks: number
  readonly tableLocks: number
  readonly promotions: number
  readonly summarised: number
  readonly summaryBuckets: number
  readonly serialEntries: number
  /** Dangerous structures found when none of their members could fail any more (should stay 0). */
  readonly unpreventable: number
}

export class Ssi implements SsiHooks {
  /** PostgreSQL's LastSxactCommitSeqNo: bumped at every preCommit and commit. */
  private seq = EARLIEST_SEQ
  private readonly txns = new Map<TxnId, Sxact>()
  /** Serializable transactions that are tracked and have not committed or rolled back. */
  private readonly running = new Set<Sxact>()
  private readonly finished = new FinishedQueue()
  private readonly locks: SireadLocks<Sxact>
  private readonly summary: Summary
  private readonly safe = new SafeSnapshots()
  private readonly options: Required<SsiOptions>
  private autoCleanup: boolean
  /** Reused by onWrite: no allocation per written row. */
  private readonly found: Sxact[] = []
  private readonly detect = new Detector()
  /** Global names of branches whose record is not made yet (a writer's is made at its first write). */
  private readonly names = new Map<TxnId, string>()

  constructor(options: SsiOptions = {}) {
    this.options = { ...SSI_DEFAULTS, ...options }
    this.autoCleanup = this.options.autoCleanup
    this.locks = new SireadLocks<Sxact>(this.options)
    this.summary = new Summary(this.locks, {
      bucketSpan: Math.max(1, Math.ceil(this.options.maxCommitted / 4)),
      maxBuckets: Math.max(1, this.options.summaryBuckets),
      maxSerial: this.options.maxSerial,
    })
  }

  // ---- the hooks ------------------------------------------------------------------

  begin(txn: SsiTxnInfo): void {
    if (this.txns.has(txn.id)) throw internalError(`transaction ${txn.id} began serializable tracking twice`)
    const x = new Sxact(txn.id, 'serializable', txn.snapshot, this.seq, txn.readOnly)
    x.globalId = this.names.get(txn.id)
    this.txns.set(txn.id, x)
    // A branch's snapshot may be older than commits this shard has seen, and its
    // transaction may have read elsewhere: its safety is not this shard's to judge.
    if (txn.readOnly && x.globalId === undefined) {
      if (this.safe.beginReadOnly(x) === 'safe') {
        x.tracking = false // nothing running can put it in a dangerous structure
        return
      }
    } else if (!txn.readOnly) this.safe.beginReadWrite(x)
    this.running.add(x)
  }

  onRead(txn: TxnId, table: TableId, key: Uint8Array): void {
    const x = this.txns.get(txn)
    if (x === undefined || !x.tracking) return
    if (x.doomed !== undefined) throw failure(x.doomed, 'read')
    this.locks.lockRow(x, table, key)
  }

  onScan(txn: TxnId, table: TableId, from: Uint8Array | undefined, to: Uint8Array | undefined): void {
    const x = this.txns.get(txn)
    if (x === undefined || !x.tracking) return
    if (x.doomed !== undefined) throw failure(x.doomed, 'read')
    this.locks.lockRange(x, table, from, to)
  }

  onInvisibleVersion(reader: TxnId, writer: TxnId, table: TableId, key: Uint8Array): void {
    const r = this.txns.get(reader)
    if (r === undefined || !r.tracking || reader === writer) return
    if (r.doomed !== undefined) throw failure(r.doomed, 'conflict out checking')
    const w = this.txns.get(writer)
    if (w === undefined) return this.detect.conflictOutToForgotten(r, writer, table, key, this.summary.serial.get(writer))
    if (!w.live) return
    if (w.committed) {
      if (w.commitTs !== undefined && w.commitTs <= r.snapshot) return // in the snapshot after all
      // A read-only reader appears to run before W; that only matters if W has a
      // conflict out to something that committed before the reader's snapshot.
      if (r.readOnly && (w.earliestOut === 0 || r.snapSeq < w.earliestOut)) return
    }
    if (hasEdge(r, w)) return
    this.detect.flag(r, w, table, key, r, 'read')
  }

  onWrite(writer: TxnId, table: TableId, key: Uint8Array): void {
    let w = this.txns.get(writer)
    if (w === undefined) {
      w = new Sxact(writer, 'writer', NO_SNAPSHOT, this.seq, false)
      w.globalId = this.names.get(writer)
      this.txns.set(writer, w)
    } else if (w.doomed !== undefined && w.tracking) throw failure(w.doomed, 'conflict in checking')
    w.didWrite = true
    const found = this.found
    found.length = 0
    this.locks.holders(table, key, found)
    if (found.length === 0) return
    try {
      for (let i = 0; i < found.length; i++) {
        const h = found[i]!
        if (h === w || !h.live) continue
        if (h.committed && h.horizonTs <= w.snapshot) continue // it finished before the writer's snapshot
        if (h.kind === 'summary') {
          this.detect.conflictInFromSummary(h, w, table, key)
          continue
        }
        // A writer of another level can only be a Tout, so only a running reader that may become a pivot matters.
        if (!w.serializable && (h.readOnly || h.committed)) continue
        if (hasEdge(h, w)) continue
        this.detect.flag(h, w, table, key, w, 'write')
      }
    } finally {
      found.length = 0
    }
  }

  preCommit(txn: TxnId): void {
    const x = this.txns.get(txn)
    if (x === undefined || !x.tracking || x.state !== 'active') return
    if (x.doomed !== undefined) throw failure(x.doomed, 'commit attempt')
    const q = this.seq + 1
    // As Tout: every pivot that read what we wrote and has not committed.
    if (x.ins !== undefined) {
      for (const [p, e] of x.ins) {
        if (p.live && !p.committed) this.detect.checkIns(p, x, e, q, undefined, x, 'commit attempt')
      }
    }
    // As pivot: caught when the structure formed; checked again as a safety net.
    if (x.ins !== undefined || x.summaryIn) {
      if (x.outs !== undefined) {
        for (const [tout, e] of x.outs) {
          if (tout.live && tout.prepared) this.detect.checkIns(x, tout, e, tout.prepareSeq, tout.commitTs, x, 'commit attempt')
        }
      }
      if (x.summaryOut) this.detect.checkIns(x, undefined, x.summaryOutRef, x.summaryOutSeq, undefined, x, 'commit attempt', x.summaryOutRef?.txn)
    }
    this.seq = q
    x.prepareSeq = q
    x.state = 'prepared'
  }

  committed(txn: TxnId, commitTs: Timestamp): void {
    this.names.delete(txn)
    const x = this.txns.get(txn)
    if (x === undefined || x.committed || x.state === 'aborted') return
    if (x.prepareSeq === 0) {
      // No preCommit (a writer of another isolation level): it prepares and commits now.
      x.prepareSeq = ++this.seq
      if (x.ins !== undefined) {
        for (const [p, e] of x.ins) {
          if (p.live && !p.committed) this.detect.checkIns(p, x, e, x.prepareSeq, commitTs, undefined, 'commit attempt')
        }
      }
    }
    x.commitSeq = ++this.seq
    x.commitTs = commitTs
    x.state = 'committed'
    // Implicitly read-only (README-SSI), unless it is the branch of a distributed
    // transaction, which may have written on another shard.
    const readOnly = !x.didWrite && x.globalId === undefined
    if (readOnly) x.readOnly = true
    x.horizonTs = !readOnly || commitTs < x.snapshot ? commitTs : x.snapshot
    fixEarliestOut(x)
    this.running.delete(x)
    if (x.serializable) {
      if (x.declaredReadOnly) this.safe.readOnlyEnded(x)
      else this.safe.readWriteEnded(x, true, this.becameSafe)
    }
    if (x.serializable && !x.tracking) this.txns.delete(txn) // safe read-only: nothing to keep
    else this.finished.push(x)
    this.afterEnd()
  }

  aborted(txn: TxnId): void {
    this.names.delete(txn)
    const x = this.txns.get(txn)
    if (x === undefined || x.committed) return
    x.state = 'aborted'
    this.txns.delete(txn)
    this.running.delete(x)
    this.locks.releaseAll(x)
    removeEdges(x)
    if (x.serializable) {
      if (x.declaredReadOnly) this.safe.readOnlyEnded(x)
      else this.safe.readWriteEnded(x, false, this.becameSafe)
    }
    this.afterEnd()
  }

  /** Clears what no running transaction needs; never past `oldestActiveSnapshot` in this call (the module's own horizon is usually later). */
  cleanup(oldestActiveSnapshot: Timestamp): void {
    this.clearOld(oldestActiveSnapshot)
    this.summariseExcess()
  }

  outConflictElsewhere(txn: TxnId): void {
    const x = this.txns.get(txn)
    if (x === undefined) return
    x.summaryOut = true
    x.summaryOutSeq = EARLIEST_SEQ // committed at some time before it: the worst case
  }

  externalSnapshots(): void {
    this.autoCleanup = false
  }

  name(txn: TxnId, globalId: string): void {
    const x = this.txns.get(txn)
    if (x !== undefined) x.globalId = globalId
    else this.names.set(txn, globalId)
  }

  conflicts(txn: TxnId): ConflictReport {
    return conflictsOf(this.txns.get(txn))
  }

  // ---- read-only transactions ------------------------------------------------------------

  /**
   * Safety of a serializable READ ONLY transaction's snapshot: 'safe' (it is no
   * longer tracked), 'unsafe', or 'pending'; undefined for any other transaction.
   */
  snapshotSafety(txn: TxnId): Safety | undefined {
    return this.txns.get(txn)?.safety
  }

  /** Whether the snapshot is known safe. */
  safeSnapshot(txn: TxnId): boolean {
    return this.snapshotSafety(txn) === 'safe'
  }

  /**
   * For READ ONLY DEFERRABLE: resolves true once the snapshot is safe (from then on
   * the transaction runs untracked and cannot fail with 40001), false if it became
   * unsafe or the transaction ended (the caller then calls `aborted(txn)`, takes a
   * new snapshot and calls `begin` again; PostgreSQL's GetSafeSnapshot loop).
   */
  whenSafe(txn: TxnId): Promise<boolean> {
    const x = this.txns.get(txn)
    return x === undefined ? Promise.resolve(false) : this.safe.whenSafe(x)
  }

  /** Whether the transaction is marked to fail with 40001 at its next call. */
  isDoomed(txn: TxnId): boolean {
    return this.txns.get(txn)?.doomed !== undefined
  }

  stats(): SsiStats {
    let edges = 0
    for (const x of this.txns.values()) edges += x.outs?.size ?? 0
    const c = this.locks.counts()
    return {
      running: this.running.size,
      known: this.txns.size,
      committed: this.finished.size,
      edges,
      rowLocks: c.rowLocks,
      rangeLocks: c.rangeLocks,
      tableLocks: c.tableLocks,
      promotions: c.promotions,
      summarised: this.summary.summarised,
      summaryBuckets: this.summary.buckets.length,
      serialEntries: this.summary.serial.size,
      unpreventable: this.detect.unpreventable,
    }
  }

  private readonly becameSafe = (r: Sxact): void => {
    if (r.doomed !== undefined) return this.safe.settle(r, false)
    r.tracking = false
    this.running.delete(r)
    this.locks.releaseAll(r)
    removeEdges(r)
    this.safe.settle(r, true)
  }

  // ---- memory ---------------------------------------------------------------------------

  private afterEnd(): void {
    if (this.autoCleanup) this.clearOld(NEVER)
    this.summariseExcess()
  }

  /**
   * Forgets committed transactions no running serializable transaction overlaps,
   * and partially clears those only read-only ones overlap (README-SSI,
   * ClearOldPredicateLocks): a committed transaction's locks matter only to a
   * concurrent writer, its flags only to a concurrent reader.
   */
  private clearOld(limit: Timestamp): void {
    let all = limit
    let readWrite = limit
    for (const x of this.running) {
      if (x.snapshot < all) all = x.snapshot
      if (!x.readOnly && x.snapshot < readWrite) readWrite = x.snapshot
    }
    for (let x = this.finished.peek(); x !== undefined && x.horizonTs <= all; x = this.finished.peek()) {
      this.finished.shift()
      this.forget(x)
    }
    for (let x = this.finished.peekWhole(); x !== undefined && x.horizonTs <= readWrite; x = this.finished.peekWhole()) {
      this.finished.markCleared()
      this.locks.releaseAll(x)
      removeEdges(x)
      if (x.earliestOut !== 0) {
        x.summaryOut = true
        x.summaryOutSeq = x.earliestOut
        x.summaryOutRef = x.earliestOutRef
      }
      x.partiallyCleared = true
    }
    this.summary.clear(readWrite, all)
  }

  private summariseExcess(): void {
    while (this.finished.size > this.options.maxCommitted) {
      const x = this.finished.shift()!
      this.summary.absorb(x)
      foldEdgesIntoFlags(x)
      if (this.txns.get(x.id) === x) this.txns.delete(x.id)
    }
  }

  private forget(x: Sxact): void {
    this.locks.releaseAll(x)
    removeEdges(x)
    if (this.txns.get(x.id) === x) this.txns.delete(x.id)
  }
}

/**
 * A new SSI module. Besides the hooks it offers `snapshotSafety`, `safeSnapshot`,
 * `whenSafe` (READ ONLY DEFERRABLE), `isDoomed` and `stats`.
 */
export function createSsi(options?: SsiOptions): Ssi {
  return new Ssi(options)
}
