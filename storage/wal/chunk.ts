/**
 * The frame around one chunk of the write-ahead log: a header, then the payload
 * (the records, each behind a u32 length prefix).
 *
 * ```
 *  chunk start LSN = S                            next chunk at S + 32 + n
 *  │                                             │
 *  ▼                                             ▼
 *  ┌────────────┬──────────────────────────────┬──────────
 *  │ header 32B │ payload: n bytes             │ header …
 *  │            │ [len u32][record]…           │
 *  └────────────┴──────────────────────────────┴──────────
 *                ▲ first record's LSN = S + 32
 * ```
 *
 * Header (little-endian):
 *
 * | offset | size | field                                                        |
 * |-------:|-----:|--------------------------------------------------------------|
 * |      0 |    4 | magic `0x324C5749` (the bytes "IWL2")                         |
 * |      4 |    4 | payload length n                                              |
 * |      8 |    8 | chunk start LSN (u32 low word, u32 high word < 2^21)          |
 * |     16 |    8 | synced LSN: the whole log below it was durable when this      |
 * |        |      | chunk was written (same encoding)                             |
 * |     24 |    4 | CRC-32 of the payload (zlib.crc32)                            |
 * |     28 |    4 | CRC-32 of bytes 0..28 of this header                          |
 *
 * Why the LSN in the frame: a frame is only believed at the position it names.
 * Segment files are preallocated and recycled (wal.ts), so the bytes past the end
 * of the log are zeros or the chunks of a segment's earlier life; a stale frame
 * names an LSN of that earlier life, never its own position in this one.
 *
 * Why the synced LSN: it tells damage from a torn write (recover-tail.ts). After a
 * power cut, any part of what was written since the last completed fdatasync may
 * be lost, in any order, so a bad chunk followed by good ones is normal there. But
 * a chunk whose synced LSN lies past a bad chunk was written after that chunk was
 * durable: the bad chunk was complete once, and is damage. The log writes such a
 * proof after every fdatasync (an empty chunk, the *sync mark*), so a chunk that
 * was acknowledged is always followed by one.
 */
import zlib from 'node:zlib'

export const CHUNK_MAGIC = 0x324c5749
export const HEADER_BYTES = 32
/** The framing cost of one chunk: its header (there is no trailer). */
export const FRAME_BYTES = HEADER_BYTES
/** Every record in a payload is preceded by its length as a u32. */
export const LENGTH_PREFIX_BYTES = 4

const OFF_MAGIC = 0
const OFF_LENGTH = 4
const OFF_LSN = 8
const OFF_SYNCED = 16
const OFF_PAYLOAD_CRC = 24
const OFF_HEADER_CRC = 28
const TWO_32 = 2 ** 32
/** 2^53 / 2^32: the high word of any safe integer is below this. */
const MAX_LSN_HI = 2 ** 21

/** A decoded header whose magic and CRC checked out. */
export interface Frame {
  readonly payloadLength: number
  /** The chunk start LSN the frame names. */
  readonly lsn: number
  /** Everything below this LSN was durable when the chunk was written. */
  readonly synced: number
  readonly payloadCrc: number
}

/** The magic as it appears in the file, for `Buffer.indexOf`. */
const MAGIC_BYTES = Buffer.alloc(4)
MAGIC_BYTES.writeUInt32LE(CHUNK_MAGIC, 0)

function writeLsn(buf: Buffer, off: number, lsn: number): void {
  buf.writeUInt32LE(lsn % TWO_32, off)
  buf.writeUInt32LE(Math.floor(lsn / TWO_32), off + 4)
}

/** An LSN field, or -1 when its high word is out of range. */
function readLsn(buf: Buffer, off: number): number {
  const hi = buf.readUInt32LE(off + 4)
  return hi >= MAX_LSN_HI ? -1 : hi * TWO_32 + buf.readUInt32LE(off)
}

/**
 * Seals a chunk laid out in `buf` as header (0..32), payload (32..32+n): fills in
 * the header. `synced` is the log's durable LSN at the moment of writing.
 */
export function sealChunk(buf: Buffer, payloadLength: number, startLsn: number, synced: number): void {
  const payloadCrc = zlib.crc32(buf.subarray(HEADER_BYTES, HEADER_BYTES + payloadLength))
  buf.writeUInt32LE(CHUNK_MAGIC, OFF_MAGIC)
  buf.writeUInt32LE(payloadLength, OFF_LENGTH)
  writeLsn(buf, OFF_LSN, startLsn)
  writeLsn(buf, OFF_SYNCED, synced)
  buf.writeUInt32LE(payloadCrc, OFF_PAYLOAD_CRC)
  buf.writeUInt32LE(zlib.crc32(buf.subarray(0, OFF_HEADER_CRC)), OFF_HEADER_CRC)
}

/**
 * Reads the frame at `buf[off..off+32)`; null unless magic and header CRC are right.
 * The caller still has to check that the frame names the position it was found at.
 */
export function readFrame(buf: Buffer, off: number): Frame | null {
  if (off < 0 || off + HEADER_BYTES > buf.length) return null
  if (buf.readUInt32LE(off + OFF_MAGIC) !== CHUNK_MAGIC) return null
  if (zlib.crc32(buf.subarray(off, off + OFF_HEADER_CRC)) !== buf.readUInt32LE(off + OFF_HEADER_CRC)) return null
  const lsn = readLsn(buf, off + OFF_LSN)
  const synced = readLsn(buf, off + OFF_SYNCED)
  if (lsn < 0 || synced < 0) return null
  return { payloadLength: buf.readUInt32LE(off + OFF_LENGTH), lsn, synced, payloadCrc: buf.readUInt32LE(off + OFF_PAYLOAD_CRC) }
}

/** True when the payload that follows the header at `off` matches the frame's CRC. */
export function payloadIntact(buf: Buffer, off: number, frame: Frame): boolean {
  const start = off + HEADER_BYTES
  return zlib.crc32(buf.subarray(start, start + frame.payloadLength)) === frame.payloadCrc
}

/**
 * Calls `found(offset, frame)` for every valid frame in `data` that names its own
 * position, `data` being file bytes whose first byte sits at LSN `dataLsn`. Stale
 * frames (which name other positions) and random bytes are skipped.
 */
export function forEachOwnFrame(data: Buffer, dataLsn: number, found: (offset: number, frame: Frame) => void): void {
  for (let i = data.indexOf(MAGIC_BYTES); i >= 0; i = data.indexOf(MAGIC_BYTES, i + 1)) {
    const frame = readFrame(data, i)
    if (frame !== null && frame.lsn === dataLsn + i) found(i, frame)
  }
}
