/**
 * Remote participants against real shard processes (`node dist/server/cli.js shard`):
 * distributed transactions over them, a shard killed (its transactions fail with
 * 08006, the other shards' go on, and it serves again once restarted), a shard shut
 * down under a transaction (57P01), and a shard that refuses a coordinator of
 * another identity (28000). Needs `npm run build`.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import pg from 'pg'
import { afterEach, describe, expect, it } from 'vitest'
import { asShardId } from '../../common/ids.js'
import { openRemoteCluster, type RemoteCluster } from '../../coordinator/remote-cluster.js'

const CLI = path.resolve('dist/server/cli.js')
const S0 = asShardId(0)
const S1 = asShardId(1)
const S2 = asShardId(2)

interface ShardProcess {
  readonly child: ChildProcessWithoutNullStreams
  readonly port: number
  readonly exited: Promise<number | null>
}

let dirs: string[] = []
let children: ShardProcess[] = []
let clusters: RemoteCluster[] = []

function tmp(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'isola-remote-'))
  dirs.push(d)
  return d
}

afterEach(async () => {
  for (const c of clusters) await c.close().catch(() => undefined)
  for (const s of children) if (s.child.exitCode === null && s.child.signalCode === null) s.child.kill('SIGKILL')
  await Promise.all(children.map((s) => s.exited))
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true })
  clusters = []
  children = []
  dirs = []
})

/** Starts `isola shard` and resolves once it prints its ready line. */
async function shard(dir: string, port = 0): Promise<ShardProcess> {
  const child = spawn(process.execPath, [CLI, 'shard', '--data', dir, '--port', String(port), '--log-level', 'warn'], { stdio: ['pipe', 'pipe', 'pipe'] })
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
  let out = ''
  child.stdout.on('data', (d: Buffer) => (out += d.toString()))
  child.stderr.on('data', (d: Buffer) => (out += d.toString()))
  const ready = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ready line: ${out}`)), 20_000)
    child.stdout.on('data', () => {
      const m = /^ready on postgresql:\/\/\S+:(\d+)\/\S*$/m.exec(out)
      if (m !== null) {
        clearTimeout(timer)
        resolve(Number(m[1]))
      }
    })
    child.on('exit', (code) => reject(new Error(`shard exited early with ${code}: ${out}`)))
  })
  const s = { child, port: ready, exited }
  children.push(s)
  return s
}

async function cluster(dir: string, shards: readonly ShardProcess[], id = 'c1'): Promise<RemoteCluster> {
  const c = await openRemoteCluster({ dir, shards: shards.map((s) => ({ host: '127.0.0.1', port: s.port })), id })
  clusters.push(c)
  return c
}

async function createTables(c: RemoteCluster, shards: readonly number[]): Promise<void> {
  const t = c.coordinator.begin()
  for (const s of shards) await t.execute(asShardId(s), 'CREATE TABLE t (id int PRIMARY KEY, v text)')
  await t.commit()
  await c.coordinator.settled()
}

describe('remote participants over shard processes', () => {
  it('commit across shard processes; a killed shard fails the transactions that need it with 08006 while the others go on, and serves again after a restart', async () => {
    const dir = tmp()
    const procs = [await shard(path.join(dir, 's0')), await shard(path.join(dir, 's1')), await shard(path.join(dir, 's2'))]
    const c = await cluster(dir, procs)
    await createTables(c, [0, 1, 2])

    const t = c.coordinator.begin()
    for (const s of [S0, S1, S2]) await t.execute(s, 'INSERT INTO t VALUES ($1, $2)', [1, `on ${s}`])
    expect(await t.commit()).toBeGreaterThan(0)
    await c.coordinator.settled()

    // A transaction holds a branch on shard 2 when it dies.
    const holding = c.coordinator.begin()
    await holding.execute(S0, 'INSERT INTO t VALUES (2, $1)', ['held'])
    await holding.execute(S2, 'INSERT INTO t VALUES (2, $1)', ['held'])
    procs[2]!.child.kill('SIGKILL')
    await procs[2]!.exited
    await expect(holding.execute(S2, 'SELECT 1')).rejects.toMatchObject({ code: '08006' })
    await expect(holding.commit()).rejects.toThrow()
    expect(holding.state).toBe('aborted')
    // A new transaction that needs shard 2 fails with 08006 at its statement there.
    const needs = c.coordinator.begin()
    await needs.execute(S1, 'INSERT INTO t VALUES (3, $1)', ['x'])
    await expect(needs.execute(S2, 'INSERT INTO t VALUES (3, $1)', ['x'])).rejects.toMatchObject({ code: '08006', message: expect.stringMatching(/connection to shard 127\.0\.0\.1:\d+ failed/) })
    await needs.rollback()
    // Transactions on shards 0 and 1 go on, in one and two phases.
    for (let i = 10; i < 15; i++) {
      const u = c.coordinator.begin()
      await u.execute(S0, 'INSERT INTO t VALUES ($1, $2)', [i, 'after'])
      await u.execute(S1, 'INSERT INTO t VALUES ($1, $2)', [i, 'after'])
      await u.commit()
    }
    const one = c.coordinator.begin()
    await one.execute(S1, 'UPDATE t SET v = $1 WHERE id = 1', ['one phase'])
    await one.commit()
    await c.coordinator.settled()
    const r = c.coordinator.begin({ isolation: 'repeatable read' })
    expect((await r.execute(S0, 'SELECT id FROM t ORDER BY id')).rows.map((x) => x[0])).toEqual([1, 10, 11, 12, 13, 14])
    expect((await r.execute(S1, 'SELECT v FROM t WHERE id = 1')).rows).toEqual([['one phase']])
    await r.commit()

    // Restarted on its directory and port, shard 2 serves the coordinator again: the killed branch is gone.
    await shard(path.join(dir, 's2'), procs[2]!.port)
    const back = c.coordinator.begin({ isolation: 'repeatable read' })
    expect((await back.execute(S2, 'SELECT id, v FROM t ORDER BY id')).rows).toEqual([[1, 'on 2']])
    await back.commit()
    const all = c.coordinator.begin()
    for (const s of [S0, S1, S2]) await all.execute(s, 'INSERT INTO t VALUES (20, $1)', ['all'])
    expect(await all.commit()).toBeGreaterThan(0)
    await c.coordinator.settled()
    const check = c.coordinator.begin({ isolation: 'repeatable read' })
    for (const s of [S0, S1, S2]) expect((await check.execute(s, 'SELECT v FROM t WHERE id = 20')).rows).toEqual([['all']])
    await check.commit()
    for (const p of c.shards) expect(await p.listPrepared()).toEqual([])
  })

  it('a shard killed between PREPARE and COMMIT PREPARED keeps the prepared transaction on disk; phase two retries until it is back, at the decided timestamp', async () => {
    const dir = tmp()
    const procs = [await shard(path.join(dir, 's0')), await shard(path.join(dir, 's1'))]
    let hold: Promise<void> | undefined
    let release = (): void => undefined
    const c = await openRemoteCluster({
      dir,
      shards: procs.map((p) => ({ host: '127.0.0.1', port: p.port })),
      wrap: (p) => (p.id !== S1 ? p : { id: p.id, begin: (o) => p.begin(o), rollbackPrepared: (g) => p.rollbackPrepared(g), listPrepared: () => p.listPrepared(), advanceHorizon: (ts) => p.advanceHorizon(ts), lockWaits: () => p.lockWaits(), rejectLockWait: (w, d) => p.rejectLockWait(w, d), close: () => p.close(), commitPrepared: async (g, ts) => (await hold, p.commitPrepared(g, ts)) }),
    })
    clusters.push(c)
    await createTables(c, [0, 1])
    hold = new Promise<void>((r) => (release = r))
    const t = c.coordinator.begin()
    await t.execute(S0, 'INSERT INTO t VALUES (1, $1)', ['both'])
    await t.execute(S1, 'INSERT INTO t VALUES (1, $1)', ['both'])
    const ts = await t.commit() // answered once the decision is durable; shard 1 has not committed
    expect((await c.shards[1]!.listPrepared()).map((p) => p.gid)).toEqual([t.gid])
    procs[1]!.child.kill('SIGKILL')
    await procs[1]!.exited
    release() // phase two now meets a dead shard (08006) and retries
    await new Promise((r) => setTimeout(r, 300))
    await shard(path.join(dir, 's1'), procs[1]!.port)
    await c.coordinator.settled()
    for (const p of c.shards) expect(await p.listPrepared()).toEqual([])
    // Committed at the decided timestamp: invisible just below it, visible at it.
    const psql = new pg.Client({ host: '127.0.0.1', port: procs[1]!.port, user: 'postgres', database: 'postgres' })
    await psql.connect()
    try {
      for (const [at, n] of [[ts! - 1, 0], [ts!, 1]] as const) {
        await psql.query(`BEGIN ISOLATION LEVEL REPEATABLE READ; SET LOCAL isola.snapshot = '${at}'`)
        expect((await psql.query('SELECT count(*)::int AS n FROM t')).rows).toEqual([{ n }])
        await psql.query('ROLLBACK')
      }
    } finally {
      await psql.end()
    }
  })

  it('a shard that shuts down under a transaction fails it with 57P01', async () => {
    const dir = tmp()
    const procs = [await shard(path.join(dir, 's0')), await shard(path.join(dir, 's1'))]
    const c = await cluster(dir, procs)
    await createTables(c, [0, 1])
    const t = c.coordinator.begin()
    await t.execute(S0, 'INSERT INTO t VALUES (1, $1)', ['x'])
    await t.execute(S1, 'INSERT INTO t VALUES (1, $1)', ['x'])
    procs[1]!.child.kill('SIGTERM')
    expect(await procs[1]!.exited).toBe(0)
    await expect(t.execute(S1, 'SELECT 1')).rejects.toMatchObject({ code: '57P01' })
    await t.rollback()
    const u = c.coordinator.begin()
    await u.execute(S0, 'INSERT INTO t VALUES (2, $1)', ['y'])
    expect(await u.commit()).toBeGreaterThan(0)
  })

  it('a shard records the first coordinator that uses it and refuses another with 28000; psql-style clients may still inspect it', async () => {
    const dir = tmp()
    const procs = [await shard(path.join(dir, 's0'))]
    const first = await cluster(path.join(dir, 'first'), procs, 'c1')
    await createTables(first, [0])
    await first.close()
    expect(JSON.parse(fs.readFileSync(path.join(dir, 's0', 'shard.json'), 'utf8'))).toEqual({ coordinator: 'c1' })
    // Recovery at open asks every shard for its prepared transactions: refused.
    await expect(openRemoteCluster({ dir: path.join(dir, 'second'), shards: [{ host: '127.0.0.1', port: procs[0]!.port }], id: 'c2' })).rejects.toMatchObject({
      code: '28000',
      message: 'shard belongs to coordinator "c1", not "c2"',
    })
    // An operator's client names no coordinator and sees the shard's tables and its internal settings.
    const psql = new pg.Client({ host: '127.0.0.1', port: procs[0]!.port, user: 'postgres', database: 'postgres' })
    await psql.connect()
    try {
      expect((await psql.query('SELECT count(*)::int AS n FROM t')).rows).toEqual([{ n: 0 }])
      expect((await psql.query('SELECT gid FROM isola_prepared_xacts')).rows).toEqual([])
    } finally {
      await psql.end()
    }
    // The same coordinator again is welcome.
    const again = await cluster(path.join(dir, 'first'), procs, 'c1')
    const t = again.coordinator.begin()
    await t.execute(S0, 'INSERT INTO t VALUES (1, $1)', ['back'])
    expect(await t.commit()).toBeGreaterThan(0)
  })
})
