/**
 * Cross-shard transfers: Isola's coordinator over two shard processes against two
 * PostgreSQL 15 instances with a client-side coordinator (issue 6, "Benchmark").
 *
 *   npm run bench:cross-shard [-- --seconds 8 --clients 1,8 --rounds 1 --accounts 1000
 *                                 --warmup 2 --cells pg-single,pg-cross,… --profile DIR]
 *
 * The workload: `accounts (id int primary key, balance bigint)` over two shards, and
 * `history (aid int, seq bigint, delta int, primary key (aid, seq))` distributed by
 * aid, so a history row lives with the account it debits. A transfer is one
 * interactive transaction, a statement per round trip, as an application sends it:
 *
 *     BEGIN; UPDATE accounts SET balance = balance - d WHERE id = a;
 *            UPDATE accounts SET balance = balance + d WHERE id = b;
 *            INSERT INTO history VALUES (a, seq, d); COMMIT
 *
 * with a < b in lock order (a on shard 0 for a cross-shard one), so transfers never
 * deadlock. Single-shard: a and b on the same shard (which one, at random);
 * cross-shard: one on each.
 *
 * Topology (all on this machine, all durable):
 *   - PostgreSQL: two instances (fsync on, synchronous_commit on,
 *     max_prepared_transactions 100); every client holds a connection to each. A
 *     single-shard transfer is BEGIN … COMMIT on one; a cross-shard one runs its
 *     statements on both, then PREPARE TRANSACTION on both in parallel, then COMMIT
 *     PREPARED on both in parallel. This client-side coordinator keeps no decision
 *     log (a real one would fsync one between the phases): PostgreSQL is given that.
 *   - Isola: two `isola shard` processes (dist/server/cli.js shard; their logs
 *     fsynced at commit) and one `isola coordinator` process over them (its decision
 *     log SQLite with synchronous=FULL). Clients connect to the coordinator.
 *   - isola-direct: the same single-shard transfers on shard 0 with the client
 *     connected to shard 0's process itself, against isola-coord-s0, the same through
 *     the coordinator. They use accounts no coordinator cell touches (a shard's own
 *     commits and the coordinator's timestamps are not meant to mix on one row).
 *
 * After a warm-up (every cell for `warmup` seconds, unmeasured), cells run in the order pg-single, pg-cross, isola-single, isola-cross,
 * isola-coord-s0, isola-direct for 1 client, then for 8, `rounds` times over; each
 * cell reports committed transfers per second and p50/p99 latency of committed ones.
 * Clients speak the simple Query protocol through node-postgres (literals in the
 * text), the same for every system. A transfer that fails with 40001 or 40P01 is
 * rolled back and counted as a retry, not a commit.
 *
 * `--profile DIR` runs the coordinator and shard processes with `node --cpu-prof`;
 * their profiles are written to DIR when they stop (use `--cells isola-cross` to
 * profile that cell alone; bench/profile-top.ts summarises a profile).
 */
import { type ChildProcess, spawn } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { performance } from 'node:perf_hooks'
import { fileURLToPath } from 'node:url'
import pg from 'pg'
import { freePort, startPostgres, type BenchPostgres } from './postgres.js'

const arg = (name: string, dflt: string): string => {
  const i = process.argv.indexOf(`--${name}`)
  return i >= 0 ? process.argv[i + 1]! : dflt
}
const SECONDS = Number(arg('seconds', '8'))
const CLIENTS = arg('clients', '1,8').split(',').map(Number)
const ROUNDS = Number(arg('rounds', '1'))
const ACCOUNTS = Number(arg('accounts', '1000'))
/** Seconds of every cell run once, unmeasured, before the first round (JIT, caches, connection pools). */
const WARMUP = Number(arg('warmup', '2'))
const PROFILE = arg('profile', '')
const DEFAULT_CELLS = ['pg-single', 'pg-cross', 'isola-single', 'isola-cross', 'isola-coord-s0', 'isola-direct'] as const
/** isola-coord-s1: single-shard transfers on shard 1 through the coordinator (a diagnostic, not run by default). */
const ALL_CELLS = [...DEFAULT_CELLS, 'isola-coord-s1'] as const
type CellName = (typeof ALL_CELLS)[number]
const CELLS = arg('cells', DEFAULT_CELLS.join(','))
  .split(',')
  .filter((c): c is CellName => (ALL_CELLS as readonly string[]).includes(c))
