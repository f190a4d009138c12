/**
 * SIREAD locks: which transactions read what, so that a later write can find the
 * readers it conflicts with (README-SSI "Predicate Locking").
 *
 * Three granularities per table, as PostgreSQL has tuple, page and relation locks:
 *
 * ```
 * table 7 ─┬─ rows:   Map  key(latin1) → holder | holder[]     a read of one key
 *          ├─ ranges: RangeTree [from,to) → holder             a scan (covers phantoms)
 *          └─ whole:  Set  holder                              a full scan, or a promotion
 * ```
 *
 * `holders(table, k)` is one map lookup, one interval-tree stab and the whole-table
 * set. A holder also keeps its own locks per table (`HeldLocks`), to release them,
 * to skip locks it already has, and to count them: past `maxRowLocksPerTable` row
 * locks (or `maxRangeLocksPerTable` ranges) in one table its finer locks are
 * replaced by one whole-table lock, as PostgreSQL promotes tuple → page → relation
 * locks. Past `maxLocksPerTransaction` row and range locks over all tables, the
 * table where it has most of them is promoted. We skip the middle level: a B+tree page is not a stable unit here (pages
 * split and merge under a reader), and a key range would need a guess at the
 * key distribution. Coarser locks only add false positives, never miss a conflict.
 *
 * Locks never block and are never "granted": they are markers that outlive their
 * transaction's commit until no concurrent transaction remains (ssi.ts).
 */
import type { TableId } from '../types.js'
import { compareBytes, type RangeNode, RangeTree } from './range-tree.js'

export interface LockHolder<H> {
  held: Map<TableId, HeldLocks<H>> | undefined
  /** Its row and range locks over all tables (maintained by SireadLocks). */
  fineLocks: number
}

/** The locks one holder has in one table. */
export class HeldLocks<H> {
  whole = false
  readonly rows = new Set<string>()
  /** By their bounds, so a repeated scan of the same range adds nothing. */
  readonly ranges = new Map<string, RangeNode<H>>()
}

/** Holders of one row: one, a few in an array, or many in a set (a hot key read by thousands keeps removal O(1)). */
type RowHolders<H> = H | H[] | Set<H>

/** Past this many holders of one row, an array becomes a set. */
const ROW_HOLDERS_SET = 16

class TableLocks<H> {
  readonly rows = new Map<string, RowHolders<H>>()
  readonly ranges = new RangeTree<H>()
  readonly whole = new Set<H>()

  get empty(): boolean {
    return this.rows.size === 0 && this.ranges.size === 0 && this.whole.size === 0
  }
}

export interface LockLimits {
  readonly maxRowLocksPerTable: number
  readonly maxRangeLocksPerTable: number
  /** Row and range locks of one holder over all tables; past it, its most finely locked table is promoted. */
  readonly maxLocksPerTransaction: number
}

export interface LockCounts {
  readonly rowLocks: number
  readonly rangeLocks: number
  readonly tableLocks: number
  /** How many times a holder's finer locks were replaced by a whole-table lock. */
  readonly promotions: number
}

const EMPTY = new Uint8Array(0)

/** A row key as a Map key: its bytes as latin1, one char per byte. */
export function keyString(key: Uint8Array): string {
  return (Buffer.isBuffer(key) ? key : Buffer.from(key.buffer, key.byteOffset, key.byteLength)).toString('latin1')
}

function hex(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex')
}

export class SireadLocks<H extends LockHolder<H>> {
  private readonly tables = new Map<TableId, TableLocks<H>>()
  private rowLocks = 0
  private rangeLocks = 0
  private tableLocks = 0
  private promotions = 0

  constructor(private readonly limits: LockLimits) {}

  lockRow(holder: H, table: TableId, key: Uint8Array): void {
    const h = this.heldFor(holder, table)
    if (h.whole) return
    const k = keyString(key)
    if (h.rows.has(k)) return
    h.rows.add(k)
    addRowHolder(this.table(table), k, holder)
    this.rowLocks++
    holder.fineLocks++
    if (h.rows.size > this.limits.maxRowLocksPerTable) this.promote(holder, table)
    else if (holder.fineLocks > this.limits.maxLocksPerTransaction) this.promoteLargest(holder)
  }

  /** [from, to); undefined bounds are open. An empty range locks nothing; an unbounded one the whole table. */
  lockRange(holder: H, table: TableId, from: Uint8Array | undefined, to: Uint8Array | undefined): void {
    const f = from ?? EMPTY
    if (f.length === 0 && to === undefined) return this.lockTable(holder, table)
    if (to !== undefined && compareBytes(f, to) >= 0) return
    const h = this.heldFor(holder, table)
    if (h.whole) return
    const rk = `${hex(f)}:${to === undefined ? '∞' : hex(to)}`
    if (h.ranges.has(rk)) return
    h.ranges.set(rk, this.table(table).ranges.insert(Buffer.from(f), to === undefined ? undefined : Buffer.from(to), holder))
    this.rangeLocks++
    holder.fineLocks++
    if (h.ranges.size > this.limits.maxRangeLocksPerTable) this.promote(holder, table)
    else if (holder.fineLocks > this.limits.maxLocksPerTransaction) this.promoteLargest(holder)
  }

  /** A whole-table lock; the holder's row and range locks in the table go (they are covered). */
  lockTable(holder: H, table: TableId): void {
    const h = this.heldFor(holder, table)
    if (h.whole) return
    const t = this.table(table)
    t.whole.add(holder)
    h.whole = true
    this.tableLocks++
    this.dropFiner(t, h, holder)
  }

