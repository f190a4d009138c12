/**
 * Golden scripts for isolation anomalies (toydb-style goldenscripts, Hermitage's
 * scenarios): a script is a list of commands, each followed by the output it must
 * produce. The runner executes a script against a backend (Isola's transaction
 * layer here; PostgreSQL in golden-postgres.ts, which is how the expected outputs
 * were obtained) and prints the script back with the outputs it got, so a test
 * compares that text with the file.
 *
 * FORMAT
 *
 *     # a comment (lines starting with # are kept as they are)
 *     setup: 1 = 10, 2 = 20          a command line
 *     ---                            then ---
 *     ok                             then its output lines, up to a blank line
 *
 *     t1: begin repeatable read
 *     ---
 *     ok
 *
 * Commands. `setup:` fills the one table `test` (integer id → integer value) from
 * scratch. Every other command runs in the session named by its prefix (`t1:`,
 * `t2:` …); a session's statements run in its open transaction, or in a transaction
 * of their own (autocommit, read committed) when it has none.
 *
 *     begin [read committed | repeatable read | serializable] [read only] [deferrable]
 *     get K [K …]                      rows with these ids (one statement)
 *     scan [where P]                   all visible rows, or those matching P
 *     set K = V                        blind write (upsert): tx.put
 *     update [K] [set] value = E [where P]
 *                                      UPDATE: every visible row (or row K) that
 *                                      matches P, each via tx.modify with a callback
 *                                      that re-checks P and recomputes E from the
 *                                      current value (READ COMMITTED's re-check)
 *     delete [K] [where P]             DELETE: the same, the callback returns null
 *     insert K = V [, K = V …]         INSERT: 23505 if the row exists
 *     commit | rollback
 *
 *   P is one or more conditions joined by `and`: `id|value [% N] (= <> != < <= > >=) N`
 *   or `id|value in (N, …)`. E is `N` or `value (+ - *) N`.
 *
 * Outputs. Rows print on one line in id order: `1 = 10, 2 = 20`, or `(no rows)`.
 * `begin`, `set`, `setup`, `commit`, `rollback` print `ok`; UPDATE, DELETE and INSERT
 * print `updated N`, `deleted N`, `inserted N`. An error prints `! SQLSTATE` (e.g.
 * `! 40001`). As in PostgreSQL, an error aborts the transaction: later statements of
 * the session print `! 25P02` and its `commit` prints `rolled back` (its locks are
 * held until then).
 *
 * Blocking. A command that waits for a lock prints nothing: its output block is
 * empty. When it completes (another session's commit or rollback released it), its
 * output is printed in the block of the command that released it, after that
 * command's own output, each line prefixed with its session:
 *
 *     t2: update 1 set value = 12
 *     ---
 *
 *     t1: commit
 *     ---
 *     ok
 *     t2: updated 1
 *
 * Deciding that a command blocks: a backend that can see lock waits (PostgreSQL:
 * pg_blocking_pids) says so. Isola's transaction API has no such probe, so timing
 * decides, guided by the expected output: a command whose block expects output is
 * given up to EXPECT_DONE_MS to finish; one expected to block is given BLOCK_MS and
 * must still be pending then. Either way a wrong expectation shows as a mismatch.
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { dbError } from '../../common/errors.js'
import type { IsolationLevel, TableId, Transaction, TxnDatabase } from '../../txn/index.js'
import { openTestDatabase } from './open-db.js'

/** How long a command expected to finish may take (commits wait for fsync). */
export const EXPECT_DONE_MS = 5_000
/** How long a command expected to block must stay pending. */
export const BLOCK_MS = 150
/** With no expectation (recording), how long before a command counts as blocked. */
export const UNKNOWN_MS = 500

// ---- the script --------------------------------------------------------------------

export type ScriptItem = { readonly kind: 'text'; readonly line: string } | { readonly kind: 'block'; readonly command: string; readonly output: readonly string[]; readonly line: number }

