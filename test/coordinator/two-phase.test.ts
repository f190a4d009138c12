/** Distributed transactions across three shards, local and remote: atomicity, one- and two-phase commit, group commit, recovery. */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { asShardId, type ShardId, type Timestamp } from '../../common/ids.js'
import type { Branch, Participant, Resolution } from '../../coordinator/participant.js'
import { CLUSTER_KINDS, type ClusterKind, type TestCluster, type TestClusterOptions } from './clusters.js'

const S0 = asShardId(0)
const S1 = asShardId(1)
const S2 = asShardId(2)
const ALL = [S0, S1, S2]

let dirs: string[] = []
let clusters: TestCluster[] = []

function tmp(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'isola-coord-'))
  dirs.push(d)
  return d
}

async function cluster(kind: ClusterKind, options: Partial<TestClusterOptions> = {}): Promise<TestCluster> {
  const c = await kind.open({ dir: tmp(), shards: 3, memoryShards: true, ...options })
  clusters.push(c)
  return c
}

afterEach(async () => {
  for (const c of clusters) await c.close().catch(() => undefined)
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true })
  clusters = []
  dirs = []
})

/** Creates `t (id int primary key, v text)` on every shard in one distributed transaction (DDL through 2PC). */
async function createTables(c: TestCluster): Promise<void> {
  const t = c.coordinator.begin()
  for (const s of ALL) await t.execute(s, 'CREATE TABLE t (id int PRIMARY KEY, v text)')
  await t.commit()
  await c.coordinator.settled()
  await new Promise((r) => setImmediate(r)) // the forget is written at the next turn
}

/** Rows of t on each shard, read in one distributed transaction (one snapshot). */
async function rows(c: TestCluster): Promise<string[][]> {
  const t = c.coordinator.begin({ isolation: 'repeatable read' })
  const out: string[][] = []
  for (const s of ALL) out.push((await t.execute(s, 'SELECT id, v FROM t ORDER BY id')).rows.map((r) => r.map(String).join('=')))
  await t.commit()
  return out
}

