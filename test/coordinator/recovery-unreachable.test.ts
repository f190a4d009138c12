/**
 * Recovery that does not wait for a shard that cannot be reached, over local and
 * remote shards: the open returns, the reachable shards are resolved, statements
 * that need the missing shard fail with 08006 while the others commit, and once it
 * answers its decided branches are committed and its undecided ones rolled back.
 * Also the rows of isola_distributed_xacts in each state.
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { dbError } from '../../common/errors.js'
import { asShardId, type ShardId } from '../../common/ids.js'
import { distributedXacts } from '../../coordinator/distributed-xacts.js'
import type { Branch, Participant } from '../../coordinator/participant.js'
import { CLUSTER_KINDS, type TestCluster } from './clusters.js'

const S0 = asShardId(0)
const S1 = asShardId(1)
const S2 = asShardId(2)
const ALL = [S0, S1, S2]

let dirs: string[] = []
let clusters: TestCluster[] = []

afterEach(async () => {
  for (const c of clusters) await c.close().catch(() => undefined)
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true })
  clusters = []
  dirs = []
})

function tmp(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'isola-unreach-'))
  dirs.push(d)
  return d
}

/** A participant that fails everything with 08006 while its shard is in `down`, as an unreachable remote one does. */
function switchable(p: Participant, down: ReadonlySet<ShardId>): Participant {
  const gate = <T>(f: () => Promise<T>): Promise<T> => (down.has(p.id) ? Promise.reject(dbError('connection_failure', `connection to shard ${p.id} failed: down`)) : f())
  return {
    id: p.id,
    begin: (o) => gate(() => p.begin(o)),
    commitPrepared: (g, ts, o) => gate(() => p.commitPrepared(g, ts, o)),
    rollbackPrepared: (g) => gate(() => p.rollbackPrepared(g)),
    listPrepared: () => gate(() => p.listPrepared()),
    advanceHorizon: (ts) => gate(() => p.advanceHorizon(ts)),
    lockWaits: () => gate(() => p.lockWaits()),
    rejectLockWait: (w, detail) => gate(() => p.rejectLockWait(w, detail)),
    close: () => p.close(),
  }
}

const branchesOf = (t: unknown, shards: ShardId[]) => Promise.all(shards.map((s) => (t as { branches: Map<ShardId, Promise<Branch>> }).branches.get(s)!))

