/**
 * How MVCC versions are laid out in a storage tree.
 *
 * ```
 * key:   escape(userKey) · 00 01 · ~writeSeq (u64 big-endian, inverted)
 * value: writer txn id (u48 LE) · flags u8 (bit 0: tombstone) · row bytes
 * ```
 * `escape` (common/key-encoding.ts, as for bytea key columns) doubles every 00 byte
 * as 00 FF, so `00 01` ends the user key and no user
 * key is a prefix of another's versions: all versions of one key are adjacent, and
 * keys sort as their user keys do. The inverted sequence puts the newest version of a
 * key first, so a reader seeks once and walks back in time.
 *
 * The write sequence is the storage log position at the time of the write. It grows
 * forever, and writers of one key are serialised by its row lock, so sequence order
 * is version order (a transaction's id would not be: an older transaction may write
 * a key after a younger one committed it).
 */
import { dbError } from '../common/errors.js'
import { escapedLength, writeEscaped } from '../common/key-encoding.js'
import type { TxnId } from '../common/ids.js'

export const SEQ_BYTES = 8
export const TOMBSTONE = 1
/** Bytes of a version's value before its row: writer id and flags. */
export const VERSION_HEADER = 7
const HEADER = VERSION_HEADER

/** The bytes every version of `userKey` starts with. */
export function keyPrefix(userKey: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(escapedLength(userKey))
  writeEscaped(out, 0, userKey)
  return out
}

export function versionKey(prefix: Uint8Array, seq: number): Buffer {
  const out = Buffer.allocUnsafe(prefix.length + SEQ_BYTES)
  out.set(prefix, 0)
  // ~seq as a u64: seq < 2^53, so the high word is 0xFFFFFFFF - hi.
  const hi = Math.floor(seq / 0x100000000)
  out.writeUInt32BE(0xffffffff - hi, prefix.length)
  out.writeUInt32BE(0xffffffff - (seq >>> 0), prefix.length + 4)
  return out
}

/** The user-key prefix part of a version key (escaped, with its 00 01 end). */
export function prefixOf(versionKey: Uint8Array): Uint8Array {
  if (versionKey.length < SEQ_BYTES + 2) throw malformedVersionKey()
  return versionKey.subarray(0, versionKey.length - SEQ_BYTES)
}

/** The length of the user-key prefix part of a version key. */
export function prefixLength(versionKey: Uint8Array): number {
  if (versionKey.length < SEQ_BYTES + 2) throw malformedVersionKey()
  return versionKey.length - SEQ_BYTES
}

/** memcmp of the `n` bytes of `key` from `at` against all of `bound` (a shorter string first), without a view. */
export function comparePrefix(key: Uint8Array, n: number, bound: Uint8Array, at = 0): number {
  const m = n < bound.length ? n : bound.length
  for (let i = 0; i < m; i++) {
    const d = key[at + i]! - bound[i]!
    if (d !== 0) return d
  }
  return n - bound.length
}

/**
 * hasPrefix for a prefix held in the first `n` bytes of `prefix` (a reused buffer),
 * of the version key of `length` bytes at `key[at…]` (a page read in place).
 */
export function sharesPrefix(key: Uint8Array, prefix: Uint8Array, n: number, at = 0, length = key.length): boolean {
  if (length !== n + SEQ_BYTES) return false
  for (let i = n - 1; i >= 0; i--) if (key[at + i] !== prefix[i]) return false
  return true
}

/**
 * Whether the version key of `length` bytes at `page[at…]` belongs to the user key
 * whose prefix is the `n` bytes at `page[prefixAt…]` (two keys of one leaf page).
 * From the end: neighbouring keys differ last, if at all.
 */
export function samePrefixInPlace(page: Uint8Array, prefixAt: number, n: number, at: number, length: number): boolean {
  if (length !== n + SEQ_BYTES) return false
  for (let i = n - 1; i >= 0; i--) if (page[at + i] !== page[prefixAt + i]) return false
  return true
}

/** The user key a version key belongs to. */
export function userKeyOf(versionKey: Uint8Array): Buffer {
  const end = versionKey.length - SEQ_BYTES - 2
  if (end < 0) throw malformedVersionKey()
  const out = Buffer.allocUnsafe(end)
  let n = 0
  for (let i = 0; i < end; i++) {
    out[n++] = versionKey[i]!
    if (versionKey[i] === 0) i++ // skip the escape byte
  }
  return out.subarray(0, n)
}

export function encodeVersion(writer: TxnId, row: Uint8Array | null): Buffer {
  const out = Buffer.allocUnsafe(HEADER + (row?.length ?? 0))
  out.writeUIntLE(writer, 0, 6)
  out[6] = row === null ? TOMBSTONE : 0
  if (row) out.set(row, HEADER)
  return out
}

/** The writer of the version whose value starts at `value[at]`. */
export const versionWriter = (value: Uint8Array, at = 0): TxnId =>
  (value[at]! + value[at + 1]! * 2 ** 8 + value[at + 2]! * 2 ** 16 + value[at + 3]! * 2 ** 24 + value[at + 4]! * 2 ** 32 + value[at + 5]! * 2 ** 40) as TxnId
export const isTombstone = (value: Uint8Array, at = 0): boolean => (value[at + 6]! & TOMBSTONE) !== 0
/** A copy of the row bytes of a version (from Buffer's pool, and no view made first). */
export function versionRow(value: Buffer): Buffer {
  const out = Buffer.allocUnsafe(value.length - HEADER)
  value.copy(out, 0, HEADER)
  return out
}

/** True when `key` (a version key) belongs to the user key whose prefix is `prefix`. */
export function hasPrefix(key: Uint8Array, prefix: Uint8Array): boolean {
  if (key.length !== prefix.length + SEQ_BYTES) return false
  for (let i = prefix.length - 1; i >= 0; i--) if (key[i] !== prefix[i]) return false
  return true
}

export function malformedVersionKey() {
  return dbError('data_corrupted', 'malformed version key in a table')
}