const START_MS = 60_000
const STOP_MS = 30_000
const RETRYABLE = new Set(['40001', '40P01'])

const here = path.dirname(fileURLToPath(import.meta.url))

// ── processes ─────────────────────────────────────────────────────────────────

interface Proc {
  readonly port: number
  readonly pid: number
  stop(): Promise<void>
}

/** Starts a node script of this build and waits for its `ready on postgresql://…` line. */
async function startNode(name: string, script: string, args: readonly string[], port: number): Promise<Proc> {
  const flags = PROFILE === '' ? [] : ['--cpu-prof', '--cpu-prof-dir', PROFILE, '--cpu-prof-name', `${name}.cpuprofile`]
  const child: ChildProcess = spawn(process.execPath, [...flags, script, ...args], { stdio: ['ignore', 'pipe', 'pipe'] })
  let output = ''
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${name} did not print its ready line within ${START_MS} ms:\n${output}`)), START_MS)
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString()
      if (output.includes(`ready on postgresql://postgres@127.0.0.1:${port}/postgres`)) {
        clearTimeout(timer)
        resolve()
      }
    })
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()))
    void exited.then((code) => {
      clearTimeout(timer)
      reject(new Error(`${name} exited (${code}) before it was ready:\n${output}`))
    })
  })
  child.stdout!.resume()
  child.stderr!.resume()
  return {
    port,
    pid: child.pid!,
    stop: async () => {
      if (child.exitCode !== null) return
      child.kill('SIGINT')
      const timer = setTimeout(() => child.kill('SIGKILL'), STOP_MS)
      const code = await exited
      clearTimeout(timer)
      if (code !== 0) console.log(`${name} exited with ${code} after SIGINT:\n${output.split('\n').slice(-10).join('\n')}`)
    },
  }
}

interface IsolaCluster {
  readonly coordinator: Proc
  readonly shards: readonly Proc[]
}

async function startIsola(dir: string, stack: (() => Promise<void>)[]): Promise<IsolaCluster> {
  const cli = path.join(here, '..', 'server', 'cli.js')
  const shards: Proc[] = []
  for (let i = 0; i < 2; i++) {
    const port = await freePort()
    const p = await startNode(`shard${i}`, cli, ['shard', '--port', String(port), '--data', path.join(dir, `shard${i}`), '--log-level', 'warn'], port)
    stack.push(p.stop)
    shards.push(p)
  }
  const port = await freePort()
  const coordinator = await startNode('coordinator', cli, ['coordinator', '--port', String(port), '--data', path.join(dir, 'coordinator'), '--log-level', 'warn', ...shards.flatMap((s) => ['--shard', `127.0.0.1:${s.port}`])], port)
  // The coordinator stops first: its phase twos finish against live shards.
  stack.push(coordinator.stop)
  return { coordinator, shards }
}

const connect = async (port: number): Promise<pg.Client> => {
  const c = new pg.Client({ host: '127.0.0.1', port, user: 'postgres', database: 'postgres' })
  // A connection that breaks fails its queries; the error event must not end the benchmark.
  c.on('error', () => undefined)
  await c.connect()
  return c
}

// ── schema and accounts ───────────────────────────────────────────────────────

const SCHEMA = ['CREATE TABLE accounts (id int PRIMARY KEY, balance bigint NOT NULL)', 'CREATE TABLE history (aid int, seq bigint, delta int NOT NULL, PRIMARY KEY (aid, seq))']
const INITIAL = 1_000_000

async function insertAccounts(c: pg.Client, ids: readonly number[]): Promise<void> {
  for (let i = 0; i < ids.length; i += 500) {
    await c.query(`INSERT INTO accounts VALUES ${ids.slice(i, i + 500).map((id) => `(${id}, ${INITIAL})`).join(', ')}`)
  }
}

