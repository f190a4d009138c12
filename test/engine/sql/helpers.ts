/**
 * Helpers for the SQL engine's tests: databases that clean up after themselves,
 * rows as plain text (PostgreSQL's text output), and a probe that tells whether a
 * statement is still waiting.
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterEach } from 'vitest'
import { open, type Database, type OpenOptions, type Session } from '../../../index.js'
import { formatValue } from '../../../engine/values/index.js'

const opened: Database[] = []
const dirs: string[] = []

afterEach(async () => {
  for (const db of opened.splice(0)) await db.close().catch(() => undefined)
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true })
})

/** A database closed after the test (in memory unless a directory is given). */
export async function database(options: OpenOptions = { memory: true }): Promise<Database> {
  const db = await open({ gcIntervalMs: 0, ...options })
  opened.push(db)
  return db
}

/** A temporary data directory removed after the test. */
export function tempDir(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'isola-sql-'))
  dirs.push(d)
  return d
}

/** Rows of the last statement as text lines "a | b", in PostgreSQL's text output. */
export async function rows(s: Session, sql: string, params: readonly unknown[] = []): Promise<string[]> {
  const results = await s.execute(sql, params)
  const r = results[results.length - 1]!
  return r.rows.map((row) => row.map((v, i) => formatValue(r.columns![i]!.type, v) ?? 'NULL').join(' | '))
}

/** The SQLSTATE a promise rejects with ('' when it resolves). */
export async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p
    return ''
  } catch (e) {
    const code = (e as { code?: string }).code
    if (code === undefined) throw e
    return code
  }
}

export type Settled<T> = { state: 'pending' } | { state: 'done'; value: T } | { state: 'error'; error: unknown }

/** The state of a promise after a few turns of the event loop (a lock wait stays pending). */
export async function peek<T>(p: Promise<T>, turns = 20): Promise<Settled<T>> {
  let r: Settled<T> = { state: 'pending' }
  p.then(
    (value) => (r = { state: 'done', value }),
    (error) => (r = { state: 'error', error }),
  )
  for (let i = 0; i < turns; i++) await new Promise((res) => setImmediate(res))
  return r
}
