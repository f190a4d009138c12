/**
 * One engine, one phase of bench/sql.ts at a time, for profiling: Isola only, no
 * SQLite in the process, and CPU time per operation beside wall time (on a shared
 * machine CPU time moves less than wall time).
 *
 *   npm run build && node dist/bench/sql-profile.js --phase range [--rows 100000 --ops 5000]
 *   node dist/bench/sql-profile.js --phase bulk --profile /tmp/bulk.cpuprofile
 *
 * Phases: bulk (the load itself: prepared single-row INSERTs in one transaction),
 * range (`sum(k)` over 1,000 ids), point, index, join, update (durable autocommit
 * UPDATEs by one session), as in bench/sql.ts; count:
 * `count(*)` over the same ranges (the scan without decoding).
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { open, type PreparedStatement } from '../index.js'
import { profiled } from './cpu-profile.js'

const arg = (name: string, dflt: string) => {
  const i = process.argv.indexOf(`--${name}`)
  return i >= 0 ? process.argv[i + 1]! : dflt
}
const ROWS = Number(arg('rows', '100000'))
const OPS = Number(arg('ops', '5000'))
const PHASE = arg('phase', 'range')
const RANGE = 1000
/** Where to write a CPU profile of the measured operations only (not of the set-up around them). */
const PROFILE = arg('profile', '')

const text = (id: number) => `${id}:0:`.padEnd(100, 'abcdefghijklmnopqrstuvwxyz')

/** A fixed permutation of 1..n (k's values), from a xorshift sequence as in bench/sql.ts. */
function permutation(n: number): Int32Array {
  const p = new Int32Array(n)
  for (let i = 0; i < n; i++) p[i] = i + 1
  let s = 42
  for (let i = n - 1; i > 0; i--) {
    s ^= s << 13
    s ^= s >>> 17
    s ^= s << 5
    const j = ((s >>> 1) & 0x7fffffff) % (i + 1)
    const t = p[i]!
    p[i] = p[j]!
    p[j] = t
  }
  return p
}

/** Runs `ops` operations and prints wall and CPU µs per op; `profiled`: under the CPU profiler, when --profile asks. */
async function timed(name: string, ops: number, op: (i: number) => Promise<unknown>, profile = false): Promise<void> {
  const cpu0 = process.cpuUsage()
  const t0 = process.hrtime.bigint()
  await profiled(profile ? PROFILE : '', async () => {
    for (let i = 0; i < ops; i++) await op(i)
  })
  const wall = Number(process.hrtime.bigint() - t0) / 1e3
  const cpu = process.cpuUsage(cpu0)
  console.log(`${name}: ${ops} ops, ${(wall / ops).toFixed(2)} µs/op wall, ${((cpu.user + cpu.system) / ops).toFixed(2)} µs/op cpu (${(cpu.user / ops).toFixed(2)} user)`)
}

async function main(): Promise<void> {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'isola-sql-profile-'))
  const db = await open({ dir: path.join(root, 'isola') })
  const s = db.session()
  await s.query('CREATE TABLE t (id int PRIMARY KEY, k int NOT NULL, v text NOT NULL)')
  await s.query('CREATE INDEX t_k ON t (k)')
  await s.query('CREATE TABLE u (id int PRIMARY KEY, t_id int NOT NULL, w int NOT NULL)')
  const ks = permutation(ROWS)
  const ins = await s.prepare('INSERT INTO t VALUES ($1, $2, $3)')
  await s.query('BEGIN')
  await timed('bulk insert', ROWS, (i) => s.executePrepared(ins, [i + 1, ks[i]!, text(i + 1)]), PHASE === 'bulk')
  const c0 = process.hrtime.bigint()
  await s.query('COMMIT')
  console.log(`commit: ${(Number(process.hrtime.bigint() - c0) / 1e6).toFixed(1)} ms`)
  if (PHASE === 'bulk') return finish()

  const uRows = Math.max(10, ROWS / 10)
  const insU = await s.prepare('INSERT INTO u VALUES ($1, $2, $3)')
  await s.query('BEGIN')
  for (let i = 1; i <= uRows; i++) await s.executePrepared(insU, [i, ((i * 7919) % ROWS) + 1, i % 97])
  await s.query('COMMIT')
  await s.query('ANALYZE')

  const key = (i: number) => ((i * 2654435761) >>> 0) % ROWS + 1
  const run = async (name: string, sql: string, args: (i: number) => unknown[]) => {
    const ps: PreparedStatement = await s.prepare(sql)
    await timed(`${name} (warm-up)`, Math.min(OPS, 500), (i) => s.executePrepared(ps, args(i)))
    await timed(name, OPS, (i) => s.executePrepared(ps, args(i)), true)
  }
  if (PHASE === 'range') await run('range sum', 'SELECT sum(k) FROM t WHERE id BETWEEN $1 AND $2', (i) => [(key(i) % (ROWS - RANGE)) + 1, (key(i) % (ROWS - RANGE)) + RANGE])
  if (PHASE === 'count') await run('range count', 'SELECT count(*) FROM t WHERE id BETWEEN $1 AND $2', (i) => [(key(i) % (ROWS - RANGE)) + 1, (key(i) % (ROWS - RANGE)) + RANGE])
  if (PHASE === 'point') await run('point', 'SELECT k, v FROM t WHERE id = $1', (i) => [key(i)])
  if (PHASE === 'index') await run('index', 'SELECT id, v FROM t WHERE k = $1', (i) => [key(i)])
  if (PHASE === 'update') await run('durable update', 'UPDATE t SET v = $2 WHERE id = $1', (i) => [key(i), text(i)])
  if (PHASE === 'join') await run('join', 'SELECT u.id, t.k, u.w FROM u JOIN t ON t.id = u.t_id WHERE u.id BETWEEN $1 AND $2 ORDER BY u.id', (i) => [(key(i) % (uRows - 10)) + 1, (key(i) % (uRows - 10)) + 10])
  return finish()

  async function finish(): Promise<void> {
    await s.close()
    await db.close()
    fs.rmSync(root, { recursive: true, force: true })
  }
}

await main()
