/**
 * What `isola sql` talks to: an embedded database in a data directory (the
 * cluster's `postgres` database, opened in this process) or a server at a
 * `postgresql://` URL, through node-postgres. Both give statement results in SQL
 * values, so the shell prints them the same way.
 */
import pg from 'pg'
import { IsolaError } from '../common/errors.js'
import type { SqlState } from '../common/sqlstate.js'
import { parseValue, T, typeOfOid, type StatementResult } from '../engine/index.js'
import { Cluster } from './cluster/index.js'

export interface ShellTarget {
  /** What the prompt's banner names. */
  readonly label: string
  /** Runs one or more statements; a failure is an IsolaError (SQLSTATE, position …). */
  execute(sql: string): Promise<StatementResult[]>
  close(): Promise<void>
}

export async function embeddedTarget(dir: string): Promise<ShellTarget> {
  const cluster = await Cluster.open({ dir })
  const session = await cluster.session({ user: 'postgres', database: 'postgres', applicationName: 'isola sql' })
  return {
    label: dir,
    execute: (sql) => session.execute(sql),
    close: async () => {
      await session.close()
      await cluster.close()
    },
  }
}

export async function remoteTarget(url: string): Promise<ShellTarget> {
  // Values arrive as text and are parsed into the engine's values by their type oids.
  const client = new pg.Client({ connectionString: url, types: { getTypeParser: () => (v: string) => v } })
  const notices: StatementResult['notices'][number][] = []
  client.on('notice', (n) => notices.push({ severity: n.severity === 'WARNING' ? 'WARNING' : 'NOTICE', code: n.code ?? '00000', message: n.message ?? '' }))
  client.on('error', () => undefined) // reported by the next query
  // node-postgres keeps only a tag's first word ("CREATE" of "CREATE TABLE"): the shell prints the whole tag.
  const tags: string[] = []
  ;(client as unknown as { connection: NodeJS.EventEmitter }).connection.on('commandComplete', (m: { text: string }) => tags.push(m.text))
  await client.connect()
  return {
    label: url.replace(/:[^:@/]*@/, ':***@'),
    async execute(sql) {
      notices.length = 0
      tags.length = 0
      let out: pg.QueryResult | pg.QueryResult[]
      try {
        out = (await client.query({ text: sql, rowMode: 'array' })) as pg.QueryResult | pg.QueryResult[]
      } catch (e) {
        const err = e as pg.DatabaseError
        if (typeof err.code !== 'string') throw e
        throw new IsolaError(err.code as SqlState, err.message, { detail: err.detail, hint: err.hint, position: err.position === undefined ? undefined : Number(err.position) })
      }
      const results = Array.isArray(out) ? out : [out]
      return results.map((r, i) => toResult(r, tags[i], i === 0 ? [...notices] : []))
    },
    close: () => client.end(),
  }
}

function toResult(r: pg.QueryResult, fullTag: string | undefined, notices: StatementResult['notices']): StatementResult {
  const command = fullTag?.replace(/( \d+)+$/, '') ?? r.command ?? ''
  const hasRows = r.fields.length > 0 || command === 'SELECT'
  const columns = hasRows ? r.fields.map((f) => ({ name: f.name, type: typeOfOid(f.dataTypeID, f.dataTypeModifier) ?? T.text, tableOid: f.tableID, attnum: f.columnID })) : undefined
  const rows = (r.rows as (string | null)[][]).map((row) => row.map((v, i) => (v === null ? null : parseValue(columns![i]!.type, v))))
  const rowCount = r.rowCount ?? undefined
  const tag = fullTag ?? (rowCount === undefined || rowCount === null ? command : `${command} ${rowCount}`)
  return { command, tag, rowCount: rowCount ?? undefined, columns, rows, notices }
}
