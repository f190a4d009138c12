/**
 * The write-ahead log: an append-only byte stream of records in segment files, with
 * group commit.
 *
 * Records go into an in-memory buffer that is the open *chunk* (chunk.ts has the
 * frame). A record's LSN is its byte offset in the stream, known the moment it is
 * reserved, because the open chunk's start LSN is fixed: it begins right after the
 * previous chunk's trailer. The open chunk is written (one positional write, no
 * fsync) when it holds `chunkBytes`, and at a flush.
 *
 * ```
 *   durableLsn          openChunkStart          endLsn
 *        │  written, not synced │   open chunk (memory)  │
 *  ──────┼──────────────────────┼────────────────────────┤
 *   synced chunks (on disk)      buf: [hdr][len|rec][len|rec]…
 * ```
 *
 * Group commit: a committing transaction calls `flush(lsn)`. If no fsync is in
 * flight it starts a round: after one turn of the event loop (so the commits of
 * that turn join it), write the open chunk, then fdatasync every segment that
 * has unsynced writes. Transactions that commit meanwhile append into a new open
 * chunk and wait for that round; when it ends, the first of them starts the next
 * round, which covers all of them. So under load there is one fdatasync per round,
 * not one per commit, and a waiter is never released by a round that started before
 * its record was written. `durableLsn` is always a chunk boundary; a record at L is
 * durable once `durableLsn > L`.
 *
 * Failure: after a write or fdatasync fails, the state of the file is unknown (on
 * Linux a failed fsync may have dropped the dirty pages, and a retry would report
 * success). So the log is *poisoned*: every later append and flush throws the same
 * error (58030, or 53100 for a full disk), and the node must restart and recover from
 * what is really on disk. Nothing is acknowledged after a failed fsync.
 *
 * Opening: bytes found in the files may come from a process that was killed before
 * its fsync; they sit in the page cache and are not yet durable. So the log starts
 * with `durableLsn = firstLsn` and every segment unsynced, and the first flush syncs
 * them all before anything new is acknowledged.
 *
 * Preallocated, recycled segment files (as PostgreSQL keeps them): an fdatasync
 * after an append that grew the file must also journal its new size, and costs a
 * third more than one that only flushes data (0.133 against 0.103 ms on the disk
 * these figures come from). So a segment file grows ahead of the log, by zeros
 * written in steps that double from PREALLOCATE_MIN_BYTES to PREALLOCATE_MAX_BYTES
 * (the step's zeros are flushed by the round that needed them: one size change per
 * step, not per commit), and a segment that a checkpoint no longer needs is renamed
 * to a spare (up to SPARE_SEGMENTS) that the next new segment is renamed from,
 * already at full size and with its size durable. Zeros rather than fallocate: ext4
 * marks fallocated blocks unwritten and journals their conversion at the first
 * write. The end of the log is then not the end of a file; recover-tail.ts finds it.
 *
 * The sync mark: after every fdatasync, before anyone is told, a header-only chunk
 * naming the new durable LSN is written (not synced) where the next chunk will go,
 * which overwrites it. It is what lets recovery call a bad chunk before it damage
 * rather than a torn write (chunk.ts, recover-tail.ts); close() syncs it.
 *
 * Shortcuts we admit: close() flushes only what was appended before it was called;
 * a scan running while truncateBefore removes its segment fails; an in-memory log
 * preallocates and keeps spares as a disk would, which only costs memory.
 */
import path from 'node:path'
import { dbError, internalError, ioError, type IsolaError } from '../../common/errors.js'
import { asLsn, type Lsn } from '../../common/ids.js'
import type { FileHandle, FileSystem } from '../file-system.js'
import { HEADER_BYTES, LENGTH_PREFIX_BYTES, sealChunk } from './chunk.js'
import { recoverLog } from './recover-tail.js'
import { scanLog, type LogEntry, type LogView } from './scan.js'
import { newSegment, spareFileName, type Segment } from './segments.js'

