/**
 * 200 connections at once doing transfers between accounts through node-postgres,
 * at READ COMMITTED (SELECT … FOR UPDATE) and SERIALIZABLE (retrying 40001), while
 * readers check the total: every committed state sums to the starting total.
 */
import pg from 'pg'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { Rng } from '../helpers/random.js'
import { startServer, type TestServer } from './helpers.js'

const CONNECTIONS = 200
const ACCOUNTS = 200
const TRANSFERS_EACH = 8
const TOTAL = ACCOUNTS * 1000

let srv: TestServer

beforeAll(async () => {
  srv = await startServer({ maxConnections: CONNECTIONS + 10 })
  const c = new pg.Client({ connectionString: srv.url })
  await c.connect()
  await c.query('CREATE TABLE acct (id int PRIMARY KEY, balance int NOT NULL)')
  await c.query(`INSERT INTO acct SELECT g, 1000 FROM generate_series(1, ${ACCOUNTS}) g`)
  await c.end()
})
afterAll(async () => {
  await srv.close()
})

it(`${CONNECTIONS} concurrent connections transfer money; every read and the end state sum to the total`, async () => {
  const clients = await Promise.all(
    Array.from({ length: CONNECTIONS }, async () => {
      const c = new pg.Client({ connectionString: srv.url })
      c.on('error', () => undefined) // a failed run leaves its clients to the server's shutdown
      await c.connect()
      return c
    }),
  )
  expect(srv.server.connectionCount).toBeGreaterThanOrEqual(CONNECTIONS)
  let committed = 0
  let retried = 0
  const sums: number[] = []
  await Promise.all(
    clients.map(async (c, i) => {
      const rng = new Rng(1000 + i)
      const serializable = i % 2 === 1
      for (let t = 0; t < TRANSFERS_EACH; t++) {
        if (i % 10 === 0) {
          // A reader: one snapshot's total.
          const r = await c.query('BEGIN ISOLATION LEVEL REPEATABLE READ; SELECT sum(balance)::int AS s FROM acct; COMMIT')
          sums.push((r as unknown as pg.QueryResult[])[1]!.rows[0].s)
          continue
        }
        const from = rng.int(1, ACCOUNTS)
        const to = ((from + rng.int(0, ACCOUNTS - 2)) % ACCOUNTS) + 1
        const amount = rng.int(1, 50)
        for (let attempt = 0; ; attempt++) {
          try {
            await c.query(serializable ? 'BEGIN ISOLATION LEVEL SERIALIZABLE' : 'BEGIN')
            const lock = serializable ? '' : ' FOR UPDATE'
            const a = await c.query(`SELECT balance FROM acct WHERE id = $1${lock}`, [from])
            await c.query(`SELECT balance FROM acct WHERE id = $1${lock}`, [to])
            await c.query('UPDATE acct SET balance = $2 WHERE id = $1', [from, a.rows[0].balance - amount])
            await c.query('UPDATE acct SET balance = balance + $2 WHERE id = $1', [to, amount])
            await c.query('COMMIT')
            committed++
            break
          } catch (e) {
            await c.query('ROLLBACK')
            const code = (e as { code?: string }).code
            if ((code === '40001' || code === '40P01') && attempt < 200) {
              retried++
              // A random pause, so that the same transactions do not collide again in lockstep.
              await new Promise((r) => setTimeout(r, rng.int(0, 5 + attempt)))
              continue
            }
            throw e
          }
        }
      }
    }),
  )
  const end = await clients[0]!.query('SELECT sum(balance)::int AS s, count(*)::int AS n FROM acct')
  expect(end.rows[0]).toEqual({ s: TOTAL, n: ACCOUNTS })
  expect(sums.length).toBe((CONNECTIONS / 10) * TRANSFERS_EACH)
  expect(new Set(sums)).toEqual(new Set([TOTAL]))
  expect(committed).toBe(CONNECTIONS * 0.9 * TRANSFERS_EACH)
  console.log(`transfers: ${committed} committed, ${retried} retries after 40001/40P01`)
  await Promise.all(clients.map((c) => c.end()))
})
