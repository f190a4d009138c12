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
 * - A flipped sign bit makes two's complement memcmp-ordered. Negative floats are
 *   inverted whole, so a larger magnitude sorts lower; -0 is written as 0 and every
 *   NaN as the canonical quiet NaN, above +Inf: PG's -Inf < -0 = 0 < Inf < NaN.
 * - The escape keeps text prefix-free: "ab" ends 0x00 0x01, "ab\0" continues with
 *   0x00 0xFF, and any other continuation byte is > 0x00, so "ab" < "ab\0" < "abc".
 *   UTF-8 byte order equals code point order, which is the "C" collation.
 * - Value tags live in 0x10–0xEF, NULL is 0xF0: no column (even inverted) starts with
 *   0x00 or 0xFF, so the keys extending a prefix P lie in [P, P ‖ 0xFF).
 *
 * Worked example, (int32 42, text 'a\0b' DESC, boolean NULL):
 *     10 80 00 00 2A | EF 9E FF 00 9D FF FE | F0
 * Decoding validates as it goes: truncated, trailing or non-canonical bytes raise
 * XX001 (data_corrupted), so a successful decode re-encodes to the same bytes.
 */
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

const NULL_TAG = 0xf0
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
    if (v === null) w.out[w.pos++] = NULL_TAG
    else CODECS[col.type.kind].write(w, v)
    if (col.descending === true) for (let j = start; j < w.pos; j++) w.out[j]! ^= 0xff
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
    values[i] = tag === NULL_TAG ? null : CODECS[col.type.kind].read(r, tag)
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
  out[0] = VALUE_TAG
  if (typeof n === 'bigint') {
    if (!fitsInt(n, 8)) throw outOfRange('bigint')
    SCRATCH_VIEW.setBigInt64(0, n)
    putScratch(out, 1, 8, 0x80)
    return out
  }
  if (!Number.isSafeInteger(n)) throw mismatch('bigint', n)
  const hi = Math.floor(n / 2 ** 32) // two's complement high word, sign bit flipped
  const lo = n - hi * 2 ** 32
  const h = (hi ^ 0x8000_0000) >>> 0
  for (let i = 0; i < 4; i++) {
    out[4 - i] = h >>> (8 * i)
    out[8 - i] = lo >>> (8 * i)
  }
  return out
}

/** Inverse of encodeInt64Key (and of encodeKey for one ascending int64 column). */
export const decodeInt64Key = (bytes: Uint8Array): bigint => decodeKey(INT64_KEY, bytes)[0] as bigint
const INT64_KEY: readonly KeyColumn[] = [{ type: { kind: 'int64' } }]

// ---------------------------------------------------------------------------------
// Per-type codecs: a Record, so a new kind without a codec does not compile.

/** Encoder state; `decimals` holds what `size` parsed, for `write` to consume in order. */
interface Writer { out: Uint8Array; pos: number; decimals?: ParsedDecimal[]; nextDecimal: number }
type Reader = ByteCursor & { flip: number }

interface Codec {
  /** Encoded size of non-null `v` (tag included); throws if `v` does not fit the type. */
  size(v: Exclude<KeyValue, null>, w: Writer): number
  /** Write `v`, which `size` accepted, at `w.pos` in ascending form and advance. */
  write(w: Writer, v: Exclude<KeyValue, null>): void
  /** Read a non-null value whose tag byte (`tag`, already un-flipped) was consumed. */
  read(r: Reader, tag: number): Exclude<KeyValue, null>
}

const int = (sqlName: string, bytes: 2 | 4 | 8): Codec => ({
  size(v) {
    if (bytes === 8 ? typeof v !== 'bigint' : !Number.isInteger(v)) throw mismatch(sqlName, v)
    if (!fitsInt(v as number | bigint, bytes)) throw outOfRange(sqlName)
    return 1 + bytes
  },
  write(w, v) {
    w.out[w.pos++] = VALUE_TAG
    if (bytes === 2) SCRATCH_VIEW.setInt16(0, v as number)
    else if (bytes === 4) SCRATCH_VIEW.setInt32(0, v as number)
    else SCRATCH_VIEW.setBigInt64(0, v as bigint)
    w.pos = putScratch(w.out, w.pos, bytes, 0x80)
  },
  read(r, tag) {
    expectValueTag(tag, sqlName)
    const view = readFixed(r, bytes, true)
    return bytes === 2 ? view.getInt16(0) : bytes === 4 ? view.getInt32(0) : view.getBigInt64(0)
  },
})

