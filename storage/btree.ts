/**
 * A B+tree of variable-length byte keys and values in pages of the buffer pool.
 *
 * Keys compare as raw bytes (common/ encodes SQL values so that byte order is
 * value order). Leaves hold the entries; internal nodes hold separators, and
 * child i holds the keys below separator i (node.ts). The root page of a tree
 * never moves, so the tree catalog maps a tree id to a fixed page: a root split
 * moves both halves into new pages, and a root with a single child absorbs it.
 *
 * Splits keep the *right* half in the old page and move the left half to a new
 * page, so the parent's pointer to the old page stays valid and only a new
 * separator is inserted. Appending at the right edge of the tree (sequential
 * keys, bulk loads) splits "all but the last cell" instead of half and half,
 * which leaves full pages behind, as SQLite's quick-balance does.
 *
 * Deletes that leave a node below a quarter full merge it with a sibling when the
 * two fit in one page, and otherwise redistribute the cells of the pair. Fill
 * invariant (checked by tree-check.ts): every non-root node is non-empty, and
 * every non-root node that is not the rightmost of its level is at least a
 * quarter full.
 *
 * All operations are synchronous; the store starts a buffer-pool operation around
 * each so the frames on the current path stay resident (buffer-pool.ts).
 */
import type { PageId } from '../common/ids.js'
import {
  cellChild,
  cellCount,
  cellKey,
  childAt,
  initNode,
  insertLeafCell,
  insertRawCell,
  internalCell,
  isLeaf,
  keyAt,
  LEAF_CELL_HEADER,
  leafCellSize,
  OVERFLOW_FLAG,
  readCells,
  removeCell,
  rightmost,
  searchInternal,
  searchLeaf,
  SLOT_SIZE,
  usedBytes,
  valueField,
  valueStart,
  writeCells,
} from './node.js'
import { freeOverflow, readOverflow, writeOverflow } from './overflow.js'
import { PageType } from './page-layout.js'
import type { TreeSpace } from './tree-space.js'

/** Told before the tree changes, so open cursors can save their position. */
export interface TreeObserver {
  beforeTreeChange(): void
}

export class BTree {
  /** The path of the last descent: page ids, child indexes taken, rightmost-ness. */
  private readonly pathPage: PageId[] = []
  private readonly pathIdx: number[] = []
  private readonly pathRight: boolean[] = []
  private depth = 0
  /** The leaf the last descent reached (valid within the current pool operation). */
  private leaf: Buffer = Buffer.alloc(0)
  /**
   * Open cursors, told before the tree changes. A list rather than a set: cursors
   * open and close at every read, and a set reallocates its table as it fills and
   * empties.
   */
  private readonly observers: TreeObserver[] = []

  constructor(
    readonly space: TreeSpace,
    readonly root: PageId,
  ) {}

  /** Allocates an empty tree and returns its root page. */
  static create(space: TreeSpace): PageId {
    const root = space.allocate()
    initNode(space.pool.create(root), PageType.leaf)
    return root
  }

  /** A copy of the value stored under `key`. */
  get(key: Uint8Array): Buffer | undefined {
    this.descend(key)
    const leaf = this.leaf
    const i = searchLeaf(leaf, key)
    return i < 0 ? undefined : this.readValue(leaf, i)
  }

  /**
   * Inserts or replaces; returns the value it replaced (null when the key was absent).
   * The caller has checked the key's size (`checkKeySize`) before anything changed.
   */
  put(key: Uint8Array, value: Uint8Array): Buffer | null {
    this.notify()
    const pool = this.space.pool
    const leafId = this.descend(key)
    const leaf = pool.getMut(leafId)
    let i = searchLeaf(leaf, key)
    let before: Buffer | null = null
    if (i >= 0) {
      before = this.readValue(leaf, i)
      this.freeValue(leaf, i)
      removeCell(leaf, i)
    } else i = -i - 1

    let cell: Buffer
    if (leafCellSize(key.length, value.length) <= this.space.limits.maxCell) {
      if (insertLeafCell(leaf, i, key, value)) return this.afterShrink(before, leaf)
      cell = leafCell(key, value.length, value)
    } else {
      const first = writeOverflow(this.space, value)
      const ptr = Buffer.allocUnsafe(4)
      ptr.writeUInt32LE(first, 0)
      cell = leafCell(key, (value.length | OVERFLOW_FLAG) >>> 0, ptr)
      if (insertRawCell(leaf, i, cell)) return this.afterShrink(before, leaf)
    }
    this.splitInsert(this.depth - 1, cell, i)
    return before
  }