export function parseScript(text: string): ScriptItem[] {
  const lines = text.replace(/\r\n/g, '\n').split('\n')
  if (lines[lines.length - 1] === '') lines.pop()
  const items: ScriptItem[] = []
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!
    if (line.trim() === '' || line.startsWith('#')) {
      items.push({ kind: 'text', line })
      continue
    }
    if (lines[i + 1] !== '---') throw new Error(`line ${i + 2}: expected --- after the command "${line}"`)
    const output: string[] = []
    let j = i + 2
    for (; j < lines.length && lines[j]!.trim() !== '' && !lines[j]!.startsWith('#'); j++) output.push(lines[j]!)
    items.push({ kind: 'block', command: line, output, line: i + 1 })
    i = j - 1
  }
  return items
}

export function formatScript(items: readonly ScriptItem[]): string {
  const out: string[] = []
  for (const it of items) {
    if (it.kind === 'text') out.push(it.line)
    else out.push(it.command, '---', ...it.output)
  }
  return out.join('\n') + '\n'
}

// ---- commands ----------------------------------------------------------------------

export type Cond =
  | { readonly col: 'id' | 'value'; readonly mod?: number; readonly op: '=' | '<>' | '<' | '<=' | '>' | '>='; readonly n: number }
  | { readonly col: 'id' | 'value'; readonly op: 'in'; readonly list: readonly number[] }
export type Expr = { readonly op: 'const'; readonly n: number } | { readonly op: '+' | '-' | '*'; readonly n: number }

export type Command =
  | { readonly kind: 'setup'; readonly rows: readonly (readonly [number, number])[] }
  | { readonly kind: 'begin'; readonly isolation: IsolationLevel; readonly readOnly: boolean; readonly deferrable: boolean }
  | { readonly kind: 'get'; readonly ids: readonly number[] }
  | { readonly kind: 'scan'; readonly where: readonly Cond[] }
  | { readonly kind: 'set'; readonly id: number; readonly value: number }
  | { readonly kind: 'update'; readonly id: number | undefined; readonly expr: Expr; readonly where: readonly Cond[] }
  | { readonly kind: 'delete'; readonly id: number | undefined; readonly where: readonly Cond[] }
  | { readonly kind: 'insert'; readonly rows: readonly (readonly [number, number])[] }
  | { readonly kind: 'commit' }
  | { readonly kind: 'rollback' }

export interface Line {
  /** 'setup' or a session name (t1 …). */
  readonly session: string
  readonly command: Command
}

const INT = String.raw`-?\d+`
const PAIRS = new RegExp(String.raw`^(${INT})\s*=\s*(${INT})$`)

function pairs(s: string): [number, number][] {
  if (s.trim() === '') return []
  return s.split(',').map((p) => {
    const m = PAIRS.exec(p.trim())
    if (!m) throw new Error(`expected "id = value", got "${p.trim()}"`)
    return [Number(m[1]), Number(m[2])]
  })
}

function parseWhere(s: string | undefined): Cond[] {
  if (s === undefined) return []
  return s.split(/\s+and\s+/i).map((c): Cond => {
    let m = /^(id|value)\s+in\s*\(([^)]*)\)$/i.exec(c.trim())
    if (m) return { col: m[1]!.toLowerCase() as 'id' | 'value', op: 'in', list: m[2]!.split(',').map((x) => Number(x.trim())) }
    m = new RegExp(String.raw`^(id|value)(?:\s*%\s*(\d+))?\s*(=|<>|!=|<=|>=|<|>)\s*(${INT})$`, 'i').exec(c.trim())
    if (!m) throw new Error(`cannot parse the condition "${c}"`)
    const op = m[3] === '!=' ? '<>' : (m[3] as '=' | '<>' | '<' | '<=' | '>' | '>=')
    const col = m[1]!.toLowerCase() as 'id' | 'value'
    return m[2] !== undefined ? { col, mod: Number(m[2]), op, n: Number(m[4]) } : { col, op, n: Number(m[4]) }
  })
}

