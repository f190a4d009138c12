/**
 * The storage layer's log records: logical key/value operations on B+trees, with
 * the redo (the new value) and the undo (the before-image) in one record.
 *
 * Why logical records with before-images: redo of `put(tree, key, value)` does not
 * depend on where the key sat in a page, so checkpoints can write pages whenever
 * they like (no physiological page LSN bookkeeping); and the before-image lets
 * recovery roll back a transaction that never committed, and lets a prepared
 * transaction survive a restart, from the log alone. A record written while rolling
 * back is a *compensation* record: redo-only, never undone again (ARIES' CLR idea,
 * without the undo-next pointer, since undo here walks one transaction's records).
 *
 * Every record starts with the same 8 bytes (little-endian):
 *
 * | offset | size | field                                                      |
 * |-------:|-----:|------------------------------------------------------------|
 * |      0 |    1 | type: 1 put, 2 delete, 3 create-tree, 4 drop-tree,           |
 * |        |      |       5 commit, 6 abort, 7 prepare                          |
 * |      1 |    1 | flags: bit 0 = compensation (put, delete, drop-tree only)    |
 * |      2 |    6 | txn id, unsigned 48-bit                                      |
 *
 * then, by type:
 *
 * | type        | offset | size | field                                          |
 * |-------------|-------:|-----:|------------------------------------------------|
 * | put         |      8 |    4 | tree id                                         |
 * |             |     12 |    4 | key length k                                    |
 * |             |     16 |    4 | value length v                                  |
 * |             |     20 |    4 | before-image length b, 0xFFFFFFFF = key absent  |
 * |             |     24 |    k | key, then v bytes of value, then b of before    |
 * | delete      |      8 |    4 | tree id                                         |
 * |             |     12 |    4 | key length k                                    |
 * |             |     16 |    4 | before-image length b, 0xFFFFFFFF = key absent  |
 * |             |     20 |    k | key, then b bytes of before                     |
 * | create-tree |      8 |    4 | tree id (12 bytes in all)                       |
 * | drop-tree   |      8 |    4 | tree id (12 bytes in all)                       |
 * | commit      |      8 |    4 | payload length p, then p bytes at 12            |
 * | abort       |        |      | nothing more (8 bytes in all)                   |
 * | prepare     |      8 |    4 | payload length p, then p bytes at 12            |
 *
 * The length of the whole record comes from the log's frame; a decoded record must
 * use exactly that many bytes. The commit and prepare payloads belong to the
 * transaction layer (commit timestamp, locks of a prepared transaction …).
 */
import { dbError, internalError, type IsolaError } from '../../common/errors.js'
import { asTreeId, asTxnId, type Lsn, type TreeId, type TxnId } from '../../common/ids.js'

export type LogRecord =
  | {
      readonly kind: 'put'
      readonly txn: TxnId
      readonly tree: TreeId
      readonly key: Uint8Array
      readonly value: Uint8Array
      /** The value before this put; null when the key was absent. */
      readonly before: Uint8Array | null
      /** Written while rolling back: redo-only. */
      readonly compensation: boolean
    }
  | {
      readonly kind: 'delete'
      readonly txn: TxnId
      readonly tree: TreeId
      readonly key: Uint8Array
      readonly before: Uint8Array | null
      readonly compensation: boolean
    }
  | { readonly kind: 'create-tree'; readonly txn: TxnId; readonly tree: TreeId }
  | { readonly kind: 'drop-tree'; readonly txn: TxnId; readonly tree: TreeId; readonly compensation: boolean }
  | { readonly kind: 'commit'; readonly txn: TxnId; readonly payload: Uint8Array }
  | { readonly kind: 'abort'; readonly txn: TxnId }
  | { readonly kind: 'prepare'; readonly txn: TxnId; readonly payload: Uint8Array }

export const LOG_RECORD_KINDS = ['put', 'delete', 'create-tree', 'drop-tree', 'commit', 'abort', 'prepare'] as const
export type LogRecordKind = (typeof LOG_RECORD_KINDS)[number]
type RecordOf<K extends LogRecordKind> = Extract<LogRecord, { kind: K }>

/** The type byte of each kind: its position in LOG_RECORD_KINDS, plus one. */
const TYPE: { readonly [K in LogRecordKind]: number } = {
  put: 1,
  delete: 2,
  'create-tree': 3,
  'drop-tree': 4,
  commit: 5,
  abort: 6,
  prepare: 7,
}

/** Where records go: a `Wal` (or anything with its reserve protocol). */
export interface RecordSink {
  buf: Buffer
  lastLsn: Lsn
  reserve(size: number): number
}

const FLAG_COMPENSATION = 1
const ABSENT = 0xffffffff
const PREFIX = 8
const PUT_FIXED = 24
const DELETE_FIXED = 20
const TREE_RECORD = 12
const PAYLOAD_FIXED = 12
const MAX_TXN = 2 ** 48 - 1
const TWO_32 = 2 ** 32

