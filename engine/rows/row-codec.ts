/**
 * Stored rows: the bytes of a table row inside an MVCC version.
 *
 * ```
 * offset  size        field
 *      0  2           slot count n (u16 LE): attnums ever assigned when the row was written
 *      2  ⌈n/8⌉       null bitmap, bit i set = slot i is NULL
 *      …              for each non-null slot, in order: length (varint) · payload
 * ```
 * Payloads by type: int2/int4/date as i32 LE; int8/timestamp/timestamptz as i64 LE;
 * float4/float8 as f64 LE; bool as one byte; numeric as its canonical text;
 * text/varchar/bpchar as UTF-8; bytea raw. The length prefix makes every slot
 * skippable without its type, so a dropped column's bytes need no type to step
 * over. A row shorter than the table (written before ADD COLUMN) reads the column's
 * missing value.
 *
 * Rows decode to `SqlValue[]` indexed by slot (attnum - 1); slots of dropped
 * columns decode to null.
 */
import { dbError } from '../../common/errors.js'
import type { TableInfo } from '../catalog/schema.js'
import { Decimal, parseValue, type SqlType, type SqlValue, type TypeKind } from '../values/index.js'

export type Row = SqlValue[]

/** The largest stored row: PostgreSQL caps a field at 1 GB; a value here must fit a page chain comfortably. */
export const MAX_ROW_BYTES = 64 * 1024 * 1024

/** Per-slot decoding plan of a table: its types (undefined: dropped) and missing values. */
export interface RowLayout {
  readonly slots: number
  readonly types: readonly (SqlType | undefined)[]
  readonly missing: readonly SqlValue[]
}

const layouts = new WeakMap<TableInfo, RowLayout>()

export function rowLayout(t: TableInfo): RowLayout {
  let l = layouts.get(t)
  if (l === undefined) {
    const types: (SqlType | undefined)[] = new Array(t.slots).fill(undefined)
    const missing: SqlValue[] = new Array(t.slots).fill(null)
    for (const c of t.columns) {
      types[c.attnum - 1] = c.type
      missing[c.attnum - 1] = c.missing === null ? null : parseValue(c.type, c.missing)
    }
    l = { slots: t.slots, types, missing }
    layouts.set(t, l)
  }
  return l
}

const scratch = { buf: Buffer.allocUnsafe(4096) }

function varintSize(n: number): number {
  return n < 0x80 ? 1 : n < 0x4000 ? 2 : n < 0x200000 ? 3 : n < 0x10000000 ? 4 : 5
}

function writeVarint(b: Buffer, pos: number, n: number): number {
  while (n >= 0x80) {
    b[pos++] = (n & 0x7f) | 0x80
    n = Math.floor(n / 128)
  }
  b[pos++] = n
  return pos
}

const FIXED: Partial<Record<TypeKind, number>> = { int2: 4, int4: 4, date: 4, int8: 8, timestamp: 8, timestamptz: 8, float4: 8, float8: 8, bool: 1 }

/** Encode a row (values by slot) for `layout`. */
export function encodeRow(layout: RowLayout, row: Row): Buffer {
  const n = layout.slots
  const bitmap = (n + 7) >> 3
  // Sizes first. Text is measured here and written straight into the buffer below
  // (no encoded copy in between); numeric's text is made once and kept.
  let size = 2 + bitmap
  const texts: (string | undefined)[] = []
  const textBytes: number[] = []
  for (let i = 0; i < n; i++) {
    const v = row[i]
    const t = layout.types[i]
    if (v === null || v === undefined || t === undefined) continue
    const fixed = FIXED[t.kind]
    if (fixed !== undefined) {
      size += 1 + fixed
      continue
    }
    let len: number
    if (t.kind === 'bytea') len = (v as Uint8Array).length
    else {
      const text = t.kind === 'numeric' ? (v as Decimal).toString() : (v as string)
      texts[i] = text
      len = textBytes[i] = Buffer.byteLength(text, 'utf8')
    }
    size += varintSize(len) + len
  }
  if (size > MAX_ROW_BYTES) throw dbError('program_limit_exceeded', `row is too big: size ${size}, maximum size ${MAX_ROW_BYTES}`)
  if (scratch.buf.length < size) scratch.buf = Buffer.allocUnsafe(Math.max(size, scratch.buf.length * 2))
  const b = scratch.buf
  b.writeUInt16LE(n, 0)
  b.fill(0, 2, 2 + bitmap)
  let pos = 2 + bitmap
  for (let i = 0; i < n; i++) {
    const v = row[i]
    const t = layout.types[i]
    if (v === null || v === undefined || t === undefined) {
      b[2 + (i >> 3)]! |= 1 << (i & 7)
      continue
    }
    switch (t.kind) {
      case 'int2':
      case 'int4':
      case 'date':
        b[pos++] = 4
        b.writeInt32LE(v as number, pos)
        pos += 4
        break
      case 'int8':
      case 'timestamp':
      case 'timestamptz':
        b[pos++] = 8
        b.writeBigInt64LE(v as bigint, pos)
        pos += 8
        break
      case 'float4':
      case 'float8':
        b[pos++] = 8
        b.writeDoubleLE(v as number, pos)
        pos += 8
        break
      case 'bool':
        b[pos++] = 1
        b[pos++] = v === true ? 1 : 0
        break
      case 'bytea': {
        const blob = v as Uint8Array
        pos = writeVarint(b, pos, blob.length)
        b.set(blob, pos)
        pos += blob.length
        break
      }
      default: {
        const len = textBytes[i]!
        pos = writeVarint(b, pos, len)
        pos += b.write(texts[i]!, pos, len, 'utf8')
      }
    }
  }
  return Buffer.from(b.subarray(0, pos))
}

