/**
 * The golden scripts' commands as SQL on Isola's SQL engine: the same statements
 * PostgreSQL runs for them (golden-postgres.ts `toSql`), each session an Isola
 * session. So the anomaly scripts, whose expected outputs are PostgreSQL's, test
 * the whole SQL path (parser, planner, executor, table writer, session states) on
 * top of the transaction layer they were written for.
 *
 * Whether a statement waits for a lock is decided by timing (the runner's rule for
 * backends that cannot tell).
 */
import { open, type Database, type Session } from '../../index.js'
import { toSql } from './golden-postgres.js'
import { formatRows, type Command, type GoldenBackend, type Line } from './golden-runner.js'

/** A command's output lines from its SQL result (the command tag, the row count, the rows as (id, value)). */
export function sqlOutput(c: Command, command: string, rowCount: number | undefined, rows: readonly (readonly [number, number])[]): string[] {
  switch (c.kind) {
    case 'get':
    case 'scan':
      return [formatRows(rows)]
    case 'update':
      return [`updated ${rowCount}`]
    case 'delete':
      return [`deleted ${rowCount}`]
    case 'insert':
      return [`inserted ${rowCount}`]
    case 'commit':
      return [command === 'ROLLBACK' ? 'rolled back' : 'ok']
    default:
      return ['ok']
  }
}

export class SqlBackend implements GoldenBackend {
  private readonly sessions = new Map<string, Session>()
  private constructor(private readonly db: Database) {}

  static async open(): Promise<SqlBackend> {
    return new SqlBackend(await open({ memory: true, gcIntervalMs: 0 }))
  }

  private session(name: string): Session {
    let s = this.sessions.get(name)
    if (s === undefined) {
      s = this.db.session()
      this.sessions.set(name, s)
    }
    return s
  }

  async run(line: Line): Promise<string[]> {
    const c = line.command
    const sql = toSql(c)
    if (c.kind === 'setup') {
      await this.db.session().query(sql)
      return ['ok']
    }
    const r = await this.session(line.session).query<{ id: number; value: number }>(sql)
    return sqlOutput(c, r.command, r.rowCount, r.rows.map((row) => [Number(row.id), Number(row.value)] as const))
  }

  async close(): Promise<void> {
    for (const s of this.sessions.values()) await s.close()
    await this.db.close()
  }
}
