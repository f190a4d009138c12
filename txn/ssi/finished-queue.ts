/**
 * Committed transactions that SSI still remembers, oldest commit first
 * (PostgreSQL's FinishedSerializableTransactions list).
 *
 * Three zones, front to back:
 *
 * ```
 *   head            cleared                      end
 *    │ partially     │ whole: locks, edges, flags  │
 *    │ cleared       │                             │
 * ```
 *
 * Entries leave from the front when no running transaction overlaps them, or when
 * there are too many and the oldest is summarised. The `cleared` mark moves when no
 * running read-write transaction overlaps them: their locks and edges go, their
 * flags stay for readers (ssi.ts).
 */
import type { Sxact } from './sxact.js'

export class FinishedQueue {
  private items: (Sxact | undefined)[] = []
  private head = 0
  private cleared = 0

  get size(): number {
    return this.items.length - this.head
  }

  push(x: Sxact): void {
    this.items.push(x)
  }

  peek(): Sxact | undefined {
    return this.items[this.head]
  }

  shift(): Sxact | undefined {
    const x = this.items[this.head]
    if (x === undefined) return undefined
    this.items[this.head++] = undefined
    if (this.cleared < this.head) this.cleared = this.head
    if (this.head >= 1024 && this.head * 2 >= this.items.length) {
      this.items = this.items.slice(this.head)
      this.cleared -= this.head
      this.head = 0
    }
    return x
  }

  /** The oldest entry not yet partially cleared. */
  peekWhole(): Sxact | undefined {
    return this.items[this.cleared]
  }

  /** Moves the mark past the entry `peekWhole` returned. */
  markCleared(): void {
    if (this.cleared < this.items.length) this.cleared++
  }

  *[Symbol.iterator](): Generator<Sxact> {
    for (let i = this.head; i < this.items.length; i++) yield this.items[i]!
  }
}
