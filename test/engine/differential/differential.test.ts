/**
 * Differential test of the SQL engine against PostgreSQL 15: random schemas, data and
 * queries (schema-gen.ts, query-gen.ts) run on Isola and on a private PostgreSQL
 * (compare.ts), which must agree on every query. Skips only when no PostgreSQL
 * binaries are installed.
 *
 *     ISOLA_DIFF_SEED=7    another stream of schemas and queries (default 1)
 *     ISOLA_DIFF_SCALE=4   four times as many schemas (default 1: 5,000 queries)
 *     ISOLA_DIFF_LOG=file  also append every difference (and tolerated one) to the file
 *
 * A difference found here is fixed where it lives and its query kept in
 * regressions.ts; the failure message prints the schema and the query to copy there.
 */
import fs from 'node:fs'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { open } from '../../../index.js'
import { postgresBinaries, startPostgres, type PostgresServer } from '../../helpers/postgres-server.js'
import { compareOutcomes, describeDifference, runIsola, runPostgres } from './compare.js'
import { Rng } from '../../helpers/random.js'
import { QueryGen } from './query-gen.js'
import { generateSchema } from './schema-gen.js'

const SCALE = Number(process.env.ISOLA_DIFF_SCALE ?? 1)
const SEED = Number(process.env.ISOLA_DIFF_SEED ?? 1)
const SCHEMAS = 25 * SCALE
const QUERIES_PER_SCHEMA = 200
const LOG = process.env.ISOLA_DIFF_LOG

const haveBinaries = postgresBinaries() !== undefined
const state: { server?: PostgresServer; client?: pg.Client } = {}
const totals = { queries: 0, errors: 0, tolerated: 0, ordered: 0, ms: 0, pgMs: 0, isolaMs: 0 }

describe.skipIf(!haveBinaries)('SQL engine against PostgreSQL 15 (generated queries)', () => {
  beforeAll(async () => {
    state.server = await startPostgres()
    state.client = new pg.Client({ connectionString: state.server.url })
    await state.client.connect()
    await state.client.query("SET statement_timeout = '20s'")
  })
  afterAll(async () => {
    await state.client?.end()
    await state.server?.stop()
    console.log(`differential: ${totals.queries} queries (${totals.errors} errors on both sides, ${totals.ordered} compared in order, ${totals.tolerated} tolerated), ${(totals.ms / 1000).toFixed(1)} s (PostgreSQL ${(totals.pgMs / 1000).toFixed(1)} s, Isola ${(totals.isolaMs / 1000).toFixed(1)} s)`)
  })

  for (let i = 0; i < SCHEMAS; i++) {
    const seed = SEED * 1_000_003 + i
    it(`schema ${i} (seed ${seed}): ${QUERIES_PER_SCHEMA} queries agree`, async () => {
      const started = Date.now()
      const client = state.client!
      const rng = new Rng(seed)
      const schema = generateSchema(rng)
      await client.query('DROP TABLE IF EXISTS t0, t1, t2, t3')
      const db = await open({ memory: true })
      const session = db.session()
      try {
        for (const stmt of schema.statements) {
          await client.query(stmt)
          await session.execute(stmt)
        }
        // Statistics make PostgreSQL's plans for these small tables sensible (and quick); Isola
        // plans with and without them on alternate schemas.
        await client.query('ANALYZE')
        if (i % 2 === 1) await session.execute('ANALYZE')
        await session.execute("SET statement_timeout = '20s'")
        const gen = new QueryGen(rng, schema)
        const diffs: string[] = []
        for (let q = 0; q < QUERIES_PER_SCHEMA; q++) {
          const { sql, ordered } = gen.query()
          const t0 = performance.now()
          const theirs = await runPostgres(client, sql)
          const t1 = performance.now()
          const ours = await runIsola(session, sql)
          const t2 = performance.now()
          totals.pgMs += t1 - t0
          totals.isolaMs += t2 - t1
          if (process.env.ISOLA_DIFF_SLOW && t2 - t0 > Number(process.env.ISOLA_DIFF_SLOW)) console.log(`slow ${Math.round(t1 - t0)} ${Math.round(t2 - t1)} ms: ${sql}`)
          const verdict = compareOutcomes(sql, ours, theirs, ordered)
          totals.queries++
          if (!theirs.ok) totals.errors++
          if (ordered) totals.ordered++
          if (verdict === 'tolerated') {
            totals.tolerated++
            if (LOG !== undefined) fs.appendFileSync(LOG, `-- tolerated: seed ${seed} query ${q}\n${describeDifference(sql, ours, theirs)}\n\n`)
          }
          if (verdict === 'different') {
            diffs.push(`[query ${q}] ${describeDifference(sql, ours, theirs)}`)
            if (LOG !== undefined) fs.appendFileSync(LOG, `-- seed ${seed} query ${q}\n${describeDifference(sql, ours, theirs)}\n\n`)
          }
        }
        const context = diffs.length === 0 ? '' : `schema (seed ${seed}):\n${schema.statements.join(';\n')};\n\n`
        expect(context + diffs.join('\n\n')).toBe('')
      } finally {
        await session.close()
        await db.close()
        totals.ms += Date.now() - started
      }
    })
  }
})
