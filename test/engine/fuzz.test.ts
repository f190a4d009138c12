/**
 * Fuzz: no statement makes the engine throw anything but a database error.
 *
 * 100,000 statements (corpus, token mutations of it, grammar-generated; see
 * fuzz/runner.ts) run on one embedded session over a schema with data, indexes,
 * views, a sequence and constraints, through execute(), query(), prepare() and
 * COPY, with good and bad parameters, while a second session now and then holds
 * locks. Each must succeed or fail with an IsolaError whose SQLSTATE is a known
 * one and not XX000, whose position lies inside the statement, within a few
 * seconds (a statement that blocks the event loop is caught by a watchdog
 * thread); no promise rejection may go unhandled; the session must stay usable,
 * and the data must keep its constraints.
 *
 *     FUZZ_SEED=7 npx vitest run test/engine/fuzz.test.ts     another deterministic run
 *     FUZZ_SCALE=10 npx vitest run test/engine/fuzz.test.ts   a 1,000,000-statement soak
 *     FUZZ_TRACE=/tmp/fuzz.log …                              each statement written before it runs
 *
 * A failure prints the seed, the statement number, the statement and its
 * parameters: rerunning with the same seed replays the same statements (their
 * outcomes can differ where a timeout decides them).
 */
import fs from 'node:fs'
import { expect, test } from 'vitest'
import { IsolaError, open } from '../../index.js'
import { CORPUS, parameterCount } from './fuzz/corpus.js'
import { runFuzz, type Failure } from './fuzz/runner.js'
import { SCHEMA } from './fuzz/schema.js'

const SEED = Number(process.env.FUZZ_SEED ?? 20_260_601)
const SCALE = Number(process.env.FUZZ_SCALE ?? 1)
const STATEMENTS = Math.round(100_000 * SCALE)

/** Parameters that suit the corpus's parameterized statements, in order. */
const CORPUS_PARAMS: Readonly<Record<string, readonly unknown[]>> = {
  'SELECT name FROM users WHERE name LIKE $1 ORDER BY 1': ['user1%'],
  'SELECT u.name, o.amount FROM users u JOIN orders o ON o.user_id = u.id WHERE o.amount > $1 ORDER BY o.amount': [500],
  'SELECT * FROM orders JOIN tags ON tags.order_id = orders.id JOIN users ON users.id = orders.user_id WHERE tag = $1': ['odd'],
  'SELECT * FROM users WHERE id = $1 FOR UPDATE': [1],
  'SELECT $1::int + $2::int AS sum, $1::text || \'!\'': [1, 2],
  'SELECT count(*) FROM orders WHERE placed >= $1 AND amount < $2': ['2023-02-01', 300],
}

test('every corpus statement succeeds on a fresh schema, in order', async () => {
  const db = await open({ memory: true })
  const s = db.session()
  try {
    for (const sql of SCHEMA) await s.query(sql)
    let n = 1
    for (const sql of CORPUS) {
      const params = CORPUS_PARAMS[sql] ?? Array.from({ length: parameterCount(sql) }, () => String(n++))
      try {
        await s.query(sql, params)
      } catch (e) {
        throw new Error(`corpus statement failed: ${sql}\n${e instanceof IsolaError ? `${e.code} ${e.message}` : String(e)}`)
      }
    }
  } finally {
    await db.close()
  }
})

test(`${STATEMENTS.toLocaleString('en')} random and mutated statements: only database errors (seed ${SEED})`, async () => {
  // FUZZ_TRACE=file writes each statement before it runs, for a run that dies too hard to report.
  const trace = process.env.FUZZ_TRACE === undefined ? undefined : fs.openSync(process.env.FUZZ_TRACE, 'w')
  const r = await runFuzz({
    seed: SEED,
    count: STATEMENTS,
    onStatement: trace === undefined ? undefined : (n, sql) => fs.writeSync(trace, `#${n} ${sql}\n`),
  })
  if (trace !== undefined) fs.closeSync(trace)
  const report = r.failures.map(describeFailure).join('\n\n')
  expect(r.failures.length, `${r.failures.length} failures with FUZZ_SEED=${SEED}:\n\n${report}`).toBe(0)
  expect(r.statements).toBe(STATEMENTS)
  // The run went deep, not just into the parser: statements succeeded, and the
  // binder, the executor and the constraints all had errors to give.
  expect(r.succeeded).toBeGreaterThan(STATEMENTS / 10)
  for (const cls of ['42601', '42P01', '42703', '42883', '42804', '22P02', '22003', '23502', '23505']) {
    expect(r.codes.get(cls) ?? 0, `no ${cls} in ${STATEMENTS} statements`).toBeGreaterThan(0)
  }
  console.log(
    `fuzz: ${r.statements} statements (seed ${SEED}) in ${(r.ms / 1000).toFixed(1)} s, ${r.succeeded} succeeded, ${r.resets} schema resets; ` +
      `by source ${Object.entries(r.sources).map(([k, v]) => `${k} ${v.count} (${v.ok} ok)`).join(', ')}; ` +
      `SQLSTATEs ${[...r.codes].sort((a, b) => b[1] - a[1]).map(([c, n]) => `${c}×${n}`).join(' ')}`,
  )
}, 600_000 * SCALE)

function describeFailure(f: Failure): string {
  const params = f.params === undefined ? '' : `\n  params: ${JSON.stringify(f.params, (_, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v)).slice(0, 500)}`
  return `#${f.n} (${f.source}): ${f.sql.length > 1000 ? `${f.sql.slice(0, 1000)}… (${f.sql.length} characters)` : f.sql}${params}\n  ${f.problem}`
}
