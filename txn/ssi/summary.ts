/**
 * Bounded memory: summarising old committed transactions (README-SSI, and
 * PostgreSQL's SummarizeOldestCommittedSxact).
 *
 * A committed transaction is kept whole while a transaction concurrent with it
 * runs. One long transaction can hold thousands of them; past `maxCommitted`
 * the oldest are *summarised*:
 *
 * - its SIREAD locks move to a summary *bucket*, a stand-in holder with the latest
 *   commit among its members (later writers still conflict with them, as "an old
 *   committed transaction");
 * - its edges become flags on the other ends (conflict-graph.ts);
 * - if it wrote, a small *serial* entry remembers its prepareSeq, its earliest
 *   conflict out and its commit timestamp, for readers that later skip one of its
 *   versions (PostgreSQL keeps this in the pg_serial SLRU).
 *
 * PostgreSQL has one dummy OldCommittedSxact and a commitSeqNo per lock; here a
 * lock has no sequence number of its own, so the old committed transactions are
 * split into at most `maxBuckets` buckets of `bucketSpan` each, and a bucket goes
 * as a whole once no read-write transaction overlaps its latest member. When there
 * would be more buckets, the two oldest merge. Each bucket's locks are promoted
 * like anyone's (siread-locks.ts), so the memory is bounded: retained transactions
 * ≤ maxCommitted, buckets ≤ maxBuckets, row and range locks per bucket ≤
 * maxLocksPerTransaction (plus one lock per table), serial entries ≤ maxSerial. Past maxSerial the oldest entries are
 * dropped, and a reader that meets a version of a transaction we know nothing of
 * assumes the worst (ssi.ts): more false positives, never a missed anomaly.
 */
import { asTxnId, type Timestamp, type TxnId } from '../../common/ids.js'
import type { SireadLocks } from './siread-locks.js'
import { NO_SNAPSHOT, Sxact } from './sxact.js'

export interface SerialEntry {
  readonly prepareSeq: number
  /** Its earliest conflict out to a transaction that committed before it (0: none). */
  readonly earliestOut: number
  readonly commitTs: Timestamp
}

export interface SummaryLimits {
  readonly bucketSpan: number
  readonly maxBuckets: number
  readonly maxSerial: number
}

export class Summary {
  /** Oldest first. */
  readonly buckets: Sxact[] = []
  readonly serial = new Map<TxnId, SerialEntry>()
  /**
   * Serial ids in the order they were added (roughly commit order), to drop from the
   * front. A Map alone would do, but V8 walks over deleted entries when iterating a
   * Map from its start, which makes dropping its first key again and again quadratic.
   */
  private serialOrder: TxnId[] = []
  private serialHead = 0
  /** Transactions summarised so far, and serial entries dropped for room. */
  summarised = 0
  serialEvicted = 0
  private inNewest = 0
  private nextId = 1

  constructor(
    private readonly locks: SireadLocks<Sxact>,
    private readonly limits: SummaryLimits,
  ) {}

  /** Folds the committed `x` in: its locks to the newest bucket, its facts to the serial map. Its edges are the caller's. */
  absorb(x: Sxact): void {
    let b = this.buckets[this.buckets.length - 1]
    if (b === undefined || this.inNewest >= this.limits.bucketSpan) {
      b = new Sxact(asTxnId(-this.nextId++), 'summary', NO_SNAPSHOT, 0, true)
      b.state = 'committed'
      this.buckets.push(b)
      this.inNewest = 0
      if (this.buckets.length > this.limits.maxBuckets) this.mergeOldest()
    }
    this.locks.transferAll(x, b)
    fold(b, x)
    this.inNewest++
    this.summarised++
    if (x.didWrite && x.commitTs !== undefined) {
      this.serial.set(x.id, { prepareSeq: x.prepareSeq, earliestOut: x.earliestOut, commitTs: x.commitTs })
      this.serialOrder.push(x.id)
      if (this.serial.size > this.limits.maxSerial) {
        this.dropOldestSerial()
        this.serialEvicted++
      }
    }
  }

  /**
   * Drops the buckets no running read-write transaction overlaps (their locks can
   * meet no concurrent writer), and the serial entries whose commits every running
   * snapshot sees (no reader can skip their versions any more).
   */
  clear(horizonReadWrite: Timestamp, horizonAll: Timestamp): void {
    for (let i = 0; i < this.buckets.length; ) {
      const b = this.buckets[i]!
      if (b.horizonTs <= horizonReadWrite) {
        this.locks.releaseAll(b)
        this.buckets.splice(i, 1)
        if (i === this.buckets.length) this.inNewest = this.limits.bucketSpan // start a fresh one next time
      } else i++
    }
    while (this.serialHead < this.serialOrder.length) {
      const e = this.serial.get(this.serialOrder[this.serialHead]!)
      if (e !== undefined && e.commitTs > horizonAll) break // roughly commit order: stop at the first that must stay
      this.dropOldestSerial()
    }
  }

  private dropOldestSerial(): void {
    this.serial.delete(this.serialOrder[this.serialHead++]!)
    if (this.serialHead >= 1024 && this.serialHead * 2 >= this.serialOrder.length) {
      this.serialOrder = this.serialOrder.slice(this.serialHead)
      this.serialHead = 0
    }
  }

  private mergeOldest(): void {
    const older = this.buckets.shift()!
    const into = this.buckets[0]!
    this.locks.transferAll(older, into)
    fold(into, older)
  }
}

/** `b` now stands for `x` too: the latest commit, conservatively. */
function fold(b: Sxact, x: Sxact): void {
  if (x.commitSeq > b.commitSeq) b.commitSeq = x.commitSeq
  if (b.prepareSeq === 0 || x.prepareSeq < b.prepareSeq) b.prepareSeq = x.prepareSeq
  if (x.horizonTs > b.horizonTs) b.horizonTs = x.horizonTs
  if (x.commitTs !== undefined && (b.commitTs === undefined || x.commitTs > b.commitTs)) b.commitTs = x.commitTs
  if (!x.readOnly) b.readOnly = false
  if (x.snapSeq > b.snapSeq) b.snapSeq = x.snapSeq
}
