/**
 * The coordinator process of the chaos test (chaos.test.ts): a coordinator over
 * shard processes (`isola shard`), driven by lines on stdin, reporting on stdout.
 *
 *   node dist/test/coordinator/chaos-worker.js DIR SEED GENERATION [--setup] PORT…
 *
 * It opens the remote cluster (the coordinator's recovery runs then) and prints
 * `recovered`; `--setup` first creates the bank. Then, on stdin:
 *
 *   go     starts the bank workload: TRANSFER_WORKERS clients moving money between
 *          accounts (one, two or three shards, with a mark row on each shard touched)
 *          and AUDITORS clients summing every shard at REPEATABLE READ or SERIALIZABLE
 *   stop   stops starting transactions, waits for those running and for every phase
 *          two (Coordinator.settled), prints `stopped`
 *   exit   closes the coordinator and exits 0
 *
 * stdin closing without `exit` (the test process died) ends it at once, with 1.
 *
 * On stdout, as they happen: `ack <mark>` once a transfer's commit was acknowledged
 * (stdout to a pipe is synchronous on Linux: a printed ack survives a SIGKILL that
 * follows), `audit <total>` per finished audit, `fail <sqlstate>` per transaction
 * that failed (the test judges which codes a fault may explain). Mark ids carry the
 * generation and the phase (each `go`), so they never repeat across restarts.
 */
import readline from 'node:readline'
import { isIsolaError } from '../../common/errors.js'
import { asShardId, type ShardId } from '../../common/ids.js'
import type { DistributedTxn } from '../../coordinator/distributed-txn.js'
import { openRemoteCluster, type RemoteCluster } from '../../coordinator/remote-cluster.js'
import type { IsolationLevel } from '../../txn/index.js'
import { Rng } from '../helpers/random.js'

const SHARDS = 3
const ACCOUNTS = 30
const START = 100
const COORDINATOR_ID = 'chaos'
const TRANSFER_WORKERS = 4
const AUDITORS: readonly IsolationLevel[] = ['repeatable read', 'serializable']
const shardOf = (id: number): ShardId => asShardId(id % SHARDS)

const [dir, seedArg, generationArg, ...rest] = process.argv.slice(2)
const setup = rest[0] === '--setup'
const ports = rest.filter((a) => a !== '--setup').map(Number)
const seed = Number(seedArg)
const generation = Number(generationArg)

const say = (line: string): void => void process.stdout.write(`${line}\n`)
const codeOf = (e: unknown): string => (e instanceof Error && 'code' in e && typeof e.code === 'string' ? e.code : `untyped:${e instanceof Error ? e.message : String(e)}`)

const c = await openRemoteCluster({ dir: dir!, shards: ports.map((port) => ({ host: '127.0.0.1', port })), id: COORDINATOR_ID, maxConnections: 8 })
if (setup) await createBank(c)
say('recovered')

let running = false
let phase = 0
let work: Promise<void> = Promise.resolve()

for await (const line of readline.createInterface({ input: process.stdin })) {
  if (line === 'go' && !running) {
    running = true
    work = runWorkload(++phase)
  } else if (line === 'stop') {
    running = false
    await work
    await c.coordinator.settled()
    say('stopped')
  } else if (line === 'exit') {
    running = false
    await work
    await c.close()
    process.exit(0)
  }
}
// stdin closed without `exit`: the test is gone (killed itself); so is this process.
process.exit(1)

async function createBank(cluster: RemoteCluster): Promise<void> {
  const t = cluster.coordinator.begin()
  for (let s = 0; s < SHARDS; s++) {
    await t.execute(asShardId(s), 'CREATE TABLE accounts (id int PRIMARY KEY, balance int NOT NULL)')
    await t.execute(asShardId(s), 'CREATE TABLE marks (id int PRIMARY KEY, shards text NOT NULL)')
  }
  await t.commit()
  const fill = cluster.coordinator.begin()
  for (let id = 0; id < ACCOUNTS; id++) await fill.execute(shardOf(id), 'INSERT INTO accounts VALUES ($1, $2)', [id, START])
  await fill.commit()
  await cluster.coordinator.settled()
}

async function runWorkload(p: number): Promise<void> {
  await Promise.all([
    ...Array.from({ length: TRANSFER_WORKERS }, (_, w) => transfers(p, w)),
    ...AUDITORS.map((isolation, i) => audits(isolation, new Rng(seed * 977 + generation * 31 + p * 7 + i))),
  ])
}

/** One client's transfers; every attempt gets a fresh mark (an attempt whose outcome is unknown may be there or not, but whole). */
async function transfers(p: number, w: number): Promise<void> {
  const rng = new Rng(seed * 131 + generation * 17 + p * 5 + w)
  const base = (generation * 100 + p) * 100_000 + w * 10_000
  for (let n = 0; running && n < 10_000; n++) {
    const mark = base + n
    const t = c.coordinator.begin({ isolation: rng.chance(0.5) ? 'read committed' : 'repeatable read' })
    try {
      await transfer(t, rng, mark)
      await t.commit()
      say(`ack ${mark}`)
    } catch (e) {
      if (t.state === 'active' || t.state === 'failed') await t.rollback()
      say(`fail ${codeOf(e)}`)
      await backOff(e, rng)
    }
  }
}

/** As a client would: a moment after a conflict, longer while a shard is away (its processes need the CPU to come back). */
function backOff(e: unknown, rng: Rng): Promise<void> {
  return new Promise((r) => setTimeout(r, isIsolaError(e, 'serialization_failure') ? rng.below(3) : 20 + rng.below(40)))
}

/** Money between two accounts on the first two of `shards` (one shard: both there), and a mark on each shard touched. */
async function transfer(t: DistributedTxn, rng: Rng, mark: number): Promise<void> {
  const span = rng.chance(0.2) ? 1 : 2 + rng.below(2)
  const shards = rng.shuffle([0, 1, 2]).slice(0, span).sort().map(asShardId)
  const pick = (s: ShardId): number => s + SHARDS * rng.below(ACCOUNTS / SHARDS)
  let a = pick(shards[0]!)
  let b = pick(shards[1] ?? shards[0]!)
  if (a === b) b = (b + SHARDS) % ACCOUNTS
  // Rows locked in id order: the workload needs no distributed deadlock detection.
  if (a > b) [a, b] = [b, a]
  const amount = 1 + rng.below(9)
  await t.execute(shardOf(a), 'UPDATE accounts SET balance = balance - $2 WHERE id = $1', [a, amount])
  await t.execute(shardOf(b), 'UPDATE accounts SET balance = balance + $2 WHERE id = $1', [b, amount])
  for (const s of shards) await t.execute(s, 'INSERT INTO marks VALUES ($1, $2)', [mark, shards.join(',')])
}

/** Whole-bank sums in one transaction across every shard: each must be exact. */
async function audits(isolation: IsolationLevel, rng: Rng): Promise<void> {
  while (running) {
    const t = c.coordinator.begin({ isolation, readOnly: true })
    try {
      let total = 0
      for (const s of rng.shuffle([0, 1, 2])) total += Number((await t.execute(asShardId(s), 'SELECT coalesce(sum(balance), 0) FROM accounts')).rows[0]![0])
      await t.commit()
      say(`audit ${total}`)
    } catch (e) {
      if (t.state === 'active' || t.state === 'failed') await t.rollback()
      say(`fail ${codeOf(e)}`)
      await backOff(e, rng)
    }
    await new Promise((r) => setTimeout(r, rng.below(10)))
  }
}
