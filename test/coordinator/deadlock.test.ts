/**
 * Distributed deadlocks (ARCHITECTURE.md §9.10), over local and remote shards: a
 * cycle of waits through two or three shards, or through a transaction of one
 * shard alone, ends with 40P01 for exactly one distributed transaction (the
 * youngest), whose branches are rolled back at once, and the others commit; a long
 * wait without a cycle is left alone.
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { isIsolaError } from '../../common/errors.js'
import { asShardId, type ShardId } from '../../common/ids.js'
import { ClusterMetadata, ClusterSession } from '../../coordinator/cluster-session.js'
import type { DistributedTxn } from '../../coordinator/distributed-txn.js'
import { LocalParticipant } from '../../coordinator/local-participant.js'
import { RemoteParticipant } from '../../coordinator/remote-participant.js'
import { WireConnection } from '../../coordinator/wire-client.js'
import { CLUSTER_KINDS, type ClusterKind, type TestCluster } from './clusters.js'

const S0 = asShardId(0)
const S1 = asShardId(1)
const S2 = asShardId(2)
const ALL = [S0, S1, S2]
/** deadlock_timeout in these tests: short, so that they are quick. */
const TIMEOUT_MS = 100

let dirs: string[] = []
let clusters: TestCluster[] = []

async function cluster(kind: ClusterKind): Promise<TestCluster> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'isola-deadlock-'))
  dirs.push(dir)
  const c = await kind.open({ dir, shards: 3, memoryShards: true })
  clusters.push(c)
  c.coordinator.deadlocks.timeoutMs = TIMEOUT_MS
  const t = c.coordinator.begin()
  for (const s of ALL) await t.execute(s, 'CREATE TABLE t (id int PRIMARY KEY, v int)')
  for (const s of ALL) await t.execute(s, 'INSERT INTO t VALUES (1, 0), (2, 0), (3, 0), (4, 0)')
  await t.commit()
  await c.coordinator.settled()
  return c
}

afterEach(async () => {
  for (const c of clusters) await c.close().catch(() => undefined)
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true })
  clusters = []
  dirs = []
})

/** A statement's outcome once it settles: 'ok', or the SQLSTATE it failed with. */
function outcome(p: Promise<unknown>): Promise<string> {
  return p.then(
    () => 'ok',
    (e: unknown) => (e as { code?: string }).code ?? String(e),
  )
}

/** True when `p` has not settled after `ms`. */
async function stillPending(p: Promise<unknown>, ms: number): Promise<boolean> {
  let done = false
  p.then(
    () => (done = true),
    () => (done = true),
  )
  await new Promise((r) => setTimeout(r, ms))
  return !done
}

const update = (t: DistributedTxn, shard: ShardId, id: number, v: number) => t.execute(shard, 'UPDATE t SET v = $1 WHERE id = $2', [v, id])

/** The value of row `id` on `shard`, read in a distributed transaction of its own. */
async function valueOf(c: TestCluster, shard: ShardId, id: number): Promise<number> {
  const t = c.coordinator.begin()
  const r = await t.execute(shard, 'SELECT v FROM t WHERE id = $1', [id])
  await t.commit()
  return Number(r.rows[0]![0])
}

/** A session on one shard that is not the coordinator's: an engine session, or a psql-like wire connection. */
async function plainSession(c: TestCluster, shard: ShardId): Promise<{ query(sql: string): Promise<unknown>; close(): Promise<void> }> {
  const p = c.shards[shard]!
  if (p instanceof LocalParticipant) {
    const s = p.db.session()
    return { query: (sql) => s.execute(sql), close: () => s.close() }
  }
  const r = p as RemoteParticipant
  const conn = await WireConnection.connect({ host: r.options.host, port: r.options.port })
  return { query: (sql) => conn.query(sql), close: () => conn.close() }
}