const corrupt = () => dbError('data_corrupted', 'invalid stored row')

/** Decode a stored row (`bytes[start…end)`) into values by slot, filling slots it lacks with their missing values. */
export function decodeRow(layout: RowLayout, bytes: Uint8Array, start = 0, end = bytes.length): Row {
  return decodeColumns(allSlots(layout), bytes, start, end)
}

/**
 * Which slots of a layout to decode, and where each goes in the output row: what a
 * scan reads of every row, planned once so that decoding skips the rest.
 */
export interface ColumnPicker {
  readonly layout: RowLayout
  /** Output position of each slot, -1 for a slot not wanted. */
  readonly target: Int32Array
  /** Output positions: the width of the rows made (callers may add more after them). */
  readonly width: number
  /** The slots wanted, in output order (a slot may be wanted at one position only). */
  readonly slots: readonly number[]
  /** Decoding stops after this slot (the last one wanted). */
  readonly last: number
}

/** A picker for `slots` (output i is slot slots[i]); undefined when a slot repeats (decode whole rows then). */
export function columnPicker(layout: RowLayout, slots: readonly number[], width = slots.length): ColumnPicker | undefined {
  const target = new Int32Array(layout.slots).fill(-1)
  let last = -1
  for (let i = 0; i < slots.length; i++) {
    const slot = slots[i]!
    if (target[slot] !== -1) return undefined
    target[slot] = i
    if (slot > last) last = slot
  }
  return { layout, target, width, slots, last }
}

const allPickers = new WeakMap<RowLayout, ColumnPicker>()

function allSlots(layout: RowLayout): ColumnPicker {
  let p = allPickers.get(layout)
  if (p === undefined) {
    // Whole rows are checked to their end, slots beyond the layout's included.
    p = { ...columnPicker(layout, Array.from({ length: layout.slots }, (_, i) => i))!, last: 0xffff }
    allPickers.set(layout, p)
  }
  return p
}

/**
 * Decodes the picked slots of a stored row, `bytes[start…end)`, into a row of
 * `picker.width` values. (Offsets rather than a view: scans decode straight from
 * storage pages.) Slots after the last wanted one are not read at all (as
 * PostgreSQL deforms a tuple only up to the last attribute a query needs): a
 * damaged tail goes unnoticed by a query that does not read it.
 */
export function decodeColumns(picker: ColumnPicker, bytes: Uint8Array, start = 0, end = bytes.length): Row {
  const { layout, target } = picker
  const b = bytes
  if (end < start + 2) throw corrupt()
  const stored = b[start]! | (b[start + 1]! << 8)
  const n = layout.slots
  const row: Row = new Array(picker.width)
  const slots = Math.min(stored, picker.last + 1)
  const nulls = start + 2
  let pos = nulls + ((stored + 7) >> 3)
  if (pos > end) throw corrupt()
  for (let i = 0; i < slots; i++) {
    const at = i < n ? target[i]! : -1
    if ((b[nulls + (i >> 3)]! >> (i & 7)) & 1) {
      if (at >= 0) row[at] = null
      continue
    }
    if (pos >= end) throw corrupt()
    let len = b[pos++]!
    if (len >= 0x80) {
      // A longer varint (a value of 128 bytes or more).
      len &= 0x7f
      let shift = 128
      for (;;) {
        if (pos >= end) throw corrupt()
        const byte = b[pos++]!
        len += (byte & 0x7f) * shift
        if (byte < 0x80) break
        shift *= 128
      }
    }
    if (pos + len > end) throw corrupt()
    if (at >= 0) row[at] = decodeValue(b, pos, len, layout.types[i])
    pos += len
  }
  for (let i = stored; i < n; i++) {
    const at = target[i]!
    if (at >= 0) row[at] = layout.missing[i]!
  }
  return row
}

/**
 * One slot's payload, `b[pos…pos+len)`, as a value of type `t` (undefined: a dropped
 * column, null). Integers are read by hand: Buffer's checked readers, and even the
 * check that `b` is a Buffer, cost more than the read (scans do this per row).
 */
function decodeValue(b: Uint8Array, pos: number, len: number, t: SqlType | undefined): SqlValue {
  if (t === undefined) return null
  switch (t.kind) {
    case 'int2':
    case 'int4':
    case 'date':
      return b[pos]! | (b[pos + 1]! << 8) | (b[pos + 2]! << 16) | (b[pos + 3]! << 24)
    case 'int8':
    case 'timestamp':
    case 'timestamptz':
      return asBuffer(b).readBigInt64LE(pos)
    case 'float4':
    case 'float8':
      return asBuffer(b).readDoubleLE(pos)
    case 'bool':
      return b[pos] === 1
    case 'bytea':
      return Buffer.from(b.subarray(pos, pos + len))
    case 'numeric':
      return Decimal.parse(asBuffer(b).toString('utf8', pos, pos + len))
    default:
      return asBuffer(b).toString('utf8', pos, pos + len)
  }
}

const asBuffer = (b: Uint8Array): Buffer => (Buffer.isBuffer(b) ? b : Buffer.from(b.buffer, b.byteOffset, b.byteLength))