/** A new segment starts once the current one holds this many bytes. */
export const DEFAULT_SEGMENT_BYTES = 64 * 1024 * 1024
/** Rounds in a row with a single waiter after which a lone committer fsyncs inline. */
export const SOLITARY_ROUNDS = 3
/** While inline, one flush in this many runs an asynchronous round to look for company. */
export const PROBE_EVERY = 16
/** The open chunk is written (without fsync) once its payload reaches this size. */
export const DEFAULT_CHUNK_BYTES = 1024 * 1024
/** The largest chunkBytes accepted: bounds the buffer together with MAX_RECORD_BYTES. */
export const MAX_CHUNK_BYTES = 256 * 1024 * 1024
/** The largest single record (PostgreSQL's limit for one field is the same 1 GiB). */
export const MAX_RECORD_BYTES = 1024 * 1024 * 1024
/** The buffer starts this small and doubles; after a huge record it shrinks back. */
const INITIAL_BUFFER_BYTES = 64 * 1024
/** A segment file's first preallocation; each later one is as large as the file, up to the maximum. */
export const PREALLOCATE_MIN_BYTES = 64 * 1024
/** The most zeros one round writes (and its fdatasync flushes) to grow a segment file. */
export const PREALLOCATE_MAX_BYTES = 1024 * 1024
/** Segments a checkpoint frees that are kept, renamed, for reuse; the rest are removed. */
export const SPARE_SEGMENTS = 2
/** The block of zeros that preallocation writes, allocated at the first use. */
let zeroBlock: Buffer | undefined

export interface WalOptions {
  fs: FileSystem
  dir: string
  /** Bytes after which a new segment file starts (default 64 MiB; tests use tiny values). */
  segmentBytes?: number
  /** Buffered payload bytes that trigger a synchronous (non-fsync) write of the open chunk (default 1 MiB). */
  chunkBytes?: number
}

export type { LogEntry } from './scan.js'

export class Wal {
  /**
   * The open chunk. `reserve` returns an offset into it where the caller writes the
   * record; reserve may replace the buffer, so read `wal.buf` after every reserve.
   */
  buf: Buffer
  /** The LSN of the record most recently reserved. */
  lastLsn: Lsn = asLsn(0)

  private readonly fs: FileSystem
  private readonly dir: string
  private readonly segmentBytes: number
  private readonly chunkBytes: number
  private readonly shrinkAbove: number
  /** Ascending by base; the last one is where chunks are written and has its handle open. */
  private segments: Segment[]
  /** Paths of spare segment files, renamed into service by the next new segments. */
  private readonly spares: string[]
  /** The sync mark: a header-only chunk (see the file comment). */
  private readonly mark = Buffer.alloc(HEADER_BYTES)
  /** Bytes of the open chunk in `buf`: header room, then the payload. */
  private used = HEADER_BYTES
  /** LSN of the open chunk = the end of what has been written to the files. */
  private openChunkStart: number
  private durable: number
  /** Segments written since their last fdatasync (or not yet synced since open). */
  private unsynced: Segment[]
  private inflight: Promise<void> | null = null
  /** Callers waiting on the round in flight, and how many rounds in a row served one caller. */
  private roundWaiters = 0
  private solitaryRounds = 0
  private inlineSinceProbe = 0
  /** Group-commit statistics: asynchronous rounds, inline (solitary) syncs, flush calls. */
  readonly syncStats = { rounds: 0, inline: 0, flushes: 0 }
  private failure: IsolaError | null = null
  /**
   * A failed sync-mark write: it poisons the log, but only once the round it followed
   * has released its waiters, whose records are durable (see writeMark).
   */
  private markFailure: IsolaError | null = null
  private closed = false
  private readonly view: LogView