  /** Pushes every holder of a lock covering `key` onto `out` (a holder may appear more than once). */
  holders(table: TableId, key: Uint8Array, out: H[]): void {
    const t = this.tables.get(table)
    if (t === undefined) return
    for (const h of t.whole) out.push(h)
    if (t.rows.size > 0) {
      const v = t.rows.get(keyString(key))
      if (v !== undefined) {
        if (Array.isArray(v) || v instanceof Set) for (const h of v) out.push(h)
        else out.push(v)
      }
    }
    if (t.ranges.size > 0) t.ranges.stab(key, out)
  }

  releaseAll(holder: H): void {
    if (holder.held === undefined) return
    for (const [table, h] of holder.held) {
      const t = this.tables.get(table)
      if (t === undefined) continue
      if (h.whole) {
        t.whole.delete(holder)
        this.tableLocks--
      }
      this.dropFiner(t, h, holder)
      if (t.empty) this.tables.delete(table)
    }
    holder.held = undefined
    holder.fineLocks = 0
  }

  /** Moves every lock of `from` to `to` (summarisation), merging with what `to` holds and promoting if `to` now holds too many. */
  transferAll(from: H, to: H): void {
    if (from.held === undefined) return
    for (const [table, h] of from.held) {
      const t = this.tables.get(table)
      if (t === undefined) continue
      const th = this.heldFor(to, table)
      if (h.whole) {
        t.whole.delete(from)
        this.tableLocks--
        this.lockTable(to, table)
      } else if (th.whole) {
        this.dropFiner(t, h, from)
      } else {
        for (const k of h.rows) {
          if (th.rows.has(k)) {
            removeRowHolder(t, k, from)
            this.rowLocks--
          } else {
            replaceRowHolder(t, k, from, to)
            th.rows.add(k)
            to.fineLocks++
          }
        }
        for (const [rk, node] of h.ranges) {
          if (th.ranges.has(rk)) {
            t.ranges.remove(node)
            this.rangeLocks--
          } else {
            node.owner = to
            th.ranges.set(rk, node)
            to.fineLocks++
          }
        }
        if (th.rows.size > this.limits.maxRowLocksPerTable || th.ranges.size > this.limits.maxRangeLocksPerTable) this.promote(to, table)
      }
    }
    from.held = undefined
    from.fineLocks = 0
    while (to.fineLocks > this.limits.maxLocksPerTransaction) this.promoteLargest(to)
  }

  counts(): LockCounts {
    return { rowLocks: this.rowLocks, rangeLocks: this.rangeLocks, tableLocks: this.tableLocks, promotions: this.promotions }
  }

  private promote(holder: H, table: TableId): void {
    this.promotions++
    this.lockTable(holder, table)
  }

  private promoteLargest(holder: H): void {
    let best: TableId | undefined
    let most = 0
    for (const [table, h] of holder.held ?? []) {
      const n = h.rows.size + h.ranges.size
      if (n > most) {
        most = n
        best = table
      }
    }
    if (best !== undefined) this.promote(holder, best)
  }

  private dropFiner(t: TableLocks<H>, h: HeldLocks<H>, holder: H): void {
    holder.fineLocks -= h.rows.size + h.ranges.size
    for (const k of h.rows) removeRowHolder(t, k, holder)
    this.rowLocks -= h.rows.size
    h.rows.clear()
    for (const node of h.ranges.values()) t.ranges.remove(node)
    this.rangeLocks -= h.ranges.size
    h.ranges.clear()
  }

  private heldFor(holder: H, table: TableId): HeldLocks<H> {
    let held = holder.held
    if (held === undefined) holder.held = held = new Map()
    let h = held.get(table)
    if (h === undefined) held.set(table, (h = new HeldLocks()))
    return h
  }

  private table(table: TableId): TableLocks<H> {
    let t = this.tables.get(table)
    if (t === undefined) this.tables.set(table, (t = new TableLocks()))
    return t
  }
}

function addRowHolder<H>(t: TableLocks<H>, k: string, holder: H): void {
  const v = t.rows.get(k)
  if (v === undefined) t.rows.set(k, holder)
  else if (v instanceof Set) v.add(holder)
  else if (!Array.isArray(v)) t.rows.set(k, [v, holder])
  else if (v.length < ROW_HOLDERS_SET) v.push(holder)
  else t.rows.set(k, new Set(v).add(holder))
}

function removeRowHolder<H>(t: TableLocks<H>, k: string, holder: H): void {
  const v = t.rows.get(k)
  if (v === undefined) return
  if (v instanceof Set) {
    v.delete(holder)
    if (v.size === 0) t.rows.delete(k)
    return
  }
  if (!Array.isArray(v)) {
    if (v === holder) t.rows.delete(k)
    return
  }
  const i = v.indexOf(holder)
  if (i < 0) return
  v[i] = v[v.length - 1]!
  v.pop()
  if (v.length === 1) t.rows.set(k, v[0]!)
}

function replaceRowHolder<H>(t: TableLocks<H>, k: string, from: H, to: H): void {
  const v = t.rows.get(k)
  if (v === undefined) return
  if (v instanceof Set) {
    if (v.delete(from)) v.add(to)
    return
  }
  if (!Array.isArray(v)) {
    if (v === from) t.rows.set(k, to)
    return
  }
  const i = v.indexOf(from)
  if (i >= 0) v[i] = to
}
