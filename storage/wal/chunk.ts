/**
 * The frame around one chunk of the write-ahead log: a header, the payload (the
 * records, each behind a u32 length prefix), and a trailer that is a byte-for-byte
 * copy of the header.
 *
 * ```
 *  chunk start LSN = S                                         next chunk at S + 48 + n
 *  │                                                          │
 *  ▼                                                          ▼
 *  ┌────────────┬──────────────────────────────┬────────────┬──────────
 *  │ header 24B │ payload: n bytes             │ trailer 24B│ header …
 *  │            │ [len u32][record]…           │ = header   │
 *  └────────────┴──────────────────────────────┴────────────┴──────────
 *                ▲ first record's LSN = S + 24
 * ```
 *
 * Header and trailer (little-endian):
 *
 * | offset | size | field                                                        |
 * |-------:|-----:|--------------------------------------------------------------|
 * |      0 |    4 | magic `0x4C415749` (the bytes "IWAL")                         |
 * |      4 |    4 | payload length n                                              |
 * |      8 |    4 | chunk start LSN, low 32 bits                                  |
 * |     12 |    4 | chunk start LSN, high 32 bits (< 2^21: LSNs stay below 2^53)  |
 * |     16 |    4 | CRC-32 of the payload (zlib.crc32)                            |
 * |     20 |    4 | CRC-32 of bytes 0..20 of this header                          |
 *
 * Why a trailer: a chunk is written with one positional write, and a crash can leave
 * any prefix of it (kill -9 during the write) on disk. A header whose payload does
 * not match its CRC is then either a torn tail, which is normal and silently cut
 * off, or a fully written chunk that was damaged later, which must be reported. The
 * trailer tells the two apart: it is written last, so a valid trailer naming the
 * chunk proves the whole chunk once reached the file (recover-tail.ts has the rules).
 *
 * Why the LSN in the frame: a frame is only believed at the position it names. A
 * stale or misplaced frame (a header copied elsewhere, a trailer, an old file
 * reused) never passes for the chunk that should be there.
 */
import zlib from 'node:zlib'

export const CHUNK_MAGIC = 0x4c415749
export const HEADER_BYTES = 24
export const TRAILER_BYTES = 24
/** Header plus trailer: the framing cost of one chunk. */
export const FRAME_BYTES = HEADER_BYTES + TRAILER_BYTES
/** Every record in a payload is preceded by its length as a u32. */
export const LENGTH_PREFIX_BYTES = 4

const OFF_MAGIC = 0
const OFF_LENGTH = 4
const OFF_LSN_LO = 8
const OFF_LSN_HI = 12
const OFF_PAYLOAD_CRC = 16
const OFF_HEADER_CRC = 20
const TWO_32 = 2 ** 32
/** 2^53 / 2^32: the high word of any safe integer is below this. */
const MAX_LSN_HI = 2 ** 21

/** A decoded header or trailer whose magic and CRC checked out. */
export interface Frame {
  readonly payloadLength: number
  /** The chunk start LSN the frame names. */
  readonly lsn: number
  readonly payloadCrc: number
}

/** The magic as it appears in the file, for `Buffer.indexOf`. */
const MAGIC_BYTES = Buffer.alloc(4)
MAGIC_BYTES.writeUInt32LE(CHUNK_MAGIC, 0)

/**
 * Seals a chunk laid out in `buf` as header (0..24), payload (24..24+n): fills in
 * the header and copies it behind the payload as the trailer. `buf` must have room
 * for 48 + n bytes.
 */
export function sealChunk(buf: Buffer, payloadLength: number, startLsn: number): void {
  const payloadCrc = zlib.crc32(buf.subarray(HEADER_BYTES, HEADER_BYTES + payloadLength))
  buf.writeUInt32LE(CHUNK_MAGIC, OFF_MAGIC)
  buf.writeUInt32LE(payloadLength, OFF_LENGTH)
  buf.writeUInt32LE(startLsn % TWO_32, OFF_LSN_LO)
  buf.writeUInt32LE(Math.floor(startLsn / TWO_32), OFF_LSN_HI)
  buf.writeUInt32LE(payloadCrc, OFF_PAYLOAD_CRC)
  buf.writeUInt32LE(zlib.crc32(buf.subarray(0, OFF_HEADER_CRC)), OFF_HEADER_CRC)
  buf.copy(buf, HEADER_BYTES + payloadLength, 0, HEADER_BYTES)
}

/**
 * Reads the frame at `buf[off..off+24)`; null unless magic and header CRC are right.
 * The caller still has to check that the frame names the position it was found at.
 */
export function readFrame(buf: Buffer, off: number): Frame | null {
  if (off < 0 || off + HEADER_BYTES > buf.length) return null
  if (buf.readUInt32LE(off + OFF_MAGIC) !== CHUNK_MAGIC) return null
  if (zlib.crc32(buf.subarray(off, off + OFF_HEADER_CRC)) !== buf.readUInt32LE(off + OFF_HEADER_CRC)) return null
  const hi = buf.readUInt32LE(off + OFF_LSN_HI)
  if (hi >= MAX_LSN_HI) return null
  return {
    payloadLength: buf.readUInt32LE(off + OFF_LENGTH),
    lsn: hi * TWO_32 + buf.readUInt32LE(off + OFF_LSN_LO),
    payloadCrc: buf.readUInt32LE(off + OFF_PAYLOAD_CRC),
  }
}

/** True when the payload that follows the header at `off` matches the frame's CRC. */
export function payloadIntact(buf: Buffer, off: number, frame: Frame): boolean {
  const start = off + HEADER_BYTES
  return zlib.crc32(buf.subarray(start, start + frame.payloadLength)) === frame.payloadCrc
}

/** True when the trailer of the chunk whose header is at `off` is an exact copy of it. */
export function trailerMatches(buf: Buffer, off: number, frame: Frame): boolean {
  const trailer = off + HEADER_BYTES + frame.payloadLength
  if (trailer + TRAILER_BYTES > buf.length) return false
  return buf.compare(buf, off, off + HEADER_BYTES, trailer, trailer + TRAILER_BYTES) === 0
}

/**
 * Looks through `data` (file bytes whose first byte sits at LSN `dataLsn`) for
 * evidence that the log went on past a bad chunk starting at `dataLsn`: a valid
 * header at the position it names (a later chunk), or, when `trailerToo` is set, a
 * valid trailer naming `dataLsn` (the bad chunk itself was once complete). Returns
 * the LSN of the first such frame, or -1.
 *
 * Shortcut we admit: the search also looks inside the bad chunk's own payload, so a
 * record whose bytes happen to form a valid frame naming its exact position would
 * turn a torn tail into a reported corruption. That needs a matching magic, CRC and
 * 48-bit position at once; by accident it does not happen, and the outcome of the
 * deliberate case is a refusal to start, never wrong data.
 */
export function findLaterFrame(data: Buffer, dataLsn: number, trailerToo: boolean): number {
  for (let i = data.indexOf(MAGIC_BYTES, 1); i >= 0; i = data.indexOf(MAGIC_BYTES, i + 1)) {
    const frame = readFrame(data, i)
    if (frame === null) continue
    if (frame.lsn === dataLsn + i) return dataLsn + i
    if (trailerToo && frame.lsn === dataLsn) return dataLsn + i
  }
  return -1
}
