/**
 * Sequence values: handed out from memory, reserved on disk in blocks.
 *
 * Like PostgreSQL (which logs a sequence 32 values ahead), a sequence durably
 * records a high-water mark before it hands out values below it, so a crash can
 * skip values but never repeat one. Reservations are written by a transaction of
 * their own (catalog-store.ts) because nextval is not transactional: a rolled-back
 * transaction does not give its values back. A sequence used often reserves
 * bigger blocks (up to 4096), so a bulk insert with a serial column pays one
 * durable write per few thousand rows, not per 32.
 *
 * The same mechanism allocates object ids (oids) for the catalog.
 */
import { dbError } from '../common/errors.js'
import { oidsKey, seqKey, type CatalogStore } from './catalog/catalog-store.js'
import type { Oid, SequenceInfo } from './catalog/schema.js'

const MIN_BLOCK = 32n
const MAX_BLOCK = 4096n
/** A refill sooner than this after the previous one doubles the block. */
const BUSY_MS = 1000

interface State {
  /** The next value nextval returns (before bounds checks). */
  next: bigint
  /** Values up to here (in the increment's direction) are reserved on disk. */
  high: bigint
  block: bigint
  lastRefill: number
  refilling: Promise<void> | undefined
}

export class SequenceValues {
  private readonly states = new Map<Oid, State>()

  constructor(
    private readonly store: CatalogStore,
    /** High-water marks as loaded from disk. */
    private readonly loaded: Map<Oid, bigint>,
  ) {}

  private state(seq: SequenceInfo): State {
    let s = this.states.get(seq.oid)
    if (s === undefined) {
      const high = this.loaded.get(seq.oid)
      // Nothing reserved yet: start at START; otherwise just past the last reservation.
      const next = high === undefined ? seq.start : high + seq.increment
      s = { next, high: next - seq.increment, block: MIN_BLOCK, lastRefill: 0, refilling: undefined }
      this.states.set(seq.oid, s)
    }
    return s
  }

  async nextval(seq: SequenceInfo): Promise<bigint> {
    const s = this.state(seq)
    for (;;) {
      const v = s.next
      const up = seq.increment > 0n
      if (up ? v > seq.max : v < seq.min) {
        throw dbError('sequence_generator_limit_exceeded', `nextval: reached ${up ? 'maximum' : 'minimum'} value of sequence "${seq.name}" (${up ? seq.max : seq.min})`)
      }
      if (up ? v <= s.high : v >= s.high) {
        s.next = v + seq.increment
        return v
      }
      await this.refill(seq, s)
    }
  }

  private refill(seq: SequenceInfo, s: State): Promise<void> {
    if (s.refilling) return s.refilling
    const now = Date.now()
    if (now - s.lastRefill < BUSY_MS && s.block < MAX_BLOCK) s.block *= 2n
    s.lastRefill = now
    const high = s.next + seq.increment * (s.block - 1n)
    s.refilling = this.store.putAutonomous(seqKey(seq.oid), Buffer.from(high.toString())).then(
      () => {
        s.high = high
        s.refilling = undefined
      },
      (e: unknown) => {
        s.refilling = undefined
        throw e
      },
    )
    return s.refilling
  }

  /** setval: the next nextval returns `value` + increment (isCalled) or `value`. */
  async setval(seq: SequenceInfo, value: bigint, isCalled: boolean): Promise<bigint> {
    if (value < seq.min || value > seq.max) {
      throw dbError('numeric_value_out_of_range', `setval: value ${value} is out of bounds for sequence "${seq.name}" (${seq.min}..${seq.max})`)
    }
    const s = this.state(seq)
    await s.refilling
    s.next = isCalled ? value + seq.increment : value
    s.high = s.next - seq.increment
    await this.store.putAutonomous(seqKey(seq.oid), Buffer.from(s.high.toString()))
    return value
  }

  forget(oid: Oid): void {
    this.states.delete(oid)
  }
}

/** Object ids for new catalog entries, reserved in blocks like sequence values. */
export class OidAllocator {
  private next: number
  private high: number
  private refilling: Promise<void> | undefined

  constructor(
    private readonly store: CatalogStore,
    loadedHigh: number,
    firstOid: number,
  ) {
    this.next = Math.max(loadedHigh + 1, firstOid)
    this.high = this.next - 1
  }

  async allocate(): Promise<Oid> {
    while (this.next > this.high) {
      if (this.refilling === undefined) {
        const high = this.next + 99
        this.refilling = this.store.putAutonomous(oidsKey(), Buffer.from(String(high))).finally(() => (this.refilling = undefined))
        await this.refilling
        this.high = high
      } else await this.refilling
    }
    return this.next++
  }
}
