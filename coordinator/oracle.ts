/**
 * The coordinator's timestamp oracle (DESIGN.md §2): one monotonic order of snapshots
 * and commits for every shard. Like a single node's (txn/oracle.ts) it never goes
 * back after a restart: the highest timestamp it may hand out is reserved durably, a
 * block at a time, and a restart continues above the last reservation.
 *
 * `snapshot()` is the newest timestamp whose transaction has finished committing
 * (one-phase: applied on its shard; two-phase: its decision logged). A new snapshot
 * therefore sees every commit a client has been told about, and a commit still in
 * flight either falls above it or, for a two-phase commit, is met as prepared
 * versions that the shard makes the reader wait for.
 */
import { internalError } from '../common/errors.js'
import { asTimestamp, type Timestamp } from '../common/ids.js'

/** Timestamps reserved per durable write. */
export const RESERVE_BLOCK = 1 << 20

/** Where the reservation lives (the decision log's database). `reserve` is durable when it returns. */
export interface ReservationStore {
  /** The last reservation (0 for a new coordinator). */
  reserved(): number
  reserve(upTo: number): void
}

export class TimestampOracle {
  private last: number
  private limit: number
  private visible: number

  constructor(private readonly store: ReservationStore) {
    // Every timestamp handed out before a crash is below the last reservation.
    this.last = Math.max(store.reserved(), 1)
    this.visible = this.last
    this.limit = this.last
    this.reserveAbove(this.last)
  }

  /** A new timestamp, larger than every one handed out or observed before. */
  next(): Timestamp {
    this.reserveAbove(this.last + 1)
    return asTimestamp(++this.last)
  }

  /** A new timestamp larger than `floor` too (a two-phase commit: above every vote's prepare timestamp). */
  nextAbove(floor: Timestamp): Timestamp {
    const ts = this.next()
    if (ts > floor) return ts
    this.observe(asTimestamp(floor + 1))
    return asTimestamp(floor + 1)
  }

  /** A timestamp chosen elsewhere (a shard's one-phase commit): later ones are larger. */
  observe(ts: Timestamp): void {
    this.reserveAbove(ts)
    if (ts > this.last) this.last = ts
  }

  /** The snapshot of a new transaction or statement. */
  snapshot(): Timestamp {
    return asTimestamp(this.visible)
  }

  /** The commit at `ts` has finished: new snapshots see it. */
  publish(ts: Timestamp): void {
    if (ts > this.last) throw internalError(`timestamp ${ts} was published before it was handed out or observed`)
    if (ts > this.visible) this.visible = ts
  }

  /** Makes sure `ts` is below the durable reservation (synchronously: the store is SQLite). */
  private reserveAbove(ts: number): void {
    if (ts < this.limit) return
    const upTo = ts + RESERVE_BLOCK
    this.store.reserve(upTo)
    this.limit = upTo
  }
}