  /** Deletes; returns the value it removed (null when the key was absent). */
  delete(key: Uint8Array): Buffer | null {
    const pool = this.space.pool
    const leafId = this.descend(key)
    const i = searchLeaf(pool.get(leafId), key)
    if (i < 0) return null
    this.notify()
    const leaf = pool.getMut(leafId)
    const before = this.readValue(leaf, i)
    this.freeValue(leaf, i)
    removeCell(leaf, i)
    this.rebalanceIfUnderfull(this.depth - 1)
    return before
  }

  /** Frees every page of the tree, its root included. */
  destroy(): void {
    this.notify()
    const stack: PageId[] = [this.root]
    while (stack.length > 0) {
      const id = stack.pop()!
      const p = this.space.pool.get(id, false)
      const n = cellCount(p)
      if (isLeaf(p)) {
        for (let i = 0; i < n; i++) this.freeValue(p, i)
      } else for (let i = 0; i <= n; i++) stack.push(childAt(p, i) as PageId)
      this.space.pool.discard(id)
      this.space.free(id)
    }
  }

  /** A copy of leaf cell i's value, following its overflow chain if it has one. */
  readValue(leaf: Buffer, i: number): Buffer {
    const field = valueField(leaf, i)
    const at = valueStart(leaf, i)
    if (field & OVERFLOW_FLAG) return readOverflow(this.space, leaf.readUInt32LE(at) as PageId, (field & ~OVERFLOW_FLAG) >>> 0)
    // allocUnsafe takes small buffers from Node's pool: the cheapest copy there is.
    const out = Buffer.allocUnsafe(field)
    leaf.copy(out, 0, at, at + field)
    return out
  }

  /** Follows `key` from the root to its leaf, recording the path. */
  descend(key: Uint8Array): PageId {
    const pool = this.space.pool
    let id = this.root
    let right = true
    for (let level = 0; ; level++) {
      const p = pool.get(id)
      this.pathPage[level] = id
      this.pathRight[level] = right
      if (isLeaf(p)) {
        this.depth = level + 1
        this.leaf = p
        return id
      }
      const i = searchInternal(p, key)
      this.pathIdx[level] = i
      right = right && i === cellCount(p)
      id = childAt(p, i) as PageId
    }
  }

  observe(o: TreeObserver): void {
    this.observers.push(o)
  }

  unobserve(o: TreeObserver): void {
    const i = this.observers.lastIndexOf(o)
    if (i < 0) return
    const last = this.observers.pop()!
    if (i < this.observers.length) this.observers[i] = last
  }

  private notify(): void {
    for (const o of this.observers) o.beforeTreeChange()
  }

  private freeValue(leaf: Buffer, i: number): void {
    if (valueField(leaf, i) & OVERFLOW_FLAG) freeOverflow(this.space, leaf.readUInt32LE(valueStart(leaf, i)) as PageId)
  }

  /** A replaced value may have been larger than its successor: the leaf can underflow. */
  private afterShrink(before: Buffer | null, leaf: Buffer): Buffer | null {
    if (before !== null && usedBytes(leaf) < this.space.limits.minFill) this.rebalanceIfUnderfull(this.depth - 1)
    return before
  }

  /** Inserts `cell` at index `at` of the node at `level` of the path, which is full. */
  private splitInsert(level: number, cell: Buffer, at: number): void {
    const space = this.space
    const id = this.pathPage[level]!
    const p = space.pool.getMut(id)
    const leaf = isLeaf(p)
    const type = leaf ? PageType.leaf : PageType.internal
    const cells = readCells(p)
    cells.splice(at, 0, cell)
    const oldRight = leaf ? 0 : rightmost(p)
    const append = this.pathRight[level]! && at === cells.length - 1
    const leftId = space.allocate()
    const left = space.pool.create(leftId)
    let separator: Buffer
    let rightCells: Buffer[]
    if (leaf) {
      const k = append ? cells.length - 1 : balancedSplit(cells, 0)
      writeCells(left, type, cells.slice(0, k))
      rightCells = cells.slice(k)
      separator = internalCell(cellKey(cells[k]!), leftId)
    } else {
      const m = append ? cells.length - 2 : balancedSplit(cells, 1)
      writeCells(left, type, cells.slice(0, m), cellChild(cells[m]!))
      rightCells = cells.slice(m + 1)
      separator = internalCell(cellKey(cells[m]!), leftId)
    }
    if (level === 0) {
      // The root keeps its page: its right half moves to a new page too.
      const rightId = space.allocate()
      writeCells(space.pool.create(rightId), type, rightCells, oldRight)
      writeCells(space.pool.getMut(id), PageType.internal, [separator], rightId)
      return
    }
    writeCells(space.pool.getMut(id), type, rightCells, oldRight)
    const parentLevel = level - 1
    const parent = space.pool.getMut(this.pathPage[parentLevel]!)
    const slot = this.pathIdx[parentLevel]!
    if (!insertRawCell(parent, slot, separator)) this.splitInsert(parentLevel, separator, slot)
  }

