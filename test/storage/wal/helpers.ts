/**
 * Test helpers for the write-ahead log: temp directories and a FileSystem wrapper
 * that counts calls, injects errors, delays fsyncs, and tracks what was synced so a
 * test can simulate a power cut (storage/power-cut-model.ts).
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { type FileHandle, type FileSystem, nodeFileSystem } from '../../../storage/file-system.js'
import { PowerCutModel } from '../../../storage/power-cut-model.js'
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
 * delay fsyncs, and counts them. `model` tracks what a power cut could take.
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
  /** Datasyncs whose size grew the file since the previous one: each journals a new size. */
  sizeChanges = 0
  readonly model: PowerCutModel
  readonly lastSyncedSize = new Map<string, number>()

  /** `sectorBytes`: the unit in which a power cut keeps or loses unsynced writes. */
  constructor(
    readonly inner: FileSystem = nodeFileSystem,
    sectorBytes = 512,
  ) {
    this.model = new PowerCutModel(sectorBytes)
  }

  open(file: string, create: boolean): FileHandle {
    return new FaultyHandle(this, this.inner.open(file, create))
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
    if (this.dead) throw errnoError('EIO')
    this.model.remove(file)
    this.inner.remove(file)
  }
  rename(from: string, to: string): void {
    if (this.dead) throw errnoError('EIO')
    this.model.rename(from, to)
    this.inner.rename(from, to)
  }
  syncDir(dir: string): void {
    this.inner.syncDir(dir)
  }

  /**
   * Simulates a power cut: each sector written since its file's last completed
   * datasync keeps its new content or returns to its old, as `random` decides, and
   * a grown file may return to its synced size (power-cut-model.ts).
   */
  powerCut(random: () => number): void {
    this.dead = true
    this.model.cut(this.inner, random)
  }

  /** Counts a datasync that covers a file size different from the previous one's. */
  noteSync(file: string, size: number): void {
    if (this.lastSyncedSize.has(file) && this.lastSyncedSize.get(file) !== size) this.sizeChanges++
    this.lastSyncedSize.set(file, size)
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
    this.owner.model.beforeWrite(this.inner, position, length)
    if (this.owner.failWrites !== null) {
      const part = Math.min(this.owner.partialWriteBytes, length)
      if (part > 0) this.inner.write(buf, offset, part, position)
      throw errnoError(this.owner.failWrites)
    }
    this.inner.write(buf, offset, length, position)
  }
  async datasync(): Promise<void> {
    this.owner.datasyncs++
    if (this.owner.dead) throw errnoError('EIO')
    const done = this.owner.model.datasyncStarted(this.inner)
    const size = this.inner.size()
    if (this.owner.syncDelayMs > 0) await new Promise((r) => setTimeout(r, this.owner.syncDelayMs))
    if (this.owner.dead) throw errnoError('EIO')
    if (this.owner.failSyncs !== null) throw errnoError(this.owner.failSyncs)
    await this.inner.datasync()
    if (this.owner.dead) throw errnoError('EIO')
    done()
    this.owner.noteSync(this.inner.path, size)
  }
  datasyncSync(): void {
    this.owner.datasyncs++
    if (this.owner.dead) throw errnoError('EIO')
    if (this.owner.failSyncs !== null) throw errnoError(this.owner.failSyncs)
    const done = this.owner.model.datasyncStarted(this.inner)
    this.inner.datasyncSync()
    done()
    this.owner.noteSync(this.inner.path, this.inner.size())
  }
  size(): number {
    return this.inner.size()
  }
  truncate(length: number): void {
    this.inner.truncate(length)
  }
  close(): void {
    this.inner.close()
  }
}
