/**
 * What a power cut does to files, as the crash tests model it: the `power-cut`
 * fault of fault-file-system.ts and the WAL tests' FaultyFs both track writes
 * through this and apply it at the moment of the cut.
 *
 * The model, per file:
 *
 * - Bytes are grouped into sectors of `sectorBytes` (512 on real disks; tests also
 *   use tiny sectors, which tear a write anywhere). A sector written since the
 *   file's last completed datasync keeps, independently of every other sector and
 *   in no particular order, either its newest content or its content at that
 *   datasync. So an overwrite of preallocated or recycled space may be lost whole,
 *   in part, or out of order, and what reappears is the old bytes (zeros, stale
 *   chunks), not a hole.
 * - A sector nobody wrote since that datasync keeps its content (powersafe
 *   overwrite, as SQLite assumes: a write changes only the bytes it was given).
 * - A file that grew since that datasync keeps its new size or returns to its
 *   synced size; lost sectors in a kept tail read as zeros.
 * - A datasync covers what was written before it was called; writes made while it
 *   is in flight stay volatile.
 * - Directory changes (create, rename, remove) are durable at once: the store
 *   syncs the directory right after each, and a lost one is not modelled.
 */
import type { FileHandle, FileSystem } from './file-system.js'

interface TrackedFile {
  /** The size at the newest datasync call that completed. */
  syncedSize: number
  /** The generation (call count) of that datasync. */
  syncedGen: number
  /** Sectors written since: index → content at the last completed datasync (zero-filled past its end). */
  readonly dirty: Map<number, Buffer>
  /** index → generation of the last write to the sector. */
  readonly writtenAt: Map<number, number>
}

export class PowerCutModel {
  private readonly files = new Map<string, TrackedFile>()
  /** Counts writes and datasync calls: orders them. */
  private gen = 0

  constructor(readonly sectorBytes = 512) {
    if (!Number.isInteger(sectorBytes) || sectorBytes < 1) throw new Error(`bad sector size ${sectorBytes}`)
  }

  /** Call before every write of [pos, pos+length) through `h`: remembers the durable content it may lose. */
  beforeWrite(h: FileHandle, pos: number, length: number): void {
    if (length <= 0) return
    const f = this.track(h)
    const gen = ++this.gen
    const first = Math.floor(pos / this.sectorBytes)
    const last = Math.floor((pos + length - 1) / this.sectorBytes)
    for (let i = first; i <= last; i++) {
      if (!f.dirty.has(i)) f.dirty.set(i, this.readSector(h, i))
      f.writtenAt.set(i, gen)
    }
  }

  /**
   * Call when a datasync of `h` starts; call the function it returns when the
   * datasync succeeds. What was written before the call becomes durable then.
   */
  datasyncStarted(h: FileHandle): () => void {
    const f = this.track(h)
    const gen = ++this.gen
    const size = h.size()
    const snapshot = new Map<number, Buffer>()
    for (const i of f.dirty.keys()) snapshot.set(i, this.readSector(h, i))
    return () => {
      if (gen < f.syncedGen) return // a later datasync already completed and covered more
      f.syncedGen = gen
      f.syncedSize = size
      for (const [i, content] of snapshot) {
        if ((f.writtenAt.get(i) ?? 0) < gen) {
          f.dirty.delete(i)
          f.writtenAt.delete(i)
        } else {
          f.dirty.set(i, content)
        }
      }
    }
  }

  rename(from: string, to: string): void {
    const f = this.files.get(from)
    this.files.delete(from)
    if (f !== undefined) this.files.set(to, f)
  }

  remove(file: string): void {
    this.files.delete(file)
  }

  /**
   * The cut: rewrites the files through `fs` (not through the tracking wrapper) as
   * the model allows, each choice taken from `random` (0 ≤ r < 1).
   */
  cut(fs: FileSystem, random: () => number): void {
    for (const [file, f] of this.files) {
      if (!fs.exists(file)) continue
      const h = fs.open(file, false)
      try {
        const size = h.size()
        for (const [i, old] of f.dirty) {
          const at = i * this.sectorBytes
          if (at < size && random() < 0.5) h.write(old, 0, Math.min(old.length, size - at), at)
        }
        if (size > f.syncedSize && random() < 0.5) h.truncate(f.syncedSize)
      } finally {
        h.close()
      }
    }
    this.files.clear()
  }

  private track(h: FileHandle): TrackedFile {
    let f = this.files.get(h.path)
    if (f === undefined) {
      f = { syncedSize: h.size(), syncedGen: 0, dirty: new Map(), writtenAt: new Map() }
      this.files.set(h.path, f)
    }
    return f
  }

  /** A sector's current content, zero-filled where the file ends inside it. */
  private readSector(h: FileHandle, i: number): Buffer {
    const b = Buffer.alloc(this.sectorBytes)
    h.read(b, 0, this.sectorBytes, i * this.sectorBytes)
    return b
  }
}