  private constructor(opts: WalOptions, segments: Segment[], spares: string[], end: Lsn) {
    this.fs = opts.fs
    this.dir = opts.dir
    this.segmentBytes = opts.segmentBytes ?? DEFAULT_SEGMENT_BYTES
    this.chunkBytes = opts.chunkBytes ?? DEFAULT_CHUNK_BYTES
    this.shrinkAbove = 2 * (this.chunkBytes + HEADER_BYTES) + INITIAL_BUFFER_BYTES
    this.segments = segments
    this.spares = spares
    this.openChunkStart = end
    this.durable = segments[0]?.base ?? end
    this.unsynced = [...segments]
    this.buf = Buffer.alloc(INITIAL_BUFFER_BYTES)
    const self = this
    this.view = {
      fs: opts.fs,
      get segments() {
        return self.segments
      },
      get openChunkStart() {
        return self.openChunkStart
      },
      get buf() {
        return self.buf
      },
      get used() {
        return self.used
      },
    }
  }

  /** Opens the log in `opts.dir`, creating it when missing; cuts a torn tail (recover-tail.ts). */
  static open(opts: WalOptions): Wal {
    const { segmentBytes = DEFAULT_SEGMENT_BYTES, chunkBytes = DEFAULT_CHUNK_BYTES } = opts
    if (!Number.isSafeInteger(segmentBytes) || segmentBytes < 1) throw internalError(`bad WAL segmentBytes ${segmentBytes}`)
    if (!Number.isSafeInteger(chunkBytes) || chunkBytes < 0 || chunkBytes > MAX_CHUNK_BYTES) {
      throw internalError(`bad WAL chunkBytes ${chunkBytes}`)
    }
    const { segments, spares, end } = recoverLog(opts.fs, opts.dir)
    return new Wal(opts, segments, spares, end)
  }

  /** The LSN where the log's oldest remaining segment begins. */
  get firstLsn(): Lsn {
    return this.segments[0]?.base ?? asLsn(this.openChunkStart)
  }

  /** Just past the last record appended (the next record's LSN if the open chunk stays open). */
  get endLsn(): Lsn {
    return asLsn(this.used > HEADER_BYTES ? this.openChunkStart + this.used : this.openChunkStart)
  }

  /** Every byte below this is on disk and synced. Always a chunk boundary. */
  get durableLsn(): Lsn {
    return asLsn(this.durable)
  }

  /**
   * Reserves `size` bytes for one record and returns their offset in `this.buf`;
   * `this.lastLsn` is the record's LSN. O(1) amortised, no allocation per record.
   * The caller must fill all `size` bytes before the next call into the log.
   */
  reserve(size: number): number {
    if (this.markFailure !== null) this.failure ??= this.markFailure
    if (this.failure !== null || this.closed) throw this.unusable()
    if (!(Number.isInteger(size) && size >= 0 && size <= MAX_RECORD_BYTES)) return this.badSize(size)
    if (this.used - HEADER_BYTES >= this.chunkBytes) this.writeOpenChunk()
    const off = this.used
    const end = off + LENGTH_PREFIX_BYTES + size
    if (end > this.buf.length) this.grow(end)
    const buf = this.buf
    // The length prefix, by hand: Buffer#writeUInt32LE's argument checks cost more than the rest.
    buf[off] = size
    buf[off + 1] = size >>> 8
    buf[off + 2] = size >>> 16
    buf[off + 3] = size >>> 24
    this.used = end
    this.lastLsn = asLsn(this.openChunkStart + off)
    return off + LENGTH_PREFIX_BYTES
  }

  /** Appends one record (a copy of `bytes`) and returns its LSN. */
  append(bytes: Uint8Array): Lsn {
    const off = this.reserve(bytes.length)
    this.buf.set(bytes, off)
    return this.lastLsn
  }

