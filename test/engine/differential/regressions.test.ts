/**
 * The differential test's regression cases (regressions.ts), each on a fresh Isola
 * database and in its own PostgreSQL schema, compared as compare.ts does.
 */
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { open } from '../../../index.js'
import { postgresBinaries, startPostgres, type PostgresServer } from '../../helpers/postgres-server.js'
import { compareOutcomes, describeDifference, runIsola, runPostgres } from './compare.js'
import { REGRESSIONS } from './regressions.js'

const haveBinaries = postgresBinaries() !== undefined
const state: { server?: PostgresServer; client?: pg.Client } = {}

describe.skipIf(!haveBinaries)('differential regressions against PostgreSQL 15', () => {
  beforeAll(async () => {
    state.server = await startPostgres()
    state.client = new pg.Client({ connectionString: state.server.url })
    await state.client.connect()
  })
  afterAll(async () => {
    await state.client?.end()
    await state.server?.stop()
  })

  REGRESSIONS.forEach((reg, i) => {
    it(reg.bug, async () => {
      const client = state.client!
      await client.query(`CREATE SCHEMA r${i}; SET search_path = r${i}`)
      const db = await open({ memory: true })
      const session = db.session()
      try {
        for (const stmt of reg.setup) {
          await client.query(stmt)
          await session.execute(stmt)
        }
        const diffs: string[] = []
        for (const sql of reg.queries) {
          const theirs = await runPostgres(client, sql)
          const ours = await runIsola(session, sql)
          if (compareOutcomes(sql, ours, theirs, false) !== 'same') diffs.push(describeDifference(sql, ours, theirs))
        }
        expect(diffs.join('\n\n')).toBe('')
      } finally {
        await session.close()
        await db.close()
      }
    })
  })
})
