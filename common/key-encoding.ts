/**
 * Order-preserving key bytes: SQL values in, bytes that memcmp in SQL order out.
 *
 * The B+tree compares keys with `compareBytes` only (memcmp, a shorter prefix first),
 * so this module carries the whole burden of SQL ordering. For two values a, b of one
 * column type, sign(compareBytes(enc a, enc b)) = sign(a <=> b) in PostgreSQL's order
 * with the "C" collation. A key of several columns is the concatenation of its column
 * encodings, and compares column by column because every column encoding is
 * prefix-free: two different values differ at a byte that both encodings have.
 *
 * Each column starts with a tag byte; the payload depends on the type:
 *
 *     type                      tag                  payload
 *     NULL (any type)           0xF0                 none
 *     boolean                   0x10 false, 0x11 true  none
 *     int16                     0x10                 2 bytes big-endian, sign bit flipped
 *     int32, date               0x10                 4 bytes big-endian, sign bit flipped
 *     int64, timestamp[tz]      0x10                 8 bytes big-endian, sign bit flipped
 *     float32 / float64         0x10                 4 / 8 bytes IEEE 754 big-endian:
 *                                                    ≥ 0 flip the sign bit, < 0 flip all
 *     decimal                   0x10–0x15            see decimal-key.ts
 *     text (UTF-8), bytes       0x10                 bytes, 0x00 escaped as 0x00 0xFF,
 *                                                    terminated by 0x00 0x01
 *
 * Why these choices:
 * - NULL's tag 0xF0 is above every value tag, so NULLs sort last, PostgreSQL's
 *   default for ASC. A descending column inverts all its bytes (tag included), which
 *   reverses its order and puts NULLs first: PostgreSQL's DESC NULLS FIRST default.
 * - Flipping the sign bit turns two's complement into offset binary, which memcmp
 *   orders. For IEEE floats, negatives are inverted whole so a larger magnitude sorts
 *   lower. -0 is written as 0, and every NaN as the one canonical quiet NaN, which
 *   lands above +Infinity: PostgreSQL's -Inf < … < -0 = 0 < … < Inf < NaN.
 * - The escape keeps text prefix-free: "ab" ends 0x00 0x01, "ab\0" continues with
 *   0x00 0xFF, and any other continuation byte is > 0x00, so "ab" < "ab\0" < "abc".
 *   UTF-8 byte order equals code point order, which is the "C" collation.
 * - Value tags live in 0x10–0xEF and NULL is 0xF0, so no column (ascending or
 *   inverted) starts with 0x00 or 0xFF: the keys extending a prefix P lie in
 *   [P, P ‖ 0xFF), and the tags leave room for new types without a format change.
 *
 * Worked example, (int32 42, text 'a\0b' DESC, boolean NULL):
 *
 *     10 80 00 00 2A | EF 9E FF 00 9D FF FE | F0
 *
 * Decoding validates as it goes: truncated, trailing or non-canonical bytes raise
 * XX001 (data_corrupted), so a successful decode re-encodes to the same bytes.
 */
import { Buffer } from 'node:buffer'
import { decimalSize, parseDecimal, readDecimal, writeDecimal, type ByteCursor, type ParsedDecimal } from './decimal-key.js'
import { dbError, internalError } from './errors.js'

/** The column types a key can hold. */
export const KEY_TYPE_KINDS = [
  'boolean', 'int16', 'int32', 'int64', 'float32', 'float64', 'decimal',
  'text', 'bytes', 'date', 'timestamp', 'timestamptz',
] as const
export type KeyTypeKind = (typeof KEY_TYPE_KINDS)[number]

/** A key column's type, a union discriminated on `kind` (types carry no parameters yet). */
export type KeyColumnType = { readonly [K in KeyTypeKind]: { readonly kind: K } }[KeyTypeKind]

/**
 * A key value, by kind: boolean → boolean; int16, int32, float32, float64, date (days
 * since 2000-01-01) → number; int64, timestamp, timestamptz (µs since 2000-01-01) →
 * bigint; decimal, text → string; bytes → Uint8Array; NULL → null in any column.
 */
export type KeyValue = null | boolean | number | bigint | string | Uint8Array

export interface KeyColumn {
  readonly type: KeyColumnType
  /** Sort this column descending (NULLs then come first). */
  readonly descending?: boolean
}

export const KEY_NULL_TAG = 0xf0
const VALUE_TAG = 0x10
const TRUE_TAG = 0x11