  /**
   * Group commit: resolves once every byte below `upTo` (default: `endLsn` at the
   * call; values past it are clamped) is durable. Passing a record's LSN makes that
   * record durable, since its chunk holds the byte just below it. Rejects, and keeps
   * rejecting, once a write or fdatasync has failed.
   */
  async flush(upTo?: Lsn): Promise<void> {
    const end = this.endLsn
    const target = upTo === undefined || upTo > end ? end : upTo
    this.syncStats.flushes++
    for (;;) {
      if (this.failure !== null) throw this.failure
      if (target <= this.durable) return
      if (this.markFailure !== null) {
        this.failure ??= this.markFailure
        continue
      }
      if (this.closed) throw this.unusable()
      if (this.inflight === null && this.solitaryRounds >= SOLITARY_ROUNDS && ++this.inlineSinceProbe < PROBE_EVERY) {
        this.syncInline()
        continue
      }
      if (this.inflight === null) this.inlineSinceProbe = 0
      this.inflight ??= this.syncRound().finally(() => {
        this.solitaryRounds = this.roundWaiters === 1 ? this.solitaryRounds + 1 : 0
        this.roundWaiters = 0
        this.inflight = null
      })
      this.roundWaiters++
      // A failed round leaves its error in `failure`, which the next turn throws.
      await this.inflight.catch(() => undefined)
    }
  }

  /**
   * A round for a committer that is alone: write and fdatasync on the event loop,
   * without the thread hop of an asynchronous fsync (0.03–0.06 ms here, a third of
   * the fsync itself), as SQLite does. Only after SOLITARY_ROUNDS asynchronous rounds
   * in a row served one caller each. While inline, the loop cannot see whether other
   * committers arrived, so every PROBE_EVERY-th flush runs an asynchronous round
   * again: if it gathers two or more waiters, rounds stay asynchronous (grouped)
   * until commits come one at a time again. A burst of concurrency thus costs at
   * most PROBE_EVERY - 1 ungrouped fsyncs.
   */
  private syncInline(): void {
    this.syncStats.inline++
    const { target, segs } = this.takeSyncWork()
    try {
      for (const seg of segs) this.handleFor(seg).datasyncSync()
    } catch (e) {
      throw this.fail('fsync', e)
    } finally {
      this.releaseSynced(segs)
    }
    if (target > this.durable) this.durable = target
    this.writeMark()
  }

  /**
   * The records from `from` (a chunk start, a record's LSN, or a former `endLsn`) to
   * the end, including those not yet written. XX001 when `from` is below `firstLsn`
   * or a chunk read from disk is damaged. Yielded bytes are views, valid until the
   * next step or the next append.
   */
  scan(from: Lsn): Iterable<LogEntry> {
    if (this.closed) throw this.unusable()
    return scanLog(this.view, from)
  }

  /**
   * Drops the segments that lie entirely below `lsn` (after a checkpoint made the
   * log before `lsn` unnecessary): renamed to spares while there are fewer than
   * SPARE_SEGMENTS, removed otherwise. The newest segment always stays. Oldest
   * first, so a crash in the middle still leaves one unbroken stream.
   */
  truncateBefore(lsn: Lsn): void {
    if (this.closed) throw this.unusable()
    let removed = 0
    try {
      while (this.segments.length > 1 && (this.segments[1]?.base ?? Infinity) <= lsn) {
        const seg = this.segments[0] as Segment
        try {
          if (this.spares.length < SPARE_SEGMENTS) {
            const spare = path.join(this.dir, spareFileName(seg.base))
            this.fs.rename(seg.path, spare)
            this.spares.push(spare)
          } else {
            this.fs.remove(seg.path)
          }
        } catch (e) {
          throw ioError(`remove write-ahead log segment "${seg.path}"`, e)
        }
        this.segments.shift()
        removed++
        this.unsynced = this.unsynced.filter((s) => s !== seg)
        this.release(seg)
      }
    } finally {
      if (removed > 0) this.syncDir()
    }
  }

  /**
   * Closes the files at once and writes nothing more, as a crash would: what was not
   * yet written is lost. For crash tests and the simulator.
   */
  abandon(): void {
    if (this.closed) return
    this.closed = true
    this.unsynced = []
    for (const seg of this.segments) {
      if (seg.syncing) continue // its datasync still holds the handle; it is released when it ends
      this.release(seg)
    }
  }

