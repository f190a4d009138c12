/**
 * A bounded pool of page frames with CLOCK (second-chance) eviction.
 *
 * Tree operations are synchronous, so a frame cannot be evicted "under" an
 * operation by another session; it can only be evicted by the same operation
 * loading one more page. Instead of pin counts, each public store call starts an
 * *operation* (`beginOperation`), and every frame touched in it is stamped; CLOCK
 * skips stamped frames. When every frame is stamped (a pool far too small for one
 * operation), the pool grows past its capacity rather than fail, and stays that
 * size (a shortcut: the extra frames are reused, never returned).
 *
 * A dirty victim is written through the pager to a scratch slot (never over a
 * checkpoint's slot), so eviction needs no write-ahead-log flush: the log is only
 * forced at checkpoints (pager.ts explains why that is enough). If that write
 * fails, the frame stays dirty and resident and the error is reported at the next
 * operation's start, so no operation is ever aborted half-way through a split.
 */
import type { PageId } from '../common/ids.js'
import { PageType } from './page-layout.js'

export interface PageIo {
  readPage(id: PageId, into: Buffer): void
  writePage(id: PageId, page: Buffer): void
}

const NONE = -1

export class BufferPool {
  private readonly frames: Buffer[] = []
  private pageOf: number[] = []
  private dirty: boolean[] = []
  private referenced: boolean[] = []
  private stamp: number[] = []
  private readonly index = new Map<number, number>()
  private hand = 0
  private operation = 1
  /** An eviction write that failed; thrown at the next operation start. */
  private deferredError: unknown = undefined
  hits = 0
  misses = 0

  constructor(
    private readonly io: PageIo,
    readonly pageSize: number,
    readonly capacity: number,
  ) {}

  get size(): number {
    return this.frames.length
  }

  /** The current operation's number: views into frames taken within it stay valid until it changes. */
  get currentOperation(): number {
    return this.operation
  }

  /** Starts a store operation: frames it touches cannot be evicted until the next one. */
  beginOperation(): void {
    this.operation++
    if (this.deferredError !== undefined) {
      const e = this.deferredError
      this.deferredError = undefined
      throw e
    }
  }

  /** The page, for reading. `protect: false` for pages the caller will not hold on to (overflow). */
  get(id: PageId, protect = true): Buffer {
    let f = this.index.get(id)
    if (f === undefined) {
      this.misses++
      f = this.victim()
      this.io.readPage(id, this.frames[f]!)
      this.assign(f, id, false)
    } else this.hits++
    this.referenced[f] = true
    if (protect) this.stamp[f] = this.operation
    return this.frames[f]!
  }

  /** The page, for writing: it becomes dirty. */
  getMut(id: PageId, protect = true): Buffer {
    const p = this.get(id, protect)
    this.dirty[this.index.get(id)!] = true
    return p
  }

  /** A frame for a newly allocated page: zeroed, dirty, not read from disk. */
  create(id: PageId, protect = true): Buffer {
    let f = this.index.get(id)
    if (f === undefined) {
      f = this.victim()
      this.assign(f, id, true)
    }
    const p = this.frames[f]!
    p.fill(0)
    this.dirty[f] = true
    this.referenced[f] = true
    if (protect) this.stamp[f] = this.operation
    return p
  }

  /** Forgets a freed page without writing it. */
  discard(id: PageId): void {
    const f = this.index.get(id)
    if (f === undefined) return
    this.index.delete(id)
    this.pageOf[f] = NONE
    this.dirty[f] = false
    this.frames[f]![12] = PageType.free
  }

  /** Writes every dirty page (checkpoint); they stay resident and become clean. */
  flushDirty(): number {
    let n = 0
    for (let f = 0; f < this.frames.length; f++) {
      if (!this.dirty[f] || this.pageOf[f] === NONE) continue
      this.io.writePage(this.pageOf[f] as PageId, this.frames[f]!)
      this.dirty[f] = false
      n++
    }
    return n
  }

  /** Drops every frame (after a failure, before reloading from disk). */
  clear(): void {
    this.index.clear()
    this.frames.length = 0
    this.pageOf = []
    this.dirty = []
    this.referenced = []
    this.stamp = []
    this.hand = 0
  }

  private assign(f: number, id: PageId, dirty: boolean): void {
    this.pageOf[f] = id
    this.dirty[f] = dirty
    this.index.set(id, f)
  }

  /** A frame to reuse: an empty one, a CLOCK victim, or a new one. */
  private victim(): number {
    const n = this.frames.length
    if (n < this.capacity) return this.grow()
    // Two sweeps: the first clears reference bits, the second finds a victim.
    for (let step = 0; step < 2 * n; step++) {
      const f = this.hand
      this.hand = (this.hand + 1) % n
      if (this.pageOf[f] === NONE) return f
      if (this.stamp[f] === this.operation) continue
      if (this.referenced[f]) {
        this.referenced[f] = false
        continue
      }
      if (this.dirty[f]) {
        try {
          this.io.writePage(this.pageOf[f] as PageId, this.frames[f]!)
        } catch (e) {
          this.deferredError ??= e
          continue
        }
      }
      this.index.delete(this.pageOf[f]!)
      this.pageOf[f] = NONE
      this.dirty[f] = false
      return f
    }
    return this.grow()
  }

  private grow(): number {
    this.frames.push(Buffer.alloc(this.pageSize))
    this.pageOf.push(NONE)
    this.dirty.push(false)
    this.referenced.push(false)
    this.stamp.push(0)
    return this.frames.length - 1
  }
}
