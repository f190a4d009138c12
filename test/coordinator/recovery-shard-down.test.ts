/**
 * A coordinator restarted while one of its shards is down: it opens, its other shards
 * serve new transactions, and what it has to finish on the missing shard (a logged
 * decision to re-drive, a prepared transaction of an earlier epoch to roll back) is
 * finished once that shard is back, without another restart.
 *
 * Found by chaos.test.ts's round that kills a shard and then the coordinator: the
 * new coordinator's open waited on the dead shard (re-driving a decision was retried
 * until acknowledged, inside open), so no transaction could run anywhere.
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { asShardId } from '../../common/ids.js'
import type { FaultPoint } from '../../coordinator/faults.js'
import { openRemoteCluster, type RemoteCluster } from '../../coordinator/remote-cluster.js'
import { ShardServer } from '../../server/shard.js'

const S0 = asShardId(0)
const S1 = asShardId(1)

let cleanup: (() => Promise<void>)[] = []
afterEach(async () => {
  for (const f of cleanup.reverse()) await f().catch(() => undefined)
  cleanup = []
})

async function shardServer(dir: string, port = 0): Promise<ShardServer> {
  const s = await ShardServer.open({ dir, port })
  cleanup.push(() => s.close())
  return s
}

/** The fault point the next coordinator opened stops at (an in-process crash: it throws there). */
let armed: FaultPoint | undefined

async function cluster(dir: string, servers: readonly { port: number }[]): Promise<RemoteCluster> {
  const c = await openRemoteCluster({
    dir,
    shards: servers.map((s) => ({ host: '127.0.0.1', port: s.port })),
    faults: (p) => {
      if (p === armed) throw new Error(`fault ${p}`)
    },
  })
  cleanup.push(() => c.close())
  return c
}

/** Resolves with the value, or with 'timeout' after `ms`. */
const within = <T>(p: Promise<T>, ms: number): Promise<T | 'timeout'> => Promise.race([p, new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), ms).unref())])

describe('a coordinator restarted while a shard is down', () => {
  for (const fault of ['after-decision-logged', 'after-votes'] as const) {
    it(`opens, serves the other shards, and finishes on the missing one once it is back (left by a crash ${fault})`, async () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'isola-recovery-down-'))
      cleanup.push(async () => fs.rmSync(dir, { recursive: true, force: true }))
      const s0 = await shardServer(path.join(dir, 's0'))
      let s1 = await shardServer(path.join(dir, 's1'))
      const first = await cluster(dir, [s0, s1])
      const setup = first.coordinator.begin()
      for (const s of [S0, S1]) await setup.execute(s, 'CREATE TABLE t (id int PRIMARY KEY, v text)')
      await setup.commit()
      await first.coordinator.settled()
      // Both shards prepare; the coordinator "crashes" at the fault point (the decision logged, or not).
      armed = fault
      const t = first.coordinator.begin()
      for (const s of [S0, S1]) await t.execute(s, `INSERT INTO t VALUES (1, 'in doubt')`)
      await expect(t.commit()).rejects.toThrow(`fault ${fault}`)
      armed = undefined
      await first.close()
      const port1 = s1.port
      await s1.close()

      // The new coordinator opens with shard 1 down…
      const second = await within(cluster(dir, [s0, { port: port1 }]), 5000)
      expect(second, 'the coordinator opens with a shard down').not.toBe('timeout')
      const c = second as RemoteCluster
      // …and shard 0 serves new transactions.
      const u = c.coordinator.begin()
      await u.execute(S0, `INSERT INTO t VALUES (2, 'while s1 is down')`)
      expect(await u.commit()).toBeGreaterThan(0)
      await expect(c.coordinator.begin().execute(S1, 'SELECT 1')).rejects.toMatchObject({ code: '08006' })

      // Shard 1 back: the in-doubt transaction is finished on it, as decided, without another restart.
      s1 = await shardServer(path.join(dir, 's1'), port1)
      await within(c.coordinator.settled(), 10_000)
      for (const p of c.shards) expect(await p.listPrepared(), `shard ${p.id}`).toEqual([])
      expect(c.log.decisions()).toEqual([])
      const r = c.coordinator.begin({ isolation: 'repeatable read' })
      const expected = fault === 'after-decision-logged' ? [[1], [2]] : [[2]]
      expect((await r.execute(S0, 'SELECT id FROM t ORDER BY id')).rows).toEqual(expected)
      expect((await r.execute(S1, 'SELECT id FROM t ORDER BY id')).rows).toEqual(fault === 'after-decision-logged' ? [[1]] : [])
      await r.commit()
    })
  }
})