const float = (sqlName: string, bytes: 4 | 8): Codec => ({
  size(v) {
    if (typeof v !== 'number') throw mismatch(sqlName, v)
    if (bytes === 4 && Number.isFinite(v) && !Number.isFinite(Math.fround(v))) throw outOfRange(sqlName)
    return 1 + bytes
  },
  write(w, v) {
    // NaN: the one canonical quiet NaN (V8 keeps payloads). `+ 0` turns -0 into 0;
    // real rounds to the nearest float32, as PostgreSQL's input does.
    const x = Number.isNaN(v) ? NaN : (v as number) + 0
    if (bytes === 8) SCRATCH_VIEW.setFloat64(0, x)
    else SCRATCH_VIEW.setFloat32(0, x)
    if (Number.isNaN(x)) SCRATCH_VIEW.setBigUint64(0, bytes === 8 ? 0x7ff8_0000_0000_0000n : 0x7fc0_0000_0000_0000n)
    w.out[w.pos++] = VALUE_TAG
    w.pos = putScratch(w.out, w.pos, bytes, (SCRATCH[0]! & 0x80) === 0 ? 0x80 : 0xff)
  },
  read(r, tag) {
    expectValueTag(tag, sqlName)
    const view = readFixed(r, bytes, false)
    if ((SCRATCH[0]! & 0x80) !== 0) SCRATCH[0]! ^= 0x80
    else for (let i = 0; i < bytes; i++) SCRATCH[i]! ^= 0xff
    const x = bytes === 8 ? view.getFloat64(0) : view.getFloat32(0)
    const canonicalNaN = bytes === 8 ? view.getBigUint64(0) === 0x7ff8_0000_0000_0000n : view.getUint32(0) === 0x7fc0_0000
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
  int16: int('smallint', 2),
  int32: int('integer', 4),
  date: int('date', 4),
  int64: int('bigint', 8),
  timestamp: int('timestamp', 8),
  timestamptz: int('timestamptz', 8),
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
      return 3 + escapedUtf8Length(v)
    },
    write(w, v) {
      w.out[w.pos++] = VALUE_TAG
      w.pos = writeUtf8(w.out, w.pos, v as string)
    },
    read(r, tag) {
      expectValueTag(tag, 'text')
      const utf8 = readEscaped(r, false)
      try {
        return UTF8.decode(utf8)
      } catch {
        throw corrupted('text is not valid UTF-8')
      }
    },
  },
  bytes: {
    size(v) {
      if (!(v instanceof Uint8Array)) throw mismatch('bytea', v)
      return 1 + escapedLength(v as Uint8Array)
    },
    write(w, v) {
      w.out[w.pos] = VALUE_TAG
      w.pos = writeEscaped(w.out, w.pos + 1, v as Uint8Array)
    },
    read(r, tag) {
      expectValueTag(tag, 'bytea')
      return readEscaped(r, true)
    },
  },
}

const EMPTY = new Uint8Array(0)
/** Strict UTF-8; `ignoreBOM` keeps a leading U+FEFF, which is data here. */
const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true })
/** Fixed-width values go through here to and from a DataView: one over a fresh small
 *  Uint8Array costs more than the whole key (V8 must move its memory off-heap). */
const SCRATCH = new Uint8Array(8)
const SCRATCH_VIEW = new DataView(SCRATCH.buffer)

/** Copy SCRATCH[0, n) to `out` at `pos`, XORing the first byte with `first` and, if it is 0xFF, all. */
/** Bytes that `writeEscaped` writes for `v`: each 0x00 doubled, plus the 0x00 0x01 end. */
export function escapedLength(v: Uint8Array): number {
  let zeros = 0
  for (let i = v.indexOf(0); i >= 0; i = v.indexOf(0, i + 1)) zeros++
  return v.length + zeros + 2
}