for (const kind of CLUSTER_KINDS) describe(`distributed transactions over ${kind.name} shards`, () => {
  it('commit on every shard with two-phase commit, and the decision is forgotten once acknowledged', async () => {
    const c = await cluster(kind)
    await createTables(c)
    const before = c.log.stats.appended
    const t = c.coordinator.begin()
    for (const s of ALL) await t.execute(s, 'INSERT INTO t VALUES ($1, $2)', [1, `on ${s}`])
    const ts = await t.commit()
    expect(ts).toBeGreaterThan(0)
    expect(c.log.stats.appended).toBe(before + 1)
    await c.coordinator.settled()
    await new Promise((r) => setImmediate(r)) // the forget is written at the next turn
    expect(c.log.decisions()).toEqual([])
    expect(await rows(c)).toEqual([['1=on 0'], ['1=on 1'], ['1=on 2']])
    for (const s of c.shards) expect(await s.listPrepared()).toEqual([])
    expect(t.state).toBe('committed')
    expect(t.gid).toMatch(new RegExp(`^isola:c1:${c.coordinator.epoch}:\\d+$`))
  })

  it('commit waits for statements still running (their writes decide how each branch commits)', async () => {
    const c = await cluster(kind)
    await createTables(c)
    const t = c.coordinator.begin()
    const inserts = ALL.map((s) => t.execute(s, 'INSERT INTO t VALUES (3, $1)', ['late']))
    const committed = t.commit() // not awaiting the inserts first
    await Promise.all(inserts)
    await committed
    expect(c.log.stats.appended).toBeGreaterThanOrEqual(2) // the tables' and this one: two-phase
    expect(await rows(c)).toEqual([['3=late'], ['3=late'], ['3=late']])
  })

  it('roll back on every shard when a statement fails', async () => {
    const c = await cluster(kind)
    await createTables(c)
    const seed = c.coordinator.begin()
    await seed.execute(S2, 'INSERT INTO t VALUES (7, $1)', ['old'])
    await seed.commit()

    const t = c.coordinator.begin()
    await t.execute(S0, 'INSERT INTO t VALUES (7, $1)', ['new'])
    await t.execute(S1, 'INSERT INTO t VALUES (7, $1)', ['new'])
    await expect(t.execute(S2, 'INSERT INTO t VALUES (7, $1)', ['new'])).rejects.toMatchObject({ code: '23505' })
    await expect(t.execute(S0, 'SELECT 1')).rejects.toMatchObject({ code: '25P02' })
    await expect(t.commit()).rejects.toMatchObject({ code: '25P02' })
    expect(t.state).toBe('aborted')
    expect(await rows(c)).toEqual([[], [], ['7=old']])
  })

  it('refuse statements that would end a branch behind the coordinator’s back', async () => {
    const c = await cluster(kind)
    await createTables(c)
    const t = c.coordinator.begin()
    await t.execute(S0, 'INSERT INTO t VALUES (1, $1)', ['kept'])
    for (const sql of ['COMMIT', "SELECT 1; PREPARE TRANSACTION 'x'", 'rollback', 'BEGIN']) {
      const b = await (t as unknown as { branches: Map<ShardId, Promise<Branch>> }).branches.get(S0)!
      await expect(b.execute(sql)).rejects.toMatchObject({ code: '25001' })
    }
    // Savepoints live inside the branch.
    await t.execute(S0, 'SAVEPOINT a')
    await t.execute(S0, "INSERT INTO t VALUES (2, 'undone')")
    await t.execute(S0, 'ROLLBACK TO SAVEPOINT a')
    await t.execute(S1, "INSERT INTO t VALUES (1, 'kept')")
    await t.commit()
    expect(await rows(c)).toEqual([['1=kept'], ['1=kept'], []])
  })

  it('roll back the prepared branches when one participant refuses to prepare', async () => {
    const refuse = new Set<ShardId>([S1])
    const c = await cluster(kind, { wrap: (p) => refusing(p, refuse) })
    await createTables(c) // the refusal is off while the tables are made
    refuse.add(S1)
    const t = c.coordinator.begin()
    for (const s of ALL) await t.execute(s, 'INSERT INTO t VALUES (1, $1)', ['x'])
    await expect(t.commit()).rejects.toThrow(/refused on purpose/)
    expect(t.state).toBe('aborted')
    expect(c.log.decisions()).toEqual([])
    for (const s of c.shards) expect(await s.listPrepared()).toEqual([])
    expect(await rows(c)).toEqual([[], [], []])
  })

  it('commit in one phase, with no decision, when one shard wrote and others only read', async () => {
    const c = await cluster(kind)
    await createTables(c)
    const before = c.log.stats.appended
    const t = c.coordinator.begin({ isolation: 'repeatable read' })
    await t.execute(S0, 'SELECT * FROM t')
    await t.execute(S1, 'INSERT INTO t VALUES (5, $1)', ['one'])
    await t.execute(S2, 'SELECT * FROM t')
    const ts = await t.commit()
    expect(ts).toBeGreaterThan(0)
    expect(c.log.stats.appended).toBe(before)
    for (const s of c.shards) expect(await s.listPrepared()).toEqual([])
    // The client's next snapshot sees its write (the oracle moved past the shard's timestamp).
    expect(c.coordinator.oracle.snapshot()).toBeGreaterThanOrEqual(ts!)
    expect(await rows(c)).toEqual([[], ['5=one'], []])
    // Nothing written at all: no timestamp.
    const r = c.coordinator.begin()
    await r.execute(S0, 'SELECT 1')
    expect(await r.commit()).toBeUndefined()
  })

  it('SERIALIZABLE over several shards: one writer still takes two phases, so its readers end at the commit timestamp', async () => {
    const c = await cluster(kind)
    await createTables(c)
    const before = c.log.stats.appended
    const t = c.coordinator.begin({ isolation: 'serializable' })
    await t.execute(S0, 'SELECT * FROM t')
    await t.execute(S1, 'INSERT INTO t VALUES (6, $1)', ['two'])
    const ts = await t.commit()
    expect(ts).toBeGreaterThan(0)
    expect(c.log.stats.appended).toBe(before + 1)
    await c.coordinator.settled()
    for (const s of c.shards) expect(await s.listPrepared()).toEqual([])
    expect(await rows(c)).toEqual([[], ['6=two'], []])
  })

  it('group-commit the decisions of concurrent transactions in one SQLite transaction', async () => {
    const c = await cluster(kind)
    await createTables(c)
    const flushes = c.log.stats.flushes
    const txns = Array.from({ length: 12 }, (_, i) => c.coordinator.begin())
    await Promise.all(txns.map(async (t, i) => {
      await t.execute(S0, 'INSERT INTO t VALUES ($1, $2)', [i, 'g'])
      await t.execute(S1, 'INSERT INTO t VALUES ($1, $2)', [i, 'g'])
    }))
    await Promise.all(txns.map((t) => t.commit()))
    expect(c.log.stats.flushes - flushes).toBeLessThan(12)
    expect(c.log.stats.flushes - flushes).toBeGreaterThanOrEqual(1)
    const r = await rows(c)
    expect(r[0]).toHaveLength(12)
    expect(r[1]).toHaveLength(12)
  })

  it('make a reader whose snapshot follows the decision wait for COMMIT PREPARED on a slow shard', async () => {
    let hold: Promise<void> | undefined
    let release = (): void => undefined
    const c = await cluster(kind, { wrap: (p) => (p.id === S2 ? delayed(p, () => hold) : p) })
    await createTables(c)
    hold = new Promise<void>((r) => (release = r))
    const t = c.coordinator.begin()
    for (const s of ALL) await t.execute(s, 'INSERT INTO t VALUES (1, $1)', ['both'])
    const ts = await t.commit() // answered: the decision is logged; shard 2 has not committed yet
    expect((await c.shards[2]!.listPrepared()).map((p) => p.gid)).toEqual([t.gid])
    expect(c.coordinator.oracle.snapshot()).toBeGreaterThanOrEqual(ts!)

    const reader = c.coordinator.begin({ isolation: 'repeatable read' })
    expect((await reader.execute(S0, 'SELECT v FROM t')).rows).toEqual([['both']])
    let seen: unknown
    const onS2 = reader.execute(S2, 'SELECT v FROM t').then((r) => (seen = r.rows))
    await new Promise((r) => setTimeout(r, 50))
    expect(seen).toBeUndefined() // waiting for the prepared writer's decision, not skipping it
    release()
    await onS2
    expect(seen).toEqual([['both']])
    await reader.commit()
  })

  it('recover at open: re-drive logged decisions and roll back undecided prepared transactions of earlier epochs', async () => {
    const dir = tmp()
    const first = await kind.open({ dir, shards: 3 })
    await createTables(first)
    const epoch = first.coordinator.epoch
    // Leave a decided transaction (logged, committed nowhere) and an undecided one behind, as a crash would.
    const decided = first.coordinator.begin()
    const undecided = first.coordinator.begin()
    for (const s of [S0, S1]) await decided.execute(s, 'INSERT INTO t VALUES (1, $1)', ['decided'])
    for (const s of [S1, S2]) await undecided.execute(s, 'INSERT INTO t VALUES (2, $1)', ['undecided'])
    const branches = async (t: typeof decided, shards: ShardId[]) => Promise.all(shards.map((s) => (t as unknown as { branches: Map<ShardId, Promise<Branch>> }).branches.get(s)!))
    for (const b of await branches(decided, [S0, S1])) expect((await b.prepare(decided.gid)).kind).toBe('prepared')
    for (const b of await branches(undecided, [S1, S2])) expect((await b.prepare(undecided.gid)).kind).toBe('prepared')
    const commitTs = first.coordinator.oracle.next()
    await first.log.append({ gid: decided.gid, commitTs, participants: [S0, S1] })
    await first.close()

    const second = await kind.open({ dir, shards: 3 })
    clusters.push(second)
    expect(second.coordinator.epoch).toBe(epoch + 1)
    for (const s of second.shards) expect(await s.listPrepared()).toEqual([])
    expect(await rows(second)).toEqual([['1=decided'], ['1=decided'], []])
    await new Promise((r) => setImmediate(r))
    expect(second.log.decisions()).toEqual([])
    // Its new transactions' timestamps are above the re-driven decision's.
    expect(second.coordinator.oracle.next()).toBeGreaterThan(commitTs)
  })

  it('leave alone prepared transactions of the current epoch and of other coordinators', async () => {
    const dir = tmp()
    const first = await kind.open({ dir, shards: 3 })
    await createTables(first)
    const s = first.shards[0]!
    for (const gid of ['isola:other:1:1', 'someone-else']) {
      const b = await s.begin({ isolation: 'read committed', snapshot: first.coordinator.oracle.snapshot() })
      await b.execute('INSERT INTO t VALUES ($1, $2)', [gid.length, gid])
      expect((await b.prepare(gid)).kind).toBe('prepared')
    }
    await first.close()
    const second = await kind.open({ dir, shards: 3 })
    clusters.push(second)
    expect((await second.shards[0]!.listPrepared()).map((p) => p.gid).sort()).toEqual(['isola:other:1:1', 'someone-else'])
    for (const gid of ['isola:other:1:1', 'someone-else']) await second.shards[0]!.rollbackPrepared(gid)
  })
})

