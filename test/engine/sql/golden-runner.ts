/**
 * SQL golden scripts (toydb-style): statements, each followed by the output it must
 * produce. A script runs on a backend — Isola's SQL engine, or PostgreSQL, which is
 * where the expected outputs of most scripts come from — and is printed back with
 * the outputs it got, so a test compares that text with the file.
 *
 * FORMAT
 *
 *     # comments are kept as they are
 *     CREATE TABLE t (id int PRIMARY KEY, v text)       a statement (may span lines)
 *     ---                                               then ---
 *     CREATE TABLE                                      then its output, to a blank line
 *
 *     t2: SELECT id, v FROM t ORDER BY id               t2: runs it in session t2
 *     ---
 *     id | v
 *     1 | one
 *
 * Outputs: a row-returning statement prints its column names, then one line per
 * row (values in PostgreSQL's text form, NULL as NULL), or `(no rows)`; other
 * statements print their command tag (`INSERT 0 3`); an error prints
 * `ERROR <SQLSTATE>: <message>` and ` (at N)` when it has a position, then its
 * `DETAIL:` lines; notices and
 * warnings come first as `NOTICE: …` / `WARNING: …`. Sessions are created on first
 * use; statements without a prefix run in session `t1`.
 *
 * A script whose first line is `# isola-only` (EXPLAIN output, behaviour PostgreSQL
 * does not share) runs on Isola only. EXPLAIN ANALYZE's times print as `…`.
 */
import { open, type Database, type Session } from '../../../index.js'
import { formatValue } from '../../../engine/values/index.js'
import { Client } from 'pg'

export interface SqlBackend {
  run(session: string, sql: string): Promise<string[]>
  close(): Promise<void>
}

interface Case {
  readonly session: string
  readonly sql: string
  /** Lines of the statement as written (with prefix). */
  readonly source: readonly string[]
  readonly expected: readonly string[]
}

type Item = { readonly kind: 'text'; readonly line: string } | { readonly kind: 'case'; readonly c: Case }

export function parseScript(text: string): Item[] {
  const lines = text.replace(/\n$/, '').split('\n')
  const items: Item[] = []
  let i = 0
  while (i < lines.length) {
    const line = lines[i]!
    if (line.startsWith('#') || line.trim() === '') {
      items.push({ kind: 'text', line })
      i++
      continue
    }
    const source: string[] = []
    while (i < lines.length && lines[i] !== '---') source.push(lines[i++]!)
    if (i >= lines.length) throw new Error(`statement without --- : ${source.join(' ')}`)
    i++ // ---
    const expected: string[] = []
    while (i < lines.length && lines[i] !== '') expected.push(lines[i++]!)
    const m = /^(t\d+):\s*/.exec(source[0]!)
    const session = m?.[1] ?? 't1'
    const sql = [source[0]!.slice(m?.[0].length ?? 0), ...source.slice(1)].join('\n')
    items.push({ kind: 'case', c: { session, sql, source, expected } })
  }
  return items
}

export interface GoldenRun {
  readonly actual: string
  readonly mismatches: readonly { statement: string; expected: readonly string[]; got: readonly string[] }[]
}

export async function runScript(text: string, backend: SqlBackend): Promise<GoldenRun> {
  const out: string[] = []
  const mismatches: { statement: string; expected: readonly string[]; got: readonly string[] }[] = []
  try {
    for (const item of parseScript(text)) {
      if (item.kind === 'text') {
        out.push(item.line)
        continue
      }
      const got = await backend.run(item.c.session, item.c.sql)
      out.push(...item.c.source, '---', ...got)
      if (got.join('\n') !== item.c.expected.join('\n')) mismatches.push({ statement: item.c.sql, expected: item.c.expected, got })
    }
  } finally {
    await backend.close()
  }
  return { actual: out.join('\n') + '\n', mismatches }
}

const errorLines = (e: { code?: string; message: string; position?: number | string | undefined; detail?: string | undefined }): string[] => [
  `ERROR ${e.code}: ${e.message}${e.position !== undefined && e.position !== null && e.position !== '' ? ` (at ${e.position})` : ''}`,
  ...(e.detail ? e.detail.split('\n').map((d) => `DETAIL: ${d}`) : []),
]

/** EXPLAIN ANALYZE's times differ from run to run: the runner shows them as `…`. */
const maskTimes = (line: string) => line.replace(/actual time=[\d.]+/g, 'actual time=…').replace(/Execution Time: [\d.]+ ms/, 'Execution Time: … ms')

/** Isola's SQL engine, in memory. */
/** A result's lines: the column names, then one line per row (rows without columns are only counted). */
function table(names: readonly string[], rows: readonly string[]): string[] {
  if (names.length === 0) return [`(no columns, ${rows.length} row${rows.length === 1 ? '' : 's'})`]
  return [names.join(' | '), ...(rows.length === 0 ? ['(no rows)'] : rows)]
}

