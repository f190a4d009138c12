/**
 * The golden scripts' commands run on a real PostgreSQL server: how the expected
 * outputs of test/txn/golden/ were obtained, and how to check them again.
 *
 * Each session is a connection of its own; a command becomes one SQL statement on
 * the table `test (id int primary key, value int)`. Whether a statement waits for a
 * lock is asked of the server (pg_blocking_pids), so no timing is involved.
 *
 * golden-postgres.test.ts runs every script on a private PostgreSQL it starts
 * (test/helpers/postgres-server.ts), or on the server at ISOLA_PG_URL
 * (postgres://postgres@127.0.0.1:54329/postgres) when that is set;
 * ISOLA_GOLDEN_RECORD=1 writes PostgreSQL's outputs back into the files.
 */
import { Client } from 'pg'
import { type Command, type Cond, type Expr, formatRows, type GoldenBackend, type Line } from './golden-runner.js'

function cond(c: Cond): string {
  if (c.op === 'in') return `${c.col} in (${c.list.join(', ')})`
  return `${c.mod !== undefined ? `${c.col} % ${c.mod}` : c.col} ${c.op} ${c.n}`
}

function where(id: number | undefined, conds: readonly Cond[]): string {
  const parts = [...(id !== undefined ? [`id = ${id}`] : []), ...conds.map(cond)]
  return parts.length === 0 ? '' : ` where ${parts.join(' and ')}`
}

function expr(e: Expr): string {
  return e.op === 'const' ? String(e.n) : `value ${e.op} ${e.n}`
}

/** The SQL of a command (rows of SELECTs are sorted by the runner, not by ORDER BY, so plans stay Hermitage's). */
export function toSql(c: Command): string {
  switch (c.kind) {
    case 'setup':
      return [
        'drop table if exists test',
        'create table test (id int primary key, value int)',
        ...(c.rows.length > 0 ? [`insert into test (id, value) values ${c.rows.map(([k, v]) => `(${k}, ${v})`).join(', ')}`] : []),
      ].join('; ')
    case 'begin':
      return `begin isolation level ${c.isolation}${c.readOnly ? ' read only' : ''}${c.deferrable ? ' deferrable' : ''}`
    case 'get':
      return `select id, value from test where ${c.ids.length === 1 ? `id = ${c.ids[0]}` : `id in (${c.ids.join(', ')})`}`
    case 'scan':
      return `select id, value from test${where(undefined, c.where)}`
    case 'set':
      return `insert into test (id, value) values (${c.id}, ${c.value}) on conflict (id) do update set value = excluded.value`
    case 'update':
      return `update test set value = ${expr(c.expr)}${where(c.id, c.where)}`
    case 'delete':
      return `delete from test${where(c.id, c.where)}`
    case 'insert':
      return `insert into test (id, value) values ${c.rows.map(([k, v]) => `(${k}, ${v})`).join(', ')}`
    case 'commit':
      return 'commit'
    case 'rollback':
      return 'rollback'
  }
}

export class PostgresBackend implements GoldenBackend {
  private readonly sessions = new Map<string, { client: Client; pid: number }>()
  private constructor(
    private readonly url: string,
    private readonly admin: Client,
  ) {}

  static async open(url: string): Promise<PostgresBackend> {
    const admin = new Client({ connectionString: url })
    admin.on('error', () => {})
    await admin.connect()
    return new PostgresBackend(url, admin)
  }

  private async session(name: string): Promise<{ client: Client; pid: number }> {
    let s = this.sessions.get(name)
    if (!s) {
      const client = new Client({ connectionString: this.url })
      client.on('error', () => {})
      await client.connect()
      const pid = Number((await client.query('select pg_backend_pid() as pid')).rows[0]!.pid)
      s = { client, pid }
      this.sessions.set(name, s)
    }
    return s
  }

  async run(line: Line): Promise<string[]> {
    const c = line.command
    const sql = toSql(c)
    if (c.kind === 'setup') {
      await this.admin.query(sql)
      return ['ok']
    }
    const s = await this.session(line.session)
    const r = await s.client.query(sql)
    switch (c.kind) {
      case 'get':
      case 'scan':
        return [formatRows(r.rows.map((row) => [Number(row.id), Number(row.value)] as const))]
      case 'update':
        return [`updated ${r.rowCount ?? 0}`]
      case 'delete':
        return [`deleted ${r.rowCount ?? 0}`]
      case 'insert':
        return [`inserted ${r.rowCount ?? 0}`]
      case 'commit':
        return [r.command === 'ROLLBACK' ? 'rolled back' : 'ok']
      default:
        return ['ok']
    }
  }

  async waiting(session: string): Promise<boolean> {
    const s = this.sessions.get(session)
    if (!s) return false
    // Row locks, and READ ONLY DEFERRABLE's wait for a safe snapshot.
    const r = await this.admin.query('select cardinality(pg_blocking_pids($1)) > 0 or cardinality(pg_safe_snapshot_blocking_pids($1)) > 0 as blocked', [s.pid])
    return r.rows[0]!.blocked === true
  }

  async close(): Promise<void> {
    for (const s of this.sessions.values()) await s.client.end().catch(() => {})
    this.sessions.clear()
    await this.admin.end().catch(() => {})
  }
}