function parseExpr(s: string): Expr {
  const t = s.trim()
  if (new RegExp(`^${INT}$`).test(t)) return { op: 'const', n: Number(t) }
  const m = new RegExp(String.raw`^value\s*([-+*])\s*(${INT})$`, 'i').exec(t)
  if (m) return { op: m[1] as '+' | '-' | '*', n: Number(m[2]) }
  if (/^value$/i.test(t)) return { op: '+', n: 0 }
  throw new Error(`cannot parse the expression "${s}"`)
}

export function parseLine(text: string): Line {
  const m = /^(\w+):\s*(.*)$/.exec(text.trim())
  if (!m) throw new Error(`a command needs a session prefix ("t1: …" or "setup: …"): "${text}"`)
  const session = m[1]!
  const body = m[2]!.trim()
  if (session === 'setup') return { session, command: { kind: 'setup', rows: pairs(body) } }
  const word = body.split(/\s+/)[0]!.toLowerCase()
  const rest = body.slice(word.length).trim()
  let mm: RegExpExecArray | null
  switch (word) {
    case 'begin': {
      const r = rest.toLowerCase()
      const isolation: IsolationLevel = r.includes('serializable') ? 'serializable' : r.includes('repeatable read') ? 'repeatable read' : 'read committed'
      return { session, command: { kind: 'begin', isolation, readOnly: r.includes('read only'), deferrable: /\bdeferrable\b/.test(r) && !r.includes('not deferrable') } }
    }
    case 'get':
      return { session, command: { kind: 'get', ids: rest.split(/[\s,]+/).filter(Boolean).map(Number) } }
    case 'scan':
      if (rest !== '' && !/^where\s/i.test(rest)) break
      return { session, command: { kind: 'scan', where: parseWhere(rest === '' ? undefined : rest.replace(/^where\s+/i, '')) } }
    case 'set':
      if ((mm = PAIRS.exec(rest))) return { session, command: { kind: 'set', id: Number(mm[1]), value: Number(mm[2]) } }
      break
    case 'update':
      if ((mm = new RegExp(String.raw`^(?:(${INT})\s+)?(?:set\s+)?value\s*=\s*(.+?)(?:\s+where\s+(.+))?$`, 'i').exec(rest)))
        return { session, command: { kind: 'update', id: mm[1] === undefined ? undefined : Number(mm[1]), expr: parseExpr(mm[2]!), where: parseWhere(mm[3]) } }
      break
    case 'delete':
      if ((mm = new RegExp(String.raw`^(${INT})?\s*(?:where\s+(.+))?$`, 'i').exec(rest)) && (mm[1] !== undefined || mm[2] !== undefined))
        return { session, command: { kind: 'delete', id: mm[1] === undefined ? undefined : Number(mm[1]), where: parseWhere(mm[2]) } }
      break
    case 'insert':
      return { session, command: { kind: 'insert', rows: pairs(rest) } }
    case 'commit':
    case 'rollback':
      if (rest === '') return { session, command: { kind: word } }
      break
  }
  throw new Error(`cannot parse the command "${text}"`)
}

export function matches(where: readonly Cond[], id: number, value: number): boolean {
  return where.every((c) => {
    const x = c.col === 'id' ? id : value
    if (c.op === 'in') return c.list.includes(x)
    const v = c.mod !== undefined ? x % c.mod : x
    switch (c.op) {
      case '=':
        return v === c.n
      case '<>':
        return v !== c.n
      case '<':
        return v < c.n
      case '<=':
        return v <= c.n
      case '>':
        return v > c.n
      case '>=':
        return v >= c.n
    }
  })
}

export function evaluate(e: Expr, value: number): number {
  switch (e.op) {
    case 'const':
      return e.n
    case '+':
      return value + e.n
    case '-':
      return value - e.n
    case '*':
      return value * e.n
  }
}