/** Account ids per shard, for each system's cells. */
interface Placement {
  /** The coordinator cells' accounts on each shard. */
  readonly shards: readonly (readonly number[])[]
  /** isola-direct's accounts on shard 0 (untouched by the coordinator's cells). */
  readonly direct: readonly number[]
}

async function setUpPostgres(pgs: readonly BenchPostgres[]): Promise<Placement> {
  const shards: number[][] = []
  for (let s = 0; s < 2; s++) {
    const c = await connect(pgs[s]!.port)
    for (const ddl of SCHEMA) await c.query(ddl)
    const ids = Array.from({ length: ACCOUNTS }, (_, i) => s * ACCOUNTS + i + 1)
    await insertAccounts(c, ids)
    await c.query('VACUUM ANALYZE')
    await c.end()
    shards.push(ids)
  }
  return { shards, direct: [] }
}

/** Creates the tables through the coordinator, inserts accounts, then asks each shard which it got. */
async function setUpIsola(cluster: IsolaCluster): Promise<Placement> {
  const c = await connect(cluster.coordinator.port)
  for (const ddl of SCHEMA) await c.query(ddl)
  // Hash placement: about 1.5x ACCOUNTS land on each shard; shard 0's are split in two
  // halves, the coordinator cells' and isola-direct's (so those get about 0.75x each).
  await insertAccounts(c, Array.from({ length: 3 * ACCOUNTS }, (_, i) => i + 1))
  await c.end()
  const onShard: number[][] = []
  for (const s of cluster.shards) {
    const d = await connect(s.port)
    const r = await d.query<{ id: number }>('SELECT id FROM accounts ORDER BY id')
    onShard.push(r.rows.map((row) => Number(row.id)))
    await d.end()
  }
  const [s0, s1] = onShard as [number[], number[]]
  if (s0.length < 4 || s1.length < 2) throw new Error(`too few accounts on a shard for transfers: ${s0.length} and ${s1.length}`)
  const half = Math.min(ACCOUNTS, Math.floor(s0.length / 2))
  return { shards: [s0.slice(0, half), s1.slice(0, Math.min(ACCOUNTS, s1.length))], direct: s0.slice(half, 2 * half) }
}

// ── transfers ─────────────────────────────────────────────────────────────────

const pick = <T>(xs: readonly T[]): T => xs[Math.floor(Math.random() * xs.length)]!

/** Two distinct accounts of one list, in lock order. */
function twoOf(ids: readonly number[]): [number, number] {
  const a = pick(ids)
  let b = pick(ids)
  while (b === a) b = pick(ids)
  return a < b ? [a, b] : [b, a]
}

const transferSql = (a: number, b: number, d: number, seq: number): string[] => [
  `UPDATE accounts SET balance = balance - ${d} WHERE id = ${a}`,
  `UPDATE accounts SET balance = balance + ${d} WHERE id = ${b}`,
  `INSERT INTO history VALUES (${a}, ${seq}, ${d})`,
]

/** One client's connections and its next transfer. */
interface Client {
  transfer(seq: number): Promise<void>
  close(): Promise<void>
}

/** A transfer on one server in one block (Isola through the coordinator or direct, or one PostgreSQL). */
function oneServerClient(c: pg.Client, accounts: () => readonly number[]): Client {
  return {
    async transfer(seq) {
      const [a, b] = twoOf(accounts())
      await c.query('BEGIN')
      try {
        for (const sql of transferSql(a, b, 1 + Math.floor(Math.random() * 100), seq)) await c.query(sql)
        await c.query('COMMIT')
      } catch (e) {
        await c.query('ROLLBACK').catch(() => undefined)
        throw e
      }
    },
    close: () => c.end(),
  }
}

/**
 * PostgreSQL's cross-shard transfer with a client-side coordinator: the debit and
 * its history row on instance 0, the credit on instance 1, then PREPARE TRANSACTION
 * on both at once and COMMIT PREPARED on both at once.
 */
