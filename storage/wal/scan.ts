/**
 * Reading the log back: the records from an LSN to the end, first from the segment
 * files, then from the open chunk still in memory.
 *
 * Every chunk read from a file is checked (header names its own position, payload
 * CRC, record framing inside the payload); any failure is XX001 naming the file and
 * offset. Recovery scans from its checkpoint, so this is where damage in the older
 * segments, which opening the log does not read, is found.
 *
 * The scan follows the log as it grows: it reads the files up to where the written
 * part ends and then the in-memory chunk. If that chunk is written out while the
 * scan is inside it, the scan goes on from the file at the same LSN, because a
 * chunk keeps its LSNs when it leaves memory.
 *
 * A scan may start at a chunk start, at a record's LSN, or at the end of a chunk's
 * payload (which is what `endLsn` was when that chunk was open); anything else is a
 * caller bug.
 */
import { dbError, internalError, type IsolaError } from '../../common/errors.js'
import { asLsn, type Lsn } from '../../common/ids.js'
import type { FileHandle, FileSystem } from '../file-system.js'
import { FRAME_BYTES, HEADER_BYTES, LENGTH_PREFIX_BYTES, payloadIntact, readFrame } from './chunk.js'
import { chunkCorrupted } from './recover-tail.js'
import { SegmentReader, segmentIndexAt, type Segment } from './segments.js'

/** One record: its LSN and its bytes (a view, valid until the next step of the scan). */
export interface LogEntry {
  readonly lsn: Lsn
  readonly bytes: Uint8Array
}

/** What a scan needs to see of the log; the Wal hands out a live view of itself. */
export interface LogView {
  readonly fs: FileSystem
  readonly segments: readonly Segment[]
  /** Start of the open chunk: every byte below it is in the files. */
  readonly openChunkStart: number
  /** The open chunk: room for its header, then the payload up to `used`. */
  readonly buf: Buffer
  readonly used: number
}

/** Validates `from` eagerly (so a bad start throws at the call) and returns the records. */
export function scanLog(log: LogView, from: number): Iterable<LogEntry> {
  const first = log.segments[0]?.base ?? 0
  if (from < first) {
    throw dbError('data_corrupted', `write-ahead log position ${from} is no longer available`, {
      detail: `The log starts at LSN ${first}; the segments before it were removed.`,
    })
  }
  const end = log.used > HEADER_BYTES ? log.openChunkStart + log.used : log.openChunkStart
  if (!Number.isSafeInteger(from) || from > end) throw internalError(`cannot scan the log from LSN ${from}: it ends at ${end}`)
  return { [Symbol.iterator]: () => new Scanner(log, from).records() }
}

function notBoundary(from: number): IsolaError {
  return internalError(`cannot scan the log from LSN ${from}: not a record boundary`)
}

/** A little-endian u32 by hand (Buffer#readUInt32LE's checks dominate a scan of small records). */
function u32(b: Buffer, off: number): number {
  return ((b[off] as number) | ((b[off + 1] as number) << 8) | ((b[off + 2] as number) << 16) | ((b[off + 3] as number) << 24)) >>> 0
}

function recordOverrun(seg: Segment, lsn: number): IsolaError {
  return chunkCorrupted(seg.path, lsn - seg.base, `the record at LSN ${lsn} runs past the end of its chunk`)
}

class Scanner {
  private segment: Segment | null = null
  private handle: FileHandle | null = null
  private reader: SegmentReader | null = null
  /** The start LSN the caller asked for, until a record or chunk boundary matches it. */
  private pending: number

  constructor(
    private readonly log: LogView,
    from: number,
  ) {
    this.pending = from
  }