export function formatRows(rows: readonly (readonly [number, number])[]): string {
  return rows.length === 0 ? '(no rows)' : [...rows].sort((a, b) => a[0] - b[0]).map(([k, v]) => `${k} = ${v}`).join(', ')
}

// ---- backends ----------------------------------------------------------------------

/** An error a backend reports: its SQLSTATE is printed. */
export interface CodedError {
  readonly code: string
}

export interface GoldenBackend {
  /** Runs one command of a session; resolves with its output lines, rejects with a CodedError. */
  run(line: Line): Promise<string[]>
  /** True when the session's command in flight waits for a lock; absent when the backend cannot tell (timing decides). */
  waiting?(session: string): Promise<boolean>
  close(): Promise<void>
}

// ---- running a script --------------------------------------------------------------

interface Pending {
  readonly session: string
  readonly order: number
  done: boolean
  result: string[] | undefined
  settled: Promise<void>
}

export interface StepMismatch {
  readonly line: number
  readonly command: string
  readonly expected: readonly string[]
  readonly got: readonly string[]
}

/** A script's mismatches, one line each with what was expected and what came (for a test's failure message). */
export function describeMismatches(file: string, ms: readonly StepMismatch[]): string {
  return ms
    .map((m) => `${file}:${m.line} ${m.command}\n    expected: ${m.expected.join(' | ') || '(blocks)'}\n    got:      ${m.got.join(' | ') || '(blocks)'}`)
    .join('\n')
}

export interface ScriptRun {
  /** The script as run: the file's text with the outputs obtained. */
  readonly actual: string
  readonly mismatches: readonly StepMismatch[]
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms))

function errorLine(e: unknown): string {
  const code = (e as Partial<CodedError> | undefined)?.code
  if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code)) return `! ${code}`
  throw e // not a database error: a bug in the runner or the backend, never an output
}

/**
 * Runs `text` against `backend`. With `record`, expectations are ignored (blocking is
 * judged by the backend's probe or by UNKNOWN_MS) — how new scripts are written.
 */
export async function runScript(text: string, backend: GoldenBackend, options: { readonly record?: boolean } = {}): Promise<ScriptRun> {
  const items = parseScript(text)
  const out: ScriptItem[] = []
  const mismatches: StepMismatch[] = []
  const pending: Pending[] = []
  let order = 0

  const start = (line: Line): Pending => {
    const p: Pending = { session: line.session, order: order++, done: false, result: undefined, settled: Promise.resolve() }
    p.settled = backend.run(line).then(
      (r) => {
        p.result = r
        p.done = true
      },
      (e: unknown) => {
        try {
          p.result = [errorLine(e)]
        } catch (bug) {
          p.result = [`!! ${bug instanceof Error ? (bug.stack ?? bug.message) : String(bug)}`.replace(/\n/g, ' | ')]
        }
        p.done = true
      },
    )
    return p
  }

  /** Waits until `p` is done or judged blocked. */
  const settle = async (p: Pending, expectDone: boolean | undefined): Promise<void> => {
    if (backend.waiting) {
      const deadline = Date.now() + EXPECT_DONE_MS * 2
      while (!p.done && Date.now() < deadline) {
        if ((await backend.waiting(p.session)) && !p.done) {
          await sleep(20)
          if (!p.done && (await backend.waiting(p.session))) return
        }
        await Promise.race([p.settled, sleep(10)])
      }
      return
    }
    const ms = expectDone === undefined ? UNKNOWN_MS : expectDone ? EXPECT_DONE_MS : BLOCK_MS
    await Promise.race([p.settled, sleep(ms)])
  }

  try {
    for (const it of items) {
      if (it.kind === 'text') {
        out.push(it)
        continue
      }
      const line = parseLine(it.command)
      if (pending.some((p) => p.session === line.session)) throw new Error(`line ${it.line}: session ${line.session} is still blocked`)
      const expectDone = options.record ? undefined : it.output.some((l) => !/^\w+: /.test(l))
      const p = start(line)
      await settle(p, expectDone)
      if (!p.done) pending.push(p)
      // Earlier commands this one may have released.
      const others = pending.filter((q) => q !== p && !q.done)
      if (backend.waiting || options.record) {
        for (const q of others) await settle(q, undefined)
      } else {
        const expected = others.filter((q) => it.output.some((l) => l.startsWith(`${q.session}: `)))
        await Promise.race([Promise.all(expected.map((q) => q.settled)), sleep(EXPECT_DONE_MS)])
        if (others.length > expected.length) await sleep(20)
      }
      // The command's own output (even if it finished only now), then the released ones'.
      const got: string[] = p.done ? [...p.result!] : []
      for (const q of [...pending].sort((a, b) => a.order - b.order)) {
        if (!q.done) continue
        if (q !== p) got.push(...q.result!.map((l) => `${q.session}: ${l}`))
        pending.splice(pending.indexOf(q), 1)
      }
      out.push({ kind: 'block', command: it.command, output: got, line: it.line })
      if (!options.record && got.join('\n') !== it.output.join('\n')) mismatches.push({ line: it.line, command: it.command, expected: it.output, got })
    }
    if (pending.length > 0) {
      const still = pending.map((p) => p.session).join(', ')
      out.push({ kind: 'text', line: `# !! still blocked at the end of the script: ${still}` })
      mismatches.push({ line: -1, command: '(end of script)', expected: [], got: [`still blocked: ${still}`] })
    }
  } finally {
    await backend.close()
    // Closing ends the sessions, which releases or fails their commands; do not hang on one that is not.
    await Promise.race([Promise.all(pending.map((p) => p.settled)), sleep(EXPECT_DONE_MS)])
  }
  return { actual: formatScript(out), mismatches }
}

