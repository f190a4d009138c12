/**
 * Opening the log: find where it ends, telling a torn tail from damage.
 *
 * Segment files are preallocated and recycled (wal.ts), so the end of the log is
 * not the end of a file: past the last chunk lie zeros, the chunks of a recycled
 * file's earlier life, or whatever a crash left of writes that never became
 * durable. The log ends at the first chunk, walking from the last segment's base,
 * that does not check out: its header must name its own position (a stale frame
 * names an LSN of the file's earlier life) and its payload must match its CRC.
 *
 * That first bad chunk, at LSN S, is normally a torn write: nothing in it or after
 * it was acknowledged, because a flush acknowledges only after the write and the
 * fdatasync both finished. After a power cut, what was written since the last
 * completed fdatasync may survive in any part and any order, so good chunks after
 * a bad one prove nothing by themselves. What does prove damage is a chunk written
 * after S was durable: every header records the LSN below which the log was synced
 * when it was written (chunk.ts), and the log writes a header-only *sync mark* with
 * the new synced LSN after every fdatasync, before it acknowledges anyone. So:
 *
 *  1. Header names its position, payload CRC right                → good chunk.
 *  2. The first chunk that is not good, at S, ends the log, unless
 *     a frame past it names its own position with a synced LSN
 *     above S                                                      → XX001 (S was
 *     durable when that frame was written, so it was complete, and was damaged later).
 *  3. Frames past the end that name their own position are what a
 *     crash left of unacknowledged writes                          → their headers
 *     are zeroed, and synced, before the log writes anything: otherwise the log,
 *     growing back over them, could one day end exactly where one begins and take
 *     it for its own.
 *
 * What this cannot see: damage to the chunks of the last fdatasync before a power
 * cut that also lost the sync mark written after it. Such a chunk looks exactly
 * like a torn write, and the log ends before it (PostgreSQL and SQLite end their
 * logs at the first bad record anywhere). A kill -9 keeps the mark, which is in
 * the page cache; a clean close syncs it.
 *
 * Only the last segment is read here: every earlier one was fdatasynced in full
 * before the next one took a byte, so its chunks must run unbroken up to the next
 * segment's base. They are checked chunk by chunk when they are scanned (scan.ts),
 * which recovery does from its checkpoint anyway; reading the whole log at every
 * open would double the start-up I/O.
 */
import { dbError, type IsolaError } from '../../common/errors.js'
import { asLsn, type Lsn } from '../../common/ids.js'
import type { FileHandle, FileSystem } from '../file-system.js'
import { HEADER_BYTES, forEachOwnFrame, payloadIntact, readFrame, type Frame } from './chunk.js'
import { SegmentReader, listSegments, listSpares, newSegment, type Segment } from './segments.js'

export interface RecoveredLog {
  /** Ascending by base; the last one has its handle open. */
  readonly segments: Segment[]
  /** Paths of spare segment files, ready to be renamed into service. */
  readonly spares: string[]
  /** The LSN just past the last good chunk: where the next chunk goes. */
  readonly end: Lsn
}

/** XX001 for a chunk at a file offset, with the reason as the detail. */
export function chunkCorrupted(file: string, offset: number, reason: string): IsolaError {
  return dbError('data_corrupted', `write-ahead log is damaged in "${file}" at offset ${offset}`, {
    detail: reason,
    hint: 'The log was modified after it was written. Restore the data directory from a backup.',
  })
}

/** Opens (creating when missing) the log in `dir` and returns its segments, spares and end. */
export function recoverLog(fs: FileSystem, dir: string): RecoveredLog {
  fs.mkdirp(dir)
  const segments = listSegments(fs, dir)
  const spares = listSpares(fs, dir)
  if (segments.length === 0) {
    const first = newSegment(dir, asLsn(0))
    first.handle = fs.open(first.path, true)
    first.allocated = first.handle.size()
    fs.syncDir(dir)
    return { segments: [first], spares, end: first.base }
  }
  const current = segments[segments.length - 1] as Segment
  current.handle = fs.open(current.path, false)
  try {
    current.allocated = current.handle.size()
    return { segments, spares, end: findEnd(current) }
  } catch (e) {
    current.handle.close()
    current.handle = null
    throw e
  }
}

/**
 * Walks the chunks of the last segment and returns the LSN after the last good one
 * (rule 1); refuses damage (rule 2) and erases left-overs past the end (rule 3).
 */
function findEnd(seg: Segment): Lsn {
  const handle = seg.handle
  if (handle === null) throw new Error('unreachable: segment not open')
  const size = seg.allocated
  const reader = new SegmentReader(handle)
  let pos = 0
  for (;;) {
    const h = reader.ensure(pos, HEADER_BYTES, size)
    const frame = h >= 0 ? readFrame(reader.block, h) : null
    if (frame === null || frame.lsn !== seg.base + pos) break
    const total = HEADER_BYTES + frame.payloadLength
    const c = reader.ensure(pos, total, size)
    if (c < 0 || !payloadIntact(reader.block, c, frame)) break
    pos += total
  }
  const end = seg.base + pos
  const leftovers: number[] = []
  forEachOwnFrameIn(handle, seg.base, pos, size, (offset, frame) => {
    if (frame.synced > end) {
      throw chunkCorrupted(
        seg.path,
        pos,
        `the chunk at LSN ${end} is unreadable, but the chunk at LSN ${frame.lsn} was written after the log was durable up to LSN ${frame.synced}`,
      )
    }
    leftovers.push(offset)
  })
  if (leftovers.length > 0) {
    const zeros = Buffer.alloc(HEADER_BYTES)
    for (const offset of leftovers) handle.write(zeros, 0, HEADER_BYTES, offset)
    handle.datasyncSync()
  }
  return asLsn(end)
}

/** How much of the space past the end is searched at a time. */
const SEARCH_BLOCK_BYTES = 1024 * 1024

/** `forEachOwnFrame` over file bytes [from, to) of a segment, a block at a time. */
function forEachOwnFrameIn(handle: FileHandle, base: number, from: number, to: number, found: (offset: number, frame: Frame) => void): void {
  if (from >= to) return
  const block = Buffer.alloc(Math.min(SEARCH_BLOCK_BYTES, to - from) + HEADER_BYTES)
  for (let at = from; at < to; at += SEARCH_BLOCK_BYTES) {
    // Blocks overlap by a header, so a frame that starts in one and ends in the next is seen whole.
    const n = handle.read(block, 0, Math.min(block.length, to - at), at)
    forEachOwnFrame(block.subarray(0, n), base + at, (i, frame) => {
      if (i < SEARCH_BLOCK_BYTES) found(at + i, frame)
    })
  }
}
