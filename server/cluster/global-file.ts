/**
 * `DIR/global.json`: the cluster's roles and databases (PostgreSQL's shared
 * catalogs pg_authid and pg_database), small enough to rewrite whole on every
 * change. A write is atomic and durable on a POSIX file system:
 *
 *     write global.json.tmp ─► fsync it ─► rename over global.json ─► fsync DIR
 *
 * so after a crash the file is the old version or the new one, never a mix, and
 * once `writeGlobal` returns the new one survives a power cut. A leftover .tmp
 * (a crash before the rename) is ignored and overwritten by the next write.
 */
import fs from 'node:fs/promises'
import path from 'node:path'
import { dbError, ioError } from '../../common/errors.js'
import type { GlobalState } from './records.js'

export const GLOBAL_FILE = 'global.json'

/** The stored state, or undefined for a directory that has none yet. */
export async function readGlobal(dir: string): Promise<GlobalState | undefined> {
  const file = path.join(dir, GLOBAL_FILE)
  let text: string
  try {
    text = await fs.readFile(file, 'utf8')
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw ioError(`read file "${file}"`, e)
  }
  let state: unknown
  try {
    state = JSON.parse(text)
  } catch (e) {
    throw dbError('data_corrupted', `could not parse file "${file}": ${(e as Error).message}`, { cause: e })
  }
  if (!isGlobalState(state)) throw dbError('data_corrupted', `file "${file}" does not hold a cluster's roles and databases`)
  return state
}

export async function writeGlobal(dir: string, state: GlobalState): Promise<void> {
  const file = path.join(dir, GLOBAL_FILE)
  const tmp = `${file}.tmp`
  try {
    const handle = await fs.open(tmp, 'w')
    try {
      await handle.writeFile(JSON.stringify(state, null, 2) + '\n', 'utf8')
      await handle.sync()
    } finally {
      await handle.close()
    }
    await fs.rename(tmp, file)
    await syncDir(dir)
  } catch (e) {
    throw ioError(`write file "${file}"`, e)
  }
}

/** fsync a directory, so a rename or a new entry in it is durable. */
export async function syncDir(dir: string): Promise<void> {
  const handle = await fs.open(dir, 'r')
  try {
    await handle.sync()
  } finally {
    await handle.close()
  }
}

function isGlobalState(x: unknown): x is GlobalState {
  const s = x as GlobalState
  return typeof s === 'object' && s !== null && s.version === 1 && Number.isInteger(s.nextOid) && Array.isArray(s.roles) && Array.isArray(s.databases) &&
    s.roles.every((r) => typeof r.name === 'string' && Number.isInteger(r.oid) && typeof r.superuser === 'boolean' && typeof r.login === 'boolean' &&
      typeof r.createdb === 'boolean' && typeof r.createrole === 'boolean' && (r.password === null || typeof r.password === 'string')) &&
    s.databases.every((d) => typeof d.name === 'string' && Number.isInteger(d.oid) && Number.isInteger(d.owner))
}
