/**
 * Chaos: kill -9 of the coordinator and of a shard at random moments during the bank
 * test, with every piece its own process: three `isola shard` processes and a
 * coordinator over them (chaos-worker.ts, openRemoteCluster) running concurrent
 * cross-shard transfers and REPEATABLE READ / SERIALIZABLE audits.
 *
 * Rounds, in a seeded order (CHAOS_SEED replays one):
 *   coordinator  SIGKILL the coordinator at a random moment; start a new one on the
 *                same decision log (its recovery runs); before it runs anything, check
 *   shard        SIGKILL a random shard at a random moment, keep the workload running
 *                through a random outage, restart the shard on its directory and port,
 *                run on; then stop the workload and check, while the coordinator that
 *                lived through it is still up (it alone must resolve what the shard
 *                held: no new coordinator's recovery helps)
 *   both         SIGKILL a random shard, then, while it is away, the coordinator; the
 *                new coordinator must open without the shard and the workload must
 *                get transfers through on the others; then the shard comes back, and
 *                the check is made as for `shard`
 *
 * The check, read straight from each shard (psql-style, nothing running) and from the
 * decision log: no prepared transaction and no decision is left (for a shard kill,
 * within seconds of its return); every transaction's marks are on all the shards it
 * touched or on none; every acknowledged transfer is there; the total is exact.
 * Every audit the workload
 * finished saw the exact total, and a transaction failed only with a code its fault
 * explains. The schedule (round order, which shard, every wait) comes from the seed;
 * the processes' own timing does not, so a replay takes the same decisions, not
 * necessarily the same interleaving. CHAOS_TRACE=1 prints a timeline on stderr.
 * Needs `npm run build`.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import Sqlite from 'better-sqlite3'
import pg from 'pg'
import { afterEach, describe, expect, it } from 'vitest'
import { Rng } from '../helpers/random.js'

const CLI = path.resolve('dist/server/cli.js')
const GUARD = path.resolve('dist/test/coordinator/chaos-orphan-guard.js')
const WORKER = path.resolve('dist/test/coordinator/chaos-worker.js')
const SHARDS = 3
const TOTAL = 30 * 100
const seed = Number(process.env.CHAOS_SEED ?? Date.now() % 100000)

/** Failures a round's fault explains: 40001 always (transfers collide); a shard away: its connection lost, or its shutdown. */
const ALWAYS = new Set(['40001'])
const SHARD_AWAY = new Set(['40001', '08006', '57P01'])

/** A child process whose stdout is read by lines. */
class Proc {
  readonly lines: string[] = []
  stderr = ''
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>
  private waiters: (() => void)[] = []

  constructor(readonly child: ChildProcessWithoutNullStreams) {
    let partial = ''
    child.stdout.on('data', (d: Buffer) => {
      partial += d.toString()
      const parts = partial.split('\n')
      partial = parts.pop()!
      this.lines.push(...parts)
      for (const w of this.waiters.splice(0)) w()
    })
    child.stderr.on('data', (d: Buffer) => (this.stderr += d.toString()))
    this.exited = new Promise((resolve) => child.on('exit', (code, signal) => {
      resolve({ code, signal })
      for (const w of this.waiters.splice(0)) w()
    }))
  }

  get alive(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null
  }

  /** Resolves with the first line from index `from` on that matches, or fails after `ms` (or when the process ends). */
  async waitFor(re: RegExp, ms: number, from = 0): Promise<RegExpExecArray> {
    const deadline = Date.now() + ms
    for (;;) {
      for (let i = from; i < this.lines.length; i++) {
        const m = re.exec(this.lines[i]!)
        if (m !== null) return m
      }
      if (!this.alive) throw new Error(`process ended (${this.child.exitCode ?? this.child.signalCode}) before ${re}: ${this.stderr}`)
      const left = deadline - Date.now()
      if (left <= 0) throw new Error(`no ${re} within ${ms} ms: ${this.stderr}`)
      await new Promise<void>((r) => {
        const timer = setTimeout(r, left)
        this.waiters.push(() => (clearTimeout(timer), r()))
      })
    }
  }

  async kill(): Promise<void> {
    if (this.alive) this.child.kill('SIGKILL')
    await this.exited
  }