  private rebalanceIfUnderfull(level: number): void {
    if (level === 0) return
    const p = this.space.pool.get(this.pathPage[level]!)
    if (usedBytes(p) < this.space.limits.minFill) this.rebalance(level)
  }

  /** Merges the node at `level` with a sibling, or redistributes the pair's cells. */
  private rebalance(level: number): void {
    const { pool, limits } = this.space
    const parentLevel = level - 1
    const parentId = this.pathPage[parentLevel]!
    const parent = pool.getMut(parentId)
    const n = cellCount(parent)
    if (n === 0) return
    const ci = this.pathIdx[parentLevel]!
    const sep = ci > 0 ? ci - 1 : 0
    const leftId = childAt(parent, sep) as PageId
    const rightId = childAt(parent, sep + 1) as PageId
    const left = pool.getMut(leftId)
    const right = pool.getMut(rightId)
    const leaf = isLeaf(left)
    const type = leaf ? PageType.leaf : PageType.internal
    const rightRight = leaf ? 0 : rightmost(right)
    const cells = leaf
      ? [...readCells(left), ...readCells(right)]
      : [...readCells(left), internalCell(keyAt(parent, sep), rightmost(left)), ...readCells(right)]
    let total = 0
    for (const c of cells) total += c.length + SLOT_SIZE

    if (total <= limits.capacity) {
      writeCells(right, type, cells, rightRight)
      pool.discard(leftId)
      this.space.free(leftId)
      removeCell(parent, sep)
      if (parentLevel === 0) this.collapseRoot()
      else this.rebalanceIfUnderfull(parentLevel)
      return
    }

    let separator: Buffer
    if (leaf) {
      const k = balancedSplit(cells, 0)
      writeCells(left, type, cells.slice(0, k))
      writeCells(right, type, cells.slice(k))
      separator = internalCell(cellKey(cells[k]!), leftId)
    } else {
      const m = balancedSplit(cells, 1)
      writeCells(left, type, cells.slice(0, m), cellChild(cells[m]!))
      writeCells(right, type, cells.slice(m + 1), rightRight)
      separator = internalCell(cellKey(cells[m]!), leftId)
    }
    removeCell(parent, sep)
    if (!insertRawCell(parent, sep, separator)) this.splitInsert(parentLevel, separator, sep)
    else this.rebalanceIfUnderfull(parentLevel)
  }

  /** A root left with one child takes the child's content (the root page never moves). */
  private collapseRoot(): void {
    const pool = this.space.pool
    const root = pool.getMut(this.root)
    while (!isLeaf(root) && cellCount(root) === 0) {
      const childId = rightmost(root) as PageId
      root.set(pool.get(childId))
      pool.discard(childId)
      this.space.free(childId)
    }
  }
}

/** A leaf cell built in its own buffer (for the split path and overflow cells). */
function leafCell(key: Uint8Array, field: number, inline: Uint8Array): Buffer {
  const c = Buffer.allocUnsafe(LEAF_CELL_HEADER + key.length + inline.length)
  c.writeUInt16LE(key.length, 0)
  c.writeUInt32LE(field, 2)
  c.set(key, LEAF_CELL_HEADER)
  c.set(inline, LEAF_CELL_HEADER + key.length)
  return c
}

/**
 * The split index that best balances the bytes of the two halves. With `skip` 1
 * (internal nodes) the cell at the index moves up and belongs to neither half.
 */
function balancedSplit(cells: readonly Buffer[], skip: 0 | 1): number {
  let total = 0
  for (const c of cells) total += c.length + SLOT_SIZE
  let leftBytes = 0
  let best = 1
  let bestDiff = Infinity
  for (let k = 1; k < cells.length - skip; k++) {
    leftBytes += cells[k - 1]!.length + SLOT_SIZE
    const rightBytes = total - leftBytes - (skip ? cells[k]!.length + SLOT_SIZE : 0)
    const diff = Math.abs(leftBytes - rightBytes)
    if (diff < bestDiff) {
      bestDiff = diff
      best = k
    }
  }
  return best
}