function pgCrossClient(c0: pg.Client, c1: pg.Client, p: Placement, id: number): Client {
  return {
    async transfer(seq) {
      const a = pick(p.shards[0]!)
      const b = pick(p.shards[1]!)
      const [debit, credit, history] = transferSql(a, b, 1 + Math.floor(Math.random() * 100), seq)
      const gid = `bench_${id}_${seq}`
      let prepared = false
      try {
        await c0.query('BEGIN')
        await c0.query(debit!)
        await c1.query('BEGIN')
        await c1.query(credit!)
        await c0.query(history!)
        await Promise.all([c0.query(`PREPARE TRANSACTION '${gid}'`), c1.query(`PREPARE TRANSACTION '${gid}'`)])
        prepared = true
        await Promise.all([c0.query(`COMMIT PREPARED '${gid}'`), c1.query(`COMMIT PREPARED '${gid}'`)])
      } catch (e) {
        if (prepared) throw e
        // Roll back what is open, and what a half-done PREPARE left prepared.
        for (const c of [c0, c1]) {
          await c.query('ROLLBACK').catch(() => undefined)
          await c.query(`ROLLBACK PREPARED '${gid}'`).catch(() => undefined)
        }
        throw e
      }
    },
    close: async () => {
      await c0.end()
      await c1.end()
    },
  }
}

/**
 * CPU time (user + system, ms) a process has used so far, from /proc (undefined
 * elsewhere). Per committed transfer it is the figure that a machine shared with
 * other work disturbs least: throughput on 2 busy cores swings, CPU per transfer
 * much less.
 */
function cpuMs(pid: number): number | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8')
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS
  } catch {
    return undefined
  }
}
/** USER_HZ: 100 on Linux (getconf CLK_TCK). */
const CLOCK_TICKS = 100

interface Measured {
  readonly committed: number
  readonly retries: number
  readonly errors: string[]
  readonly latenciesMs: number[]
  /** Isola cells: CPU ms per committed transfer of the coordinator and of the shards together. */
  cpu?: { coordinator: number; shards: number }
  readonly seconds: number
}

async function measure(clients: readonly Client[], seconds = SECONDS): Promise<Measured> {
  const latenciesMs: number[] = []
  const errors: string[] = []
  let retries = 0
  let seq = Date.now() * 1000
  const t0 = performance.now()
  const end = t0 + seconds * 1000
  await Promise.all(
    clients.map(async (client) => {
      while (performance.now() < end) {
        const start = performance.now()
        try {
          await client.transfer(++seq)
          latenciesMs.push(performance.now() - start)
        } catch (e) {
          const code = (e as { code?: string }).code
          if (code !== undefined && RETRYABLE.has(code)) retries++
          else {
            errors.push(`${code ?? ''} ${(e as Error).message}`)
            if (errors.length > 100) return
          }
        }
      }
    }),
  )
  return { committed: latenciesMs.length, retries, errors, latenciesMs, seconds: (performance.now() - t0) / 1000 }
}

// ── cells ─────────────────────────────────────────────────────────────────────

interface Systems {
  readonly pgs?: readonly BenchPostgres[]
  readonly pgPlacement?: Placement
  readonly isola?: IsolaCluster
  readonly isolaPlacement?: Placement
}

async function clientsFor(cell: CellName, n: number, s: Systems): Promise<Client[]> {
  const out: Client[] = []
  for (let i = 0; i < n; i++) {
    switch (cell) {
      case 'pg-single': {
        // Each transfer on one instance, chosen at random.
        const single = [0, 1].map((k) => connect(s.pgs![k]!.port).then((c) => oneServerClient(c, () => s.pgPlacement!.shards[k]!)))
        const [c0, c1] = await Promise.all(single)
        out.push({ transfer: (seq) => (Math.random() < 0.5 ? c0! : c1!).transfer(seq), close: async () => void (await Promise.all([c0!.close(), c1!.close()])) })
        break
      }
      case 'pg-cross':
        out.push(pgCrossClient(await connect(s.pgs![0]!.port), await connect(s.pgs![1]!.port), s.pgPlacement!, i))
        break
      case 'isola-single':
        out.push(oneServerClient(await connect(s.isola!.coordinator.port), () => pick(s.isolaPlacement!.shards)))
        break
      case 'isola-cross': {
        const p = s.isolaPlacement!
        const c = await connect(s.isola!.coordinator.port)
        // twoOf over [a, b] keeps lock order by id; the two are on different shards.
        out.push(oneServerClient(c, () => [pick(p.shards[0]!), pick(p.shards[1]!)]))
        break
      }
      case 'isola-coord-s0':
        out.push(oneServerClient(await connect(s.isola!.coordinator.port), () => s.isolaPlacement!.shards[0]!))
        break
      case 'isola-coord-s1':
        out.push(oneServerClient(await connect(s.isola!.coordinator.port), () => s.isolaPlacement!.shards[1]!))
        break
      case 'isola-direct':
        out.push(oneServerClient(await connect(s.isola!.shards[0]!.port), () => s.isolaPlacement!.direct))
        break
    }
  }
  return out
}

