/**
 * Files in memory: the FileSystem of `open({ memory: true })` and of tests that want
 * the whole engine without a disk. Everything the store writes lives in growable
 * buffers that vanish with the object; fsyncs cost nothing. Each instance is its
 * own disk, so two in-memory databases never share files.
 */
import path from 'node:path'
import { dbError } from '../common/errors.js'
import type { FileHandle, FileSystem } from './file-system.js'

class MemoryFile {
  data = Buffer.alloc(0)
  length = 0

  ensure(size: number): void {
    if (size <= this.data.length) return
    const next = Buffer.alloc(Math.max(size, this.data.length * 2, 64 * 1024))
    this.data.copy(next, 0, 0, this.length)
    this.data = next
  }
}

class MemoryHandle implements FileHandle {
  private open = true

  constructor(
    readonly path: string,
    private readonly file: MemoryFile,
  ) {}

  read(buf: Uint8Array, offset: number, length: number, position: number): number {
    this.check()
    const n = Math.max(0, Math.min(length, this.file.length - position))
    buf.set(this.file.data.subarray(position, position + n), offset)
    return n
  }

  write(buf: Uint8Array, offset: number, length: number, position: number): void {
    this.check()
    this.file.ensure(position + length)
    this.file.data.set(buf.subarray(offset, offset + length), position)
    this.file.length = Math.max(this.file.length, position + length)
  }

  async datasync(): Promise<void> {
    this.check()
  }

  datasyncSync(): void {
    this.check()
  }

  size(): number {
    return this.file.length
  }

  truncate(length: number): void {
    this.check()
    if (length < this.file.length) this.file.data.fill(0, length, this.file.length)
    this.file.ensure(length)
    this.file.length = length
  }

  close(): void {
    this.open = false
  }

  private check(): void {
    if (!this.open) throw dbError('io_error', `file "${this.path}" is closed`)
  }
}

export class MemoryFileSystem implements FileSystem {
  private readonly files = new Map<string, MemoryFile>()
  private readonly dirs = new Set<string>()

  open(file: string, create: boolean): FileHandle {
    const key = path.resolve(file)
    let f = this.files.get(key)
    if (f === undefined) {
      if (!create) throw dbError('io_error', `could not open file "${file}": No such file or directory`)
      f = new MemoryFile()
      this.files.set(key, f)
    }
    return new MemoryHandle(file, f)
  }

  exists(file: string): boolean {
    const key = path.resolve(file)
    return this.files.has(key) || this.dirs.has(key)
  }

  mkdirp(dir: string): void {
    for (let d = path.resolve(dir); !this.dirs.has(d); d = path.dirname(d)) {
      this.dirs.add(d)
      if (path.dirname(d) === d) break
    }
  }

  list(dir: string): string[] {
    const key = path.resolve(dir)
    return [...this.files.keys()].filter((f) => path.dirname(f) === key).map((f) => path.basename(f))
  }

  remove(file: string): void {
    this.files.delete(path.resolve(file))
  }

  rename(from: string, to: string): void {
    const f = this.files.get(path.resolve(from))
    if (f === undefined) throw dbError('io_error', `could not rename file "${from}": No such file or directory`)
    this.files.delete(path.resolve(from))
    this.files.set(path.resolve(to), f)
  }

  syncDir(): void {}
}
