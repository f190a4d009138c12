/**
 * The timestamp rules of DESIGN.md §2 across shards: the one-phase commit invariant
 * (commit at max(proposed, highest served + 1)) as an interleaving test, the
 * coordinator's oracle and epoch across restarts, and the decision log's durability.
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import Sqlite from 'better-sqlite3'
import { afterEach, describe, expect, it } from 'vitest'
import { asShardId, asTimestamp } from '../../common/ids.js'
import { SqliteDecisionLog } from '../../coordinator/decision-log.js'
import { RESERVE_BLOCK, TimestampOracle } from '../../coordinator/oracle.js'
import { openLocalCluster } from '../../coordinator/local-cluster.js'
import { CLUSTER_KINDS } from './clusters.js'

const S0 = asShardId(0)
const S1 = asShardId(1)
let dirs: string[] = []
const tmp = (): string => {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'isola-ts-'))
  dirs.push(d)
  return d
}
afterEach(() => {
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true })
  dirs = []
})

for (const kind of CLUSTER_KINDS) describe(`the one-phase commit timestamp invariant (${kind.name} shards)`, () => {
  it('a commit proposed below a snapshot the shard has served lands above it, so a REPEATABLE READ reader never sees the row appear', async () => {
    const { participant: shard, close } = await kind.shard(tmp())
    try {
      const setup = await shard.begin({ isolation: 'read committed', snapshot: asTimestamp(10) })
      await setup.execute('CREATE TABLE t (k int PRIMARY KEY, v text)')
      await setup.execute("INSERT INTO t VALUES (1, 'old')")
      expect(await setup.commit(asTimestamp(11))).toBeLessThan(20)

      // 1. The writer begins at snapshot 20 and changes the row (uncommitted).
      const writer = await shard.begin({ isolation: 'read committed', snapshot: asTimestamp(20) })
      await writer.execute("UPDATE t SET v = 'new' WHERE k = 1")
      // 2. A reader with a later snapshot (100) reads the row: the writer's version is invisible.
      const reader = await shard.begin({ isolation: 'repeatable read', snapshot: asTimestamp(100) })
      expect((await reader.execute('SELECT v FROM t')).rows).toEqual([['old']])
      // 3. The writer commits with a proposed timestamp below the reader's snapshot.
      const commitTs = await writer.commit(asTimestamp(21))
      // It commits above every snapshot served: max(21, 100 + 1).
      expect(commitTs).toBe(101)
      // 4. The reader's second read sees what its first saw.
      expect((await reader.execute('SELECT v FROM t')).rows).toEqual([['old']])
      await reader.commit(asTimestamp(200))
      // Snapshots at and above the returned timestamp see the write; below, they do not.
      for (const [at, v] of [[100, 'old'], [101, 'new']] as const) {
        const r = await shard.begin({ isolation: 'repeatable read', snapshot: asTimestamp(at) })
        expect((await r.execute('SELECT v FROM t')).rows).toEqual([[v]])
        await r.rollback()
      }
      // A proposal above everything served is taken as is.
      const w2 = await shard.begin({ isolation: 'read committed', snapshot: asTimestamp(300) })
      await w2.execute("UPDATE t SET v = 'newer' WHERE k = 1")
      expect(await w2.commit(asTimestamp(400))).toBe(400)
    } finally {
      await close()
    }
  })

  it('through the coordinator: a concurrent REPEATABLE READ transaction keeps its view, the writer’s next transaction sees its write', async () => {
    const c = await kind.open({ dir: tmp(), shards: 2, memoryShards: true })
    try {
      const setup = c.coordinator.begin()
      for (const s of [S0, S1]) await setup.execute(s, 'CREATE TABLE t (k int PRIMARY KEY, v text)')
      await setup.commit()
      const seed = c.coordinator.begin()
      await seed.execute(S0, "INSERT INTO t VALUES (1, 'old')")
      await seed.execute(S1, "INSERT INTO t VALUES (1, 'old')")
      await seed.commit()
      await c.coordinator.settled()
      await new Promise((r) => setImmediate(r)) // the forget is written at the next turn

      const reader = c.coordinator.begin({ isolation: 'repeatable read' })
      expect((await reader.execute(S0, 'SELECT v FROM t')).rows).toEqual([['old']])
      const writer = c.coordinator.begin()
      await writer.execute(S0, "UPDATE t SET v = 'new'")
      await writer.execute(S1, 'SELECT v FROM t') // a reader branch: still one phase
      const commitTs = await writer.commit()
      expect(c.log.decisions()).toEqual([])
      expect((await reader.execute(S0, 'SELECT v FROM t')).rows).toEqual([['old']])
      await reader.commit()
      const after = c.coordinator.begin({ isolation: 'repeatable read' })
      expect((await after.execute(S0, 'SELECT v FROM t')).rows).toEqual([['new']])
      await after.commit()
      expect(c.coordinator.oracle.snapshot()).toBeGreaterThanOrEqual(commitTs!)
    } finally {
      await c.close()
    }
  })

  it('READ COMMITTED takes a snapshot per statement from the oracle; REPEATABLE READ keeps its first', async () => {
    const c = await openLocalCluster({ dir: tmp(), shards: 2, memoryShards: true })
    try {
      const setup = c.coordinator.begin()
      for (const s of [S0, S1]) await setup.execute(s, 'CREATE TABLE t (k int PRIMARY KEY, v int)')
      await setup.commit()
      const seed = c.coordinator.begin()
      for (const s of [S0, S1]) await seed.execute(s, 'INSERT INTO t VALUES (1, 0)')
      await seed.commit()
      const rc = c.coordinator.begin()
      const rr = c.coordinator.begin({ isolation: 'repeatable read' })
      for (const t of [rc, rr]) expect((await t.execute(S0, 'SELECT v FROM t')).rows).toEqual([[0]])
      const w = c.coordinator.begin()
      for (const s of [S0, S1]) await w.execute(s, 'UPDATE t SET v = 1')
      await w.commit()
      for (const s of [S0, S1]) {
        expect((await rc.execute(s, 'SELECT v FROM t')).rows).toEqual([[1]])
        expect((await rr.execute(s, 'SELECT v FROM t')).rows).toEqual([[0]])
      }
      await rc.commit()
      await rr.commit()
      await c.coordinator.settled()
    } finally {
      await c.close()
    }
  })

  it('a two-phase commit lands above every participant’s prepare timestamp (Clock-SI)', async () => {
    const c = await kind.open({ dir: tmp(), shards: 2, memoryShards: true })
    try {
      const setup = c.coordinator.begin()
      for (const s of [S0, S1]) await setup.execute(s, 'CREATE TABLE t (k int PRIMARY KEY)')
      await setup.commit()
      // Shard 1's clock runs ahead of the coordinator's (a snapshot served from elsewhere: the branch raises it).
      const warm = await c.shards[1]!.begin({ isolation: 'read committed', snapshot: asTimestamp(5000) })
      await warm.execute('SELECT * FROM t')
      await warm.rollback()
      const t = c.coordinator.begin()
      await t.execute(S0, 'INSERT INTO t VALUES (1)')
      await t.execute(S1, 'INSERT INTO t VALUES (1)')
      const ts = await t.commit()
      expect(ts).toBeGreaterThan(5000)
      await c.coordinator.settled()
    } finally {
      await c.close()
    }
  })
})

describe('the coordinator’s durable state', () => {
  it('the oracle never goes back across restarts, past observed timestamps too', () => {
    const dir = tmp()
    let log = SqliteDecisionLog.open(dir)
    let oracle = new TimestampOracle(log)
    const first = [oracle.next(), oracle.next(), oracle.next()]
    expect(first[1]).toBeGreaterThan(first[0]!)
    log.close()
    log = SqliteDecisionLog.open(dir)
    oracle = new TimestampOracle(log)
    const second = oracle.next()
    expect(second).toBeGreaterThan(first[2]!)
    // A shard's one-phase commit timestamp far above: observed and reserved durably.
    const far = asTimestamp(second + 5 * RESERVE_BLOCK)
    oracle.observe(far)
    oracle.publish(far)
    expect(oracle.snapshot()).toBe(far)
    expect(oracle.next()).toBe(far + 1)
    log.close()
    log = SqliteDecisionLog.open(dir)
    oracle = new TimestampOracle(log)
    expect(oracle.next()).toBeGreaterThan(far + 1)
    expect(oracle.snapshot()).toBeGreaterThan(far)
    expect(() => oracle.publish(asTimestamp(oracle.next() + 10))).toThrow(/published before/)
    log.close()
  })

  it('the log keeps decisions across restarts until forgotten, and every open is a new epoch', async () => {
    const dir = tmp()
    let log = SqliteDecisionLog.open(dir)
    expect(log.epoch).toBe(1)
    await Promise.all([
      log.append({ gid: 'isola:c1:1:1', commitTs: asTimestamp(7), participants: [S0, S1] }),
      log.append({ gid: 'isola:c1:1:2', commitTs: asTimestamp(9), participants: [S1] }),
    ])
    expect(log.stats).toEqual({ flushes: 1, appended: 2 })
    log.close()
    log = SqliteDecisionLog.open(dir)
    expect(log.epoch).toBe(2)
    expect(log.decisions()).toEqual([
      { gid: 'isola:c1:1:1', commitTs: 7, participants: [0, 1] },
      { gid: 'isola:c1:1:2', commitTs: 9, participants: [1] },
    ])
    log.forget('isola:c1:1:1')
    log.close() // a queued forget is written at close
    log = SqliteDecisionLog.open(dir)
    expect(log.epoch).toBe(3)
    expect(log.decisions().map((d) => d.gid)).toEqual(['isola:c1:1:2'])
    expect(log.db.pragma('journal_mode', { simple: true })).toBe('wal')
    expect(log.db.pragma('synchronous', { simple: true })).toBe(2) // FULL
    log.close()
    await expect(log.append({ gid: 'x', commitTs: asTimestamp(1), participants: [] })).rejects.toThrow(/closed/)
  })

  it('the log keeps a decision\'s out conflict (cross-shard SSI) for recovery, and takes a log made before it had the column', async () => {
    const dir = tmp()
    // A log as the coordinator wrote it before cross-shard SSI: no out_conflict column.
    fs.mkdirSync(dir, { recursive: true })
    const old = new Sqlite(path.join(dir, 'decisions.sqlite'))
    old.exec("CREATE TABLE decisions (gid TEXT PRIMARY KEY, commit_ts INTEGER NOT NULL, participants TEXT NOT NULL); INSERT INTO decisions VALUES ('isola:c1:1:1', 5, '[0]')")
    old.close()
    let log = SqliteDecisionLog.open(dir)
    expect(log.decisions()).toEqual([{ gid: 'isola:c1:1:1', commitTs: 5, participants: [0] }])
    await log.append({ gid: 'isola:c1:2:1', commitTs: asTimestamp(8), participants: [S0, S1], outConflict: true })
    log.close()
    log = SqliteDecisionLog.open(dir)
    expect(log.decisions()).toEqual([
      { gid: 'isola:c1:1:1', commitTs: 5, participants: [0] },
      { gid: 'isola:c1:2:1', commitTs: 8, participants: [0, 1], outConflict: true },
    ])
    log.close()
  })

  it('the log writes on its own thread, groups what arrives meanwhile, and close() settles the batch in flight', async () => {
    const dir = tmp()
    let log = SqliteDecisionLog.open(dir)
    // The first batch goes to the writer thread; the two that arrive while it is being written go together after it.
    const first = log.append({ gid: 'isola:c1:1:1', commitTs: asTimestamp(3), participants: [S0, S1] })
    await new Promise((r) => setImmediate(r))
    const later = [
      log.append({ gid: 'isola:c1:1:2', commitTs: asTimestamp(4), participants: [S0, S1] }),
      log.append({ gid: 'isola:c1:1:3', commitTs: asTimestamp(5), participants: [S0, S1] }),
    ]
    await Promise.all([first, ...later])
    expect(log.stats).toEqual({ flushes: 2, appended: 3 })
    // A forget waits for a batch to ride with, but decisions() leaves it out at once.
    log.forget('isola:c1:1:1')
    expect(log.decisions().map((d) => d.gid)).toEqual(['isola:c1:1:2', 'isola:c1:1:3'])
    // A batch handed to the thread and then close(): close waits for it, so the append resolves and the decision is on disk.
    const inFlight = log.append({ gid: 'isola:c1:1:4', commitTs: asTimestamp(6), participants: [S1] })
    await new Promise((r) => setImmediate(r))
    log.close()
    await inFlight
    log = SqliteDecisionLog.open(dir)
    expect(log.decisions().map((d) => d.gid)).toEqual(['isola:c1:1:2', 'isola:c1:1:3', 'isola:c1:1:4'])
    log.close()
  })
})
