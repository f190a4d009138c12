/**
 * `isola coordinator` as its own process over two `isola shard` processes, driven by
 * real clients (node-postgres, psql when installed, the coordinator's own wire
 * client for Parse/Describe): DDL, inserts, pinned and scattered reads, the
 * extended protocol; statement_timeout, lock_timeout and CancelRequest reaching the
 * shards (57014, 55P03), also through `isola start --shards`; isola_distributed_xacts
 * during an in-doubt transaction (ISOLA_FAULT=after-decision-logged); a coordinator
 * that starts while a shard is down (recovery resolves the rest later, statements
 * that need the shard fail with 08006) and while shard 0 is down (routing metadata
 * from shard 1). Loopback only; every process is killed at the end. Needs `npx tsc -p .`.
 */
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import pg from 'pg'
import { afterEach, describe, expect, it } from 'vitest'
import { WireConnection } from '../../coordinator/wire-client.js'

const CLI = path.resolve('dist/server/cli.js')
const PSQL = ['/usr/bin/psql', '/usr/lib/postgresql/15/bin/psql'].find((p) => fs.existsSync(p))

interface Proc {
  readonly child: ChildProcessWithoutNullStreams
  readonly port: number
  readonly exited: Promise<number | null>
  output(): string
}

let dirs: string[] = []
let procs: Proc[] = []
let clients: pg.Client[] = []

afterEach(async () => {
  for (const c of clients) await c.end().catch(() => undefined)
  for (const p of procs) if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL')
  await Promise.all(procs.map((p) => p.exited))
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true })
  clients = []
  procs = []
  dirs = []
})

function tmp(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'isola-coordproc-'))
  dirs.push(d)
  return d
}