  *records(): Generator<LogEntry, void, undefined> {
    try {
      let start = this.locate(this.pending)
      /** Records below this LSN were already yielded (or lie before `from`). */
      let next = this.pending
      for (;;) {
        if (this.pending === start) this.pending = -1
        if (start >= this.log.openChunkStart) {
          // The open chunk, read from memory. Re-read the view at every step: appends
          // may grow or replace the buffer, and a write may move the chunk to disk.
          const chunk = start
          let off = HEADER_BYTES
          while (this.log.openChunkStart === chunk) {
            if (off >= this.log.used) {
              if (this.pending >= 0 && this.pending !== chunk + off) throw notBoundary(this.pending)
              return
            }
            const buf = this.log.buf
            const lsn = chunk + off
            const end = off + LENGTH_PREFIX_BYTES + u32(buf, off)
            if (this.accept(lsn, next)) {
              next = lsn + 1
              yield { lsn: asLsn(lsn), bytes: buf.subarray(off + LENGTH_PREFIX_BYTES, end) }
            }
            off = end
          }
          continue // written out meanwhile: the same chunk, now from its file
        }
        const { seg, block, at, payloadLength } = this.readChunk(start)
        const payloadEnd = at + HEADER_BYTES + payloadLength
        for (let off = at + HEADER_BYTES; off < payloadEnd; ) {
          const lsn = start + (off - at)
          if (off + LENGTH_PREFIX_BYTES > payloadEnd) throw recordOverrun(seg, lsn)
          const end = off + LENGTH_PREFIX_BYTES + u32(block, off)
          if (end > payloadEnd) throw recordOverrun(seg, lsn)
          if (this.accept(lsn, next)) {
            next = lsn + 1
            yield { lsn: asLsn(lsn), bytes: block.subarray(off + LENGTH_PREFIX_BYTES, end) }
          }
          off = end
        }
        if (this.pending === start + HEADER_BYTES + payloadLength) this.pending = -1
        if (this.pending >= 0) throw notBoundary(this.pending)
        start += FRAME_BYTES + payloadLength
      }
    } finally {
      this.handle?.close()
    }
  }

  /** Whether to yield the record at `lsn`; checks that `from` was a record boundary. */
  private accept(lsn: number, next: number): boolean {
    if (this.pending >= 0) {
      if (lsn < this.pending) return false
      if (lsn > this.pending) throw notBoundary(this.pending)
      this.pending = -1
    }
    return lsn >= next
  }

  /** The start of the chunk holding `from`, found by walking chunk headers from its segment's base. */
  private locate(from: number): number {
    if (from >= this.log.openChunkStart) return this.log.openChunkStart
    const seg = this.segmentAt(from)
    const reader = this.readerFor(seg)
    const limit = this.limitOf(seg)
    let pos = seg.base as number
    for (;;) {
      const h = reader.ensure(pos - seg.base, HEADER_BYTES, limit)
      const frame = h >= 0 ? readFrame(reader.block, h) : null
      if (frame === null || frame.lsn !== pos) throw chunkCorrupted(seg.path, pos - seg.base, 'bad chunk header')
      const end = pos + FRAME_BYTES + frame.payloadLength
      if (from < end || end >= this.log.openChunkStart) return pos
      pos = end
    }
  }

  /** Reads and checks the chunk starting at `start` (below the open chunk). */
  private readChunk(start: number): { seg: Segment; block: Buffer; at: number; payloadLength: number } {
    const seg = this.segmentAt(start)
    const reader = this.readerFor(seg)
    const limit = this.limitOf(seg)
    const pos = start - seg.base
    const h = reader.ensure(pos, HEADER_BYTES, limit)
    const frame = h >= 0 ? readFrame(reader.block, h) : null
    if (frame === null || frame.lsn !== start) throw chunkCorrupted(seg.path, pos, 'bad chunk header')
    const total = FRAME_BYTES + frame.payloadLength
    if (pos + total > limit) throw chunkCorrupted(seg.path, pos, 'chunk runs past the end of its segment')
    const at = reader.ensure(pos, total, limit)
    if (at < 0) throw chunkCorrupted(seg.path, pos, 'chunk is cut short by the end of the file')
    if (!payloadIntact(reader.block, at, frame)) throw chunkCorrupted(seg.path, pos, 'payload checksum mismatch')
    return { seg, block: reader.block, at, payloadLength: frame.payloadLength }
  }

  /**
   * File offset where a segment's chunks end: the next segment's base, or for the
   * last one the end of what has been written. Past it lie preallocated space and
   * the sync mark, which a scan must neither read as chunks nor cache.
   */
  private limitOf(seg: Segment): number {
    const next = this.log.segments[this.log.segments.indexOf(seg) + 1]
    return (next === undefined ? this.log.openChunkStart : next.base) - seg.base
  }

  private segmentAt(lsn: number): Segment {
    const seg = this.log.segments[segmentIndexAt(this.log.segments, lsn)]
    if (seg === undefined) {
      throw dbError('data_corrupted', `write-ahead log position ${lsn} is no longer available`, {
        detail: 'The segment holding it was removed.',
      })
    }
    return seg
  }

  private readerFor(seg: Segment): SegmentReader {
    if (this.segment !== seg || this.reader === null) {
      this.handle?.close()
      this.handle = null
      this.handle = this.log.fs.open(seg.path, false)
      this.segment = seg
      this.reader = new SegmentReader(this.handle)
    }
    return this.reader
  }
}
