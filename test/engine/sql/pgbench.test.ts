/**
 * What pgbench 15 sends, run on the engine through the embedded API.
 *
 * The fixtures in pgbench/ were captured from PostgreSQL's statement log
 * (pgbench/capture.sh): the two ways of `pgbench -i -s 1` (client-side COPY and
 * server-side generate_series), and the first statements of each connection of 2-second
 * runs of the built-in tpcb-like and select-only scripts in -M simple, extended and
 * prepared, with and without -n. Each is replayed as pgbench's protocol would run it:
 * simple queries as `query`, the extended protocol's unnamed statements as a prepare
 * per execution, -M prepared as one prepare per connection and name. The one statement
 * left out is pgbench's start-up query about partitions of pgbench_accounts (LATERAL,
 * arrays, pg_partitioned_table), which is another piece of work.
 *
 * Then pgbench's own check: after any mix of committed TPC-B transactions,
 * sum(abalance) = sum(bbalance) = sum(tbalance) = sum(delta), here from several
 * concurrent sessions at READ COMMITTED and at REPEATABLE READ (where conflicting
 * transactions fail with 40001 and are retried, as pgbench --max-tries does).
 */
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, test } from 'vitest'
import type { Database, PreparedStatement, Session } from '../../../index.js'
import { database, tempDir } from './helpers.js'

const FIXTURES = path.join(path.dirname(fileURLToPath(import.meta.url)), 'pgbench')
/** pgbench_accounts rows per unit of scale. */
const ACCOUNTS = 100_000

/** A captured statement: `via` is 'simple', 'unnamed' (extended protocol) or a prepared statement's name. */
interface Captured {
  readonly pid: string
  readonly sql: string
  readonly via: string
  readonly params?: readonly (string | null)[]
}

const fixture = (name: string): Captured[] =>
  fs
    .readFileSync(path.join(FIXTURES, `${name}.jsonl`), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Captured)

/** The text COPY data pgbench's client-side generator sends for pgbench_accounts (aid, bid, abalance 0, empty filler). */
function* accountsCopyData(scale: number): Generator<string> {
  const chunk = 10_000
  for (let from = 1; from <= scale * ACCOUNTS; from += chunk) {
    let s = ''
    for (let aid = from; aid < from + chunk; aid++) s += `${aid}\t${Math.floor((aid - 1) / ACCOUNTS) + 1}\t0\t\n`
    yield s
  }
}

/** Runs one connection's captured statements, as its protocol would; returns what each SELECT returned. */
async function replay(s: Session, statements: readonly Captured[]): Promise<{ sql: string; params: readonly unknown[]; rows: unknown[][] }[]> {
  const prepared = new Map<string, PreparedStatement>()
  const out: { sql: string; params: readonly unknown[]; rows: unknown[][] }[] = []
  for (const e of statements) {
    const params = e.params ?? []
    if (/^copy /i.test(e.sql)) {
      const copy = await s.copyFrom(e.sql)
      for (const chunk of accountsCopyData(1)) await copy.write(chunk)
      expect(await copy.end()).toBe(ACCOUNTS)
      continue
    }
    let rows: unknown[][]
    if (e.via === 'simple') rows = (await s.query<unknown[]>(e.sql, [], { rowMode: 'array' })).rows
    else {
      let ps = prepared.get(e.via)
      if (ps === undefined || e.via === 'unnamed') {
        ps = await s.prepare(e.sql)
        if (e.via !== 'unnamed') prepared.set(e.via, ps)
      }
      rows = (await s.executePrepared(ps, params)).rows as unknown[][]
    }
    if (/^select/i.test(e.sql)) out.push({ sql: e.sql, params, rows })
  }
  return out
}

async function one(s: Session, sql: string): Promise<unknown> {
  return (await s.query<unknown[]>(sql, [], { rowMode: 'array' })).rows[0]![0]
}

/** sum(abalance), sum(bbalance), sum(tbalance), sum(delta), count(history), as numbers. */
async function sums(s: Session): Promise<{ a: number; b: number; t: number; h: number; n: number }> {
  const r = (await s.query<unknown[]>(
    `SELECT (SELECT coalesce(sum(abalance), 0) FROM pgbench_accounts), (SELECT coalesce(sum(bbalance), 0) FROM pgbench_branches),
            (SELECT coalesce(sum(tbalance), 0) FROM pgbench_tellers), (SELECT coalesce(sum(delta), 0) FROM pgbench_history),
            (SELECT count(*) FROM pgbench_history)`,
    [],
    { rowMode: 'array' },
  )).rows[0]!
  const [a, b, t, h, n] = r.map((v) => Number(v))
  return { a: a!, b: b!, t: t!, h: h!, n: n! }
}

