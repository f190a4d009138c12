/**
 * Files as an interface (DESIGN.md §7), so tests can inject faults and a simulator
 * can later drive the store.
 *
 * Reads and writes are synchronous on purpose: a B+tree operation that misses the
 * buffer pool reads its page inline, as SQLite (and better-sqlite3) do, which keeps
 * the tree code free of `await` on the hot path. Only `datasync` is asynchronous,
 * because an fsync is the one slow call that concurrent commits should share
 * (group commit) while the event loop keeps serving other sessions.
 */
import fs from 'node:fs'
import path from 'node:path'
import { ioError } from '../common/errors.js'

export interface FileHandle {
  readonly path: string
  /** Reads up to `length` bytes at `position`; returns how many were read (short at end of file). */
  read(buf: Uint8Array, offset: number, length: number, position: number): number
  /** Writes all `length` bytes at `position`, or throws. */
  write(buf: Uint8Array, offset: number, length: number, position: number): void
  /** Makes written data durable (fdatasync), off the event loop. */
  datasync(): Promise<void>
  /** The same on the event loop: for a committer that is alone (wal.ts, solitary rounds). */
  datasyncSync(): void
  size(): number
  truncate(length: number): void
  close(): void
}

export interface FileSystem {
  /** Opens a file for reading and writing, creating it when `create` is set. */
  open(file: string, create: boolean): FileHandle
  exists(file: string): boolean
  mkdirp(dir: string): void
  /** File names (not paths) in a directory, unsorted. */
  list(dir: string): string[]
  remove(file: string): void
  /** Renames a file, replacing `to` if it exists (atomic, as rename(2)); syncDir makes it durable. */
  rename(from: string, to: string): void
  /** Makes the directory's entries (created, renamed or removed files) durable. */
  syncDir(dir: string): void
}

class NodeFile implements FileHandle {
  constructor(
    readonly path: string,
    private readonly fd: number,
  ) {}

  read(buf: Uint8Array, offset: number, length: number, position: number): number {
    try {
      let done = 0
      while (done < length) {
        const n = fs.readSync(this.fd, buf, offset + done, length - done, position + done)
        if (n === 0) break
        done += n
      }
      return done
    } catch (e) {
      throw ioError(`read file "${this.path}"`, e)
    }
  }

  write(buf: Uint8Array, offset: number, length: number, position: number): void {
    try {
      let done = 0
      while (done < length) done += fs.writeSync(this.fd, buf, offset + done, length - done, position + done)
    } catch (e) {
      throw ioError(`write file "${this.path}"`, e)
    }
  }

  datasync(): Promise<void> {
    return new Promise((resolve, reject) =>
      fs.fdatasync(this.fd, (e) => (e ? reject(ioError(`fsync file "${this.path}"`, e)) : resolve())),
    )
  }

  datasyncSync(): void {
    try {
      fs.fdatasyncSync(this.fd)
    } catch (e) {
      throw ioError(`fsync file "${this.path}"`, e)
    }
  }

  size(): number {
    try {
      return fs.fstatSync(this.fd).size
    } catch (e) {
      throw ioError(`stat file "${this.path}"`, e)
    }
  }

  truncate(length: number): void {
    try {
      fs.ftruncateSync(this.fd, length)
    } catch (e) {
      throw ioError(`truncate file "${this.path}"`, e)
    }
  }

  close(): void {
    fs.closeSync(this.fd)
  }
}

/** The real file system. */
export const nodeFileSystem: FileSystem = {
  open(file, create) {
    try {
      return new NodeFile(file, fs.openSync(file, create && !fs.existsSync(file) ? 'w+' : 'r+'))
    } catch (e) {
      throw ioError(`open file "${file}"`, e)
    }
  },
  exists: (file) => fs.existsSync(file),
  mkdirp(dir) {
    try {
      fs.mkdirSync(dir, { recursive: true })
    } catch (e) {
      throw ioError(`create directory "${dir}"`, e)
    }
  },
  list(dir) {
    try {
      return fs.readdirSync(dir)
    } catch (e) {
      throw ioError(`list directory "${dir}"`, e)
    }
  },
  remove(file) {
    try {
      fs.rmSync(file, { force: true })
    } catch (e) {
      throw ioError(`remove file "${file}"`, e)
    }
  },
  rename(from, to) {
    try {
      fs.renameSync(from, to)
    } catch (e) {
      throw ioError(`rename file "${from}" to "${to}"`, e)
    }
  },
  syncDir(dir) {
    let fd: number | undefined
    try {
      fd = fs.openSync(path.resolve(dir), 'r')
      fs.fsyncSync(fd)
    } catch (e) {
      throw ioError(`fsync directory "${dir}"`, e)
    } finally {
      if (fd !== undefined) fs.closeSync(fd)
    }
  },
}
