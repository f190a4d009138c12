/**
 * pgbench against PostgreSQL 15 and Isola's wire-protocol server, on the same machine.
 *
 *   npm run bench:pgbench [-- --seconds 10 --scale 10 --clients 4,16 --only postgres|isola]
 *
 * Both servers run durable: PostgreSQL with fsync and synchronous_commit on (its
 * defaults, written out), Isola with its log fsynced at commit; each has a fresh
 * temp data directory on its own free port. Each gets `pgbench -i -s SCALE` (client-
 * side generation: COPY), then the matrix
 *
 *     clients (4, 16) × script (select-only, tpcb-like) × protocol (-M simple, -M prepared)
 *
 * Every cell runs each server twice for `seconds`, in the order PostgreSQL, Isola,
 * Isola, PostgreSQL, so that both meet the same machine (a shared 2-core VM drifts);
 * a server's TPS is the mean of its two runs. pgbench is left to do what it does by
 * default between runs (VACUUM of branches and tellers, TRUNCATE of the history), so
 * the tpcb-like runs start alike. `-j` is min(clients, cores): pgbench's threads share
 * the machine with the servers, as they would on one box.
 *
 * Isola is started as `node dist/server/cli.js start --port P --data DIR` and is ready
 * when it prints `ready on postgresql://…`; SIGINT stops it.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { freePort, run, startPostgres } from './postgres.js'

const arg = (name: string, dflt: string) => {
  const i = process.argv.indexOf(`--${name}`)
  return i >= 0 ? process.argv[i + 1]! : dflt
}
const SECONDS = Number(arg('seconds', '10'))
const SCALE = Number(arg('scale', '10'))
const CLIENTS = arg('clients', '4,16').split(',').map(Number)
const ONLY = arg('only', '')
const SCRIPTS = ['select-only', 'tpcb-like'] as const
const MODES = ['simple', 'prepared'] as const
/** How long Isola may take to print its ready line, and to exit after SIGINT. */
const ISOLA_START_MS = 60_000
const ISOLA_STOP_MS = 30_000

type System = 'postgres' | 'isola'

interface Server {
  readonly system: System
  readonly port: number
  stop(): Promise<void>
}

/** The pgbench binary: on PATH, else beside PostgreSQL's server binaries. */
function pgbenchPath(): string {
  for (const d of [...(process.env.PATH ?? '').split(path.delimiter), '/usr/lib/postgresql/15/bin']) {
    if (d !== '' && fs.existsSync(path.join(d, 'pgbench'))) return path.join(d, 'pgbench')
  }
  throw new Error('pgbench not found (apt-get install postgresql-client-15)')
}

async function startPostgresServer(): Promise<Server> {
  const pg = await startPostgres()
  return { system: 'postgres', port: pg.port, stop: pg.stop }
}

/** Starts Isola's server from this build (dist/server/cli.js) and waits for its ready line. */
async function startIsola(): Promise<Server> {
  const cli = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'server', 'cli.js')
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'isola-bench-pgbench-'))
  const port = await freePort()
  const child: ChildProcess = spawn(process.execPath, [cli, 'start', '--port', String(port), '--data', path.join(dir, 'data')], { stdio: ['ignore', 'pipe', 'pipe'] })
  let output = ''
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`isola did not print its ready line within ${ISOLA_START_MS} ms:\n${output}`)), ISOLA_START_MS)
    const onData = (chunk: Buffer) => {
      output += chunk.toString()
      if (output.includes(`ready on postgresql://postgres@127.0.0.1:${port}/postgres`)) {
        clearTimeout(timer)
        resolve()
      }
    }
    child.stdout!.on('data', onData)
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()))
    void exited.then((code) => {
      clearTimeout(timer)
      reject(new Error(`isola exited (${code}) before it was ready:\n${output}`))
    })
  })
  // Keep draining its output, or a chatty server would block on a full pipe.
  child.stdout!.resume()
  child.stderr!.resume()
  return {
    system: 'isola',
    port,
    stop: async () => {
      child.kill('SIGINT')
      const timer = setTimeout(() => child.kill('SIGKILL'), ISOLA_STOP_MS)
      const code = await exited
      clearTimeout(timer)
      if (code !== 0) console.log(`isola exited with ${code} after SIGINT`)
      fs.rmSync(dir, { recursive: true, force: true })
    },
  }
}

const pgbench = pgbenchPath()
const connection = (s: Server) => ['-h', '127.0.0.1', '-p', String(s.port), '-U', 'postgres']

