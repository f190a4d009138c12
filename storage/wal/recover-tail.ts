/**
 * Opening the log: check that the segment files form one unbroken stream and find
 * where it ends, cutting off a torn tail.
 *
 * A kill -9 (or a power cut) in the middle of a chunk write leaves the last chunk of
 * the log incomplete. That is normal: nothing in it was acknowledged, because a
 * flush acknowledges only after the write and the fdatasync both finished. Damage to
 * a chunk that was completely written is not normal, and silently dropping it could
 * drop acknowledged commits, so it is reported as XX001. The rules, for a bad chunk
 * starting at LSN S in the last segment:
 *
 *  1. Header valid and names S, payload CRC right                 → good chunk.
 *  2. Header valid, payload CRC wrong (or payload cut short):
 *     a. the trailer is present and equals the header             → XX001 (the chunk
 *        was complete once, then damaged);
 *     b. a valid header of a later chunk follows (rule 4)         → XX001;
 *     c. otherwise                                                → torn tail.
 *  3. Header invalid (bad magic or CRC, or names another LSN):
 *     a. a valid header of a later chunk follows, or a valid
 *        trailer naming S                                         → XX001;
 *     b. otherwise                                                → torn tail.
 *  4. A bad chunk is only a torn tail if it is the last thing in the log.
 *  5. Every segment but the last must end exactly where the next begins (a gap or
 *     an overlap is XX001); trailing empty segments (a crash between creating a
 *     segment and writing to it) hold nothing and are removed.
 *
 * A torn tail is truncated away so that the next chunk is written where it began.
 *
 * Only the last segment is read here: the earlier ones are checked chunk by chunk
 * when they are scanned (scan.ts), which recovery does from its checkpoint anyway;
 * reading the whole log at every open would double the start-up I/O.
 */
import { dbError, type IsolaError } from '../../common/errors.js'
import { asLsn, type Lsn } from '../../common/ids.js'
import type { FileSystem } from '../file-system.js'
import {
  FRAME_BYTES,
  HEADER_BYTES,
  findLaterFrame,
  payloadIntact,
  readFrame,
  trailerMatches,
} from './chunk.js'
import { SegmentReader, listSegments, newSegment, type Segment } from './segments.js'

export interface RecoveredLog {
  /** Ascending by base; the last one has its handle open. */
  readonly segments: Segment[]
  /** The LSN just past the last complete chunk: where the next chunk goes. */
  readonly end: Lsn
}

/** XX001 for a chunk at a file offset, with the reason as the detail. */
export function chunkCorrupted(file: string, offset: number, reason: string): IsolaError {
  return dbError('data_corrupted', `write-ahead log is damaged in "${file}" at offset ${offset}`, {
    detail: reason,
    hint: 'The log was modified after it was written. Restore the data directory from a backup.',
  })
}

/** Opens (creating when missing) the log in `dir` and returns its segments and end. */
export function recoverLog(fs: FileSystem, dir: string): RecoveredLog {
  fs.mkdirp(dir)
  const segments = listSegments(fs, dir)
  if (segments.length === 0) {
    const first = newSegment(dir, asLsn(0))
    first.handle = fs.open(first.path, true)
    fs.syncDir(dir)
    return { segments: [first], end: first.base }
  }

  const sizes = segments.map((s) => fileSize(fs, s.path))
  let last = sizes.length - 1
  while (last > 0 && sizes[last] === 0) last--
  if (last < segments.length - 1) {
    for (const s of segments.splice(last + 1)) fs.remove(s.path)
    fs.syncDir(dir)
  }

  for (let i = 0; i < last; i++) {
    const seg = segments[i] as Segment
    const next = segments[i + 1] as Segment
    const size = sizes[i] ?? 0
    if (seg.base + size !== next.base) {
      throw dbError('data_corrupted', `write-ahead log segments in "${dir}" do not join up`, {
        detail:
          `"${seg.path}" holds ${size} bytes from LSN ${seg.base}, so it should end at ${seg.base + size}, ` +
          `but the next segment "${next.path}" starts at ${next.base}`,
      })
    }
  }

  const current = segments[last] as Segment
  current.handle = fs.open(current.path, false)
  try {
    const end = findEnd(current)
    return { segments, end }
  } catch (e) {
    current.handle.close()
    current.handle = null
    throw e
  }
}

function fileSize(fs: FileSystem, file: string): number {
  const h = fs.open(file, false)
  try {
    return h.size()
  } finally {
    h.close()
  }
}

/**
 * Walks the chunks of the last segment and returns the LSN after the last good one,
 * truncating the file there if a torn tail follows it.
 */
function findEnd(seg: Segment): Lsn {
  const handle = seg.handle
  if (handle === null) throw new Error('unreachable: segment not open')
  const size = handle.size()
  const reader = new SegmentReader(handle)
  let pos = 0
  while (pos < size) {
    const lsn = seg.base + pos
    const h = reader.ensure(pos, Math.min(HEADER_BYTES, size - pos))
    const frame = size - pos >= HEADER_BYTES && h >= 0 ? readFrame(reader.block, h) : null
    if (frame === null || frame.lsn !== lsn) {
      // Rule 3: without a header we cannot know the chunk's length; look for any sign
      // that the log continued, or that this chunk was once complete.
      const later = findLaterFrame(reader.readRange(pos, size), lsn, true)
      if (later >= 0) {
        throw chunkCorrupted(seg.path, pos, `bad chunk header, but a valid frame follows at LSN ${later}`)
      }
      break
    }
    const total = FRAME_BYTES + frame.payloadLength
    const c = pos + total <= size ? reader.ensure(pos, total) : -1
    if (c >= 0 && payloadIntact(reader.block, c, frame)) {
      pos += total
      continue
    }
    // Rule 2: a good header over a bad or missing payload.
    if (c >= 0 && trailerMatches(reader.block, c, frame)) {
      throw chunkCorrupted(seg.path, pos, 'payload checksum mismatch in a chunk whose trailer shows it was completely written')
    }
    const later = findLaterFrame(reader.readRange(pos, size), lsn, false)
    if (later >= 0) {
      throw chunkCorrupted(seg.path, pos, `payload checksum mismatch, and the log continues at LSN ${later}`)
    }
    break
  }
  if (pos < size) handle.truncate(pos)
  return asLsn(seg.base + pos)
}
