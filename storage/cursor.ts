/**
 * Cursors: ordered iteration over a tree, forwards and backwards.
 *
 * A cursor keeps the path from the root to its leaf (page ids and indexes), so
 * moving to the next or previous leaf climbs the path and descends again; leaves
 * need no sibling pointers, which keeps splits and merges to the pages on the path.
 *
 * Writes may happen while a cursor is open (a scan that updates the rows it
 * reads). Before the tree changes it tells its cursors (BTree.observers); each
 * saves a copy of its current key and forgets its path, and its next move seeks
 * again from that key, as SQLite's saveAllCursors does. The cost is paid only
 * when writes and reads interleave.
 *
 * `key` and `value` are views into the page, valid until the next call into the
 * store; copy them to keep them. Scans that read every entry use `readInPlace`
 * instead, which says where the entry lies in its leaf page and makes no view.
 *
 * A step to the next entry of the same leaf starts no new buffer-pool operation
 * when no other operation began since the leaf was fetched: the leaf's frame is
 * still stamped, so nothing can have evicted it, and the step is a few reads. A
 * step onto another leaf begins one, so a long scan still keeps only its current
 * pages resident.
 */
import type { PageId } from '../common/ids.js'
import { compareBytes } from '../common/key-encoding.js'
import type { BTree, TreeObserver } from './btree.js'
import type { BufferPool } from './buffer-pool.js'
import { cellCount, cellOffset, childAt, isLeaf, keyAt, LEAF_CELL_HEADER, OVERFLOW_FLAG, searchInternal, searchLeaf, valueField, valueStart } from './node.js'
import { readOverflow } from './overflow.js'

type Side = 'first' | 'last'

export class Cursor implements TreeObserver {
  private readonly pages: PageId[] = []
  private readonly idx: number[] = []
  private depth = 0
  private saved: Buffer | null = null
  private open = true
  valid = false

  /**
   * `beginOperation` runs at the start of every move: each move is one buffer-pool
   * operation, so a long scan does not keep every page it passed resident.
   */
  private readonly pool: BufferPool

  constructor(
    private readonly tree: BTree,
    private readonly beginOperation: () => void = () => tree.space.pool.beginOperation(),
  ) {
    this.pool = tree.space.pool
    tree.observe(this)
  }

  /** Positions at the first entry; false when the tree is empty. */
  first(): boolean {
    return this.edge('first')
  }

  /** Positions at the last entry. */
  last(): boolean {
    return this.edge('last')
  }

  /** Positions at the first entry with key ≥ `key`. */
  seek(key: Uint8Array): boolean {
    this.beginOperation()
    this.descendTo(key)
    const L = this.depth - 1
    const leaf = this.page(L)
    const i = searchLeaf(leaf, key)
    this.idx[L] = i >= 0 ? i : -i - 1
    this.valid = true
    if (this.idx[L]! >= cellCount(leaf)) return this.climb(1)
    return true
  }

  /** Positions at the last entry with key ≤ `key`. */
  seekAtOrBefore(key: Uint8Array): boolean {
    this.beginOperation()
    this.descendTo(key)
    const L = this.depth - 1
    const i = searchLeaf(this.page(L), key)
    this.idx[L] = i >= 0 ? i : -i - 2
    this.valid = true
    if (this.idx[L]! < 0) return this.climb(-1)
    return true
  }

  next(): boolean {
    return this.stepInLeaf() || this.move(1)
  }

  /**
   * One step forward inside the leaf whose frame this operation holds: no new
   * operation, no pool lookup (see the module doc). False, without moving, when the
   * next entry is in another leaf or the frame may have gone.
   */
  private stepInLeaf(): boolean {
    if (this.saved !== null || !this.valid || this.leafOp !== this.pool.currentOperation) return false
    const L = this.depth - 1
    const i = this.idx[L]! + 1
    if (i >= cellCount(this.leafFrame!)) return false
    this.idx[L] = i
    return true
  }

  prev(): boolean {
    return this.move(-1)
  }

  /**
   * The current key. The view is kept and handed out again while the cursor stays
   * at the same entry within the same store operation: scans read each entry's key
   * more than once, and within one operation no frame is evicted, while a write to
   * the tree makes the cursor unreadable until it moves (beforeTreeChange).
   */
  get key(): Buffer {
    this.checkReadable()
    const L = this.depth - 1
    const op = this.pool.currentOperation
    const page = this.pages[L]!
    const i = this.idx[L]!
    if (this.keyView !== null && this.keyViewOp === op && this.keyViewPage === page && this.keyViewIdx === i) return this.keyView
    this.keyView = keyAt(this.page(L), i)
    this.keyViewOp = op
    this.keyViewPage = page
    this.keyViewIdx = i
    return this.keyView
  }
  private keyView: Buffer | null = null
  private keyViewOp = 0
  private keyViewPage = 0 as PageId
  private keyViewIdx = -1

  /**
   * The leaf page holding the current entry, for reading it in place: sets `keyAt`,
   * `keyLength`, `valueAt` and `valueLength` to where its key and value lie in the
   * page (`valueLength` -1: the value is in overflow pages; read `value`). Valid as
   * long as `inPlace` holds. The frame is fetched from the pool once per operation.
   */
  readInPlace(): Buffer {
    this.checkReadable()
    const op = this.pool.currentOperation
    if (this.leafOp !== op) {
      this.leafFrame = this.page(this.depth - 1)
      this.leafOp = op
    }
    this.locate(this.leafFrame!, this.idx[this.depth - 1]!)
    return this.leafFrame!
  }

