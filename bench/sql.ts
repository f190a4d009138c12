/**
 * SQL benchmark: Isola's SQL engine against SQLite (better-sqlite3) in one process,
 * on the same schema and data.
 *
 *   npm run bench:sql [-- --rows 100000 --seconds 2 --rounds 4 --sessions 8 --only point,update]
 *
 * Schema, the same on both sides:
 *
 *     t (id int PRIMARY KEY, k int NOT NULL, v text NOT NULL)   -- `rows` rows, v of 100 chars
 *     CREATE INDEX t_k ON t (k)                                 -- k: a permutation of the ids
 *     u (id int PRIMARY KEY, t_id int NOT NULL, w int NOT NULL) -- rows / 10 rows, t_id random
 *
 * Operations (one op = one statement; every statement is prepared once: better-sqlite3's
 * `prepare`, Isola's `Session.prepare` + `executePrepared`, as an application would):
 *
 *   bulk insert   INSERT INTO t VALUES ($1, $2, $3) for every row, in one BEGIN … COMMIT
 *                 (a loop of prepared inserts on both sides, not multi-row VALUES)
 *   point select  SELECT k, v FROM t WHERE id = $1
 *   index lookup  SELECT id, v FROM t WHERE k = $1             (through t_k)
 *   range sum     SELECT sum(k) FROM t WHERE id BETWEEN $1 AND $2   (1,000 ids)
 *   join          SELECT u.id, t.k, u.w FROM u JOIN t ON t.id = u.t_id
 *                 WHERE u.id BETWEEN $1 AND $2 ORDER BY u.id   (10 rows, a PK lookup each)
 *   update        UPDATE t SET v = $2 WHERE id = $1            (autocommit: one durable commit each)
 *
 * Both run durable: SQLite in WAL mode with synchronous=FULL, Isola with its log
 * fsynced at every commit. Reads run in autocommit too (each is its own read-only
 * transaction on both sides). The bulk insert is timed from BEGIN to the end of
 * COMMIT on both sides; SQLite's automatic WAL checkpoint runs inside that COMMIT,
 * Isola's checkpoints run in the background. Updates write a new value each time
 * (SQLite skips the write, and the fsync, of an unchanged row).
 *
 * Concurrency: better-sqlite3 is synchronous, so SQLite runs one statement at a
 * time; its "concurrent" updates go round-robin over `sessions` connections (they
 * still commit one by one). Isola runs `sessions` async sessions at once, whose
 * commits share fsyncs (group commit). The table says which figure is which.
 *
 * Each timed phase gives each engine `seconds`, in `rounds` alternating slices
 * (SQLite, Isola, SQLite, …) on the same key sequence, so that both meet the same
 * machine. Run it more than once: the figures on a shared 2-core VM vary.
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import Sqlite from 'better-sqlite3'
import { open, type Database, type PreparedStatement, type Session } from '../index.js'

const arg = (name: string, dflt: number) => {
  const i = process.argv.indexOf(`--${name}`)
  return i >= 0 ? Number(process.argv[i + 1]) : dflt
}
const ROWS = arg('rows', 100_000)
const SECONDS = arg('seconds', 2)
const SESSIONS = arg('sessions', 8)
const ROUNDS = arg('rounds', 4)
const ONLY = (() => {
  const i = process.argv.indexOf('--only')
  return i >= 0 ? new Set(process.argv[i + 1]!.split(',')) : undefined
})()
const U_ROWS = Math.max(10, Math.floor(ROWS / 10))
const RANGE = 1000
const JOIN_SPAN = 10

/** A deterministic pseudo-random sequence of non-negative 31-bit integers (xorshift32; the same for both engines). */
function xorshift(seed: number): () => number {
  let s = seed
  return () => {
    s ^= s << 13
    s ^= s >>> 17
    s ^= s << 5
    return (s >>> 1) & 0x7fffffff
  }
}