// ---- Isola's backend ---------------------------------------------------------------

export const encodeKey = (id: number): Buffer => {
  const b = Buffer.alloc(4)
  b.writeUInt32BE((id ^ 0x80000000) >>> 0)
  return b
}
export const decodeKey = (b: Uint8Array): number => (Buffer.from(b).readUInt32BE(0) ^ 0x80000000) | 0
export const encodeValue = (v: number): Buffer => {
  const b = Buffer.alloc(4)
  b.writeInt32BE(v)
  return b
}
export const decodeValue = (b: Uint8Array): number => Buffer.from(b).readInt32BE(0)

interface IsolaSession {
  tx: Transaction | undefined
  /** An error aborted the transaction: statements fail until commit/rollback. */
  failed: boolean
}

/**
 * Runs commands on an Isola TxnDatabase at the key/value level, playing the part
 * of a SQL session as PostgreSQL's does (statement boundaries, aborted
 * transactions, autocommit).
 */
export class IsolaBackend implements GoldenBackend {
  private readonly sessions = new Map<string, IsolaSession>()

  constructor(
    readonly db: TxnDatabase,
    readonly table: TableId,
    private readonly onClose: () => Promise<void> = async () => {},
  ) {}

  async run(line: Line): Promise<string[]> {
    const c = line.command
    if (c.kind === 'setup') {
      const tx = this.db.begin()
      for (const [k] of await tx.scan(this.table)) await tx.delete(this.table, k)
      for (const [k, v] of c.rows) await tx.put(this.table, encodeKey(k), encodeValue(v))
      await tx.commit()
      return ['ok']
    }
    let s = this.sessions.get(line.session)
    if (!s) this.sessions.set(line.session, (s = { tx: undefined, failed: false }))
    switch (c.kind) {
      case 'begin':
        if (s.tx) return ['! 25001'] // PostgreSQL only warns; a script doing this is wrong
        s.tx = this.db.begin({ isolation: c.isolation, readOnly: c.readOnly, deferrable: c.deferrable })
        s.failed = false
        return ['ok']
      case 'commit': {
        const tx = s.tx
        s.tx = undefined
        if (!tx) return ['ok'] // PostgreSQL warns "there is no transaction in progress"
        if (s.failed) {
          s.failed = false
          await tx.rollback()
          return ['rolled back']
        }
        try {
          await tx.commit()
        } catch (e) {
          await tx.rollback()
          throw e
        }
        return ['ok']
      }
      case 'rollback': {
        const tx = s.tx
        s.tx = undefined
        s.failed = false
        if (tx) await tx.rollback()
        return ['ok']
      }
      default: {
        if (!s.tx) {
          // Autocommit: the statement is a transaction of its own.
          const tx = this.db.begin()
          try {
            const r = await this.statement(tx, c)
            await tx.commit()
            return r
          } catch (e) {
            await tx.rollback()
            throw e
          }
        }
        if (s.failed) throw dbError('in_failed_sql_transaction', 'current transaction is aborted, commands ignored until end of transaction block')
        s.tx.nextStatement()
        try {
          return await this.statement(s.tx, c)
        } catch (e) {
          s.failed = true
          throw e
        }
      }
    }
  }

