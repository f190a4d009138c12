/**
 * The timestamp oracle of a single node (DESIGN.md §2): one monotonic order for
 * snapshots and commits. It never goes back after a restart: the highest timestamp
 * it may hand out is reserved durably in the meta tree before use, a block at a
 * time, and a restart continues above the last reservation.
 *
 * `visible` is the newest commit timestamp whose commit is durable: new snapshots
 * take it, so they never see a transaction whose commit could still be lost. Commit
 * timestamps are handed out in the same synchronous step as the commit record is
 * appended, and the log becomes durable as a prefix, so every commit at or below
 * `visible` is durable too.
 */
import { internalError } from '../common/errors.js'
import { asTimestamp, type Timestamp, type TreeId } from '../common/ids.js'
import type { Store } from '../storage/store.js'

/** Timestamps reserved per durable write of the meta tree. */
export const RESERVE_BLOCK = 1 << 20
const KEY = Buffer.from('oracle.reserved')

export class Oracle {
  private last: number
  private reserved: number
  private reserving: Promise<void> | undefined
  visible: Timestamp

  private constructor(
    private readonly store: Store,
    private readonly meta: TreeId,
    start: number,
  ) {
    this.last = start
    this.reserved = start
    this.visible = asTimestamp(start)
  }

  static async open(store: Store, meta: TreeId): Promise<Oracle> {
    const saved = store.get(meta, KEY)
    const oracle = new Oracle(store, meta, saved ? saved.readDoubleBE(0) : 1)
    await oracle.reserve()
    return oracle
  }

  /** A new timestamp, larger than every one handed out before. */
  next(): Timestamp {
    // Half a block (2^19 timestamps) would have to be used up before the next
    // reservation's single fsync lands; fail cleanly rather than reuse a timestamp.
    if (this.last + 1 >= this.reserved) throw internalError('the timestamp oracle ran past its durable reservation')
    if (!this.reserving && this.reserved - this.last < RESERVE_BLOCK / 2) this.startReserve().catch(() => undefined) // a failure poisons the store, which reports it
    return asTimestamp(++this.last)
  }

  /**
   * Makes a timestamp from outside (a coordinator's snapshot or proposed commit
   * timestamp, DESIGN.md §2) usable: resolves once the durable reservation is at
   * least half a block above it, so that `serve` or `nextAtLeast` of it, and the
   * local timestamps after those, never outrun the reservation. (It does not count
   * as served: a proposal that was never used must not push commits above it.)
   */
  async advance(ts: Timestamp): Promise<void> {
    while (this.reserved - Math.max(ts, this.last) < RESERVE_BLOCK / 2) await (this.reserving ?? this.startReserve(ts))
  }

  /**
   * Serves a snapshot taken elsewhere (already `advance`d): local timestamps after it
   * are larger, which is how a shard keeps "the highest timestamp it has served".
   */
  serve(ts: Timestamp): Timestamp {
    if (ts >= this.reserved) throw internalError('a timestamp from outside was served before the oracle advanced to it')
    if (ts > this.last) this.last = ts
    return ts
  }

  /**
   * A one-phase commit's timestamp when the coordinator proposed `proposed` (already
   * `advance`d): max(proposed, highest served + 1), so that no snapshot this node
   * has served can see the commit (DESIGN.md §2).
   */
  nextAtLeast(proposed: Timestamp): Timestamp {
    const ts = this.next()
    if (ts >= proposed) return ts
    return this.serve(proposed)
  }

  /** Moves past a timestamp chosen elsewhere (a coordinator's commit timestamp). */
  observe(ts: Timestamp): void {
    if (ts > this.last) this.last = ts
    if (ts > this.visible) this.visible = ts
  }

  /** Records that the commit at `ts` is durable. */
  published(ts: Timestamp): void {
    if (ts > this.visible) this.visible = ts
  }

  private startReserve(above = 0): Promise<void> {
    return (this.reserving = this.reserve(above).finally(() => (this.reserving = undefined)))
  }

  private async reserve(above = 0): Promise<void> {
    const upTo = Math.max(this.last, above) + RESERVE_BLOCK
    const value = Buffer.alloc(8)
    value.writeDoubleBE(upTo, 0)
    const t = this.store.begin()
    t.put(this.meta, KEY, value)
    await t.commit()
    this.reserved = upTo
  }
}