/** Encode one key: one value per column, written into a single exactly sized buffer. */
export function encodeKey(columns: readonly KeyColumn[], values: readonly KeyValue[]): Uint8Array {
  if (values.length !== columns.length) throw internalError(`${values.length} key values for ${columns.length} columns`)
  const w: Writer = { out: EMPTY, pos: 0, nextDecimal: 0 }
  let size = 0
  for (let i = 0; i < columns.length; i++) {
    const v = values[i] as KeyValue
    size += v === null ? 1 : CODECS[columns[i]!.type.kind].size(v, w)
  }
  w.out = new Uint8Array(size)
  for (let i = 0; i < columns.length; i++) {
    const col = columns[i]!
    const v = values[i] as KeyValue
    const start = w.pos
    if (v === null) w.out[w.pos++] = KEY_NULL_TAG
    else CODECS[col.type.kind].write(w, v)
    if (col.descending === true) invert(w.out, start, w.pos)
  }
  return w.out
}

/** Decode a whole key; throws XX001 on truncated, trailing or non-canonical bytes. */
export function decodeKey(columns: readonly KeyColumn[], bytes: Uint8Array): KeyValue[] {
  const r: Reader = { bytes, pos: 0, flip: 0 }
  const values = new Array<KeyValue>(columns.length)
  for (let i = 0; i < columns.length; i++) {
    const col = columns[i]!
    r.flip = col.descending === true ? 0xff : 0
    const tag = readByte(r)
    values[i] = tag === KEY_NULL_TAG ? null : CODECS[col.type.kind].read(r, tag)
  }
  if (r.pos !== bytes.length) throw corrupted(`${bytes.length - r.pos} trailing bytes`)
  return values
}

/** memcmp order: bytewise unsigned, and a proper prefix sorts first. Returns <0, 0 or >0. */
export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = a.length < b.length ? a.length : b.length
  for (let i = 0; i < n; i++) {
    const d = a[i]! - b[i]!
    if (d !== 0) return d
  }
  return a.length - b.length
}

/**
 * The fast path for the commonest key, one ascending int64 column (hidden row ids,
 * bigint primary keys): the same 9 bytes as encodeKey, without BigInt for numbers.
 */
export function encodeInt64Key(n: number | bigint): Uint8Array {
  const out = new Uint8Array(9)
  const view = new DataView(out.buffer)
  out[0] = VALUE_TAG
  if (typeof n === 'bigint') {
    checkInt64(n, 'bigint')
    view.setBigInt64(1, n)
  } else {
    if (!Number.isSafeInteger(n)) throw mismatch('bigint', n)
    const hi = Math.floor(n / 2 ** 32) // two's complement high word, then the low word
    view.setInt32(1, hi)
    view.setUint32(5, n - hi * 2 ** 32)
  }
  out[1]! ^= 0x80
  return out
}

/** Inverse of encodeInt64Key (and of encodeKey for one ascending int64 column). */
export const decodeInt64Key = (bytes: Uint8Array): bigint => decodeKey(INT64_KEY, bytes)[0] as bigint
const INT64_KEY: readonly KeyColumn[] = [{ type: { kind: 'int64' } }]

// ---------------------------------------------------------------------------------
// Per-type codecs: a Record, so a new kind without a codec does not compile.

/**
 * Encoder state. `view` and `utf8` are views of `out` made on first use; `decimals`
 * holds the decimals `size` parsed, which `write` consumes in the same order.
 */
interface Writer { out: Uint8Array; pos: number; view?: DataView; utf8?: Buffer; decimals?: ParsedDecimal[]; nextDecimal: number }
type Reader = ByteCursor & { flip: number }

interface Codec {
  /** Encoded size of non-null `v` (tag included); throws if `v` does not fit the type. */
  size(v: Exclude<KeyValue, null>, w: Writer): number
  /** Write `v`, which `size` accepted, at `w.pos` in ascending form and advance. */
  write(w: Writer, v: Exclude<KeyValue, null>): void
  /** Read a non-null value whose tag byte (`tag`, already un-flipped) was consumed. */
  read(r: Reader, tag: number): Exclude<KeyValue, null>
}

const int = (sqlName: string, bytes: 2 | 4, min: number, max: number): Codec => ({
  size(v) {
    if (typeof v !== 'number' || !Number.isInteger(v)) throw mismatch(sqlName, v)
    if (v < min || v > max) throw dbError('numeric_value_out_of_range', `${sqlName} out of range`)
    return 1 + bytes
  },
  write(w, v) {
    const view = dataView(w)
    w.out[w.pos++] = VALUE_TAG
    if (bytes === 2) view.setInt16(w.pos, v as number)
    else view.setInt32(w.pos, v as number)
    w.out[w.pos]! ^= 0x80
    w.pos += bytes
  },
  read(r, tag) {
    expectValueTag(tag, sqlName)
    return bytes === 2 ? readFixed(r, 2, true).getInt16(0) : readFixed(r, 4, true).getInt32(0)
  },
})

