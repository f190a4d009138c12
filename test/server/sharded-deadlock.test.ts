/**
 * A distributed deadlock as a real client sees it, through the wire server over 3
 * local shards (`isola start --shards 3`), with the default deadlock_timeout (1 s):
 * two node-postgres connections each update an account on one shard and then the
 * other's; one gets 40P01 with the cycle in its DETAIL, the other commits.
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import pg from 'pg'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { ClusterMetadata, ClusterSession } from '../../coordinator/cluster-session.js'
import { openLocalCluster, type LocalCluster } from '../../coordinator/local-cluster.js'
import { ShardedWireSession } from '../../coordinator/wire-session.js'
import { WireServer } from '../../server/server.js'

let dir: string
let local: LocalCluster
let server: WireServer

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'isola-sharded-deadlock-'))
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

it('node-postgres: a deadlock across two shards ends with 40P01 for one client after deadlock_timeout, and the other commits', async () => {
  const setup = await client()
  await setup.query('CREATE TABLE acct (id int PRIMARY KEY, balance int NOT NULL) DISTRIBUTED BY (id)')
  await setup.query(`INSERT INTO acct VALUES ${Array.from({ length: 20 }, (_, i) => `(${i}, 100)`).join(', ')}`)
  // Two accounts whose rows are on different shards.
  const holds = async (shard: number, id: number) => Number((await local.shards[shard]!.db.session().query(`SELECT count(*) AS n FROM acct WHERE id = ${id}`)).rows[0]!.n) === 1
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
  await c1.query('UPDATE acct SET balance = balance - 5 WHERE id = $1', [a])
  await c2.query('UPDATE acct SET balance = balance - 7 WHERE id = $1', [b])
  const started = Date.now()
  const r1 = c1.query('UPDATE acct SET balance = balance + 5 WHERE id = $1', [b]).then(() => 'ok', (e: pg.DatabaseError) => e)
  const r2 = c2.query('UPDATE acct SET balance = balance + 7 WHERE id = $1', [a]).then(() => 'ok', (e: pg.DatabaseError) => e)
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
  const rows = (await setup.query('SELECT id, balance FROM acct WHERE id IN ($1, $2) ORDER BY id', [a, b])).rows
  expect(rows).toEqual([{ id: a, balance: 95 }, { id: b, balance: 105 }])
  for (const c of [setup, c1, c2]) await c.end()
})