/** Replays an init fixture in one session and checks the tables it leaves, as PostgreSQL leaves them. */
async function init(db: Database, name: 'init-client' | 'init-server'): Promise<void> {
  const s = db.session()
  await replay(s, fixture(name))
  expect(await one(s, 'select count(*) from pgbench_branches')).toBe(1n)
  expect(await one(s, 'select count(*) from pgbench_tellers')).toBe(10n)
  expect(await one(s, 'select count(*) from pgbench_accounts')).toBe(BigInt(ACCOUNTS))
  expect(await one(s, 'select count(*) from pgbench_history')).toBe(0n)
  expect(await sums(s)).toEqual({ a: 0, b: 0, t: 0, h: 0, n: 0 })
  // Tellers 1–10 belong to branch 1; the filler columns: NULL where the insert gave none, '' padded to char(84) in accounts.
  expect((await s.query('SELECT tid, bid, filler FROM pgbench_tellers ORDER BY tid DESC LIMIT 1')).rows).toEqual([{ tid: 10, bid: 1, filler: null }])
  expect((await s.query('SELECT aid, bid, abalance, filler FROM pgbench_accounts WHERE aid = 100000')).rows).toEqual([{ aid: 100000, bid: 1, abalance: 0, filler: ' '.repeat(84) }])
  // ALTER TABLE … ADD PRIMARY KEY made real keys.
  for (const [table, col] of [['pgbench_branches', 'bid'], ['pgbench_tellers', 'tid'], ['pgbench_accounts', 'aid']] as const) {
    await expect(s.query(`INSERT INTO ${table} (${col}) VALUES (1)`)).rejects.toMatchObject({ code: '23505' })
  }
  await s.close()
}

/** A client's statements up to its last END: the capture cut the last transaction short, and a session that closes in it rolls back. */
function completed(statements: readonly Captured[]): readonly Captured[] {
  const last = statements.findLastIndex((e) => e.sql === 'END;')
  return last < 0 ? statements : statements.slice(0, last + 1)
}

/** The account deltas a run's statements apply, in order ($1/$2 of the extended forms, literals of the simple one). */
function accountUpdates(statements: readonly Captured[]): { aid: number; delta: number }[] {
  const out: { aid: number; delta: number }[] = []
  for (const e of statements) {
    if (!/^UPDATE pgbench_accounts/.test(e.sql)) continue
    const m = /abalance \+ (-?\d+) WHERE aid = (\d+)/.exec(e.sql)
    out.push(m !== null ? { aid: Number(m[2]), delta: Number(m[1]) } : { aid: Number(e.params![1]), delta: Number(e.params![0]) })
  }
  return out
}

describe('pgbench runs, replayed', () => {
  const runs = fs
    .readdirSync(FIXTURES)
    .filter((f) => f.endsWith('.jsonl') && !f.startsWith('init'))
    .map((f) => f.replace(/\.jsonl$/, ''))
    .sort()

  test('the fixtures cover both scripts in the three protocols, with and without -n', () => {
    expect(runs).toEqual(['select-only', 'tpcb-like'].flatMap((b) => ['extended', 'extended-n', 'prepared', 'prepared-n', 'simple', 'simple-n'].map((m) => `${b}-${m}`)))
  })

  test('every run: the main connection (count, VACUUM, TRUNCATE of the history unless -n), then the clients concurrently', { timeout: 60_000 }, async () => {
    const db = await database()
    await init(db, 'init-server')
    const admin = db.session()
    const balance = new Map<number, number>()
    let history = 0
    for (const run of runs) {
      const statements = fixture(run)
      const pids = [...new Set(statements.map((e) => e.pid))]
      const [main, ...clients] = pids
      expect(clients.length, run).toBe(2)
      const setup = statements.filter((e) => e.pid === main)
      const vacuums = !run.endsWith('-n')
      expect(setup.some((e) => e.sql === 'truncate pgbench_history'), run).toBe(vacuums)
      const before = await sums(admin)
      const s = db.session()
      const [count] = await replay(s, setup)
      expect(count!.rows, run).toEqual([[1n]])
      await s.close()
      if (vacuums) history = 0

      // The clients touch distinct accounts (checked), so each SELECT abalance must see the balance so far.
      const updates = clients.flatMap((pid) => accountUpdates(completed(statements.filter((e) => e.pid === pid))))
      expect(new Set(updates.map((u) => u.aid)).size, run).toBe(updates.length)
      const results = await Promise.all(
        clients.map(async (pid) => {
          const c = db.session()
          try {
            return await replay(c, completed(statements.filter((e) => e.pid === pid)))
          } finally {
            await c.close()
          }
        }),
      )
      const delta = updates.reduce((n, u) => n + u.delta, 0)
      for (const u of updates) balance.set(u.aid, (balance.get(u.aid) ?? 0) + u.delta)
      history += delta
      for (const r of results.flat()) {
        const aid = Number(r.params[0] ?? /aid = (\d+)/.exec(r.sql)![1])
        expect(r.rows, `${run}: ${r.sql} ${r.params.join(',')}`).toEqual([[balance.get(aid) ?? 0]])
      }
      if (run.startsWith('select-only')) expect(results.flat().length, run).toBe(120)
      const after = await sums(admin)
      expect(after, run).toEqual({ a: before.a + delta, b: before.b + delta, t: before.t + delta, h: history, n: after.n })
    }
    await admin.close()
  })
})