  /**
   * Flushes everything appended so far, syncs a sync mark after it (so that the next
   * open can tell damage anywhere in the log from a torn write), and closes the
   * files. Throws if the log was poisoned.
   */
  async close(): Promise<void> {
    if (this.closed) return
    try {
      if (this.failure === null) await this.flush()
      if (this.failure === null && this.durable > this.firstLsn) {
        this.writeMark()
        if (this.markFailure !== null) throw (this.failure ??= this.markFailure)
        try {
          await this.handleFor(this.segments[this.segments.length - 1] as Segment).datasync()
        } catch (e) {
          throw this.fail('fsync', e)
        }
      }
    } finally {
      await this.inflight?.catch(() => undefined)
      this.closed = true
      this.unsynced = []
      for (const seg of this.segments) this.release(seg)
    }
    if (this.failure !== null) throw this.failure
  }

  /**
   * One group-commit round: write the open chunk, fdatasync every unsynced segment.
   * It first yields one turn of the event loop: the committers that the previous
   * round released run their next transaction in that turn and join this round,
   * instead of the first of them starting a round of one and leaving the others to
   * wait for the next (rounds of 1, 7, 1, 7 … instead of 8, 8 …).
   */
  private async syncRound(): Promise<void> {
    await new Promise<void>((resolve) => setImmediate(resolve))
    this.syncStats.rounds++
    const { target, segs } = this.takeSyncWork()
    for (const seg of segs) seg.syncing = true
    try {
      const results = await Promise.allSettled(segs.map((seg) => this.handleFor(seg).datasync()))
      const failed = results.find((r) => r.status === 'rejected')
      if (failed !== undefined) throw this.fail('fsync', failed.reason)
    } finally {
      for (const seg of segs) seg.syncing = false
      this.releaseSynced(segs)
    }
    if (target > this.durable) this.durable = target
    this.writeMark()
  }

  /** The start of every sync: write the open chunk; what must be synced, and what that makes durable. */
  private takeSyncWork(): { target: number; segs: Segment[] } {
    this.writeOpenChunk()
    const segs = this.unsynced
    this.unsynced = []
    return { target: this.openChunkStart, segs }
  }

  /** The end of every sync: close the handles of segments no longer written to. */
  private releaseSynced(segs: readonly Segment[]): void {
    for (const seg of segs) if (this.closed || seg !== this.segments[this.segments.length - 1]) this.release(seg)
  }

  /** Seals the open chunk and writes it with one positional write (no fsync). */
  private writeOpenChunk(): void {
    const payload = this.used - HEADER_BYTES
    if (payload === 0) return
    const start = this.openChunkStart
    const total = this.used
    try {
      const seg = this.segmentForChunk(start)
      sealChunk(this.buf, payload, start, this.durable)
      this.writeAt(seg, this.buf, total, start - seg.base, HEADER_BYTES)
      if (!this.unsynced.includes(seg)) this.unsynced.push(seg)
    } catch (e) {
      throw this.fail('write', e)
    }
    this.openChunkStart = start + total
    this.used = HEADER_BYTES
    if (this.buf.length > this.shrinkAbove) this.buf = Buffer.alloc(INITIAL_BUFFER_BYTES)
  }

  /**
   * The sync mark, after an fdatasync made the log durable up to `durable` and before
   * anyone waiting on it is released: a header-only chunk at the end of the log,
   * where the next chunk will overwrite it. Not written when it would prove nothing.
   * The waiters' records are durable whether or not the mark is written, so a failed
   * write poisons the log only from the next call on.
   */
  private writeMark(): void {
    if (this.closed || this.durable <= this.firstLsn) return
    const seg = this.segments[this.segments.length - 1] as Segment
    const start = this.openChunkStart
    try {
      sealChunk(this.mark, 0, start, this.durable)
      this.writeAt(seg, this.mark, HEADER_BYTES, start - seg.base, 0)
    } catch (e) {
      this.markFailure ??= ioError(`write the write-ahead log in "${this.dir}"`, e)
    }
  }