/** `pgbench -i -s SCALE`; returns seconds taken. */
async function initialise(s: Server): Promise<number> {
  const t0 = Date.now()
  await run(pgbench, ['-i', '-s', String(SCALE), '-q', ...connection(s), 'postgres'])
  return (Date.now() - t0) / 1000
}

/** One pgbench run; its TPS, or the error's first lines. */
async function tps(s: Server, clients: number, script: string, mode: string): Promise<number | string> {
  const jobs = Math.min(clients, os.cpus().length)
  try {
    const out = await run(pgbench, ['-c', String(clients), '-j', String(jobs), '-T', String(SECONDS), '-b', script, '-M', mode, ...connection(s), 'postgres'])
    const m = /tps = ([\d.]+) \(without initial connection time\)/.exec(out)
    if (m === null) return `no tps in pgbench's output: ${out.split('\n').slice(-5).join(' | ')}`
    return Number(m[1])
  } catch (e) {
    return (e as Error).message.split('\n').filter((l) => l.trim() !== '').slice(0, 4).join(' | ')
  }
}

interface Cell {
  readonly clients: number
  readonly script: string
  readonly mode: string
  readonly runs: Partial<Record<System, (number | string)[]>>
}

const mean = (xs: readonly (number | string)[] | undefined): number | undefined => {
  const ns = (xs ?? []).filter((x): x is number => typeof x === 'number')
  return ns.length === 0 || ns.length !== xs!.length ? undefined : ns.reduce((a, b) => a + b, 0) / ns.length
}
const fmt = (n: number | undefined) => (n === undefined ? 'failed' : n.toFixed(0)).padStart(10)

function printTable(cells: readonly Cell[], systems: readonly System[]): void {
  const head = `${'clients'.padStart(7)}  ${'script'.padEnd(12)} ${'mode'.padEnd(9)}` + systems.map((s) => `${s.padStart(10)}`).join('') + (systems.length === 2 ? '  isola/postgres' : '')
  console.log(`\n${head}\n${'-'.repeat(head.length)}`)
  for (const c of cells) {
    const values = systems.map((s) => mean(c.runs[s]))
    const ratio = values.length === 2 && values[0] !== undefined && values[1] !== undefined ? `${(values[1] / values[0]).toFixed(2).padStart(14)}x` : ''
    console.log(`${String(c.clients).padStart(7)}  ${c.script.padEnd(12)} ${c.mode.padEnd(9)}` + values.map(fmt).join('') + (systems.length === 2 ? `  ${ratio}` : ''))
  }
  for (const c of cells) {
    for (const s of systems) for (const r of c.runs[s] ?? []) if (typeof r === 'string') console.log(`  ${s}, ${c.clients} clients ${c.script} -M ${c.mode}: ${r}`)
  }
}

async function main(): Promise<void> {
  const systems: System[] = ONLY === 'postgres' ? ['postgres'] : ONLY === 'isola' ? ['isola'] : ['postgres', 'isola']
  console.log(`pgbench benchmark: scale ${SCALE}, ${SECONDS} s per run, clients ${CLIENTS.join(',')}, systems ${systems.join(', ')}, node ${process.version}, ${os.cpus().length} cpus`)
  const servers: Server[] = []
  try {
    for (const system of systems) {
      const server = system === 'postgres' ? await startPostgresServer() : await startIsola()
      servers.push(server)
      console.log(`${system} on port ${server.port}: pgbench -i -s ${SCALE} took ${(await initialise(server)).toFixed(1)} s`)
    }
    const cells: Cell[] = []
    for (const clients of CLIENTS) {
      for (const script of SCRIPTS) {
        for (const mode of MODES) {
          const cell: Cell = { clients, script, mode, runs: {} }
          // A, B, B, A: each server once early and once late in the cell.
          const order = servers.length === 2 ? [servers[0]!, servers[1]!, servers[1]!, servers[0]!] : [servers[0]!, servers[0]!]
          for (const s of order) {
            const r = await tps(s, clients, script, mode)
            ;(cell.runs[s.system] ??= []).push(r)
            console.log(`  ${s.system.padEnd(8)} ${String(clients).padStart(2)} clients ${script.padEnd(11)} -M ${mode.padEnd(8)} ${typeof r === 'number' ? `${r.toFixed(0)} tps` : r}`)
          }
          cells.push(cell)
        }
      }
    }
    printTable(cells, systems)
  } finally {
    for (const s of servers) await s.stop().catch((e: unknown) => console.log(`stopping ${s.system}: ${(e as Error).message}`))
  }
}

await main()