/** A fixed permutation of 1..n: k's values, so that every k names one row. */
function permutation(n: number): Int32Array {
  const p = new Int32Array(n)
  for (let i = 0; i < n; i++) p[i] = i + 1
  const rnd = xorshift(42)
  for (let i = n - 1; i > 0; i--) {
    const j = rnd() % (i + 1)
    const t = p[i]!
    p[i] = p[j]!
    p[j] = t
  }
  return p
}

/** v: 100 characters; `version` makes every update's value new (SQLite skips writing, and syncing, an unchanged row). */
const text = (id: number, version = 0) => `${id}:${version}:`.padEnd(100, 'abcdefghijklmnopqrstuvwxyz')

const now = () => Number(process.hrtime.bigint()) / 1e9

/** Ops done and seconds spent, summed over an engine's slices of a phase. */
interface Tally {
  ops: number
  seconds: number
}

/** Runs `op(i)` for i = from, from + 1, … for `seconds`; adds to `t`; returns the next i. */
function sliceSync(op: (i: number) => void, seconds: number, from: number, t: Tally): number {
  const start = now()
  const end = start + seconds
  let i = from
  for (;;) {
    for (let j = 0; j < 64; j++) op(i++)
    if (now() >= end) break
  }
  t.ops += i - from
  t.seconds += now() - start
  return i
}

/** The same with `workers` concurrent async loops sharing one counter. */
async function sliceAsync(op: (i: number, worker: number) => Promise<void>, workers: number, seconds: number, from: number, t: Tally): Promise<number> {
  const start = now()
  const end = start + seconds
  let i = from
  await Promise.all(
    Array.from({ length: workers }, async (_, w) => {
      while (now() < end) for (let j = 0; j < 16; j++) await op(i++, w)
    }),
  )
  t.ops += i - from
  t.seconds += now() - start
  return i
}

/**
 * One timed phase: `ROUNDS` alternating slices of SQLite and Isola, `SECONDS` in
 * all for each, so that both meet the same machine (other work on a shared VM
 * comes and goes, and fsync latency with it). Both walk the same key sequence.
 */
async function phase(lite: (i: number) => void, isola: (i: number, worker: number) => Promise<void>, workers = 1): Promise<{ lite: number; isola: number }> {
  const l: Tally = { ops: 0, seconds: 0 }
  const s: Tally = { ops: 0, seconds: 0 }
  let li = 0
  let si = 0
  for (let r = 0; r < ROUNDS; r++) {
    li = sliceSync(lite, SECONDS / ROUNDS, li, l)
    si = await sliceAsync(isola, workers, SECONDS / ROUNDS, si, s)
  }
  return { lite: l.ops / l.seconds, isola: s.ops / s.seconds }
}

interface Figure {
  readonly name: string
  readonly isola: number
  readonly sqlite: number
  readonly target: number
}
const figures: Figure[] = []
const fmt = (n: number) => Math.round(n).toLocaleString('en-US').padStart(11)
function record(name: string, isola: number, sqlite: number, target: number): void {
  figures.push({ name, isola, sqlite, target })
  const ratio = isola / sqlite
  console.log(`${name.padEnd(38)} isola ${fmt(isola)} ops/s   sqlite ${fmt(sqlite)} ops/s   ratio ${ratio.toFixed(2).padStart(5)}x   target ≥ ${target}x ${ratio >= target ? 'met' : 'MISSED'}`)
}
const wanted = (phase: string) => ONLY === undefined || ONLY.has(phase)

function check(cond: boolean, what: string): void {
  if (!cond) throw new Error(`benchmark self-check failed: ${what}`)
}