/**
 * Writes `v` prefix-free at `pos`: every 0x00 as 0x00 0xFF, then 0x00 0x01 (see the
 * table above). Returns the position after it. Also the user-key part of MVCC
 * version keys (txn/version-key.ts).
 */
export function writeEscaped(out: Uint8Array, pos: number, v: Uint8Array): number {
  let p = pos
  for (let i = 0; i < v.length; i++) {
    const b = v[i]!
    out[p++] = b
    if (b === 0) out[p++] = 0xff
  }
  out[p++] = 0x00
  out[p++] = 0x01
  return p
}

function putScratch(out: Uint8Array, pos: number, n: number, first: number): number {
  const rest = first === 0xff ? 0xff : 0
  out[pos] = SCRATCH[0]! ^ first
  for (let i = 1; i < n; i++) out[pos + i] = SCRATCH[i]! ^ rest
  return pos + n
}

/** UTF-8 length of `s`, plus one per U+0000 for its escape; rejects unpaired surrogates. */
function escapedUtf8Length(s: string): number {
  let n = s.length
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i)
    if (c === 0 || c >= 0x80) n += c === 0 || c < 0x800 ? 1 : 2
    if (c < 0xd800 || c > 0xdfff) continue
    const d = s.charCodeAt(++i) // NaN past the end; a pair is 4 bytes for 2 units
    if (c > 0xdbff || !(d >= 0xdc00 && d <= 0xdfff)) throw dbError('character_not_in_repertoire', 'unpaired surrogate')
  }
  return n
}

/**
 * Write `s` (which passed escapedUtf8Length) as escaped UTF-8 and the terminator. A JS
 * loop beats TextEncoder on the short strings keys hold, and writes into `out` directly.
 */
function writeUtf8(out: Uint8Array, pos: number, s: string): number {
  for (let i = 0; i < s.length; i++) {
    const c = s.codePointAt(i)!
    if (c < 0x80) {
      out[pos++] = c
      if (c === 0) out[pos++] = 0xff
      continue
    }
    if (c > 0xffff) i++
    const n = c < 0x800 ? 2 : c < 0x10000 ? 3 : 4
    out[pos] = ((0xff00 >> n) & 0xff) | (c >> (6 * (n - 1))) // 0xC0, 0xE0 or 0xF0 lead byte
    for (let k = 1; k < n; k++) out[pos + k] = 0x80 | ((c >> (6 * (n - 1 - k))) & 0x3f)
    pos += n
  }
  out[pos++] = 0x00
  out[pos++] = 0x01
  return pos
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
  if (r.pos >= r.bytes.length) throw corrupted('truncated key')
  return r.bytes[r.pos++]! ^ r.flip
}

/** Un-flip `n` bytes into SCRATCH (and the sign bit for integers); returns its DataView. */
function readFixed(r: Reader, n: number, flipSign: boolean): DataView {
  if (r.pos + n > r.bytes.length) throw corrupted('truncated key')
  for (let i = 0; i < n; i++) SCRATCH[i] = r.bytes[r.pos + i]! ^ r.flip
  if (flipSign) SCRATCH[0]! ^= 0x80
  r.pos += n
  return SCRATCH_VIEW
}

/** Whether `v` fits a signed integer of `bytes` bytes. */
function fitsInt(v: number | bigint, bytes: 2 | 4 | 8): boolean {
  return typeof v === 'bigint' ? BigInt.asIntN(8 * bytes, v) === v : v >= -(2 ** (8 * bytes - 1)) && v < 2 ** (8 * bytes - 1)
}

const outOfRange = (sqlName: string) => dbError('numeric_value_out_of_range', `${sqlName} out of range`)

function expectValueTag(tag: number, sqlName: string): void {
  if (tag !== VALUE_TAG) throw corrupted(`bad ${sqlName} tag 0x${tag.toString(16)}`)
}

function mismatch(sqlName: string, v: unknown) {
  const got = v instanceof Uint8Array ? 'Uint8Array' : typeof v
  return dbError('datatype_mismatch', `invalid ${got} value for a key column of type ${sqlName}`)
}

const corrupted = (what: string) => dbError('data_corrupted', `corrupted index key: ${what}`)