  /**
   * Steps to the next entry if it is in the same leaf and readInPlace's page is still
   * valid, and sets the in-place fields for it (the page is the same); otherwise stays
   * where it is and returns false: then `next` moves on. A scan's step between two
   * entries of one leaf is this: a few reads, no store operation.
   */
  nextInLeaf(): boolean {
    if (!this.stepInLeaf()) return false
    this.locate(this.leafFrame!, this.idx[this.depth - 1]!)
    return true
  }

  /** Whether the page readInPlace returned is still valid: no store operation (which may evict frames) began since. */
  get inPlace(): boolean {
    return this.leafOp === this.pool.currentOperation
  }

  /** Where entry i of `leaf` lies (see readInPlace). */
  private locate(leaf: Buffer, i: number): void {
    const off = cellOffset(leaf, i)
    const keyLength = leaf[off]! | (leaf[off + 1]! << 8)
    const field = (leaf[off + 2]! | (leaf[off + 3]! << 8) | (leaf[off + 4]! << 16) | (leaf[off + 5]! << 24)) >>> 0
    this.keyAt = off + LEAF_CELL_HEADER
    this.keyLength = keyLength
    this.valueAt = this.keyAt + keyLength
    this.valueLength = field & OVERFLOW_FLAG ? -1 : field
  }
  /** Set by readInPlace and nextInLeaf. */
  keyAt = 0
  keyLength = 0
  valueAt = 0
  valueLength = 0
  /** The current leaf's frame and the operation that fetched (and stamped) it: -1 when none. */
  private leafFrame: Buffer | null = null
  private leafOp = -1

  get value(): Buffer {
    this.checkReadable()
    const leaf = this.page(this.depth - 1)
    const i = this.idx[this.depth - 1]!
    const field = valueField(leaf, i)
    const at = valueStart(leaf, i)
    if (field & OVERFLOW_FLAG) return readOverflow(this.tree.space, leaf.readUInt32LE(at) as PageId, (field & ~OVERFLOW_FLAG) >>> 0)
    return leaf.subarray(at, at + field)
  }

  close(): void {
    if (!this.open) return
    this.open = false
    this.valid = false
    this.tree.unobserve(this)
  }

  beforeTreeChange(): void {
    if (this.valid && this.saved === null) this.saved = Buffer.from(this.key)
  }

  private move(dir: 1 | -1): boolean {
    if (!this.valid) return false
    this.beginOperation()
    if (this.saved !== null) {
      const key = this.saved
      this.saved = null
      const found = dir === 1 ? this.seek(key) : this.seekAtOrBefore(key)
      // Landed on the saved key itself: step past it. Landed elsewhere: it was deleted,
      // and the entry found is already the neighbour in the direction of travel.
      if (!found || compareBytes(this.key, key) !== 0) return found
    }
    const L = this.depth - 1
    const i = this.idx[L]! + dir
    this.idx[L] = i
    if (i >= 0 && i < cellCount(this.page(L))) return true
    return this.climb(dir)
  }

  /** From an exhausted leaf, up to the first ancestor with a next child, then down its edge. */
  private climb(dir: 1 | -1): boolean {
    for (let level = this.depth - 2; level >= 0; level--) {
      const p = this.page(level)
      const i = this.idx[level]! + dir
      if (i < 0 || i > cellCount(p)) continue
      this.idx[level] = i
      this.descendEdge(level + 1, childAt(p, i) as PageId, dir === 1 ? 'first' : 'last')
      return (this.valid = cellCount(this.page(this.depth - 1)) > 0)
    }
    return (this.valid = false)
  }

  private edge(side: Side): boolean {
    this.beginOperation()
    this.saved = null
    this.descendEdge(0, this.tree.root, side)
    return (this.valid = cellCount(this.page(this.depth - 1)) > 0)
  }

  private descendEdge(level: number, id: PageId, side: Side): void {
    this.leafOp = -1
    for (;;) {
      const p = this.tree.space.pool.get(id)
      this.pages[level] = id
      const n = cellCount(p)
      if (isLeaf(p)) {
        this.idx[level] = side === 'first' ? 0 : n - 1
        this.depth = level + 1
        return
      }
      this.idx[level] = side === 'first' ? 0 : n
      id = childAt(p, this.idx[level]!) as PageId
      level++
    }
  }

  private descendTo(key: Uint8Array): void {
    this.saved = null
    this.leafOp = -1
    let id = this.tree.root
    for (let level = 0; ; level++) {
      const p = this.tree.space.pool.get(id)
      this.pages[level] = id
      if (isLeaf(p)) {
        this.depth = level + 1
        return
      }
      const i = searchInternal(p, key)
      this.idx[level] = i
      id = childAt(p, i) as PageId
    }
  }

  private page(level: number): Buffer {
    return this.tree.space.pool.get(this.pages[level]!)
  }

  private checkReadable(): void {
    if (!this.valid) throw new RangeError('cursor is not positioned on an entry')
    if (this.saved !== null) throw new RangeError('the tree changed under the cursor: move it (next/prev/seek) before reading')
  }
}
