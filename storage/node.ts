/**
 * Slotted B+tree nodes: reading and editing one leaf or internal page in place.
 *
 * ```
 *  0        24                      contentStart                 pageSize
 *  | header | slot0 slot1 … slotN-1 | free … | cellN-1 … cell1 cell0 |
 * ```
 * Slots are u16 offsets of cells, kept in key order; cells are written downwards
 * from the end of the page in whatever order they arrive. A removed cell leaves a
 * hole counted in the header's "fragmented" field; `compact` squeezes the holes
 * out when an insert needs the room.
 *
 * Leaf cell:     keyLen u16 · valLen u32 (bit 31 set: value is in overflow pages) ·
 *                key · value bytes, or the u32 id of the first overflow page.
 * Internal cell: keyLen u16 · child u32 · key.  Child i holds the keys < key i;
 *                the header's rightmost child holds the keys ≥ the last key.
 *
 * These functions work on raw bytes and allocate nothing on the paths a point
 * read or an insert that fits takes; structure changes (splits, merges) go
 * through `readCells`/`writeCells`, which copy, because they are rare.
 */
import {
  HEADER_SIZE,
  OFF_CONTENT_START,
  OFF_COUNT,
  OFF_FRAGMENTED,
  OFF_LINK,
  OFF_TYPE,
  PageType,
} from './page-layout.js'

export const SLOT_SIZE = 2
export const LEAF_CELL_HEADER = 6
export const INTERNAL_CELL_HEADER = 6
export const OVERFLOW_FLAG = 0x80000000

export const isLeaf = (p: Buffer): boolean => p[OFF_TYPE] === PageType.leaf
export const cellCount = (p: Buffer): number => p[OFF_COUNT]! | (p[OFF_COUNT + 1]! << 8)
export const rightmost = (p: Buffer): number => p.readUInt32LE(OFF_LINK)
export const setRightmost = (p: Buffer, child: number): void => void p.writeUInt32LE(child, OFF_LINK)
/** Hot-path u16 read: plain indexing, which V8 inlines, instead of Buffer's checked readUInt16LE. */
const u16 = (p: Uint8Array, at: number): number => p[at]! | (p[at + 1]! << 8)
/** The same for a u32 (what cursors read at every step: value lengths, child ids). */
const u32 = (p: Uint8Array, at: number): number => (p[at]! | (p[at + 1]! << 8) | (p[at + 2]! << 16) | (p[at + 3]! << 24)) >>> 0
export const cellOffset = (p: Buffer, i: number): number => u16(p, HEADER_SIZE + i * SLOT_SIZE)

/** Pages are at most 32 KiB, so the content start always fits its u16. */
const contentStart = (p: Buffer): number => p.readUInt16LE(OFF_CONTENT_START)

export function initNode(p: Buffer, type: typeof PageType.leaf | typeof PageType.internal): void {
  p.fill(0, 0, HEADER_SIZE)
  p[OFF_TYPE] = type
  p.writeUInt16LE(0, OFF_COUNT)
  p.writeUInt16LE(p.length, OFF_CONTENT_START)
  p.writeUInt16LE(0, OFF_FRAGMENTED)
}

export const keyLength = (p: Buffer, off: number): number => p.readUInt16LE(off)
export const keyStart = (off: number): number => off + LEAF_CELL_HEADER

/** Size in bytes of the cell at `off` (without its slot). */
export function cellSize(p: Buffer, off: number): number {
  const k = p.readUInt16LE(off)
  if (!isLeaf(p)) return INTERNAL_CELL_HEADER + k
  const v = p.readUInt32LE(off + 2)
  return LEAF_CELL_HEADER + k + (v & OVERFLOW_FLAG ? 4 : v)
}

export const leafCellSize = (keyLen: number, inlineValueLen: number): number => LEAF_CELL_HEADER + keyLen + inlineValueLen

/** Bytes used by cells and slots: the measure of fill that split and merge decisions use. */
export function usedBytes(p: Buffer): number {
  return p.length - contentStart(p) - p.readUInt16LE(OFF_FRAGMENTED) + cellCount(p) * SLOT_SIZE
}

export const capacity = (pageSize: number): number => pageSize - HEADER_SIZE

/** Free bytes available to a new cell plus its slot, after compaction. */
export function freeBytes(p: Buffer): number {
  return capacity(p.length) - usedBytes(p)
}

/** memcmp of `key` against the key of the cell at `off` (negative: `key` sorts first). */
export function compareKeyAt(p: Uint8Array, off: number, key: Uint8Array): number {
  const klen = p[off]! | (p[off + 1]! << 8)
  const start = off + 6
  const n = klen < key.length ? klen : key.length
  for (let i = 0; i < n; i++) {
    const d = key[i]! - p[start + i]!
    if (d !== 0) return d
  }
  return key.length - klen
}

/**
 * Binary search in a leaf: the index of `key` if present, else `-(insertion point) - 1`.
 */
export function searchLeaf(p: Uint8Array, key: Uint8Array): number {
  let lo = 0
  let hi = u16(p, OFF_COUNT) - 1
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1
    const c = compareKeyAt(p, u16(p, HEADER_SIZE + mid * SLOT_SIZE), key)
    if (c === 0) return mid
    if (c > 0) lo = mid + 1
    else hi = mid - 1
  }
  return -lo - 1
}

/** In an internal node: the index of the child to follow for `key` (cellCount = rightmost). */
export function searchInternal(p: Uint8Array, key: Uint8Array): number {
  let lo = 0
  let hi = u16(p, OFF_COUNT)
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if (compareKeyAt(p, u16(p, HEADER_SIZE + mid * SLOT_SIZE), key) < 0) hi = mid
    else lo = mid + 1
  }
  return lo
}