  send(line: string): void {
    this.child.stdin.write(`${line}\n`)
  }
}

let procs: Proc[] = []
let dirs: string[] = []

afterEach(async () => {
  await Promise.all(procs.map((p) => p.kill()))
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true })
  procs = []
  dirs = []
})

function start(args: readonly string[]): Proc {
  const p = new Proc(spawn(process.execPath, args, { stdio: ['pipe', 'pipe', 'pipe'] }))
  procs.push(p)
  return p
}

/** `isola shard` on DIR (port 0: a free one); resolves with its port once it serves. */
async function startShard(dir: string, port = 0): Promise<{ proc: Proc; port: number }> {
  const proc = start(['--import', GUARD, CLI, 'shard', '--data', dir, '--port', String(port), '--log-level', 'warn'])
  const m = await proc.waitFor(/^ready on postgresql:\/\/\S+:(\d+)\/\S*$/, 20_000)
  return { proc, port: Number(m[1]) }
}

/** A coordinator process over the shards; resolves once its recovery has finished. */
async function startCoordinator(dir: string, generation: number, ports: readonly number[], setup = false): Promise<Proc> {
  const proc = start([WORKER, dir, String(seed), String(generation), ...(setup ? ['--setup'] : []), ...ports.map(String)])
  await proc.waitFor(/^recovered$/, 20_000).catch((e: unknown) => {
    throw new Error(`the coordinator did not open (its recovery did not finish): ${String(e)}`)
  })
  return proc
}

interface ShardState {
  readonly prepared: string[]
  readonly sum: number
  readonly marks: [number, string][]
}

/** A psql-style client of a shard (no coordinator identity), for one piece of work. */
async function withShard<T>(port: number, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ host: '127.0.0.1', port, user: 'postgres', database: 'postgres' })
  client.on('error', () => undefined) // a shard killed under it: the query fails, which is enough
  await client.connect()
  try {
    return await work(client)
  } finally {
    await client.end().catch(() => undefined)
  }
}

/** The gids a shard holds prepared (a read that never waits on them). */
function preparedOn(port: number): Promise<string[]> {
  return withShard(port, async (client) => (await client.query('SELECT gid FROM isola_prepared_xacts ORDER BY gid')).rows.map((r: { gid: string }) => r.gid))
}

/** One shard's state, read as an operator would, once nothing runs (a read of rows waits on prepared versions: look at those first). */
async function readShard(port: number): Promise<ShardState> {
  const prepared = await preparedOn(port)
  if (prepared.length > 0) return { prepared, sum: Number.NaN, marks: [] }
  return withShard(port, async (client) => {
    const sum = Number((await client.query('SELECT coalesce(sum(balance), 0) AS s FROM accounts')).rows[0].s)
    const marks = (await client.query('SELECT id, shards FROM marks')).rows.map((r: { id: number; shards: string }): [number, string] => [Number(r.id), r.shards])
    return { prepared, sum, marks }
  })
}

/** Polls the shards until none holds a prepared transaction, for `ms` at most; the shards' states then. */
async function settledShards(ports: readonly number[], ms: number): Promise<ShardState[]> {
  const deadline = Date.now() + ms
  for (;;) {
    const states = await Promise.all(ports.map(readShard))
    if (states.every((s) => s.prepared.length === 0) || Date.now() > deadline) return states
    await new Promise((r) => setTimeout(r, 100))
  }
}

/** The decisions the coordinator's log still holds (read beside the running coordinator, as an operator would). */
/**
 * The decisions the coordinator's log file still holds, read from outside the
 * process: a forget is written with the next batch or FORGET_DELAY_MS later
 * (decision-log.ts), so the file is given a moment (2 s at most) to catch up.
 */
async function decisionsLeft(dir: string): Promise<string[]> {
  const deadline = Date.now() + 2000
  for (;;) {
    const db = new Sqlite(path.join(dir, 'coordinator', 'decisions.sqlite'), { readonly: true })
    let left: string[]
    try {
      left = (db.prepare('SELECT gid FROM decisions ORDER BY gid').all() as { gid: string }[]).map((r) => r.gid)
    } finally {
      db.close()
    }
    if (left.length === 0 || Date.now() > deadline) return left
    await new Promise((r) => setTimeout(r, 50))
  }
}

