/**
 * `isola sql` against psql: the same script piped into both (psql talking to a
 * private PostgreSQL 15) must print the same thing — aligned tables, multi-line
 * values, empty results, notices, and errors with their LINE and caret.
 */
import { execFile, spawnSync } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { postgresBinaries, startPostgres, type PostgresServer } from '../helpers/postgres-server.js'
import { startServer } from './helpers.js'

const CLI = path.resolve('dist/server/cli.js')
/** psql: next to the server binaries, else on PATH (CI insists it is installed: .ci/run). */
function findPsql(): string | undefined {
  const dirs = [postgresBinaries(), '/usr/lib/postgresql/15/bin', ...(process.env.PATH ?? '').split(path.delimiter)]
  return dirs.filter((d): d is string => d !== undefined && d !== '').map((d) => path.join(d, 'psql')).find((p) => fs.existsSync(p))
}
const psql = findPsql()

const SCRIPT = `
CREATE TABLE t (id int PRIMARY KEY, name text, amount numeric(6,2), ok bool, d date);
INSERT INTO t VALUES (1, 'ann', 1.5, true, '2024-02-29'), (22, 'bob', NULL, false, NULL), (333, 'cid
two lines', -12.25, NULL, '2000-01-01');
SELECT * FROM t ORDER BY id;
SELECT id, name FROM t WHERE id > 1000;
SELECT count(*) AS n, sum(amount) AS "Total Amount", max(name) FROM t;
SELECT 1,
  nosuch FROM t;
INSERT INTO t VALUES (1, 'again', 0, true, NULL);
DROP TABLE IF EXISTS nothing_here;
SELECT name || '!' AS shout, length(name) FROM t ORDER BY 2 DESC LIMIT 2;
SELECT 'a' AS x UNION ALL SELECT 'bb' UNION ALL SELECT NULL;
SELECT FROM t WHERE id < 100;
SELECT id FROM t WHERE id = 1 AND name = 'a rather long literal here' AND nosuchcolumn = 2 AND amount > 0;
SELECT id, name, amount, ok, d FROM t WHERE name = 'short' OR amount > 100 OR ok OR d > '2000-01-01' OR nosuch;
`

/** The script through a shell command, asynchronously (an Isola server may live in this process). */
function runAsync(command: string): Promise<string> {
  return new Promise((resolve) => {
    const child = execFile('sh', ['-c', `${command} 2>&1`], { encoding: 'utf8', timeout: 30_000 }, (_err, stdout) => resolve(stdout))
    child.stdin!.end(SCRIPT)
  })
}

describe.skipIf(psql === undefined || postgresBinaries() === undefined)('isola sql prints as psql does', () => {
  let server: PostgresServer
  beforeAll(async () => {
    server = await startPostgres()
  })
  afterAll(async () => {
    await server?.stop()
  })

  it('the same script gives the same output', () => {
    // Both print results on stdout and errors on stderr; a shell merges them in order.
    const run = (command: string) => spawnSync('sh', ['-c', `${command} 2>&1`], { input: SCRIPT, encoding: 'utf8', timeout: 30_000 }).stdout
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'isola-shell-'))
    try {
      const theirs = run(`'${psql!}' -X '${server.url}'`)
      const ours = run(`'${process.execPath}' '${CLI}' sql --data '${dir}'`)
      expect(ours).toBe(theirs)
      expect(ours).toContain('(3 rows)')
    } finally {
      fs.rmSync(dir, { recursive: true, force: true })
    }
  })

  it('psql talking to Isola, and isola sql talking to Isola over the wire, print what psql prints for PostgreSQL', async () => {
    spawnSync(psql!, ['-X', '-q', '-c', 'DROP TABLE IF EXISTS t', server.url]) // left by the test before
    const theirs = await runAsync(`'${psql!}' -X '${server.url}'`)
    for (const client of [`'${psql!}' -X`, `'${process.execPath}' '${CLI}' sql`]) {
      const isola = await startServer()
      try {
        expect(await runAsync(`${client} '${isola.url}'`)).toBe(theirs)
      } finally {
        await isola.close()
      }
    }
  })
})