const bigint = (sqlName: string): Codec => ({
  size(v) {
    if (typeof v !== 'bigint') throw mismatch(sqlName, v)
    checkInt64(v, sqlName)
    return 9
  },
  write(w, v) {
    w.out[w.pos++] = VALUE_TAG
    dataView(w).setBigInt64(w.pos, v as bigint)
    w.out[w.pos]! ^= 0x80
    w.pos += 8
  },
  read(r, tag) {
    expectValueTag(tag, sqlName)
    return readFixed(r, 8, true).getBigInt64(0)
  },
})

const float = (sqlName: string, bytes: 4 | 8): Codec => ({
  size(v) {
    if (typeof v !== 'number') throw mismatch(sqlName, v)
    return 1 + bytes
  },
  write(w, v) {
    const x = v as number
    const out = w.out
    const p = w.pos + 1
    out[p - 1] = VALUE_TAG
    w.pos = p + bytes
    if (Number.isNaN(x)) {
      // The one canonical NaN (V8 keeps payloads), sign bit flipped: above +Infinity.
      out[p] = 0xff
      out[p + 1] = bytes === 8 ? 0xf8 : 0xc0
      return
    }
    // `x + 0` turns -0 into 0; float32 rounds to nearest as PostgreSQL's real input does.
    if (bytes === 8) dataView(w).setFloat64(p, x + 0)
    else dataView(w).setFloat32(p, x + 0)
    if ((out[p]! & 0x80) === 0) out[p]! ^= 0x80
    else invert(out, p, p + bytes)
  },
  read(r, tag) {
    expectValueTag(tag, sqlName)
    const view = readFixed(r, bytes, false)
    if ((SCRATCH[0]! & 0x80) !== 0) SCRATCH[0]! ^= 0x80
    else invert(SCRATCH, 0, bytes)
    const x = bytes === 8 ? view.getFloat64(0) : view.getFloat32(0)
    const canonicalNaN = bytes === 8
      ? view.getUint32(0) === 0x7ff8_0000 && view.getUint32(4) === 0
      : view.getUint32(0) === 0x7fc0_0000
    if (Number.isNaN(x) ? !canonicalNaN : Object.is(x, -0)) throw corrupted(`non-canonical ${sqlName}`)
    return x
  },
})

const CODECS: Record<KeyTypeKind, Codec> = {
  boolean: {
    size(v) {
      if (typeof v !== 'boolean') throw mismatch('boolean', v)
      return 1
    },
    write(w, v) {
      w.out[w.pos++] = v === true ? TRUE_TAG : VALUE_TAG
    },
    read(_r, tag) {
      if (tag !== VALUE_TAG && tag !== TRUE_TAG) throw corrupted(`bad boolean tag 0x${tag.toString(16)}`)
      return tag === TRUE_TAG
    },
  },
  int16: int('smallint', 2, -0x8000, 0x7fff),
  int32: int('integer', 4, -0x8000_0000, 0x7fff_ffff),
  date: int('date', 4, -0x8000_0000, 0x7fff_ffff),
  int64: bigint('bigint'),
  timestamp: bigint('timestamp'),
  timestamptz: bigint('timestamptz'),
  float32: float('real', 4),
  float64: float('double precision', 8),
  decimal: {
    size(v, w) {
      if (typeof v !== 'string') throw mismatch('numeric', v)
      const d = parseDecimal(v)
      ;(w.decimals ??= []).push(d)
      return decimalSize(d)
    },
    write(w, _v) {
      const d = w.decimals?.[w.nextDecimal++]
      if (d === undefined) throw internalError('decimal written without being sized')
      w.pos = writeDecimal(w.out, w.pos, d)
    },
    read: (r, tag) => readDecimal(r, tag),
  },
  text: {
    size(v) {
      if (typeof v !== 'string') throw mismatch('text', v)
      if (LONE_SURROGATE.test(v)) throw dbError('character_not_in_repertoire', 'unpaired UTF-16 surrogate in text')
      let zeros = 0
      for (let i = v.indexOf('\0'); i >= 0; i = v.indexOf('\0', i + 1)) zeros++
      return 3 + Buffer.byteLength(v, 'utf8') + zeros
    },
    write(w, v) {
      w.out[w.pos++] = VALUE_TAG
      w.utf8 ??= Buffer.from(w.out.buffer, w.out.byteOffset, w.out.byteLength)
      writeEscaped(w, w.utf8.write(v as string, w.pos, 'utf8'))
    },
    read(r, tag) {
      expectValueTag(tag, 'text')
      try {
        return UTF8.decode(readEscaped(r, false))
      } catch {
        throw corrupted('text is not valid UTF-8')
      }
    },
  },
  bytes: {
    size(v) {
      if (!(v instanceof Uint8Array)) throw mismatch('bytea', v)
      let zeros = 0
      for (let i = v.indexOf(0); i >= 0; i = v.indexOf(0, i + 1)) zeros++
      return 3 + v.length + zeros
    },
    write(w, v) {
      w.out[w.pos++] = VALUE_TAG
      w.out.set(v as Uint8Array, w.pos)
      writeEscaped(w, (v as Uint8Array).length)
    },
    read(r, tag) {
      expectValueTag(tag, 'bytea')
      return readEscaped(r, true)
    },
  },
}

