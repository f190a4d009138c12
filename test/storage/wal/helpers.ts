/**
 * Test helpers for the write-ahead log: temp directories and a FileSystem wrapper
 * that counts calls, injects errors, delays fsyncs, and remembers how much of each
 * file was synced so a test can simulate a power cut.
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { type FileHandle, type FileSystem, nodeFileSystem } from '../../../storage/file-system.js'
import { Wal, type WalOptions } from '../../../storage/wal/wal.js'

const dirs: string[] = []

/** A fresh temp directory, removed by `removeTempDirs` (call it in afterEach). */
export function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'isola-wal-'))
  dirs.push(dir)
  return dir
}

export function removeTempDirs(): void {
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true })
}

export function errnoError(code: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`${code}: simulated failure`), { code })
}

/** The segment files of a log directory, sorted by name (= by base LSN). */
export function segmentFiles(dir: string): string[] {
  return fs
    .readdirSync(dir)
    .filter((n) => n.endsWith('.wal'))
    .sort()
    .map((n) => path.join(dir, n))
}

/** All records of a log, copied out of the scan's views. */
export function readAll(wal: Wal, from = wal.firstLsn): { lsn: number; bytes: Buffer }[] {
  const out: { lsn: number; bytes: Buffer }[] = []
  for (const e of wal.scan(from)) out.push({ lsn: e.lsn, bytes: Buffer.from(e.bytes) })
  return out
}

export function openWal(dir: string, fsys: FileSystem = nodeFileSystem, extra: Partial<WalOptions> = {}): Wal {
  return Wal.open({ fs: fsys, dir, ...extra })
}

/** Deterministic pseudo-random bytes, never 0 (so a zeroed region always differs). */
export function recordBytes(seed: number, length: number): Buffer {
  const b = Buffer.alloc(length)
  let x = (seed * 2654435761) >>> 0 || 1
  for (let i = 0; i < length; i++) {
    x ^= x << 13
    x ^= x >>> 17
    x ^= x << 5
    x >>>= 0
    b[i] = (x % 255) + 1
  }
  return b
}

/**
 * A FileSystem over the real one that can fail writes or fsyncs with an errno code,
 * delay fsyncs, and counts them. `synced` maps each file to the size it had when its
 * last completed datasync was called: what a power cut would keep.
 */
export class FaultyFs implements FileSystem {
  datasyncs = 0
  writes = 0
  /** Throw this errno code from the next writes (null: write normally). */
  failWrites: string | null = null
  /** With failWrites: first write this many bytes of the request, as a short write would. */
  partialWriteBytes = 0
  failSyncs: string | null = null
  syncDelayMs = 0
  /** After a power cut: every write and fsync fails, and changes nothing. */
  dead = false
  readonly synced = new Map<string, number>()

  constructor(readonly inner: FileSystem = nodeFileSystem) {}

  open(file: string, create: boolean): FileHandle {
    const existed = this.inner.exists(file)
    const h = this.inner.open(file, create)
    if (!this.synced.has(file)) this.synced.set(file, existed ? h.size() : 0)
    return new FaultyHandle(this, h)
  }
  exists(file: string): boolean {
    return this.inner.exists(file)
  }
  mkdirp(dir: string): void {
    this.inner.mkdirp(dir)
  }
  list(dir: string): string[] {
    return this.inner.list(dir)
  }
  remove(file: string): void {
    this.synced.delete(file)
    this.inner.remove(file)
  }
  syncDir(dir: string): void {
    this.inner.syncDir(dir)
  }

  /**
   * Simulates a power cut: every file loses what was not synced, except that the
   * first file with unsynced bytes keeps a prefix of them of `keep(unsynced)` bytes
   * (pages persist in order up to the cut). Later files keep only their synced part.
   */
  powerCut(keep: (unsynced: number) => number): void {
    this.dead = true
    let tornOne = false
    for (const file of [...this.synced.keys()].sort()) {
      if (!fs.existsSync(file)) continue
      const synced = this.synced.get(file) ?? 0
      const size = fs.statSync(file).size
      let length = Math.min(synced, size)
      if (size > synced && !tornOne) {
        tornOne = true
        length += Math.max(0, Math.min(size - synced, keep(size - synced)))
      }
      fs.truncateSync(file, length)
    }
  }
}

class FaultyHandle implements FileHandle {
  constructor(
    private readonly owner: FaultyFs,
    private readonly inner: FileHandle,
  ) {}
  get path(): string {
    return this.inner.path
  }
  read(buf: Uint8Array, offset: number, length: number, position: number): number {
    return this.inner.read(buf, offset, length, position)
  }
  write(buf: Uint8Array, offset: number, length: number, position: number): void {
    this.owner.writes++
    if (this.owner.dead) throw errnoError('EIO')
    if (this.owner.failWrites !== null) {
      const part = Math.min(this.owner.partialWriteBytes, length)
      if (part > 0) this.inner.write(buf, offset, part, position)
      throw errnoError(this.owner.failWrites)
    }
    this.inner.write(buf, offset, length, position)
  }
  async datasync(): Promise<void> {
    this.owner.datasyncs++
    const size = this.inner.size()
    if (this.owner.syncDelayMs > 0) await new Promise((r) => setTimeout(r, this.owner.syncDelayMs))
    if (this.owner.dead) throw errnoError('EIO')
    if (this.owner.failSyncs !== null) throw errnoError(this.owner.failSyncs)
    await this.inner.datasync()
    this.owner.synced.set(this.inner.path, Math.max(size, this.owner.synced.get(this.inner.path) ?? 0))
  }
  datasyncSync(): void {
    this.owner.datasyncs++
    const size = this.inner.size()
    if (this.owner.dead) throw errnoError('EIO')
    if (this.owner.failSyncs !== null) throw errnoError(this.owner.failSyncs)
    this.inner.datasyncSync()
    this.owner.synced.set(this.inner.path, Math.max(size, this.owner.synced.get(this.inner.path) ?? 0))
  }
  size(): number {
    return this.inner.size()
  }
  truncate(length: number): void {
    this.inner.truncate(length)
    this.owner.synced.set(this.inner.path, Math.min(length, this.owner.synced.get(this.inner.path) ?? 0))
  }
  close(): void {
    this.inner.close()
  }
}