export class IsolaSqlBackend implements SqlBackend {
  private readonly sessions = new Map<string, Session>()
  private constructor(private readonly db: Database) {}

  static async open(): Promise<IsolaSqlBackend> {
    return new IsolaSqlBackend(await open({ memory: true, gcIntervalMs: 0 }))
  }

  async run(session: string, sql: string): Promise<string[]> {
    let s = this.sessions.get(session)
    if (s === undefined) this.sessions.set(session, (s = this.db.session()))
    try {
      const results = await s.execute(sql)
      const lines: string[] = []
      for (const r of results) {
        for (const n of r.notices) lines.push(`${n.severity}: ${n.message}`)
        if (r.columns === undefined) lines.push(r.tag)
        else {
          const cols = r.columns
          lines.push(...table(cols.map((c) => c.name), r.rows.map((row) => maskTimes(row.map((v, i) => formatValue(cols[i]!.type, v) ?? 'NULL').join(' | ')))))
        }
      }
      return lines
    } catch (e) {
      const err = e as { code?: string; message: string; position?: number; detail?: string }
      if (err.code === undefined) throw e
      return errorLines(err)
    }
  }

  async close(): Promise<void> {
    for (const s of this.sessions.values()) await s.close()
    await this.db.close()
  }
}

const RAW = { getTypeParser: () => (v: string) => v }

/** PostgreSQL: each session a connection; the database is emptied first. */
export class PostgresSqlBackend implements SqlBackend {
  private readonly sessions = new Map<string, { client: Client; notices: string[] }>()
  private constructor(private readonly url: string) {}

  static async open(url: string): Promise<PostgresSqlBackend> {
    const admin = new Client({ connectionString: url })
    await admin.connect()
    await admin.query('DROP SCHEMA public CASCADE; CREATE SCHEMA public')
    await admin.end()
    return new PostgresSqlBackend(url)
  }

  async run(session: string, sql: string): Promise<string[]> {
    let s = this.sessions.get(session)
    if (s === undefined) {
      const client = new Client({ connectionString: this.url, types: RAW })
      client.on('error', () => {})
      const notices: string[] = []
      client.on('notice', (n) => notices.push(`${n.severity}: ${n.message}`))
      await client.connect()
      await client.query('SET client_min_messages = notice')
      s = { client, notices }
      this.sessions.set(session, s)
    }
    s.notices.length = 0
    try {
      const res = await s.client.query({ text: sql, rowMode: 'array' })
      const results = Array.isArray(res) ? res : [res]
      const lines: string[] = [...s.notices]
      for (const r of results) {
        if (r.fields.length === 0 && r.command !== 'SELECT') {
          lines.push(r.command === 'INSERT' ? `INSERT 0 ${r.rowCount}` : r.rowCount === null || ['CREATE', 'DROP', 'ALTER', 'BEGIN', 'COMMIT', 'ROLLBACK', 'SET', 'SAVEPOINT', 'RELEASE', 'TRUNCATE', 'ANALYZE', 'VACUUM', 'RESET', 'PREPARE', 'SHOW'].includes(r.command) ? tagOf(r.command, sql) : `${r.command} ${r.rowCount}`)
          continue
        }
        const rows = r.rows as unknown as (string | null)[][]
        lines.push(...table(r.fields.map((f: { name: string }) => f.name), rows.map((row) => row.map((v) => v ?? 'NULL').join(' | '))))
      }
      return lines
    } catch (e) {
      return [...s.notices, ...errorLines(e as { code?: string; message: string; position?: string; detail?: string })]
    }
  }

  async close(): Promise<void> {
    for (const s of this.sessions.values()) await s.client.end().catch(() => {})
  }
}

/** pg reports only the first word of some tags (CREATE, DROP …); rebuild the full tag from the statement. */
function tagOf(command: string, sql: string): string {
  const words = sql.trim().replace(/\s+/g, ' ').toUpperCase().split(' ')
  switch (command) {
    case 'CREATE':
    case 'DROP':
    case 'ALTER': {
      const second = words[1] === 'UNIQUE' || words[1] === 'OR' ? (words[1] === 'OR' ? words[3] : words[2]) : words[1]
      return `${command} ${second}`
    }
    case 'TRUNCATE':
      return 'TRUNCATE TABLE'
    case 'PREPARE':
      return 'PREPARE TRANSACTION'
    case 'ROLLBACK':
      return words[1] === 'PREPARED' ? 'ROLLBACK PREPARED' : 'ROLLBACK'
    case 'COMMIT':
      return words[1] === 'PREPARED' ? 'COMMIT PREPARED' : 'COMMIT'
    case 'BEGIN':
      return words[0] === 'START' ? 'START TRANSACTION' : 'BEGIN'
    default:
      return command
  }
}