// ---------------------------------------------------------------------------------
// Helpers.

const EMPTY = new Uint8Array(0)
const INT64_MIN = -(2n ** 63n)
const INT64_MAX = 2n ** 63n - 1n
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/
/** Strict UTF-8; `ignoreBOM` keeps a leading U+FEFF, which is data here. */
const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true })
/** Fixed-width values are un-flipped here before a DataView reads them (decode is synchronous). */
const SCRATCH = new Uint8Array(8)
const SCRATCH_VIEW = new DataView(SCRATCH.buffer)

function dataView(w: Writer): DataView {
  return (w.view ??= new DataView(w.out.buffer, w.out.byteOffset, w.out.byteLength))
}

/** `n` raw bytes sit at `w.pos`: escape their zero bytes in place, then terminate. */
function writeEscaped(w: Writer, n: number): void {
  const { out, pos: start } = w
  const end = start + n
  let zeros = 0
  for (let i = out.indexOf(0, start); i >= 0 && i < end; i = out.indexOf(0, i + 1)) zeros++
  // Shift right from the end, so each byte moves once and none is overwritten unread.
  let src = end - 1
  let dst = src + zeros
  while (src < dst) {
    const b = out[src--]!
    if (b === 0) out[dst--] = 0xff
    out[dst--] = b
  }
  w.pos = end + zeros
  out[w.pos++] = 0x00
  out[w.pos++] = 0x01
}

/** Read an escaped byte string up to its terminator; a copy unless `copy` is false and none is needed. */
function readEscaped(r: Reader, copy: boolean): Uint8Array {
  const { bytes, flip } = r
  const start = r.pos
  let zeros = 0
  let i = start
  for (;;) {
    i = bytes.indexOf(flip, i) // an encoded 0x00
    const after = i < 0 ? undefined : bytes[i + 1]
    if (after === undefined) throw corrupted('unterminated string')
    if ((after ^ flip) === 0x01) break
    if ((after ^ flip) !== 0xff) throw corrupted('bad escape in string')
    zeros++
    i += 2
  }
  r.pos = i + 2
  if (flip === 0 && zeros === 0) return copy ? bytes.slice(start, i) : bytes.subarray(start, i)
  const value = new Uint8Array(i - start - zeros)
  for (let j = start, o = 0; j < i; j++) {
    const b = bytes[j]! ^ flip
    value[o++] = b
    if (b === 0) j++
  }
  return value
}

function readByte(r: Reader): number {
  const b = r.bytes[r.pos]
  if (b === undefined) throw corrupted('truncated key')
  r.pos++
  return b ^ r.flip
}

/** Un-flip `n` bytes into SCRATCH (and the sign bit for integers); returns its DataView. */
function readFixed(r: Reader, n: number, flipSign: boolean): DataView {
  if (r.pos + n > r.bytes.length) throw corrupted('truncated key')
  for (let i = 0; i < n; i++) SCRATCH[i] = r.bytes[r.pos + i]! ^ r.flip
  if (flipSign) SCRATCH[0]! ^= 0x80
  r.pos += n
  return SCRATCH_VIEW
}

function invert(a: Uint8Array, from: number, to: number): void {
  for (let i = from; i < to; i++) a[i]! ^= 0xff
}

function checkInt64(v: bigint, sqlName: string): void {
  if (v < INT64_MIN || v > INT64_MAX) throw dbError('numeric_value_out_of_range', `${sqlName} out of range`)
}

function expectValueTag(tag: number, sqlName: string): void {
  if (tag !== VALUE_TAG) throw corrupted(`bad ${sqlName} tag 0x${tag.toString(16)}`)
}

function mismatch(sqlName: string, v: unknown) {
  const got = v instanceof Uint8Array ? 'Uint8Array' : typeof v
  return dbError('datatype_mismatch', `key column of type ${sqlName} cannot hold a ${got} value`)
}

function corrupted(what: string) {
  return dbError('data_corrupted', `corrupted index key: ${what}`)
}