/** Atomic marks, every acknowledged one there, the exact total; how many marks there are. */
function checkStates(states: readonly ShardState[], acked: ReadonlySet<number>, round: string): number {
  expect(states.map((s) => s.prepared), `${round}: prepared transactions left`).toEqual(states.map(() => []))
  const on = new Map<number, { shards: string; on: number[] }>()
  states.forEach((s, shard) => {
    for (const [id, shards] of s.marks) {
      const m = on.get(id) ?? { shards, on: [] }
      m.on.push(shard)
      on.set(id, m)
    }
  })
  const torn = [...on].filter(([, m]) => m.on.join(',') !== m.shards).map(([id, m]) => `${id}: on ${m.on.join(',')} of ${m.shards}`)
  expect(torn, `${round}: transactions on some of their shards only`).toEqual([])
  const lost = [...acked].filter((id) => !on.has(id))
  expect(lost, `${round}: acknowledged transfers lost`).toEqual([])
  expect(states.reduce((t, s) => t + s.sum, 0), `${round}: the bank's total`).toBe(TOTAL)
  return on.size
}

/** What a coordinator printed from line `from` on: acks, audit totals, failure codes. */
function outcomes(c: Proc, from: number): { acks: number[]; audits: number[]; fails: string[] } {
  const lines = c.lines.slice(from)
  const pick = (prefix: string): string[] => lines.filter((l) => l.startsWith(prefix)).map((l) => l.slice(prefix.length))
  return { acks: pick('ack ').map(Number), audits: pick('audit ').map(Number), fails: pick('fail ') }
}

/**
 * Waits for the coordinator's `stopped`; when it does not come, says what it is stuck
 * on: its last lines and what each shard holds prepared.
 */
async function stopped(c: Proc, from: number, ports: readonly number[], round: string): Promise<void> {
  try {
    await c.waitFor(/^stopped$/, 15_000, from)
  } catch (e) {
    const held = await Promise.all(ports.map((p) => preparedOn(p).catch((x: unknown) => String(x))))
    throw new Error(`${round}: the workload did not stop (${String(e)}); prepared on each shard: ${JSON.stringify(held)}; last lines: ${c.lines.slice(-8).join(' | ')}`)
  }
}

const t0 = Date.now()
const trace = (what: string): void => void (process.env.CHAOS_TRACE && console.error(`${Date.now() - t0} ms: ${what}`))

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))

