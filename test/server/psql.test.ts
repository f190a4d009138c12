/**
 * psql against the server, compared with psql against PostgreSQL 15 on the same
 * schema: each backslash command prints the same bytes (\d, \dt, \di, \dv, \ds, \dn,
 * \d of a table, a view, a sequence and an index, \du), \l lists the database, \x
 * expands, \timing times, \copy moves rows out and back in.
 */
import { execFile } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { postgresBinaries, startPostgres, type PostgresServer } from '../helpers/postgres-server.js'
import { pgTool, startServer, type TestServer } from './helpers.js'

const PSQL = pgTool('psql')
/** The psql fixtures' schema (golden-script blocks: statement, `---`, expected output). */
const SCHEMA = fs
  .readFileSync(path.resolve('test/engine/sql/psql/schema.sql'), 'utf8')
  .split(/\n\s*\n/)
  .map((block) => block.split('\n---')[0]!.split('\n').filter((l) => !l.startsWith('#')).join('\n').trim())
  .filter((sql) => sql !== '')
  .map((sql) => `${sql};`)
  .join('\n')

let pg: PostgresServer
let isola: TestServer
let dir: string

/** psql with a script on stdin (asynchronous: the Isola server lives in this process). */
function psql(url: string, script: string): Promise<string> {
  return new Promise((resolve) => {
    const child = execFile(PSQL!, ['-X', '-q', url], { encoding: 'utf8', timeout: 30_000, env: { ...process.env, PAGER: '', PSQL_PAGER: '', COLUMNS: '200' } }, (_e, stdout, stderr) => resolve(stdout + stderr))
    child.stdin!.end(script)
  })
}

describe.skipIf(PSQL === undefined || postgresBinaries() === undefined)('psql', () => {
  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'isola-psql-'))
    pg = await startPostgres()
    isola = await startServer()
    for (const url of [pg.url, isola.url]) expect(await psql(url, SCHEMA)).toBe('')
  })
  afterAll(async () => {
    await isola?.close()
    await pg?.stop()
    fs.rmSync(dir, { recursive: true, force: true })
  })

  for (const command of ['\\d', '\\dt', '\\di', '\\dv', '\\ds', '\\dn', '\\d t', '\\d parent', '\\d misc', '\\d cheap', '\\d ticket_seq', '\\d t_name_price_idx', '\\du', '\\dt pa*', '\\d+ t']) {
    it(`${command} prints what it prints for PostgreSQL`, async () => {
      const theirs = await psql(pg.url, `${command}\n`)
      const ours = await psql(isola.url, `${command}\n`)
      expect(ours).toBe(theirs)
      expect(ours.length).toBeGreaterThan(20)
    })
  }

  it('\\l lists the database with its owner and encoding', async () => {
    const out = await psql(isola.url, '\\l\n')
    expect(out).toMatch(/^ postgres\s+\| postgres\s+\| UTF8\s+\|/m)
  })

  it('\\x expands records and \\timing times statements', async () => {
    const script = "\\x\nSELECT 1 AS a, 'two' AS b;\n\\x\n"
    expect(await psql(isola.url, script)).toBe(await psql(pg.url, script))
    const timed = await psql(isola.url, '\\timing\nSELECT 1;\n')
    expect(timed).toMatch(/Time: \d+\.\d+ ms/)
  })

  it('\\copy writes a table out and reads it back in', async () => {
    const file = path.join(dir, 'parent.csv')
    const script = `INSERT INTO parent VALUES (1, 'x', 'one'), (2, 'y', NULL);\n\\copy parent TO '${file}' CSV\nCREATE TABLE parent2 (a int4, b text, label varchar(20));\n\\copy parent2 FROM '${file}' CSV\nSELECT * FROM parent2 ORDER BY a;\n`
    const ours = await psql(isola.url, script)
    expect(ours).toBe(await psql(pg.url, script))
    expect(ours).toContain('2 | y |')
    expect(fs.readFileSync(file, 'utf8')).toBe('1,x,one\n2,y,\n')
  })
})