/** Writes put(tree, key → value) straight into the log buffer. Returns its LSN. */
export function appendPut(
  wal: RecordSink,
  txn: TxnId,
  tree: TreeId,
  key: Uint8Array,
  value: Uint8Array,
  before: Uint8Array | null,
  compensation: boolean,
): Lsn {
  checkIds(txn, tree)
  const b = before === null ? 0 : before.length
  const off = wal.reserve(PUT_FIXED + key.length + value.length + b)
  const buf = wal.buf
  writePrefix(buf, off, TYPE.put, compensation, txn)
  putU32(buf, off + 8, tree)
  putU32(buf, off + 12, key.length)
  putU32(buf, off + 16, value.length)
  putU32(buf, off + 20, before === null ? ABSENT : b)
  let at = off + PUT_FIXED
  buf.set(key, at)
  at += key.length
  buf.set(value, at)
  if (before !== null) buf.set(before, at + value.length)
  return wal.lastLsn
}

/** Writes delete(tree, key) straight into the log buffer. Returns its LSN. */
export function appendDelete(
  wal: RecordSink,
  txn: TxnId,
  tree: TreeId,
  key: Uint8Array,
  before: Uint8Array | null,
  compensation: boolean,
): Lsn {
  checkIds(txn, tree)
  const b = before === null ? 0 : before.length
  const off = wal.reserve(DELETE_FIXED + key.length + b)
  const buf = wal.buf
  writePrefix(buf, off, TYPE.delete, compensation, txn)
  putU32(buf, off + 8, tree)
  putU32(buf, off + 12, key.length)
  putU32(buf, off + 16, before === null ? ABSENT : b)
  buf.set(key, off + DELETE_FIXED)
  if (before !== null) buf.set(before, off + DELETE_FIXED + key.length)
  return wal.lastLsn
}

/** One encoder per kind: a new kind without one does not compile. */
const ENCODERS: { readonly [K in LogRecordKind]: (wal: RecordSink, rec: RecordOf<K>) => Lsn } = {
  put: (wal, r) => appendPut(wal, r.txn, r.tree, r.key, r.value, r.before, r.compensation),
  delete: (wal, r) => appendDelete(wal, r.txn, r.tree, r.key, r.before, r.compensation),
  'create-tree': (wal, r) => appendTreeRecord(wal, TYPE['create-tree'], r.txn, r.tree, false),
  'drop-tree': (wal, r) => appendTreeRecord(wal, TYPE['drop-tree'], r.txn, r.tree, r.compensation),
  commit: (wal, r) => appendPayloadRecord(wal, TYPE.commit, r.txn, r.payload),
  abort: (wal, r) => {
    checkIds(r.txn, 0)
    const off = wal.reserve(PREFIX) // before reading wal.buf: reserve may replace it
    writePrefix(wal.buf, off, TYPE.abort, false, r.txn)
    return wal.lastLsn
  },
  prepare: (wal, r) => appendPayloadRecord(wal, TYPE.prepare, r.txn, r.payload),
}

/** Appends any record; returns its LSN. */
export function appendRecord(wal: RecordSink, rec: LogRecord): Lsn {
  return (ENCODERS[rec.kind] as (wal: RecordSink, rec: LogRecord) => Lsn)(wal, rec)
}

/** The bytes of one record, without the log's length prefix (for tests and tools). */
export function encodeRecord(rec: LogRecord): Uint8Array {
  let out = Buffer.alloc(0)
  const sink: RecordSink = {
    buf: out,
    lastLsn: 0 as Lsn,
    reserve(size) {
      out = Buffer.alloc(size)
      sink.buf = out
      return 0
    },
  }
  appendRecord(sink, rec)
  return out
}

function appendTreeRecord(wal: RecordSink, type: number, txn: TxnId, tree: TreeId, compensation: boolean): Lsn {
  checkIds(txn, tree)
  const off = wal.reserve(TREE_RECORD)
  writePrefix(wal.buf, off, type, compensation, txn)
  putU32(wal.buf, off + 8, tree)
  return wal.lastLsn
}

function appendPayloadRecord(wal: RecordSink, type: number, txn: TxnId, payload: Uint8Array): Lsn {
  checkIds(txn, 0)
  const off = wal.reserve(PAYLOAD_FIXED + payload.length)
  writePrefix(wal.buf, off, type, false, txn)
  putU32(wal.buf, off + 8, payload.length)
  wal.buf.set(payload, off + PAYLOAD_FIXED)
  return wal.lastLsn
}

/** Checked before reserving, so a bad id never leaves a half-written record behind. */
function checkIds(txn: number, tree: number): void {
  if (!(Number.isInteger(txn) && txn >= 0 && txn <= MAX_TXN)) throw internalError(`txn id ${txn} does not fit 48 bits`)
  if (!(Number.isInteger(tree) && tree >= 0 && tree < TWO_32)) throw internalError(`tree id ${tree} does not fit 32 bits`)
}