  /**
   * Writes `buf[0, length)` at `offset` of a segment, first growing the file with
   * zeros when the bytes and `room` more would not fit in it. Chunks keep room for
   * the sync mark after them: so the fdatasyncs that follow mostly flush data only,
   * and a mark never grows the file.
   */
  private writeAt(seg: Segment, buf: Buffer, length: number, offset: number, room: number): void {
    const handle = this.handleFor(seg)
    const end = offset + length
    const need = end + room
    if (need > seg.allocated) {
      const step = Math.min(PREALLOCATE_MAX_BYTES, Math.max(PREALLOCATE_MIN_BYTES, seg.allocated))
      const target = Math.max(need, Math.min(this.segmentBytes, seg.allocated + step))
      zeroBlock ??= Buffer.alloc(256 * 1024)
      for (let pos = Math.max(end, seg.allocated); pos < target; pos += zeroBlock.length) {
        handle.write(zeroBlock, 0, Math.min(zeroBlock.length, target - pos), pos)
      }
      seg.allocated = target
    }
    handle.write(buf, 0, length, offset)
  }

  /**
   * The segment a chunk starting at `start` goes to; starts a new one when the current
   * is full, from a spare when there is one. The full one is made durable first, so a
   * newer segment never holds bytes while an older one could still lose its tail:
   * after a crash, an older segment whose chunks end short of the next one's start is
   * damage, never a torn write (scan.ts).
   */
  private segmentForChunk(start: number): Segment {
    const current = this.segments[this.segments.length - 1] as Segment
    if (start - current.base < this.segmentBytes) return current
    this.handleFor(current).datasyncSync()
    const seg = newSegment(this.dir, asLsn(start))
    const spare = this.spares.shift()
    if (spare !== undefined) this.fs.rename(spare, seg.path)
    seg.handle = this.fs.open(seg.path, spare === undefined)
    seg.allocated = seg.handle.size()
    this.segments.push(seg)
    // Named and durable before the first chunk goes in: a chunk in a file recovery cannot find would be lost.
    this.syncDir()
    this.release(current)
    return seg
  }

  private handleFor(seg: Segment): FileHandle {
    seg.handle ??= this.fs.open(seg.path, false)
    return seg.handle
  }

  /** Closes a segment's handle unless the log still needs it (current, unsynced or syncing). */
  private release(seg: Segment): void {
    const current = seg === this.segments[this.segments.length - 1] && !this.closed
    if (seg.handle === null || seg.syncing || current || this.unsynced.includes(seg)) return
    try {
      seg.handle.close()
    } catch {
      // Closing after the data was synced (or abandoned) cannot lose anything.
    }
    seg.handle = null
  }

  private syncDir(): void {
    try {
      this.fs.syncDir(this.dir)
    } catch (e) {
      throw ioError(`fsync directory "${this.dir}"`, e)
    }
  }

  private grow(need: number): void {
    const next = Buffer.alloc(Math.max(need, this.buf.length * 2))
    this.buf.copy(next, 0, 0, this.used)
    this.buf = next
  }

  /** Poisons the log with the first failure; later calls throw this same error. */
  private fail(what: string, e: unknown): IsolaError {
    this.failure ??= ioError(`${what} the write-ahead log in "${this.dir}"`, e)
    return this.failure
  }

  private unusable(): IsolaError {
    return this.failure ?? internalError(`the write-ahead log in "${this.dir}" is closed`)
  }

  private badSize(size: number): never {
    if (Number.isInteger(size) && size > MAX_RECORD_BYTES) {
      throw dbError('program_limit_exceeded', `log record of ${size} bytes exceeds the maximum of ${MAX_RECORD_BYTES}`)
    }
    throw internalError(`bad log record size ${size}`)
  }
}