export function childAt(p: Buffer, i: number): number {
  return i === cellCount(p) ? rightmost(p) : u32(p, cellOffset(p, i) + 2)
}

export function setChildAt(p: Buffer, i: number, child: number): void {
  if (i === cellCount(p)) setRightmost(p, child)
  else p.writeUInt32LE(child, cellOffset(p, i) + 2)
}

/** A view of the key of cell i (valid until the page changes). */
export function keyAt(p: Buffer, i: number): Buffer {
  const off = cellOffset(p, i)
  return p.subarray(off + 6, off + 6 + u16(p, off))
}

/** Leaf cell i: the raw u32 value-length field (bit 31: overflow). */
export function valueField(p: Buffer, i: number): number {
  return u32(p, cellOffset(p, i) + 2)
}

/** Leaf cell i: offset of the inline value bytes (or of the overflow page id). */
export function valueStart(p: Buffer, i: number): number {
  const off = cellOffset(p, i)
  return off + 6 + u16(p, off)
}

/**
 * Reserves room for a cell of `size` bytes at slot index i and returns its offset,
 * or -1 when the page is too full (the caller splits).
 */
export function allocateCell(p: Buffer, i: number, size: number): number {
  const n = cellCount(p)
  let start = contentStart(p)
  const slotEnd = HEADER_SIZE + (n + 1) * SLOT_SIZE
  if (start - size < slotEnd) {
    if (freeBytes(p) < size + SLOT_SIZE) return -1
    compact(p)
    start = contentStart(p)
  }
  const off = start - size
  p.writeUInt16LE(off, OFF_CONTENT_START)
  const slots = HEADER_SIZE + i * SLOT_SIZE
  p.copyWithin(slots + SLOT_SIZE, slots, HEADER_SIZE + n * SLOT_SIZE)
  p.writeUInt16LE(off, slots)
  p.writeUInt16LE(n + 1, OFF_COUNT)
  return off
}

/** Removes cell i (its bytes become a hole, or give back to the content area). */
export function removeCell(p: Buffer, i: number): void {
  const n = cellCount(p)
  const off = cellOffset(p, i)
  const size = cellSize(p, off)
  if (off === contentStart(p)) p.writeUInt16LE(off + size, OFF_CONTENT_START)
  else p.writeUInt16LE(p.readUInt16LE(OFF_FRAGMENTED) + size, OFF_FRAGMENTED)
  const slots = HEADER_SIZE + i * SLOT_SIZE
  p.copyWithin(slots, slots + SLOT_SIZE, HEADER_SIZE + n * SLOT_SIZE)
  p.writeUInt16LE(n - 1, OFF_COUNT)
}

/** Writes a leaf cell whose value is inline; returns false when the page is full. */
export function insertLeafCell(p: Buffer, i: number, key: Uint8Array, value: Uint8Array): boolean {
  const off = allocateCell(p, i, LEAF_CELL_HEADER + key.length + value.length)
  if (off < 0) return false
  p.writeUInt16LE(key.length, off)
  p.writeUInt32LE(value.length, off + 2)
  p.set(key, off + 6)
  p.set(value, off + 6 + key.length)
  return true
}

/** Inserts a cell whose bytes are already built (split/merge paths, overflow cells). */
export function insertRawCell(p: Buffer, i: number, cell: Uint8Array): boolean {
  const off = allocateCell(p, i, cell.length)
  if (off < 0) return false
  p.set(cell, off)
  return true
}

/** Copies of all cells, in key order. */
export function readCells(p: Buffer): Buffer[] {
  const n = cellCount(p)
  const cells: Buffer[] = new Array(n)
  for (let i = 0; i < n; i++) {
    const off = cellOffset(p, i)
    cells[i] = Buffer.from(p.subarray(off, off + cellSize(p, off)))
  }
  return cells
}

/** Rewrites the node with exactly these cells (which must fit). */
export function writeCells(p: Buffer, type: typeof PageType.leaf | typeof PageType.internal, cells: readonly Uint8Array[], right = 0): void {
  initNode(p, type)
  let start = p.length
  for (let i = 0; i < cells.length; i++) {
    const c = cells[i]!
    start -= c.length
    p.set(c, start)
    p.writeUInt16LE(start, HEADER_SIZE + i * SLOT_SIZE)
  }
  if (start < HEADER_SIZE + cells.length * SLOT_SIZE) throw new RangeError('cells do not fit in the page')
  p.writeUInt16LE(cells.length, OFF_COUNT)
  p.writeUInt16LE(start, OFF_CONTENT_START)
  setRightmost(p, right)
}

/** Squeezes the holes out of the content area. */
export function compact(p: Buffer): void {
  const type = p[OFF_TYPE] as typeof PageType.leaf | typeof PageType.internal
  writeCells(p, type, readCells(p), rightmost(p))
}

/** Builds an internal cell (separator `key`, left child `child`). */
export function internalCell(key: Uint8Array, child: number): Buffer {
  const c = Buffer.allocUnsafe(INTERNAL_CELL_HEADER + key.length)
  c.writeUInt16LE(key.length, 0)
  c.writeUInt32LE(child, 2)
  c.set(key, 6)
  return c
}

/** The key inside a raw cell copy. */
export const cellKey = (cell: Buffer): Buffer => cell.subarray(6, 6 + cell.readUInt16LE(0))
/** The child inside a raw internal cell copy. */
export const cellChild = (cell: Buffer): number => cell.readUInt32LE(2)