function writePrefix(buf: Buffer, off: number, type: number, compensation: boolean, txn: number): void {
  buf[off] = type
  buf[off + 1] = compensation ? FLAG_COMPENSATION : 0
  putU32(buf, off + 2, txn % TWO_32)
  const hi = Math.floor(txn / TWO_32)
  buf[off + 6] = hi
  buf[off + 7] = hi >>> 8
}

/**
 * A little-endian u32 by hand: Buffer#writeUInt32LE checks its arguments on every
 * call and costs several times more, which shows at a million records.
 */
function putU32(buf: Uint8Array, off: number, v: number): void {
  buf[off] = v
  buf[off + 1] = v >>> 8
  buf[off + 2] = v >>> 16
  buf[off + 3] = v >>> 24
}

// ── decoding ────────────────────────────────────────────────────────────────

function malformed(reason: string): IsolaError {
  return dbError('data_corrupted', `malformed write-ahead log record: ${reason}`)
}

function u32(b: Uint8Array, off: number): number {
  return ((b[off] ?? 0) | ((b[off + 1] ?? 0) << 8) | ((b[off + 2] ?? 0) << 16) | ((b[off + 3] ?? 0) << 24)) >>> 0
}

/** The `length` bytes at `at`, as a view; XX001 when they run past the record. */
function field(b: Uint8Array, at: number, length: number, what: string): Uint8Array {
  if (at + length > b.length) throw malformed(`${what} (${length} bytes at ${at}) runs past the end of the ${b.length}-byte record`)
  return b.subarray(at, at + length)
}

/**
 * Decodes one record (the bytes a scan yields). The result's byte fields are views
 * into `bytes`. Throws XX001 on an unknown type or flag, or lengths that do not add
 * up to exactly `bytes.length`.
 */
export function decodeRecord(bytes: Uint8Array): LogRecord {
  if (bytes.length < PREFIX) throw malformed(`${bytes.length} bytes is shorter than the record prefix`)
  const type = bytes[0] ?? 0
  const flags = bytes[1] ?? 0
  const txn = asTxnId(u32(bytes, 2) + ((bytes[6] ?? 0) | ((bytes[7] ?? 0) << 8)) * TWO_32)
  const kind = LOG_RECORD_KINDS[type - 1]
  if (kind === undefined) throw malformed(`unknown type ${type}`)
  const compensation = (flags & FLAG_COMPENSATION) !== 0
  const allowed = kind === 'put' || kind === 'delete' || kind === 'drop-tree' ? FLAG_COMPENSATION : 0
  if ((flags & ~allowed) !== 0) throw malformed(`flags 0x${flags.toString(16)} on a ${kind} record`)
  const need = (n: number): void => {
    if (bytes.length < n) throw malformed(`${kind} record of ${bytes.length} bytes is shorter than its ${n}-byte header`)
  }
  let rec: LogRecord
  let end: number
  switch (kind) {
    case 'put': {
      need(PUT_FIXED)
      const tree = asTreeId(u32(bytes, 8))
      const key = field(bytes, PUT_FIXED, u32(bytes, 12), 'key')
      const value = field(bytes, PUT_FIXED + key.length, u32(bytes, 16), 'value')
      end = PUT_FIXED + key.length + value.length
      const b = u32(bytes, 20)
      const before = b === ABSENT ? null : field(bytes, end, b, 'before-image')
      end += before?.length ?? 0
      rec = { kind, txn, tree, key, value, before, compensation }
      break
    }
    case 'delete': {
      need(DELETE_FIXED)
      const tree = asTreeId(u32(bytes, 8))
      const key = field(bytes, DELETE_FIXED, u32(bytes, 12), 'key')
      end = DELETE_FIXED + key.length
      const b = u32(bytes, 16)
      const before = b === ABSENT ? null : field(bytes, end, b, 'before-image')
      end += before?.length ?? 0
      rec = { kind, txn, tree, key, before, compensation }
      break
    }
    case 'create-tree':
    case 'drop-tree': {
      need(TREE_RECORD)
      const tree = asTreeId(u32(bytes, 8))
      end = TREE_RECORD
      rec = kind === 'create-tree' ? { kind, txn, tree } : { kind, txn, tree, compensation }
      break
    }
    case 'commit':
    case 'prepare': {
      need(PAYLOAD_FIXED)
      const payload = field(bytes, PAYLOAD_FIXED, u32(bytes, 8), 'payload')
      end = PAYLOAD_FIXED + payload.length
      rec = { kind, txn, payload }
      break
    }
    case 'abort':
      end = PREFIX
      rec = { kind, txn }
      break
  }
  if (end !== bytes.length) throw malformed(`${kind} record uses ${end} of its ${bytes.length} bytes`)
  return rec
}