/** A seeded xorshift, so a failure can be replayed. */
function random(seed: number): (lo: number, hi: number) => number {
  let x = seed
  return (lo, hi) => {
    x ^= x << 13
    x ^= x >>> 17
    x ^= x << 5
    return lo + ((x >>> 0) % (hi - lo + 1))
  }
}

/** pgbench's tpcb-like script, -M prepared, at scale 1; `retry` on 40001/40P01 as --max-tries. */
async function tpcb(s: Session, transactions: number, seed: number, isolation: string): Promise<{ committed: number; retried: number; delta: number }> {
  const ps = await Promise.all(
    [
      `BEGIN ISOLATION LEVEL ${isolation};`,
      'UPDATE pgbench_accounts SET abalance = abalance + $1 WHERE aid = $2;',
      'SELECT abalance FROM pgbench_accounts WHERE aid = $1;',
      'UPDATE pgbench_tellers SET tbalance = tbalance + $1 WHERE tid = $2;',
      'UPDATE pgbench_branches SET bbalance = bbalance + $1 WHERE bid = $2;',
      'INSERT INTO pgbench_history (tid, bid, aid, delta, mtime) VALUES ($1, $2, $3, $4, CURRENT_TIMESTAMP);',
      'END;',
    ].map((sql) => s.prepare(sql)),
  )
  const [begin, updA, selA, updT, updB, ins, end] = ps as [PreparedStatement, ...PreparedStatement[]]
  const rnd = random(seed)
  let retried = 0
  let delta = 0
  for (let i = 0; i < transactions; i++) {
    const aid = rnd(1, ACCOUNTS)
    const tid = rnd(1, 10)
    const bid = 1
    const d = rnd(-5000, 5000)
    for (;;) {
      try {
        await s.executePrepared(begin)
        await s.executePrepared(updA!, [d, aid])
        const r = await s.executePrepared(selA!, [aid])
        expect(r.rows.length).toBe(1)
        await s.executePrepared(updT!, [d, tid])
        await s.executePrepared(updB!, [d, bid])
        await s.executePrepared(ins!, [tid, bid, aid, d])
        await s.executePrepared(end!)
        break
      } catch (e) {
        const code = (e as { code?: string }).code
        if (code !== '40001' && code !== '40P01') throw e
        await s.query('ROLLBACK')
        retried++
      }
    }
    delta += d
  }
  return { committed: transactions, retried, delta }
}

describe('pgbench -i -s 1, then TPC-B from concurrent sessions', () => {
  // One test, one database: each init costs seconds.
  test('client-side init (dtgvp: COPY … WITH (FREEZE ON)), server-side init over it (dtGvp: generate_series), then 8 sessions at READ COMMITTED and 4 at REPEATABLE READ keep sum(abalance) = sum(bbalance) = sum(tbalance) = sum(delta)', { timeout: 60_000 }, async () => {
    const db = await database({ dir: tempDir() })
    await init(db, 'init-client')
    // The second init drops the four tables first (DROP TABLE IF EXISTS of several), and must leave the same tables.
    await init(db, 'init-server')
    let delta = 0
    let committed = 0
    for (const [isolation, sessions, each] of [['READ COMMITTED', 8, 250], ['REPEATABLE READ', 4, 250]] as const) {
      const results = await Promise.all(
        Array.from({ length: sessions }, async (_, i) => {
          const s = db.session()
          try {
            return await tpcb(s, each, i + 1, isolation)
          } finally {
            await s.close()
          }
        }),
      )
      delta += results.reduce((n, r) => n + r.delta, 0)
      committed += sessions * each
      const retried = results.reduce((n, r) => n + r.retried, 0)
      const s = db.session()
      expect(await sums(s), isolation).toEqual({ a: delta, b: delta, t: delta, h: delta, n: committed })
      // READ COMMITTED re-evaluates updated rows instead of failing; REPEATABLE READ must fail some of the
      // transactions that all update the one branch row concurrently.
      if (isolation === 'READ COMMITTED') expect(retried).toBe(0)
      else expect(retried).toBeGreaterThan(0)
      await s.close()
    }
  })
})