for (const kind of CLUSTER_KINDS)
  describe(`recovery with an unreachable ${kind.name} shard`, () => {
    it('open does not wait for it; the others are resolved and serve; it is resolved when it answers', async () => {
      const dir = tmp()
      const first = await kind.open({ dir, shards: 3 })
      const ddl = first.coordinator.begin()
      for (const s of ALL) await ddl.execute(s, 'CREATE TABLE t (id int PRIMARY KEY, v text)')
      await ddl.commit()
      await first.coordinator.settled()
      // As a crash would leave them: a decided transaction on S0+S1 (logged, committed nowhere), an undecided one on S1+S2.
      const decided = first.coordinator.begin()
      const undecided = first.coordinator.begin()
      for (const s of [S0, S1]) await decided.execute(s, 'INSERT INTO t VALUES (1, $1)', ['decided'])
      for (const s of [S1, S2]) await undecided.execute(s, 'INSERT INTO t VALUES (2, $1)', ['undecided'])
      for (const b of await branchesOf(decided, [S0, S1])) expect((await b.prepare(decided.gid)).kind).toBe('prepared')
      for (const b of await branchesOf(undecided, [S1, S2])) expect((await b.prepare(undecided.gid)).kind).toBe('prepared')
      const commitTs = first.coordinator.oracle.next()
      await first.log.append({ gid: decided.gid, commitTs, participants: [S0, S1] })
      await first.close()

      // S1 is down at open: open returns without it.
      const down = new Set<ShardId>([S1])
      const t0 = Date.now()
      const second = await kind.open({ dir, shards: 3, wrap: (p) => switchable(p, down) })
      clusters.push(second)
      expect(Date.now() - t0).toBeLessThan(5000)
      const c = second.coordinator
      expect(c.unrecoveredShards).toEqual([S1])
      // S0's decided branch is committed, S2's undecided one rolled back; S1 still holds both.
      expect(await second.shards[0]!.listPrepared()).toEqual([])
      expect(await second.shards[2]!.listPrepared()).toEqual([])
      expect((await second.shards[1]!.listPrepared()).map((p) => p.gid).sort()).toEqual([decided.gid, undecided.gid].sort())
      expect(second.log.decisions().map((d) => d.gid)).toEqual([decided.gid])
      const view = await distributedXacts(c)
      expect(view).toEqual([expect.objectContaining({ gid: decided.gid, state: 'committing', participants: [S0, S1], commitTs, decisionLogged: true, preparedOn: [], unreachable: [S1] })])

      // Statements that need S1 fail with 08006; the others go on, in two phases too.
      const needs = c.begin()
      await expect(needs.execute(S1, 'SELECT 1')).rejects.toMatchObject({ code: '08006' })
      await needs.rollback()
      const t = c.begin()
      for (const s of [S0, S2]) await t.execute(s, 'INSERT INTO t VALUES (3, $1)', ['meanwhile'])
      expect(await t.commit()).toBeGreaterThan(commitTs)
      const r = c.begin({ isolation: 'repeatable read' })
      expect((await r.execute(S0, 'SELECT id, v FROM t ORDER BY id')).rows).toEqual([[1, 'decided'], [3, 'meanwhile']])
      expect((await r.execute(S2, 'SELECT id, v FROM t ORDER BY id')).rows).toEqual([[3, 'meanwhile']])
      await r.commit()

      // S1 answers again: the decision is committed there and forgotten, the undecided branch rolled back.
      down.delete(S1)
      await c.recovered()
      await c.settled()
      await new Promise((res) => setImmediate(res))
      expect(c.unrecoveredShards).toEqual([])
      for (const s of second.shards) expect(await s.listPrepared()).toEqual([])
      expect(second.log.decisions()).toEqual([])
      const after = c.begin({ isolation: 'repeatable read' })
      expect((await after.execute(S1, 'SELECT id, v FROM t ORDER BY id')).rows).toEqual([[1, 'decided']])
      await after.commit()
      expect(await distributedXacts(c)).toEqual([])
    })

    it('isola_distributed_xacts: running, in doubt (earlier epoch, no decision), aborting (this epoch, not running) and foreign', async () => {
      const c = await kind.open({ dir: tmp(), shards: 3 })
      clusters.push(c)
      const ddl = c.coordinator.begin()
      for (const s of ALL) await ddl.execute(s, 'CREATE TABLE t (id int PRIMARY KEY, v text)')
      await ddl.commit()
      await c.coordinator.settled()
      await new Promise((res) => setImmediate(res)) // the forget is written at the next turn
      const epoch = c.coordinator.epoch
      const gids = [`isola:c1:${epoch - 1}:7`, `isola:c1:${epoch}:999999`, 'isola:other:1:1']
      for (const [i, gid] of gids.entries()) {
        const b = await c.shards[0]!.begin({ isolation: 'read committed', snapshot: c.coordinator.oracle.snapshot() })
        await b.execute('INSERT INTO t VALUES ($1, $2)', [10 + i, gid])
        expect((await b.prepare(gid)).kind).toBe('prepared')
      }
      const running = c.coordinator.begin({ isolation: 'serializable' })
      await running.execute(S2, 'INSERT INTO t VALUES (1, $1)', ['running'])
      const rows = await distributedXacts(c.coordinator)
      const byGid = new Map(rows.map((r) => [r.gid, r]))
      expect(byGid.get(gids[0]!)).toMatchObject({ state: 'in-doubt', participants: [S0], preparedOn: [S0], decisionLogged: false })
      expect(byGid.get(gids[1]!)).toMatchObject({ state: 'aborting', preparedOn: [S0] })
      expect(byGid.get(gids[2]!)).toMatchObject({ state: 'foreign', preparedOn: [S0] })
      expect(byGid.get(running.gid)).toMatchObject({ state: 'active', isolation: 'serializable', participants: [S2], preparedOn: [], decisionLogged: false, commitTs: null })
      expect(byGid.get(running.gid)!.ageMs).toBeGreaterThanOrEqual(0)
      expect(rows).toHaveLength(4)
      await running.rollback()
      for (const gid of gids) await c.shards[0]!.rollbackPrepared(gid)
      expect(await distributedXacts(c.coordinator)).toEqual([])
    })
  })
