/**
 * The bank test across three shards, local and remote: accounts spread by id % 3, concurrent transfers
 * (one-phase when both accounts share a shard, two-phase otherwise) and concurrent
 * audits that sum every shard in one transaction. Every audit at REPEATABLE READ or
 * SERIALIZABLE must see the exact total: that is the global snapshot (DESIGN.md §2),
 * including the wait on prepared versions, at work.
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { isIsolaError } from '../../common/errors.js'
import { asShardId, type ShardId } from '../../common/ids.js'
import type { DistributedTxn } from '../../coordinator/distributed-txn.js'
import type { IsolationLevel } from '../../txn/index.js'
import { Rng } from '../helpers/random.js'
import { CLUSTER_KINDS, type TestCluster } from './clusters.js'

const SHARDS = 3
const ACCOUNTS = 30
const START = 100
const TOTAL = ACCOUNTS * START
const shardOf = (id: number): ShardId => asShardId(id % SHARDS)
const seed = Number(process.env.BANK_SEED ?? Date.now() % 100000)

/** Runs `work` in a new transaction, retrying on 40001 (first-updater-wins, SSI) as an application would. */
async function withRetries<T>(c: TestCluster, isolation: IsolationLevel, work: (t: DistributedTxn) => Promise<T>): Promise<{ value: T; retries: number }> {
  for (let retries = 0; ; retries++) {
    const t = c.coordinator.begin({ isolation })
    try {
      const value = await work(t)
      await t.commit()
      return { value, retries }
    } catch (e) {
      if (t.state === 'active' || t.state === 'failed') await t.rollback()
      if (!isIsolaError(e, 'serialization_failure') || retries > 200) throw e
    }
    // Wait before the retry, as a client on a socket would: in-memory shards never
    // turn the event loop by themselves, and the decision log's group commit (which
    // lets the conflicting transaction finish) runs at the next turn. The wait grows
    // with the retries, at random, so that a transfer that keeps losing to SERIALIZABLE
    // audits is not starved (a run once gave up after 200 immediate retries).
    await new Promise((r) => (retries < 3 ? setImmediate(r) : setTimeout(r, Math.floor(Math.random() * Math.min(50, retries)))))
  }
}

async function sumAll(t: DistributedTxn): Promise<number> {
  let sum = 0
  for (let s = 0; s < SHARDS; s++) sum += Number((await t.execute(asShardId(s), 'SELECT coalesce(sum(balance), 0) AS s FROM accounts')).rows[0]![0])
  return sum
}

for (const kind of CLUSTER_KINDS) describe(`bank test across ${SHARDS} ${kind.name} shards (BANK_SEED=${seed})`, () => {
  it('every audit sees the exact total while transfers run, at REPEATABLE READ and SERIALIZABLE', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'isola-bank-'))
    const c = await kind.open({ dir, shards: SHARDS, memoryShards: true })
    try {
      const setup = c.coordinator.begin()
      for (let s = 0; s < SHARDS; s++) await setup.execute(asShardId(s), 'CREATE TABLE accounts (id int PRIMARY KEY, balance int NOT NULL)')
      await setup.commit()
      const fill = c.coordinator.begin()
      for (let id = 0; id < ACCOUNTS; id++) await fill.execute(shardOf(id), 'INSERT INTO accounts VALUES ($1, $2)', [id, START])
      await fill.commit()

      const rng = new Rng(seed)
      let running = true
      let transfers = 0
      let crossShard = 0
      let retried = 0
      const transferLoop = async (worker: number): Promise<void> => {
        const isolation: IsolationLevel = worker % 2 === 0 ? 'repeatable read' : 'serializable'
        for (let i = 0; i < 30; i++) {
          const a = rng.below(ACCOUNTS)
          let b = rng.below(ACCOUNTS - 1)
          if (b >= a) b++
          const amount = 1 + rng.below(10)
          // Rows are locked in id order: a distributed deadlock would not be detected yet.
          const [first, second] = a < b ? [[a, -amount], [b, amount]] : [[b, amount], [a, -amount]]
          const { retries } = await withRetries(c, isolation, async (t) => {
            for (const [id, delta] of [first!, second!]) {
              const r = await t.execute(shardOf(id!), 'UPDATE accounts SET balance = balance + $2 WHERE id = $1', [id, delta])
              expect(r.rowCount).toBe(1)
            }
          })
          retried += retries
          transfers++
          if (shardOf(a) !== shardOf(b)) crossShard++
        }
      }
      let audits = 0
      const auditLoop = async (isolation: IsolationLevel): Promise<void> => {
        while (running) {
          const { value } = await withRetries(c, isolation, sumAll)
          expect(value).toBe(TOTAL)
          audits++
          // A client on a socket yields to the event loop between transactions; shards in
          // memory never would, and the decision log's group commit runs at the next turn.
          await new Promise((r) => setImmediate(r))
        }
      }
      const audits$ = [auditLoop('repeatable read'), auditLoop('serializable'), auditLoop('repeatable read')]
      await Promise.all(Array.from({ length: 6 }, (_, w) => transferLoop(w)))
      running = false
      await Promise.all(audits$)
      await c.coordinator.settled()

      expect(transfers).toBe(180)
      expect(crossShard).toBeGreaterThan(60)
      expect(audits).toBeGreaterThan(5)
      // Retries did happen (transfers collide), so the concurrency was real.
      expect(retried).toBeGreaterThan(0)
      const { value } = await withRetries(c, 'repeatable read', sumAll)
      expect(value).toBe(TOTAL)
      for (const s of c.shards) expect(await s.listPrepared()).toEqual([])
      await new Promise((r) => setImmediate(r))
      expect(c.log.decisions()).toEqual([])
    } finally {
      await c.close()
      fs.rmSync(dir, { recursive: true, force: true })
    }
  })
})