interface Result {
  readonly cell: CellName
  readonly clients: number
  readonly runs: Measured[]
}

const quantile = (sorted: readonly number[], q: number): number => (sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!)
const tpsOf = (r: Result): number => r.runs.reduce((a, m) => a + m.committed / m.seconds, 0) / r.runs.length
const latencies = (r: Result): number[] => r.runs.flatMap((m) => m.latenciesMs).sort((a, b) => a - b)

/** Mean CPU ms per transfer over a cell's runs, as a column. */
const cpuCol = (r: Result, which: 'coordinator' | 'shards', width: number): string => {
  const xs = r.runs.flatMap((m) => (m.cpu === undefined ? [] : [m.cpu[which]]))
  return (xs.length === 0 ? '-' : `${(xs.reduce((a, b) => a + b, 0) / xs.length).toFixed(2)} ms`).padStart(width)
}

function printTable(results: readonly Result[]): void {
  const head = `${'cell'.padEnd(16)}${'clients'.padStart(8)}${'tps'.padStart(9)}${'p50 ms'.padStart(9)}${'p99 ms'.padStart(9)}${'retries'.padStart(9)}${'errors'.padStart(8)}${'coord cpu/txn'.padStart(15)}${'shards cpu/txn'.padStart(16)}`
  console.log(`\n${head}\n${'-'.repeat(head.length)}`)
  for (const r of results) {
    const l = latencies(r)
    const retries = r.runs.reduce((a, m) => a + m.retries, 0)
    const errors = r.runs.reduce((a, m) => a + m.errors.length, 0)
    console.log(`${r.cell.padEnd(16)}${String(r.clients).padStart(8)}${tpsOf(r).toFixed(0).padStart(9)}${quantile(l, 0.5).toFixed(2).padStart(9)}${quantile(l, 0.99).toFixed(2).padStart(9)}${String(retries).padStart(9)}${String(errors).padStart(8)}${cpuCol(r, 'coordinator', 15)}${cpuCol(r, 'shards', 16)}`)
  }
  const tps = (cell: CellName, clients: number): number | undefined => {
    const r = results.find((x) => x.cell === cell && x.clients === clients)
    return r === undefined ? undefined : tpsOf(r)
  }
  const ratio = (a: number | undefined, b: number | undefined): string => (a === undefined || b === undefined ? '     -' : `${(a / b).toFixed(2)}x`.padStart(6))
  console.log(`\n${'ratio'.padEnd(44)}${'clients'.padStart(8)}${'measured'.padStart(10)}  target`)
  for (const clients of CLIENTS) {
    const rows: [string, string, string][] = [
      ['PostgreSQL cross / single', ratio(tps('pg-cross', clients), tps('pg-single', clients)), '(issue: 0.35-0.4x)'],
      ['Isola cross / single', ratio(tps('isola-cross', clients), tps('isola-single', clients)), '>= 0.6x'],
      ['Isola cross / PostgreSQL cross', ratio(tps('isola-cross', clients), tps('pg-cross', clients)), '> 1x'],
      ['Isola single: through coordinator / direct', ratio(tps('isola-coord-s0', clients), tps('isola-direct', clients)), '>= 0.9x'],
    ]
    for (const [name, v, target] of rows) console.log(`${name.padEnd(44)}${String(clients).padStart(8)}${v.padStart(10)}  ${target}`)
  }
  for (const r of results) {
    const errs = r.runs.flatMap((m) => m.errors)
    if (errs.length > 0) console.log(`  ${r.cell}, ${r.clients} clients: ${errs.length} errors, first: ${errs[0]}`)
  }
}