for (const kind of CLUSTER_KINDS) describe(`distributed deadlocks over ${kind.name} shards`, () => {
  it('a cycle through two shards: the younger transaction gets 40P01 naming the cycle, the older commits', async () => {
    const c = await cluster(kind)
    const t1 = c.coordinator.begin()
    const t2 = c.coordinator.begin()
    await update(t1, S0, 1, 11)
    await update(t2, S1, 2, 22)
    const started = Date.now()
    const w1 = update(t1, S1, 2, 12) // waits for t2 on shard 1
    const w2 = update(t2, S0, 1, 21) // waits for t1 on shard 0: a cycle neither shard sees
    const [o1, o2] = await Promise.all([outcome(w1), outcome(w2)])
    const took = Date.now() - started
    expect([o1, o2]).toEqual(['ok', '40P01'])
    // Found after deadlock_timeout, not by a lock timeout (there is none) and not at once.
    expect(took).toBeGreaterThanOrEqual(TIMEOUT_MS - 5)
    expect(took).toBeLessThan(5000)
    const err = await w2.catch((e: unknown) => e)
    expect(isIsolaError(err, 'deadlock_detected')).toBe(true)
    const detail = (err as { detail?: string }).detail ?? ''
    expect(detail).toContain(`Transaction ${t2.gid} waits for`)
    expect(detail).toContain(`blocked by transaction ${t1.gid}`)
    expect(detail).toContain(`Transaction ${t1.gid} waits for`)
    expect(detail.split('\n')).toHaveLength(2)
    // t1 went on before t2's client rolled back: the victim's branches were rolled back at once.
    expect(t2.state).toBe('failed')
    await expect(t2.commit()).rejects.toMatchObject({ code: '25P02' })
    await t1.commit()
    expect(await valueOf(c, S0, 1)).toBe(11)
    expect(await valueOf(c, S1, 2)).toBe(12)
    expect(c.coordinator.deadlocks.stats.deadlocks).toBe(1)
    for (const s of c.shards) expect(await s.lockWaits()).toEqual([])
  })

  it('a cycle through three shards: one victim, the two others commit in turn', async () => {
    const c = await cluster(kind)
    const [t1, t2, t3] = [c.coordinator.begin(), c.coordinator.begin(), c.coordinator.begin()]
    await update(t1, S0, 1, 1)
    await update(t2, S1, 1, 2)
    await update(t3, S2, 1, 3)
    const w1 = update(t1, S1, 1, 1) // t1 → t2
    const w2 = update(t2, S2, 1, 2) // t2 → t3
    const w3 = update(t3, S0, 1, 3) // t3 → t1
    expect(await outcome(w3)).toBe('40P01')
    const detail = ((await w3.catch((e: unknown) => e)) as { detail?: string }).detail ?? ''
    expect(detail.split('\n')).toHaveLength(3)
    for (const t of [t1, t2, t3]) expect(detail).toContain(t.gid)
    await t3.rollback()
    expect(await outcome(w2)).toBe('ok')
    expect(await stillPending(w1, 50)).toBe(true) // t1 still waits for t2, which is no deadlock
    await t2.commit()
    expect(await outcome(w1)).toBe('ok')
    await t1.commit()
    expect([await valueOf(c, S0, 1), await valueOf(c, S1, 1), await valueOf(c, S2, 1)]).toEqual([1, 1, 2])
    expect(c.coordinator.deadlocks.stats.deadlocks).toBe(1)
  })

  it('a cycle through a transaction local to one shard', async () => {
    const c = await cluster(kind)
    const local = await plainSession(c, S1)
    try {
      const t1 = c.coordinator.begin()
      const t2 = c.coordinator.begin()
      await update(t1, S0, 1, 10)
      await local.query('BEGIN; UPDATE t SET v = 99 WHERE id = 2')
      await update(t2, S1, 3, 20)
      const w1 = update(t1, S1, 2, 10) // t1 → local (shard 1)
      const wl = outcome(local.query('UPDATE t SET v = 99 WHERE id = 3')) // local → t2 (shard 1)
      const w2 = update(t2, S0, 1, 20) // t2 → t1 (shard 0)
      // Each shard alone sees a chain, not a cycle: only the coordinator's graph has one.
      expect(await outcome(w2)).toBe('40P01')
      const detail = ((await w2.catch((e: unknown) => e)) as { detail?: string }).detail ?? ''
      expect(detail).toMatch(/local to shard 1/)
      expect(await wl).toBe('ok')
      await local.query('COMMIT')
      expect(await outcome(w1)).toBe('ok')
      await t1.commit()
      await t2.rollback()
      expect(await valueOf(c, S1, 2)).toBe(10)
      expect(await valueOf(c, S1, 3)).toBe(99)
    } finally {
      await local.close()
    }
  })

  it('a cycle through a lock queue (one transaction queued behind another) ends, and the oldest commits', async () => {
    const c = await cluster(kind)
    const [t1, t2, t3] = [c.coordinator.begin(), c.coordinator.begin(), c.coordinator.begin()]
    await update(t1, S0, 1, 1)
    await update(t2, S1, 1, 2)
    const w3 = outcome(update(t3, S0, 1, 3)) // first in the queue for row 1 on shard 0
    expect(await stillPending(w3, 20)).toBe(true)
    const w2 = outcome(update(t2, S0, 1, 2)) // behind t3: waits for t1 through t3
    expect(await stillPending(w2, 20)).toBe(true)
    const w1 = outcome(update(t1, S1, 1, 1)) // t1 → t2 → t3 → t1
    expect(await w1).toBe('ok')
    await t1.commit()
    // t3 is the youngest on the cycle; without it t2 waits for t1 at the head of the
    // queue, still a cycle, which the same search breaks (§9.10).
    expect([await w2, await w3]).toEqual(['40P01', '40P01'])
    expect(c.coordinator.deadlocks.stats).toMatchObject({ deadlocks: 2 })
    for (const t of [t2, t3]) await t.rollback()
    expect(await valueOf(c, S1, 1)).toBe(1)
    for (const s of c.shards) expect(await s.lockWaits()).toEqual([])
  })

  it('no false positive: a long wait for a holder that sleeps, then commits, is left alone', async () => {
    const c = await cluster(kind)
    const t1 = c.coordinator.begin()
    const t2 = c.coordinator.begin()
    await update(t1, S0, 1, 1)
    await update(t1, S1, 1, 1)
    await update(t2, S1, 2, 2)
    const w2 = update(t2, S0, 1, 2) // waits for t1, which waits for nothing
    expect(await stillPending(w2, TIMEOUT_MS * 5)).toBe(true)
    const waits = await c.shards[S0]!.lockWaits()
    expect(waits).toHaveLength(1)
    expect(waits[0]).toMatchObject({ waiterGxid: t2.gid, holderGxid: t1.gid })
    expect(waits[0]!.waitedMs).toBeGreaterThanOrEqual(TIMEOUT_MS)
    await t1.commit()
    expect(await outcome(w2)).toBe('ok')
    await t2.commit()
    expect(c.coordinator.deadlocks.stats.searches).toBeGreaterThanOrEqual(2)
    expect(c.coordinator.deadlocks.stats.deadlocks).toBe(0)
    expect(await valueOf(c, S0, 1)).toBe(2)
  })

  it('through SQL: two ClusterSessions deadlock on rows of different shards; one gets 40P01 and the other commits', async () => {
    const c = await cluster(kind)
    const metadata = new ClusterMetadata(3)
    const setup = new ClusterSession(c.coordinator, metadata)
    await setup.execute('CREATE TABLE accounts (id int PRIMARY KEY, balance int NOT NULL) DISTRIBUTED BY (id)')
    await setup.execute(`INSERT INTO accounts VALUES ${Array.from({ length: 20 }, (_, i) => `(${i}, 100)`).join(', ')}`)
    // Two accounts on different shards: EXPLAIN names the shard a pinned statement goes to.
    const shardOf = async (id: number) => ((await setup.execute(`EXPLAIN SELECT * FROM accounts WHERE id = ${id}`))[0]!.rows.map((r) => String(r[0])).join('\n').match(/shard (\d+)/) ?? [])[1]
    const a = 0
    let b = 1
    while ((await shardOf(b)) === (await shardOf(a))) b++
    const s1 = new ClusterSession(c.coordinator, metadata)
    const s2 = new ClusterSession(c.coordinator, metadata)
    await s1.execute('BEGIN')
    await s2.execute('BEGIN')
    await s1.execute(`UPDATE accounts SET balance = balance - 10 WHERE id = ${a}`)
    await s2.execute(`UPDATE accounts SET balance = balance - 20 WHERE id = ${b}`)
    const w1 = s1.execute(`UPDATE accounts SET balance = balance + 10 WHERE id = ${b}`)
    const w2 = s2.execute(`UPDATE accounts SET balance = balance + 20 WHERE id = ${a}`)
    const [o1, o2] = await Promise.all([outcome(w1), outcome(w2)])
    expect([o1, o2].sort()).toEqual(['40P01', 'ok'])
    // The younger distributed transaction is the victim: s2's, begun after s1's.
    expect([o1, o2]).toEqual(['ok', '40P01'])
    const [winner, loser] = o1 === 'ok' ? [s1, s2] : [s2, s1]
    expect((await loser.execute('ROLLBACK'))[0]!.tag).toBe('ROLLBACK')
    expect((await winner.execute('COMMIT'))[0]!.tag).toBe('COMMIT')
    const sum = await setup.execute('SELECT sum(balance) FROM accounts')
    expect(Number(sum[0]!.rows[0]![0])).toBe(2000)
    const moved = (await setup.execute(`SELECT balance FROM accounts WHERE id IN (${a}, ${b}) ORDER BY id`))[0]!.rows.map((r) => Number(r[0]))
    expect(moved).toEqual(winner === s1 ? [90, 110] : [120, 80])
    for (const s of [setup, s1, s2]) await s.close()
  })
})