  private async statement(tx: Transaction, c: Exclude<Command, { kind: 'setup' | 'begin' | 'commit' | 'rollback' }>): Promise<string[]> {
    const t = this.table
    const visible = async (id: number | undefined, where: readonly Cond[]): Promise<[number, number][]> => {
      const rows: [number, number][] = []
      if (id !== undefined) {
        const v = await tx.get(t, encodeKey(id))
        if (v !== undefined) rows.push([id, decodeValue(v)])
      } else for (const [k, v] of await tx.scan(t)) rows.push([decodeKey(k), decodeValue(v)])
      return rows.filter(([k, v]) => matches(where, k, v))
    }
    switch (c.kind) {
      case 'get': {
        const rows: [number, number][] = []
        for (const id of c.ids) {
          const v = await tx.get(t, encodeKey(id))
          if (v !== undefined) rows.push([id, decodeValue(v)])
        }
        return [formatRows(rows)]
      }
      case 'scan':
        return [formatRows(await visible(undefined, c.where))]
      case 'set':
        await tx.put(t, encodeKey(c.id), encodeValue(c.value))
        return ['ok']
      case 'update': {
        let n = 0
        for (const [id] of await visible(c.id, c.where)) {
          const r = await tx.modify(t, encodeKey(id), (cur) => {
            if (cur === undefined) return undefined
            const v = decodeValue(cur)
            return matches(c.where, id, v) ? encodeValue(evaluate(c.expr, v)) : undefined
          })
          if (r === 'updated') n++
        }
        return [`updated ${n}`]
      }
      case 'delete': {
        let n = 0
        for (const [id] of await visible(c.id, c.where)) {
          const r = await tx.modify(t, encodeKey(id), (cur) => (cur !== undefined && matches(c.where, id, decodeValue(cur)) ? null : undefined))
          if (r === 'deleted') n++
        }
        return [`deleted ${n}`]
      }
      case 'insert': {
        for (const [id, v] of c.rows) {
          const r = await tx.modify(t, encodeKey(id), (cur) => (cur === undefined ? encodeValue(v) : undefined))
          if (r !== 'updated') throw dbError('unique_violation', `duplicate key value violates unique constraint "test_pkey"`, { detail: `Key (id)=(${id}) already exists.` })
        }
        return [`inserted ${c.rows.length}`]
      }
    }
  }

  async close(): Promise<void> {
    for (const s of this.sessions.values()) if (s.tx) await s.tx.rollback().catch(() => {})
    await this.onClose()
  }
}

/** Opens a fresh Isola database in a temporary directory, with the table `test`. */
export async function openIsolaBackend(): Promise<IsolaBackend> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'isola-golden-'))
  const db = await openTestDatabase(dir)
  const table = await db.createTable()
  return new IsolaBackend(db, table, async () => {
    await db.close()
    fs.rmSync(dir, { recursive: true, force: true })
  })
}