async function main(): Promise<void> {
  console.log(`cross-shard benchmark: ${SECONDS} s per cell, clients ${CLIENTS.join(',')}, ${ROUNDS} round(s), ${WARMUP} s warm-up, ${ACCOUNTS} accounts per shard, cells ${CELLS.join(',')}, node ${process.version}, ${os.cpus().length} cpus`)
  console.log('topology: PostgreSQL = 2 instances + client-side 2PC; Isola = `isola coordinator` process + 2 `isola shard` processes over loopback; all durable (fsync)')
  if (PROFILE !== '') fs.mkdirSync(PROFILE, { recursive: true })
  const stack: (() => Promise<void>)[] = []
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'isola-bench-cross-'))
  try {
    const systems: { -readonly [K in keyof Systems]: Systems[K] } = {}
    if (CELLS.some((c) => c.startsWith('pg-'))) {
      const pgs: BenchPostgres[] = []
      for (let i = 0; i < 2; i++) {
        const p = await startPostgres({ max_prepared_transactions: 100 })
        stack.push(p.stop)
        pgs.push(p)
      }
      systems.pgs = pgs
      systems.pgPlacement = await setUpPostgres(pgs)
      console.log(`postgres on ports ${pgs.map((p) => p.port).join(', ')}`)
    }
    if (CELLS.some((c) => c.startsWith('isola-'))) {
      systems.isola = await startIsola(dir, stack)
      systems.isolaPlacement = await setUpIsola(systems.isola)
      const p = systems.isolaPlacement
      console.log(`isola: coordinator on ${systems.isola.coordinator.port}, shards on ${systems.isola.shards.map((s) => s.port).join(', ')}; accounts ${p.shards.map((s) => s.length).join(' + ')} (+ ${p.direct.length} for isola-direct)`)
    }
    for (const cell of CELLS) {
      const cs = await clientsFor(cell, Math.max(...CLIENTS), systems)
      await measure(cs, WARMUP)
      await Promise.all(cs.map((c) => c.close()))
    }
    const results: Result[] = []
    for (let round = 0; round < ROUNDS; round++) {
      for (const clients of CLIENTS) {
        for (const cell of CELLS) {
          const cs = await clientsFor(cell, clients, systems)
          const procs = cell.startsWith('isola-') ? [systems.isola!.coordinator, ...systems.isola!.shards] : []
          const before = procs.map((p) => cpuMs(p.pid))
          const m = await measure(cs)
          const used = procs.map((p, k) => (cpuMs(p.pid) ?? NaN) - (before[k] ?? NaN))
          if (procs.length > 0 && m.committed > 0) m.cpu = { coordinator: used[0]! / m.committed, shards: (used[1]! + used[2]!) / m.committed }
          await Promise.all(cs.map((c) => c.close()))
          let r = results.find((x) => x.cell === cell && x.clients === clients)
          if (r === undefined) results.push((r = { cell, clients, runs: [] }))
          r.runs.push(m)
          const l = [...m.latenciesMs].sort((a, b) => a - b)
          console.log(`  ${cell.padEnd(15)} ${String(clients).padStart(2)} clients: ${(m.committed / m.seconds).toFixed(0).padStart(6)} tps  p50 ${quantile(l, 0.5).toFixed(2)} ms  p99 ${quantile(l, 0.99).toFixed(2)} ms  retries ${m.retries}  errors ${m.errors.length}${m.cpu === undefined ? '' : `  cpu/txn: coordinator ${m.cpu.coordinator.toFixed(2)} ms, shards ${m.cpu.shards.toFixed(2)} ms`}`)
        }
      }
    }
    printTable(results)
  } finally {
    for (const stop of stack.reverse()) await stop().catch((e: unknown) => console.log(`stopping: ${(e as Error).message}`))
    fs.rmSync(dir, { recursive: true, force: true })
  }
}

await main()
