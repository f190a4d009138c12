/**
 * One process per data directory, as PostgreSQL's postmaster.pid ensures: two
 * stores writing the same files would corrupt them.
 *
 * The lock is a file `DIR/LOCK` holding the owner's process id. Opening a directory
 * whose lock names a live process (other than this one, which must release its own
 * first) fails with 55000; a lock left by a process that died (kill -9, power loss)
 * is taken over. A recycled pid can make a stale lock look live; as with
 * PostgreSQL, the operator removes the file then.
 */
import path from 'node:path'
import { dbError } from '../common/errors.js'
import type { FileSystem } from './file-system.js'

const LOCK_FILE = 'LOCK'
/** Directories this process holds, so a second open from the same process is refused too. */
const heldHere = new Set<string>()

export interface DirLock {
  release(): void
}

export function lockDirectory(fs: FileSystem, dir: string): DirLock {
  const key = path.resolve(dir)
  const file = path.join(dir, LOCK_FILE)
  if (heldHere.has(key)) throw inUse(dir, process.pid)
  if (fs.exists(file)) {
    const owner = readOwner(fs, file)
    if (owner !== undefined && owner !== process.pid && alive(owner)) throw inUse(dir, owner)
  }
  const h = fs.open(file, true)
  try {
    const text = Buffer.from(`${process.pid}\n`)
    h.truncate(0)
    h.write(text, 0, text.length, 0)
  } finally {
    h.close()
  }
  heldHere.add(key)
  let released = false
  return {
    release() {
      if (released) return
      released = true
      heldHere.delete(key)
      fs.remove(file)
    },
  }
}

function readOwner(fs: FileSystem, file: string): number | undefined {
  const h = fs.open(file, false)
  try {
    const buf = Buffer.alloc(32)
    const n = h.read(buf, 0, buf.length, 0)
    const pid = Number.parseInt(buf.toString('utf8', 0, n), 10)
    return Number.isInteger(pid) && pid > 0 ? pid : undefined
  } finally {
    h.close()
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (e) {
    // EPERM: the process exists but belongs to another user.
    return (e as NodeJS.ErrnoException).code === 'EPERM'
  }
}

function inUse(dir: string, pid: number) {
  return dbError('object_not_in_prerequisite_state', `data directory "${dir}" is in use by process ${pid}`, {
    hint: `Is another Isola server running on this data directory? If not, remove "${path.join(dir, LOCK_FILE)}".`,
  })
}