async function main(): Promise<void> {
  const root = fs.mkdtempSync(path.join(process.env.BENCH_DIR ?? os.tmpdir(), 'isola-sql-bench-'))
  console.log(`sql benchmark: ${ROWS.toLocaleString()} rows, ${SECONDS} s per phase, ${SESSIONS} concurrent sessions, node ${process.version}, ${os.cpus().length} cpus`)
  const ks = permutation(ROWS)
  const rnd = xorshift(7)
  const tIds = Int32Array.from({ length: U_ROWS }, () => (rnd() % ROWS) + 1)
  /** Keys the read phases visit: the same pseudo-random sequence on both sides. */
  const keys = Int32Array.from({ length: 1 << 16 }, () => (rnd() % ROWS) + 1)
  const key = (i: number) => keys[i & 0xffff]!

  // --- schema and bulk load ---------------------------------------------------
  const lite = new Sqlite(path.join(root, 'sqlite.db'))
  lite.pragma('journal_mode = WAL')
  lite.pragma('synchronous = FULL')
  const DDL = [
    'CREATE TABLE t (id int PRIMARY KEY, k int NOT NULL, v text NOT NULL)',
    'CREATE INDEX t_k ON t (k)',
    'CREATE TABLE u (id int PRIMARY KEY, t_id int NOT NULL, w int NOT NULL)',
  ]
  for (const d of DDL) lite.exec(d)
  const db: Database = await open({ dir: path.join(root, 'isola') })
  const s: Session = db.session()
  for (const d of DDL) await s.query(d)

  const liteIns = lite.prepare('INSERT INTO t VALUES (?, ?, ?)')
  const liteLoad = now()
  lite.exec('BEGIN')
  for (let i = 1; i <= ROWS; i++) liteIns.run(i, ks[i - 1]!, text(i))
  lite.exec('COMMIT')
  const liteLoadS = now() - liteLoad

  const ins = await s.prepare('INSERT INTO t VALUES ($1, $2, $3)')
  const isoLoad = now()
  await s.query('BEGIN')
  for (let i = 1; i <= ROWS; i++) await s.executePrepared(ins, [i, ks[i - 1]!, text(i)])
  await s.query('COMMIT')
  const isoLoadS = now() - isoLoad
  record(`bulk insert (${ROWS.toLocaleString()} rows, 1 txn)`, ROWS / isoLoadS, ROWS / liteLoadS, 0.5)

  // The join's second table and statistics, untimed.
  const liteInsU = lite.prepare('INSERT INTO u VALUES (?, ?, ?)')
  lite.transaction(() => { for (let i = 1; i <= U_ROWS; i++) liteInsU.run(i, tIds[i - 1]!, i % 97) })()
  lite.exec('ANALYZE')
  const insU = await s.prepare('INSERT INTO u VALUES ($1, $2, $3)')
  await s.query('BEGIN')
  for (let i = 1; i <= U_ROWS; i++) await s.executePrepared(insU, [i, tIds[i - 1]!, i % 97])
  await s.query('COMMIT')
  await s.query('ANALYZE')

  // --- reads ------------------------------------------------------------------
  const read = async (which: string, name: string, sql: string, sqliteSql: string, args: (i: number) => number[], expect: (liteRows: unknown[], isoRows: readonly unknown[][]) => void) => {
    if (!wanted(which)) return
    const ls = lite.prepare(sqliteSql).raw()
    const ps: PreparedStatement = await s.prepare(sql)
    // Same answers on both sides for a few keys first.
    for (let i = 0; i < 5; i++) expect(ls.all(...args(i)), (await s.executePrepared(ps, args(i))).rows)
    const r = await phase(
      (i) => void ls.all(...args(i)),
      async (i) => void (await s.executePrepared(ps, args(i))),
    )
    if (process.env.BENCH_VERBOSE) console.log((await s.query(`EXPLAIN ${sql}`, args(0))).rows.map((r) => r['QUERY PLAN']).join('\n'))
    record(name, r.isola, r.lite, 0.5)
  }
  const same = (a: unknown[], b: readonly unknown[][]) => check(JSON.stringify(a, big) === JSON.stringify(b, big), `${JSON.stringify(a, big)} vs ${JSON.stringify(b, big)}`)

  await read('point', 'point select by primary key', 'SELECT k, v FROM t WHERE id = $1', 'SELECT k, v FROM t WHERE id = ?', (i) => [key(i)], same)
  await read('index', 'secondary-index lookup (k = $1)', 'SELECT id, v FROM t WHERE k = $1', 'SELECT id, v FROM t WHERE k = ?', (i) => [key(i)], same)
  const lo = (i: number) => (key(i) % (ROWS - RANGE)) + 1
  await read('range', `range scan, sum(k) over ${RANGE} ids`, 'SELECT sum(k) FROM t WHERE id BETWEEN $1 AND $2', 'SELECT sum(k) FROM t WHERE id BETWEEN ? AND ?', (i) => [lo(i), lo(i) + RANGE - 1], same)
  const ulo = (i: number) => (key(i) % (U_ROWS - JOIN_SPAN)) + 1
  await read('join', `join, ${JOIN_SPAN} rows by PK lookups`, 'SELECT u.id, t.k, u.w FROM u JOIN t ON t.id = u.t_id WHERE u.id BETWEEN $1 AND $2 ORDER BY u.id', 'SELECT u.id, t.k, u.w FROM u JOIN t ON t.id = u.t_id WHERE u.id BETWEEN ? AND ? ORDER BY u.id', (i) => [ulo(i), ulo(i) + JOIN_SPAN - 1], (a, b) => {
    check(a.length === JOIN_SPAN, 'join row count')
    same(a, b)
  })

  // --- durable updates --------------------------------------------------------
  let version = 0
  if (wanted('update')) {
    const lu = lite.prepare('UPDATE t SET v = ? WHERE id = ?')
    const pu = await s.prepare('UPDATE t SET v = $2 WHERE id = $1')
    const one = await phase(
      (i) => void lu.run(text(key(i), ++version), key(i)),
      async (i) => void (await s.executePrepared(pu, [key(i), text(key(i), ++version)])),
    )
    record('durable update commits, 1 session', one.isola, one.lite, 1.0)

    const conns = Array.from({ length: SESSIONS }, () => {
      const c = new Sqlite(path.join(root, 'sqlite.db'))
      c.pragma('synchronous = FULL')
      return c.prepare('UPDATE t SET v = ? WHERE id = ?')
    })
    const sessions = Array.from({ length: SESSIONS }, () => db.session())
    const prepared = await Promise.all(sessions.map((x) => x.prepare('UPDATE t SET v = $2 WHERE id = $1')))
    // The workers share the key sequence: two rarely update one key at once (then one waits for the other's row lock).
    const many = await phase(
      (i) => void conns[i % SESSIONS]!.run(text(key(i), ++version), key(i)),
      async (i, w) => void (await sessions[w]!.executePrepared(prepared[w]!, [key(i), text(key(i), ++version)])),
      SESSIONS,
    )
    for (const c of conns) c.database.close()
    for (const x of sessions) await x.close()
    record(`durable update commits, ${SESSIONS} sessions*`, many.isola, many.lite, 1.0)
    console.log(`  * SQLite: ${SESSIONS} connections, statements one at a time (better-sqlite3 is synchronous)`)
  }

  // Both engines hold the same data at the end.
  const lastRows = lite.prepare('SELECT count(*), sum(k) FROM t').raw().get() as number[]
  const isoLast = (await s.query('SELECT count(*) AS n, sum(k) AS s FROM t')).rows[0]!
  check(Number(isoLast['n']) === lastRows[0] && Number(isoLast['s']) === lastRows[1], 'final count and sum')

  await s.close()
  await db.close()
  lite.close()
  fs.rmSync(root, { recursive: true, force: true })
  void figures
}

/** JSON.stringify replacer that prints bigints as numbers (sum() is int8 in Isola). */
function big(_: string, v: unknown): unknown {
  return typeof v === 'bigint' ? Number(v) : v
}

await main()