/** Starts `node cli.js <args>` and resolves once it prints its ready line (rejects if it exits first). */
async function run(args: readonly string[], env: Record<string, string> = {}): Promise<Proc> {
  const child = spawn(process.execPath, [CLI, ...args, '--log-level', 'warn'], { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, ...env } })
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
  let out = ''
  child.stdout.on('data', (d: Buffer) => (out += d.toString()))
  child.stderr.on('data', (d: Buffer) => (out += d.toString()))
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ready line: ${out}`)), 30_000)
    child.stdout.on('data', () => {
      const m = /^ready on postgresql:\/\/\S+:(\d+)\/\S*$/m.exec(out)
      if (m !== null) {
        clearTimeout(timer)
        resolve(Number(m[1]))
      }
    })
    child.on('exit', (code) => {
      clearTimeout(timer)
      reject(new Error(`exited early with ${code}: ${out}`))
    })
  })
  const p = { child, port, exited, output: () => out }
  procs.push(p)
  return p
}

const shard = (dir: string, port = 0) => run(['shard', '--data', dir, '--port', String(port)])
const coordinator = (dir: string, shards: readonly Proc[], env: Record<string, string> = {}, ports?: readonly number[]) =>
  run(['coordinator', '--data', dir, '--port', '0', ...(ports ?? shards.map((s) => s.port)).flatMap((p) => ['--shard', `127.0.0.1:${p}`])], env)

async function kill(p: Proc, signal: NodeJS.Signals = 'SIGKILL'): Promise<number | null> {
  p.child.kill(signal)
  return p.exited
}

async function client(port: number): Promise<pg.Client> {
  const c = new pg.Client({ host: '127.0.0.1', port, user: 'postgres', database: 'postgres' })
  c.on('error', () => undefined)
  await c.connect()
  clients.push(c)
  return c
}

/** Which of two shards an acct id lives on, as EXPLAIN says. */
async function shardOf(c: pg.Client, id: number): Promise<number> {
  const plan = (await c.query(`EXPLAIN SELECT * FROM acct WHERE id = ${id}`)).rows.map((r) => r['QUERY PLAN']).join('\n')
  return Number(/shard (\d+)/.exec(plan)![1])
}

/** Two ids, the first on shard 0 and the second on shard 1. */
async function oneOnEach(c: pg.Client): Promise<[number, number]> {
  const on = [undefined, undefined] as (number | undefined)[]
  for (let id = 1; on[0] === undefined || on[1] === undefined; id++) on[await shardOf(c, id)] ??= id
  return [on[0]!, on[1]!]
}

async function until(what: () => Promise<boolean>, ms = 15_000): Promise<void> {
  const end = Date.now() + ms
  while (!(await what())) {
    if (Date.now() > end) throw new Error('timed out waiting')
    await new Promise((r) => setTimeout(r, 100))
  }
}

const LONG = 'SELECT count(*) FROM acct a, generate_series(1, 3000000) g'

describe('isola coordinator over isola shard processes', () => {
  it('DDL, inserts, pinned and scattered reads, the extended protocol (Parse/Describe answered by a shard), psql; a restart keeps the routing', async () => {
    const dir = tmp()
    const s = [await shard(path.join(dir, 's0')), await shard(path.join(dir, 's1'))]
    let co = await coordinator(path.join(dir, 'c'), s)
    const c = await client(co.port)
    await c.query('CREATE TABLE acct (id int PRIMARY KEY, balance int NOT NULL, name text) DISTRIBUTED BY (id)')
    await c.query('CREATE TABLE cur (code text PRIMARY KEY, rate numeric) DISTRIBUTED REPLICATED')
    for (let i = 1; i <= 20; i++) await c.query('INSERT INTO acct VALUES ($1, $2, $3)', [i, 100, `n${i}`])
    await c.query("INSERT INTO cur VALUES ('EUR', 1.25)")
    // Pinned (with a parameter) and scattered reads, an aggregate, a join with a reference table.
    expect((await c.query('SELECT balance, name FROM acct WHERE id = $1', [7])).rows).toEqual([{ balance: 100, name: 'n7' }])
    expect((await c.query('SELECT count(*)::int AS n, sum(balance)::int AS s FROM acct')).rows).toEqual([{ n: 20, s: 2000 }])
    expect((await c.query('SELECT id FROM acct WHERE id > $1 ORDER BY id DESC LIMIT 3', [0])).rows.map((r) => r.id)).toEqual([20, 19, 18])
    expect((await c.query("SELECT a.id, c.rate FROM acct a, cur c WHERE a.id = 3 AND c.code = 'EUR'")).rows).toEqual([{ id: 3, rate: '1.25' }])
    // Both shards hold rows.
    for (const sh of s) {
      const direct = await client(sh.port)
      expect(Number((await direct.query('SELECT count(*) AS n FROM acct')).rows[0].n)).toBeGreaterThan(0)
    }
    // A named prepared statement, executed twice; result column types as one node would give them.
    const named = { name: 'by_id', text: 'SELECT id, balance, name FROM acct WHERE id = $1', values: [5] }
    const r1 = await c.query(named)
    expect(r1.rows).toEqual([{ id: 5, balance: 100, name: 'n5' }])
    expect(r1.fields.map((f) => f.dataTypeID)).toEqual([23, 23, 25])
    expect((await c.query({ ...named, values: [6] })).rows).toEqual([{ id: 6, balance: 100, name: 'n6' }])
    // Parse + Describe(statement) through the coordinator: the parameter's type and the columns come from a shard.
    const raw = await WireConnection.connect({ host: '127.0.0.1', port: co.port })
    try {
      const d = await raw.describe('SELECT balance, name FROM acct WHERE id = $1')
      expect(d.paramOids).toEqual([23])
      expect(d.columns!.map((x) => [x.name, x.type.kind])).toEqual([['balance', 'int4'], ['name', 'text']])
      const view = await raw.describe('SELECT gid, state FROM isola_distributed_xacts WHERE gid = $1')
      expect(view.paramOids).toEqual([25])
      expect(view.columns!.map((x) => x.name)).toEqual(['gid', 'state'])
      // Descriptions are cached until DDL commits through the coordinator, in a statement or a block.
      const star = async () => (await raw.describe('SELECT * FROM acct WHERE id = $1')).columns!.map((x) => x.name)
      expect(await star()).toEqual(['id', 'balance', 'name'])
      expect(await star()).toEqual(['id', 'balance', 'name'])
      await c.query('ALTER TABLE acct ADD COLUMN extra text')
      expect(await star()).toEqual(['id', 'balance', 'name', 'extra'])
      await c.query('BEGIN')
      await c.query('ALTER TABLE acct ADD COLUMN more int')
      expect(await star()).toEqual(['id', 'balance', 'name', 'extra'])
      await c.query('COMMIT')
      expect(await star()).toEqual(['id', 'balance', 'name', 'extra', 'more'])
      await c.query('ALTER TABLE acct DROP COLUMN extra')
      await c.query('ALTER TABLE acct DROP COLUMN more')
      await expect(raw.describe('SELECT nope FROM acct')).rejects.toMatchObject({ code: '42703' })
      await expect(raw.describe('SELECT * FROM missing')).rejects.toMatchObject({ code: '42P01' })
    } finally {
      await raw.close()
    }
    // SET and SHOW stay in the coordinator's session; bad values are refused as one node refuses them.
    await c.query("SET statement_timeout = '5s'")
    expect((await c.query('SHOW statement_timeout')).rows).toEqual([{ statement_timeout: '5s' }])
    await expect(c.query("SET statement_timeout = 'soon'")).rejects.toMatchObject({ code: '22023' })
    await expect(c.query('SELECT * FROM acct WHERE')).rejects.toMatchObject({ code: '42601' })
    // default_transaction_isolation and BEGIN's modes choose the distributed transaction's.
    await c.query("SET default_transaction_isolation = 'repeatable read'")
    await c.query('BEGIN')
    expect((await c.query('SHOW transaction_isolation')).rows).toEqual([{ transaction_isolation: 'repeatable read' }])
    await c.query('SELECT count(*) FROM acct')
    expect((await c.query("SELECT isolation, participants FROM isola_distributed_xacts WHERE state = 'active'")).rows).toEqual([{ isolation: 'repeatable read', participants: '{0,1}' }])
    await c.query('COMMIT')
    await c.query('RESET default_transaction_isolation')
    await c.query('BEGIN ISOLATION LEVEL SERIALIZABLE, READ ONLY')
    expect((await c.query("SELECT isolation FROM isola_distributed_xacts WHERE state = 'active'")).rows).toEqual([{ isolation: 'serializable' }])
    await expect(c.query('INSERT INTO acct VALUES (99, 1, $1)', ['ro'])).rejects.toMatchObject({ code: '25006' })
    await c.query('ROLLBACK')
    expect((await c.query('SHOW transaction_isolation')).rows).toEqual([{ transaction_isolation: 'read committed' }])

    if (PSQL !== undefined) {
      const out = spawnSync(PSQL, ['-X', '-h', '127.0.0.1', '-p', String(co.port), '-U', 'postgres', 'postgres', '-c', 'SELECT sum(balance) FROM acct', '-c', 'SELECT * FROM isola_distributed_xacts'], { encoding: 'utf8', timeout: 20_000 })
      expect(out.stderr).toBe('')
      expect(out.stdout).toContain('2000')
      expect(out.stdout).toMatch(/gid \| state \| isolation \| participants \| age_ms \| snapshot \| commit_ts \| decision_logged \| prepared_on \| unreachable/)
    }

    // SIGTERM: a clean stop; a new coordinator process rebuilds the routing from shard 0's catalog.
    await c.end()
    clients = clients.filter((x) => x !== c)
    expect(await kill(co, 'SIGTERM')).toBe(0)
    co = await coordinator(path.join(dir, 'c'), s)
    const c2 = await client(co.port)
    expect((await c2.query('SELECT name FROM acct WHERE id = 9')).rows).toEqual([{ name: 'n9' }])
    await c2.query('INSERT INTO acct VALUES (21, 1, $1)', ['after restart'])
    expect((await c2.query('SELECT count(*)::int AS n FROM acct')).rows).toEqual([{ n: 21 }])
    expect((await c2.query('EXPLAIN SELECT * FROM cur')).rows[0]['QUERY PLAN']).toMatch(/Single \(any shard\)/)
    // The shards belong to coordinator c1: one with another --id is refused (28000) and exits.
    const other = spawnSync(process.execPath, [CLI, 'coordinator', '--id', 'c2', '--data', path.join(dir, 'c2'), '--port', '0', '--log-level', 'warn', ...s.flatMap((x) => ['--shard', `127.0.0.1:${x.port}`])], { encoding: 'utf8', timeout: 30_000 })
    expect(other.status).toBe(1)
    expect(other.stderr).toContain('ERROR 28000: shard belongs to coordinator "c1", not "c2"')
  })

  it('statement_timeout, lock_timeout and a CancelRequest reach the statements on the shards (57014, 55P03)', async () => {
    const dir = tmp()
    const s = [await shard(path.join(dir, 's0')), await shard(path.join(dir, 's1'))]
    const co = await coordinator(path.join(dir, 'c'), s)
    await checkTimeoutsAndCancel(co.port)
  })

  it('the same through isola start --shards 2', async () => {
    const dir = tmp()
    const st = await run(['start', '--data', dir, '--port', '0', '--shards', '2'])
    await checkTimeoutsAndCancel(st.port)
  })

  it('isola_distributed_xacts shows running, committing (in doubt on a shard that is down) and foreign transactions; a coordinator starting while a shard is down serves the others and resolves it when it is back', async () => {
    const dir = tmp()
    const s = [await shard(path.join(dir, 's0')), await shard(path.join(dir, 's1'))]
    let co = await coordinator(path.join(dir, 'c'), s)
    let c = await client(co.port)
    await c.query('CREATE TABLE acct (id int PRIMARY KEY, balance int NOT NULL) DISTRIBUTED BY (id)')
    const [a, b] = await oneOnEach(c)
    await c.query('INSERT INTO acct VALUES ($1, 100), ($2, 100)', [a, b])

    // A running transaction: active, on both shards, nothing prepared.
    const other = await client(co.port)
    await other.query('BEGIN ISOLATION LEVEL REPEATABLE READ')
    await other.query('UPDATE acct SET balance = balance + 0 WHERE id = $1', [a])
    await other.query('UPDATE acct SET balance = balance + 0 WHERE id = $1', [b])
    const running = (await c.query("SELECT gid, state, isolation, participants, age_ms >= 0 AS aged, snapshot > 0 AS snap, decision_logged, prepared_on FROM isola_distributed_xacts WHERE state = 'active'")).rows
    expect(running).toEqual([{ gid: expect.stringMatching(/^isola:c1:\d+:\d+$/), state: 'active', isolation: 'repeatable read', participants: '{0,1}', aged: true, snap: true, decision_logged: false, prepared_on: '{}' }])
    await other.query('ROLLBACK')
    // A foreign prepared transaction on a shard (an operator's): listed, left alone.
    const direct = await client(s[1]!.port)
    await direct.query('BEGIN')
    await direct.query('CREATE TABLE scratch (k int PRIMARY KEY)')
    await direct.query("PREPARE TRANSACTION 'by hand'")
    expect((await c.query("SELECT state, participants, prepared_on FROM isola_distributed_xacts WHERE gid = 'by hand'")).rows).toEqual([{ state: 'foreign', participants: '{1}', prepared_on: '{1}' }])
    await direct.query("ROLLBACK PREPARED 'by hand'")
    await expect(c.query('DELETE FROM isola_distributed_xacts')).rejects.toMatchObject({ code: '42809' })

    // The coordinator dies once the decision is durable, before anyone committed.
    await c.end()
    clients = clients.filter((x) => x !== c && x !== other)
    await other.end()
    expect(await kill(co, 'SIGTERM')).toBe(0)
    co = await coordinator(path.join(dir, 'c'), s, { ISOLA_FAULT: 'after-decision-logged' })
    c = await client(co.port)
    await c.query('BEGIN')
    await c.query('UPDATE acct SET balance = balance - 10 WHERE id = $1', [a])
    await c.query('UPDATE acct SET balance = balance + 10 WHERE id = $1', [b])
    await expect(c.query('COMMIT')).rejects.toThrow()
    await co.exited
    // Both shards hold the transaction prepared; shard 1 goes down.
    const gid = (await direct.query('SELECT gid FROM pg_prepared_xacts')).rows[0].gid as string
    expect(gid).toMatch(/^isola:c1:/)
    await direct.end()
    clients = clients.filter((x) => x !== direct)
    await kill(s[1]!)

    // The coordinator starts anyway: shard 0 is committed at once; the decision waits for shard 1.
    const started = Date.now()
    co = await coordinator(path.join(dir, 'c'), s, {}, [s[0]!.port, s[1]!.port])
    expect(Date.now() - started).toBeLessThan(20_000)
    expect(co.output()).toMatch(/shards unreachable/)
    c = await client(co.port)
    expect((await c.query('SELECT gid, state, participants, commit_ts > 0 AS ts, decision_logged, prepared_on, unreachable FROM isola_distributed_xacts')).rows).toEqual([
      { gid, state: 'committing', participants: '{0,1}', ts: true, decision_logged: true, prepared_on: '{}', unreachable: '{1}' },
    ])
    expect((await c.query('SELECT balance FROM acct WHERE id = $1', [a])).rows).toEqual([{ balance: 90 }])
    // What needs shard 1 fails with 08006; shard 0 goes on.
    await expect(c.query('SELECT balance FROM acct WHERE id = $1', [b])).rejects.toMatchObject({ code: '08006' })
    await expect(c.query('SELECT sum(balance) FROM acct')).rejects.toMatchObject({ code: '08006' })
    await c.query('UPDATE acct SET balance = balance - 1 WHERE id = $1', [a])
    await c.query('UPDATE acct SET balance = balance + 1 WHERE id = $1', [a])

    // Shard 1 is back: its prepared branch is committed, the decision forgotten, the total exact.
    s[1] = await shard(path.join(dir, 's1'), s[1]!.port)
    await until(async () => (await c.query('SELECT count(*)::int AS n FROM isola_distributed_xacts')).rows[0].n === 0)
    expect((await c.query('SELECT id, balance FROM acct ORDER BY balance')).rows).toEqual([
      { id: a, balance: 90 },
      { id: b, balance: 110 },
    ])
    const d1 = await client(s[1]!.port)
    expect((await d1.query('SELECT count(*)::int AS n FROM pg_prepared_xacts')).rows).toEqual([{ n: 0 }])
  })

  it('shard 0 down at start: the routing comes from shard 1, with a warning; with no shard up the coordinator says so and exits', async () => {
    const dir = tmp()
    const s = [await shard(path.join(dir, 's0')), await shard(path.join(dir, 's1'))]
    let co = await coordinator(path.join(dir, 'c'), s)
    let c = await client(co.port)
    await c.query('CREATE TABLE acct (id int PRIMARY KEY, balance int NOT NULL) DISTRIBUTED BY (id)')
    const [a, b] = await oneOnEach(c)
    await c.query('INSERT INTO acct VALUES ($1, 1), ($2, 2)', [a, b])
    await c.end()
    clients = []
    expect(await kill(co, 'SIGTERM')).toBe(0)
    const ports = [s[0]!.port, s[1]!.port]
    await kill(s[0]!)
    co = await coordinator(path.join(dir, 'c'), s, {}, ports)
    expect(co.output()).toMatch(/shard 0 is unreachable: routing metadata read from shard 1/)
    c = await client(co.port)
    expect((await c.query('SELECT balance FROM acct WHERE id = $1', [b])).rows).toEqual([{ balance: 2 }])
    await expect(c.query('SELECT balance FROM acct WHERE id = $1', [a])).rejects.toMatchObject({ code: '08006' })
    await c.end()
    clients = []
    await kill(co, 'SIGTERM')
    await kill(s[1]!)
    // Nothing up: a clear error, not a hang.
    const child = spawnSync(process.execPath, [CLI, 'coordinator', '--data', path.join(dir, 'c'), '--port', '0', '--log-level', 'warn', ...ports.flatMap((p) => ['--shard', `127.0.0.1:${p}`])], { encoding: 'utf8', timeout: 30_000 })
    expect(child.status).toBe(1)
    expect(child.stderr).toMatch(/ERROR 08006: no shard can be reached to read the routing metadata from \(shard 0 at 127\.0\.0\.1:\d+/)
  })
})

/** statement_timeout, lock_timeout and cancel through a coordinator listening on `port`. */
async function checkTimeoutsAndCancel(port: number): Promise<void> {
  const c = await client(port)
  await c.query('CREATE TABLE acct (id int PRIMARY KEY, balance int NOT NULL) DISTRIBUTED BY (id)')
  await c.query('INSERT INTO acct VALUES (1, 100), (2, 100), (3, 100), (4, 100)')
  // statement_timeout: the scattered statement is cancelled on the shards, the client gets 57014.
  await c.query("SET statement_timeout = '300ms'")
  let t0 = Date.now()
  await expect(c.query(LONG)).rejects.toMatchObject({ code: '57014', message: 'canceling statement due to statement timeout' })
  expect(Date.now() - t0).toBeLessThan(5000)
  expect((await c.query('SELECT count(*)::int AS n FROM acct')).rows).toEqual([{ n: 4 }])
  // Inside a block, too (the block is then failed, as in PostgreSQL).
  await c.query('BEGIN')
  await expect(c.query(LONG)).rejects.toMatchObject({ code: '57014' })
  await expect(c.query('SELECT 1')).rejects.toMatchObject({ code: '25P02' })
  await c.query('ROLLBACK')
  await c.query('RESET statement_timeout')

  // lock_timeout reaches the branch: a row locked by another transaction gives 55P03, not a wait.
  const holder = await client(port)
  await holder.query('BEGIN')
  await holder.query('UPDATE acct SET balance = 0 WHERE id = 1')
  await c.query("SET lock_timeout = '200ms'")
  t0 = Date.now()
  await expect(c.query('UPDATE acct SET balance = 1 WHERE id = 1')).rejects.toMatchObject({ code: '55P03' })
  expect(Date.now() - t0).toBeLessThan(5000)
  await c.query('RESET lock_timeout')
  // SET LOCAL in a block reaches the branches begun after it, and ends with the block; a rolled-back SET is undone.
  await c.query('BEGIN')
  await c.query("SET LOCAL lock_timeout = '200ms'")
  await expect(c.query('UPDATE acct SET balance = 1 WHERE id = 1')).rejects.toMatchObject({ code: '55P03' })
  await expect(c.query('SHOW lock_timeout')).rejects.toMatchObject({ code: '25P02' })
  await c.query('ROLLBACK')
  expect((await c.query('SHOW lock_timeout')).rows).toEqual([{ lock_timeout: '0' }])
  await c.query('BEGIN')
  await c.query("SET statement_timeout = '1s'")
  await c.query('ROLLBACK')
  expect((await c.query('SHOW statement_timeout')).rows).toEqual([{ statement_timeout: '0' }])
  await holder.query('ROLLBACK')

  // A CancelRequest to the coordinator (node-postgres' cancel) cancels the statement on the shards.
  const running = c.query(LONG)
  const active = (c as unknown as { activeQuery: unknown }).activeQuery
  await new Promise((r) => setTimeout(r, 400))
  const canceller = new pg.Client({ host: '127.0.0.1', port, user: 'postgres', database: 'postgres' }) as unknown as { cancel(client: pg.Client, query: unknown): void }
  canceller.cancel(c, active)
  t0 = Date.now()
  await expect(running).rejects.toMatchObject({ code: '57014', message: 'canceling statement due to user request' })
  expect(Date.now() - t0).toBeLessThan(5000)
  expect((await c.query('SELECT sum(balance)::int AS s FROM acct')).rows).toEqual([{ s: 400 }])
}
