/**
 * The wire server over 3 local shards (what `isola start --shards 3` serves): a
 * real client creates a distributed table, inserts, reads with parameters (pinned
 * and scattered), and moves money between accounts in transactions while another
 * connection's REPEATABLE READ audits always see the exact total.
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
