/**
 * pgbench's work on the engine alone, through the embedded API, for profiling: CPU
 * time per transaction beside wall time (on a shared machine CPU time moves less), and
 * an optional CPU profile of the measured part only.
 *
 *   npm run build && node dist/bench/pgbench-profile.js --phase tpcb [--mode prepared|simple] [--ops 5000]
 *   node dist/bench/pgbench-profile.js --phase select --profile /tmp/select.cpuprofile
 *   node dist/bench/pgbench-profile.js --phase init-client   (or init-server) [--scale 1]
 *
 * Phases: init-client (pgbench -i: inserts and COPY), init-server (-I dtGvp:
 * generate_series), tpcb (the tpcb-like script, one session), select (select-only).
 * --memory runs on an in-memory database (default: a temp directory, durable commits).
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { profiled } from './cpu-profile.js'
import { open, type Session } from '../index.js'
import { CREATE_TABLES, COPY_ACCOUNTS, SELECT_ONLY, TPCB_LIKE, VACUUM_AND_KEYS, accountsCopyData, clientSideInserts, serverSideGeneration, tpcbChoices, tpcbParams, tpcbSimple } from './pgbench-scripts.js'

const arg = (name: string, dflt: string) => {
  const i = process.argv.indexOf(`--${name}`)
  return i >= 0 ? process.argv[i + 1]! : dflt
}
const PHASE = arg('phase', 'tpcb')
const MODE = arg('mode', 'prepared')
const OPS = Number(arg('ops', '5000'))
const SCALE = Number(arg('scale', '1'))
const PROFILE = arg('profile', '')
const MEMORY = process.argv.includes('--memory')

/** Runs `work` (n operations) and prints wall and CPU per operation; under the CPU profiler when --profile asks. */
async function timed(name: string, n: number, work: () => Promise<void>, profile: boolean): Promise<void> {
  const cpu0 = process.cpuUsage()
  const t0 = process.hrtime.bigint()
  await profiled(profile ? PROFILE : '', work)
  const wall = Number(process.hrtime.bigint() - t0) / 1e3
  const cpu = process.cpuUsage(cpu0)
  const per = (us: number) => (n === 1 ? `${(us / 1e3).toFixed(0)} ms` : `${(us / n).toFixed(1)} µs/op`)
  console.log(`${name}: ${n === 1 ? '' : `${n} ops, `}${per(wall)} wall, ${per(cpu.user + cpu.system)} cpu`)
}

async function initClient(s: Session): Promise<void> {
  for (const sql of CREATE_TABLES) await s.query(sql)
  await s.query('begin')
  for (const sql of clientSideInserts(SCALE)) await s.query(sql)
  const copy = await s.copyFrom(COPY_ACCOUNTS)
  for (const chunk of accountsCopyData(SCALE)) await copy.write(chunk)
  await copy.end()
  await s.query('commit')
  for (const sql of VACUUM_AND_KEYS) await s.query(sql)
}

async function initServer(s: Session): Promise<void> {
  for (const sql of CREATE_TABLES) await s.query(sql)
  await s.query('begin')
  for (const sql of serverSideGeneration(SCALE)) await s.query(sql)
  await s.query('commit')
  for (const sql of VACUUM_AND_KEYS) await s.query(sql)
}

async function tpcb(s: Session, n: number, seed: number): Promise<void> {
  const next = tpcbChoices(SCALE, seed)
  if (MODE === 'simple') {
    for (let i = 0; i < n; i++) for (const sql of tpcbSimple(next())) await s.query(sql)
    return
  }
  const ps = await Promise.all(TPCB_LIKE.map((sql) => s.prepare(sql)))
  for (let i = 0; i < n; i++) {
    const params = tpcbParams(next())
    for (let j = 0; j < ps.length; j++) await s.executePrepared(ps[j]!, params[j])
  }
}

async function selectOnly(s: Session, n: number, seed: number): Promise<void> {
  const next = tpcbChoices(SCALE, seed)
  if (MODE === 'simple') {
    for (let i = 0; i < n; i++) await s.query(SELECT_ONLY.replace('$1', String(next().aid)))
    return
  }
  const ps = await s.prepare(SELECT_ONLY)
  for (let i = 0; i < n; i++) await s.executePrepared(ps, [next().aid])
}

async function main(): Promise<void> {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'isola-pgbench-profile-'))
  const db = await open(MEMORY ? { memory: true } : { dir: path.join(root, 'isola') })
  const s = db.session()
  try {
    if (PHASE === 'init-client') return await timed(`init-client, scale ${SCALE}`, 1, () => initClient(s), true)
    if (PHASE === 'init-server') return await timed(`init-server, scale ${SCALE}`, 1, () => initServer(s), true)
    await timed(`init-server, scale ${SCALE}`, 1, () => initServer(s), false)
    const run = PHASE === 'select' ? selectOnly : tpcb
    await timed(`${PHASE} ${MODE} (warm-up)`, Math.min(OPS, 500), () => run(s, Math.min(OPS, 500), 7), false)
    await timed(`${PHASE} ${MODE}`, OPS, () => run(s, OPS, 1), true)
  } finally {
    await s.close()
    await db.close()
    fs.rmSync(root, { recursive: true, force: true })
  }
}

await main()