/** A participant whose branches refuse PREPARE while their shard is in `refuse`. */
function refusing(p: Participant, refuse: Set<ShardId>): Participant {
  refuse.clear()
  return {
    ...forward(p),
    async begin(options) {
      const b = await p.begin(options)
      return {
        get participant() {
          return b.participant
        },
        get hasWrites() {
          return b.hasWrites
        },
        get hasCatalogChanges() {
          return b.hasCatalogChanges
        },
        execute: (sql, params, o) => b.execute(sql, params, o),
        commit: (ts) => b.commit(ts),
        conflicts: () => b.conflicts(),
        rollback: () => b.rollback(),
        cancel: () => b.cancel(),
        async prepare(gid) {
          if (!refuse.has(p.id)) return b.prepare(gid)
          await b.rollback()
          return { kind: 'refused', error: new Error('refused on purpose') }
        },
      }
    },
  }
}

/** A participant whose COMMIT PREPARED waits for `hold()` when it returns a promise. */
function delayed(p: Participant, hold: () => Promise<void> | undefined): Participant {
  return {
    ...forward(p),
    async commitPrepared(gid: string, ts: Timestamp): Promise<Resolution> {
      await hold()
      return p.commitPrepared(gid, ts)
    },
  }
}

function forward(p: Participant): Participant {
  return {
    id: p.id,
    begin: (o) => p.begin(o),
    commitPrepared: (g, ts, o) => p.commitPrepared(g, ts, o),
    rollbackPrepared: (g) => p.rollbackPrepared(g),
    listPrepared: () => p.listPrepared(),
    advanceHorizon: (ts) => p.advanceHorizon(ts),
    lockWaits: () => p.lockWaits(),
    rejectLockWait: (w, d) => p.rejectLockWait(w, d),
    close: () => p.close(),
  }
}