describe(`chaos: kill -9 of the coordinator and of shards during the bank test (CHAOS_SEED=${seed})`, () => {
  it('after every kill and restart: atomic, every acknowledged transfer there, nothing prepared left, the total exact', async () => {
    const rng = new Rng(seed)
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'isola-chaos-'))
    dirs.push(dir)
    const shardDir = (i: number): string => path.join(dir, `s${i}`)
    const shards = await Promise.all(Array.from({ length: SHARDS }, (_, i) => startShard(shardDir(i))))
    const ports = shards.map((s) => s.port)
    let generation = 1
    let coordinator = await startCoordinator(dir, generation, ports, true)
    const acked = new Set<number>()
    const rounds = rng.shuffle(['coordinator', 'coordinator', 'shard', 'shard', 'both', 'both'] as const)
    const stats = { audits: 0, acks: 0, fails: new Map<string, number>(), marks: 0 }
    /** What coordinator `c` printed from line `from` on, judged: every audit exact, every failure explained by the fault; its acks recorded. */
    const judge = (c: Proc, from: number, explained: ReadonlySet<string>, round: string): number => {
      const o = outcomes(c, from)
      for (const a of o.acks) acked.add(a)
      expect(o.audits.filter((t) => t !== TOTAL), `${round}: audits that saw a wrong total`).toEqual([])
      expect(o.fails.filter((f) => !explained.has(f)), `${round}: failures the fault does not explain`).toEqual([])
      stats.audits += o.audits.length
      stats.acks += o.acks.length
      for (const f of o.fails) stats.fails.set(f, (stats.fails.get(f) ?? 0) + 1)
      trace(`${round}: ${o.acks.length} acks, ${o.audits.length} audits, ${o.fails.length} failures`)
      return o.acks.length
    }
    /** Once the workload is under way (a cold process is slow to start), a random moment later. */
    const underWay = async (c: Proc, from: number, what: string): Promise<void> => {
      await c.waitFor(/^ack /, 15_000, from).catch((e: unknown) => {
        throw new Error(`${what}: no transfer acknowledged: ${String(e)}`)
      })
      await sleep(rng.below(400))
    }
    /** Restarts shard k on its directory and port, lets the workload run on, stops it (which needs what the shard held to be resolved). */
    const shardBack = async (k: number, from: number, round: string): Promise<void> => {
      shards[k] = await startShard(shardDir(k), ports[k])
      trace(`shard ${k} back`)
      await sleep(200 + rng.below(300))
      coordinator.send('stop')
      await stopped(coordinator, from, ports, round)
    }

    for (const [n, kind] of rounds.entries()) {
      const round = `round ${n} (${kind})`
      trace(`${round} begins`)
      const from = coordinator.lines.length
      coordinator.send('go')
      await underWay(coordinator, from, round)
      if (kind === 'coordinator') {
        await coordinator.kill()
        expect(coordinator.stderr, round).toBe('')
        expect(judge(coordinator, from, ALWAYS, round), `${round}: transfers acknowledged`).toBeGreaterThan(0)
        coordinator = await startCoordinator(dir, ++generation, ports)
        stats.marks = checkStates(await Promise.all(ports.map(readShard)), acked, `${round}, after recovery`)
        expect(await decisionsLeft(dir), `${round}: decisions left after recovery`).toEqual([])
        continue
      }
      const k = rng.below(SHARDS)
      await shards[k]!.proc.kill()
      trace(`shard ${k} killed`)
      if (kind === 'shard') {
        await sleep(100 + rng.below(500))
        await shardBack(k, from, `${round}, shard ${k} killed`)
        expect(judge(coordinator, from, SHARD_AWAY, round), `${round}: transfers acknowledged`).toBeGreaterThan(0)
      } else {
        // The coordinator too, while the shard is away; the new one opens without it, and the other shards serve.
        await sleep(rng.below(300))
        await coordinator.kill()
        expect(coordinator.stderr, round).toBe('')
        judge(coordinator, from, SHARD_AWAY, `${round}, the first coordinator`)
        coordinator = await startCoordinator(dir, ++generation, ports)
        trace(`coordinator back without shard ${k}`)
        const again = coordinator.lines.length
        coordinator.send('go')
        await underWay(coordinator, again, `${round}, the new coordinator without shard ${k}`)
        await shardBack(k, again, `${round}, shard ${k} and the coordinator killed`)
        expect(judge(coordinator, again, SHARD_AWAY, `${round}, the new coordinator`), `${round}: transfers acknowledged`).toBeGreaterThan(0)
      }
      stats.marks = checkStates(await settledShards(ports, 5000), acked, `${round}, once the shard was back`)
      expect(await decisionsLeft(dir), `${round}: decisions left once the shard was back`).toEqual([])
    }

    // A last phase with nothing killed: all shards serve, and the total is still exact.
    const from = coordinator.lines.length
    coordinator.send('go')
    await sleep(300)
    coordinator.send('stop')
    await stopped(coordinator, from, ports, 'last phase')
    const last = outcomes(coordinator, from)
    expect(last.fails.filter((f) => !ALWAYS.has(f)), 'last phase: failures').toEqual([])
    expect(last.audits.filter((t) => t !== TOTAL)).toEqual([])
    expect(last.acks.length).toBeGreaterThan(0)
    for (const a of last.acks) acked.add(a)
    coordinator.send('exit')
    expect(await coordinator.exited).toEqual({ code: 0, signal: null })
    expect(coordinator.stderr).toBe('')
    stats.marks = checkStates(await Promise.all(ports.map(readShard)), acked, 'at the end')
    console.log(`chaos CHAOS_SEED=${seed}: rounds ${rounds.join(',')}; ${stats.acks + last.acks.length} acknowledged transfers, ${stats.marks} transactions found, ${stats.audits} audits, failures ${JSON.stringify(Object.fromEntries(stats.fails))}`)
  })
})
