/**
 * The wire server over 3 local shards (what `isola start --shards 3` serves): a
 * real client creates a distributed table, inserts, reads with parameters (pinned
 * and scattered), and moves money between accounts in transactions while another
 * connection's REPEATABLE READ audits always see the exact total; and a distributed
 * deadlock as a real client sees it, with the default deadlock_timeout (1 s): two
 * connections each update an account on one shard and then the other's; one gets
 * 40P01 with the cycle in its DETAIL, the other commits.
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import pg from 'pg'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { ClusterMetadata } from '../../coordinator/cluster-session.js'
import { openLocalCluster, type LocalCluster } from '../../coordinator/local-cluster.js'
import { ShardedWireSession } from '../../coordinator/wire-session.js'
import { WireServer } from '../../server/server.js'

const ACCOUNTS = 30
let dir: string
let local: LocalCluster
let server: WireServer

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'isola-sharded-'))
  local = await openLocalCluster({ dir, shards: 3, memoryShards: true })
  const metadata = new ClusterMetadata(3)
  server = await WireServer.listen({
    port: 0,
    session: async (o) => ShardedWireSession.open(local.coordinator, metadata, local.shards[0]!.db.session(o)),
  })
})
afterAll(async () => {
  await server.close()
  await local.close()
  fs.rmSync(dir, { recursive: true, force: true })
})

const client = async () => {
  const c = new pg.Client({ host: '127.0.0.1', port: server.port, user: 'postgres', database: 'postgres' })
  c.on('error', () => undefined)
  await c.connect()
  return c
}

it('node-postgres over 3 shards: DDL, inserts, pinned and scattered reads, transfers with audits that see the exact total', async () => {
  const c = await client()
  await c.query('CREATE TABLE acct (id int PRIMARY KEY, balance int NOT NULL) DISTRIBUTED BY (id)')
  await c.query(`INSERT INTO acct VALUES ${Array.from({ length: ACCOUNTS }, (_, i) => `(${i}, 100)`).join(', ')}`)
  expect((await c.query('SELECT balance FROM acct WHERE id = $1', [7])).rows).toEqual([{ balance: 100 }])
  expect((await c.query('SELECT count(*)::int AS n, sum(balance)::int AS s FROM acct')).rows).toEqual([{ n: ACCOUNTS, s: ACCOUNTS * 100 }])
  const perShard = await Promise.all(local.shards.map(async (p) => Number((await p.db.session().query('SELECT count(*) AS n FROM acct')).rows[0]!.n)))
  expect(perShard.filter((n) => n > 0).length).toBe(3)

  const auditor = await client()
  let audits = 0
  let stop = false
  const audit = (async () => {
    while (!stop) {
      await auditor.query('BEGIN ISOLATION LEVEL REPEATABLE READ')
      const a = (await auditor.query('SELECT sum(balance)::int AS s FROM acct')).rows[0].s
      const b = (await auditor.query('SELECT sum(balance)::int AS s FROM acct')).rows[0].s
      await auditor.query('COMMIT')
      expect([a, b]).toEqual([ACCOUNTS * 100, ACCOUNTS * 100])
      audits++
    }
  })()
  const workers = await Promise.all([0, 1, 2].map(() => client()))
  await Promise.all(
    workers.map(async (w, k) => {
      for (let i = 0; i < 20; i++) {
        const from = (i * 7 + k) % ACCOUNTS
        const to = (from + 1 + k) % ACCOUNTS
        for (;;) {
          try {
            await w.query('BEGIN ISOLATION LEVEL REPEATABLE READ')
            await w.query('UPDATE acct SET balance = balance - 5 WHERE id = $1', [from])
            await w.query('UPDATE acct SET balance = balance + 5 WHERE id = $1', [to])
            await w.query('COMMIT')
            break
          } catch (e) {
            await w.query('ROLLBACK')
            if (!['40001', '40P01'].includes((e as { code?: string }).code ?? '')) throw e
          }
        }
      }
    }),
  )
  stop = true
  await audit
  expect(audits).toBeGreaterThan(0)
  expect((await c.query('SELECT sum(balance)::int AS s FROM acct')).rows).toEqual([{ s: ACCOUNTS * 100 }])
  expect((await c.query('SELECT id FROM acct ORDER BY balance DESC, id LIMIT 1')).rows).toHaveLength(1)
  for (const x of [c, auditor, ...workers]) await x.end()
})

it('node-postgres: a deadlock across two shards ends with 40P01 for one client after deadlock_timeout, and the other commits', async () => {
  const setup = await client()
  await setup.query('CREATE TABLE pair (id int PRIMARY KEY, balance int NOT NULL) DISTRIBUTED BY (id)')
  await setup.query(`INSERT INTO pair VALUES ${Array.from({ length: 20 }, (_, i) => `(${i}, 100)`).join(', ')}`)
  // Two accounts whose rows are on different shards.
  const holds = async (shard: number, id: number) => Number((await local.shards[shard]!.db.session().query(`SELECT count(*) AS n FROM pair WHERE id = ${id}`)).rows[0]!.n) === 1
  const shardOf = async (id: number) => {
    for (let s = 0; s < 3; s++) if (await holds(s, id)) return s
    throw new Error(`account ${id} is on no shard`)
  }
  const a = 0
  let b = 1
  while ((await shardOf(b)) === (await shardOf(a))) b++

  const [c1, c2] = [await client(), await client()]
  await c1.query('BEGIN')
  await c2.query('BEGIN')
  await c1.query('UPDATE pair SET balance = balance - 5 WHERE id = $1', [a])
  await c2.query('UPDATE pair SET balance = balance - 7 WHERE id = $1', [b])
  const started = Date.now()
  const r1 = c1.query('UPDATE pair SET balance = balance + 5 WHERE id = $1', [b]).then(() => 'ok', (e: pg.DatabaseError) => e)
  const r2 = c2.query('UPDATE pair SET balance = balance + 7 WHERE id = $1', [a]).then(() => 'ok', (e: pg.DatabaseError) => e)
  const [o1, o2] = await Promise.all([r1, r2])
  const took = Date.now() - started
  // The younger transaction (c2's) is the victim.
  expect(o1).toBe('ok')
  expect(o2).toMatchObject({ code: '40P01', message: 'deadlock detected' })
  expect((o2 as pg.DatabaseError).detail).toMatch(/^Transaction isola:c1:\d+:\d+ waits for table \d+ key [0-9a-f]+ on shard \d; blocked by transaction isola:c1:\d+:\d+\.\n/)
  expect(took).toBeGreaterThanOrEqual(950)
  expect(took).toBeLessThan(5000)
  await c2.query('ROLLBACK')
  await c1.query('COMMIT')
  const rows = (await setup.query('SELECT id, balance FROM pair WHERE id IN ($1, $2) ORDER BY id', [a, b])).rows
  expect(rows).toEqual([{ id: a, balance: 95 }, { id: b, balance: 105 }])
  for (const c of [setup, c1, c2]) await c.end()
})
