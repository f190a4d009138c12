/**
 * Segment files: the log stream cut into files named by the LSN of their first byte.
 *
 * ```
 *  LSN   0                     B1                         B2             end
 *        ├─────────────────────┼──────────────────────────┼───────────────┤
 *        0000000000000000.wal   00000000000000b1.wal        00000000000000b2.wal
 *        [chunks ……………………][0s]  [chunks ……………………………][stale]   [chunks …][0s]
 * ```
 *
 * The byte at LSN L lives in the segment with the greatest base ≤ L, at file offset
 * L − base. A segment's chunks end exactly where the next segment begins; what the
 * file holds past that point is preallocated space (zeros, or the chunks of the
 * file's earlier life when it was recycled), never part of the log. Segments start
 * at chunk boundaries (a chunk never spans two files), which lets checkpoints drop
 * whole files once the log below an LSN is not needed.
 *
 * Why files at all rather than one growing file: dropping the head of a log is a
 * `remove` (or a rename to a spare, `<16 hex>.spare`, for reuse: wal.ts), and no
 * file system can cheaply cut the front off a file.
 */
import path from 'node:path'
import { dbError } from '../../common/errors.js'
import { asLsn, type Lsn } from '../../common/ids.js'
import type { FileHandle, FileSystem } from '../file-system.js'

export const SEGMENT_SUFFIX = '.wal'
const NAME_PATTERN = /^([0-9a-fA-F]{16})\.wal$/
/** A removed segment kept for reuse; the name keeps its old base only to be unique. */
const SPARE_PATTERN = /^[0-9a-fA-F]{16}\.spare$/

/** One segment file. `handle` is open while the log may still write or sync it. */
export interface Segment {
  readonly base: Lsn
  readonly path: string
  handle: FileHandle | null
  /** The file's size as the log knows it (its open handle's): bytes it can write without growing the file. */
  allocated: number
  /** Set while a datasync of `handle` is in flight, so nobody closes it under it. */
  syncing: boolean
}

/** `0000000000000000.wal`: 16 lower-case hex digits of the base LSN. */
export function segmentFileName(base: Lsn): string {
  return base.toString(16).padStart(16, '0') + SEGMENT_SUFFIX
}

/** The base LSN a file name stands for, or null for a file that is not a segment. */
export function parseSegmentFileName(name: string): Lsn | null {
  const m = NAME_PATTERN.exec(name)
  if (m === null) return null
  const n = Number.parseInt(m[1] ?? '', 16)
  return Number.isSafeInteger(n) ? asLsn(n) : null
}

export function newSegment(dir: string, base: Lsn): Segment {
  return { base, path: path.join(dir, segmentFileName(base)), handle: null, allocated: 0, syncing: false }
}

/** The name a segment starting at `base` gets when it is kept as a spare. */
export function spareFileName(base: Lsn): string {
  return base.toString(16).padStart(16, '0') + '.spare'
}

/** The paths of the spare segment files in `dir`. */
export function listSpares(fs: FileSystem, dir: string): string[] {
  return fs
    .list(dir)
    .filter((name) => SPARE_PATTERN.test(name))
    .sort()
    .map((name) => path.join(dir, name))
}

/** The segments in `dir`, by ascending base. Other files in the directory are ignored. */
export function listSegments(fs: FileSystem, dir: string): Segment[] {
  const segments: Segment[] = []
  for (const name of fs.list(dir)) {
    const base = parseSegmentFileName(name)
    if (base !== null) segments.push({ base, path: path.join(dir, name), handle: null, allocated: 0, syncing: false })
  }
  segments.sort((a, b) => a.base - b.base)
  for (let i = 1; i < segments.length; i++) {
    if (segments[i]?.base === segments[i - 1]?.base) {
      throw dbError('data_corrupted', `two write-ahead log segments in "${dir}" start at the same LSN`, {
        detail: `"${segments[i - 1]?.path}" and "${segments[i]?.path}"`,
      })
    }
  }
  return segments
}

/** Index of the segment holding `lsn` (greatest base ≤ lsn), or -1 when `lsn` is below them all. */
export function segmentIndexAt(segments: readonly Segment[], lsn: number): number {
  let lo = 0
  let hi = segments.length - 1
  let found = -1
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1
    if ((segments[mid]?.base ?? Infinity) <= lsn) {
      found = mid
      lo = mid + 1
    } else {
      hi = mid - 1
    }
  }
  return found
}

/** Read-ahead size: many small chunks cost one read, a large chunk one read of its own. */
const READ_AHEAD_BYTES = 256 * 1024

/**
 * Sequential reads of one segment through a reusable block, so walking thousands of
 * tiny chunks (one per commit) costs a few large reads, not one per header.
 *
 * Reads stop at a limit the caller gives: the end of what the log has written. The
 * log never rewrites a byte below that end, so the cache never goes stale; past it
 * (preallocated space, the sync mark) bytes do change, and are never cached.
 */
export class SegmentReader {
  /** The block; offsets returned by `ensure` point into it. Replaced when it must grow. */
  block: Buffer = Buffer.alloc(0)
  private blockPos = 0
  private blockLen = 0

  constructor(readonly handle: FileHandle) {}

  /**
   * Makes file bytes [pos, pos+n) available in `block` and returns the offset of
   * `pos` in it, or -1 when the file (or `limit`) ends before pos+n.
   */
  ensure(pos: number, n: number, limit: number): number {
    if (pos >= this.blockPos && pos + n <= this.blockPos + this.blockLen) return pos - this.blockPos
    if (pos + n > limit) return -1
    const want = Math.max(n, READ_AHEAD_BYTES)
    if (this.block.length < want) this.block = Buffer.alloc(Math.max(want, this.block.length * 2))
    this.blockPos = pos
    this.blockLen = this.handle.read(this.block, 0, Math.min(this.block.length, limit - pos), pos)
    return n <= this.blockLen ? 0 : -1
  }

}
