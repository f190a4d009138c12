/**
 * The queries psql 15 sends for its backslash commands (\d, \dt, \di, \dv, \ds, \dn,
 * \l, \d <relation>), captured with `psql -E` by psql/capture.sh, run on Isola and
 * compared with PostgreSQL's answers for the same schema (psql/schema.sql).
 *
 * The fixtures are golden scripts (golden-runner.ts's format), one per command. The
 * oids of the schema's relations differ between the two systems, so a fixture
 * writes them `<<name>>`: the runner puts the backend's oid in the query text and
 * turns result cells holding one of those oids back into `<<name>>`.
 *
 * ISOLA_PSQL_RECORD=1 records PostgreSQL's outputs into the fixtures from a private
 * server (test/helpers/postgres-server.ts); without it the same server checks that
 * the fixtures are still PostgreSQL's answers, and Isola must give the same rows.
 * `\l` lists every database of a PostgreSQL cluster; Isola has one, so only the
 * current database's row is compared.
 */
import fs from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { postgresBinaries, startPostgres, type PostgresServer } from '../../helpers/postgres-server.js'
import { IsolaSqlBackend, parseScript, PostgresSqlBackend, type SqlBackend } from './golden-runner.js'

const DIR = path.join(import.meta.dirname, 'psql')
const record = process.env.ISOLA_PSQL_RECORD === '1'
const FIXTURES = fs.readdirSync(DIR).filter((f) => f.endsWith('.sql') && f !== 'schema.sql').sort()

/** Rows a backend may answer differently for a reason the test names (see the header). */
const onlyRows: Record<string, (line: string) => boolean> = {
  'l.sql': (line) => line.startsWith('postgres |'),
}

/** Runs the schema, then a fixture, substituting oids; returns the fixture printed back with the outputs. */
async function runFixture(backend: SqlBackend, file: string): Promise<{ actual: string; mismatches: string[] }> {
  for (const item of parseScript(fs.readFileSync(path.join(DIR, 'schema.sql'), 'utf8'))) {
    if (item.kind !== 'case') continue
    const out = await backend.run('t1', item.c.sql)
    if (out.join('\n') !== item.c.expected.join('\n')) throw new Error(`schema: ${item.c.sql}: ${out.join('\n')}`)
  }
  const oids = new Map<string, string>()
  const [, ...rels] = await backend.run('t1', "SELECT c.relname || ' ' || c.oid FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public'")
  for (const r of rels) oids.set(r.split(' ')[0]!, r.split(' ')[1]!)
  const byOid = new Map([...oids].map(([n, o]) => [o, `<<${n}>>`]))
  const out: string[] = []
  const mismatches: string[] = []
  for (const item of parseScript(fs.readFileSync(path.join(DIR, file), 'utf8'))) {
    if (item.kind === 'text') {
      out.push(item.line)
      continue
    }
    let sql = item.c.sql
    for (const m of sql.matchAll(/<<(\w+)>>/g)) {
      if (!oids.has(m[1]!)) throw new Error(`no relation ${m[1]}`)
      sql = sql.replaceAll(m[0], oids.get(m[1]!)!)
    }
    let got = (await backend.run('t1', sql)).map((line, i) => (i === 0 ? line : line.split(' | ').map((cell) => byOid.get(cell) ?? cell).join(' | ')))
    let expected = item.c.expected
    const keep = onlyRows[file]
    if (keep !== undefined && !record) {
      got = [got[0]!, ...got.slice(1).filter(keep)]
      expected = [expected[0]!, ...expected.slice(1).filter(keep)]
    }
    out.push(...item.c.source, '---', ...got)
    if (got.join('\n') !== expected.join('\n')) mismatches.push(`${item.c.sql}\n--- expected\n${expected.join('\n')}\n--- got\n${got.join('\n')}`)
  }
  await backend.close()
  return { actual: out.join('\n') + '\n', mismatches }
}

describe('psql 15 backslash commands on Isola', () => {
  for (const file of FIXTURES) {
    it.skipIf(record)(file, async () => {
      const run = await runFixture(await IsolaSqlBackend.open(), file)
      expect(run.mismatches.join('\n\n')).toBe('')
    })
  }
})

describe.skipIf(postgresBinaries() === undefined)('psql fixtures are PostgreSQL 15’s answers', () => {
  let server: PostgresServer
  beforeAll(async () => {
    server = await startPostgres()
  })
  afterAll(async () => {
    await server?.stop()
  })
  for (const file of FIXTURES) {
    it(file, async () => {
      const p = path.join(DIR, file)
      const pg = await PostgresSqlBackend.open(server.url)
      // PostgresSqlBackend recreates schema public, which then belongs to postgres; a new cluster's belongs to pg_database_owner.
      await pg.run('t1', 'ALTER SCHEMA public OWNER TO pg_database_owner')
      const run = await runFixture(pg, file)
      if (record) fs.writeFileSync(p, run.actual)
      else expect(run.mismatches.join('\n\n')).toBe('')
    })
  }
})
