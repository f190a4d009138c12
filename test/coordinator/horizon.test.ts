/**
 * Version GC on shards below the coordinator's horizon: a branch may reach a shard
 * late, with a snapshot older than any the shard has seen, and must still find the
 * versions it needs.
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { asShardId } from '../../common/ids.js'
import { openLocalCluster } from '../../coordinator/local-cluster.js'

const S0 = asShardId(0)
const S1 = asShardId(1)

describe('the horizon', () => {
  it('keeps the versions a late branch of a running transaction needs, and lets GC take them once it ends', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'isola-horizon-'))
    const c = await openLocalCluster({ dir, shards: 2, memoryShards: true, shardOptions: { gcIntervalMs: 0 } })
    try {
      const setup = c.coordinator.begin()
      for (const s of [S0, S1]) await setup.execute(s, 'CREATE TABLE t (k int PRIMARY KEY, v int)')
      await setup.commit()
      const seed = c.coordinator.begin()
      for (const s of [S0, S1]) await seed.execute(s, 'INSERT INTO t VALUES (1, 0)')
      await seed.commit()
      await c.coordinator.settled()

      // A REPEATABLE READ transaction reads shard 0; it has not touched shard 1 yet.
      const reader = c.coordinator.begin({ isolation: 'repeatable read' })
      expect((await reader.execute(S0, 'SELECT v FROM t')).rows).toEqual([[0]])
      for (let i = 1; i <= 5; i++) {
        const w = c.coordinator.begin()
        for (const s of [S0, S1]) await w.execute(s, 'UPDATE t SET v = $1', [i])
        await w.commit()
      }
      await c.coordinator.settled()
      await c.coordinator.pushHorizon()
      for (const s of c.shards) await s.db.txn.gcStep()
      // Shard 1 first hears of the reader now, at its old snapshot: the version is still there.
      expect((await reader.execute(S1, 'SELECT v FROM t')).rows).toEqual([[0]])
      expect(c.coordinator.horizon()).toBe(reader.oldestSnapshot)
      await reader.commit()

      await c.coordinator.pushHorizon()
      expect(c.coordinator.horizon()).toBe(c.coordinator.oracle.snapshot())
      let removed = 0
      for (const s of c.shards) removed += await s.db.txn.gcStep()
      expect(removed).toBeGreaterThanOrEqual(10) // five old versions of k on each shard
      const after = c.coordinator.begin({ isolation: 'repeatable read' })
      for (const s of [S0, S1]) expect((await after.execute(s, 'SELECT v FROM t')).rows).toEqual([[5]])
      await after.commit()
    } finally {
      await c.close()
      fs.rmSync(dir, { recursive: true, force: true })
    }
  })

  it('a shard collects nothing before the coordinator has told it a horizon', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'isola-horizon-'))
    const c = await openLocalCluster({ dir, shards: 1, memoryShards: true, shardOptions: { gcIntervalMs: 0 } })
    try {
      expect(c.shards[0]!.db.txn.horizon()).toBe(0)
    } finally {
      await c.close()
      fs.rmSync(dir, { recursive: true, force: true })
    }
  })
})
