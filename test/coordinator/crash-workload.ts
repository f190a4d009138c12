/**
 * The workload of the coordinator crash tests, shared by the test (set-up and
 * checks, in-process) and the child process it kills (crash-worker.ts).
 *
 * Three shards on disk. `accounts` (ids spread by id % 3) holds a fixed total;
 * every transaction moves money between two accounts and inserts a row in `marks`
 * on every shard it touches, naming those shards, so that after a crash a mark found
 * on one shard proves the transaction must be on all of them. One transaction in
 * five stays on one shard (one-phase commit); the others span two or three.
 */
import { isIsolaError } from '../../common/errors.js'
import { asShardId, type ShardId } from '../../common/ids.js'
import { faultsFromEnv } from '../../coordinator/faults.js'
import { openLocalCluster, type LocalCluster } from '../../coordinator/local-cluster.js'
import { Rng } from '../helpers/random.js'

export const SHARDS = 3
const ACCOUNTS = 30
const START = 100
export const TOTAL = ACCOUNTS * START
const shardOf = (id: number): ShardId => asShardId(id % SHARDS)

export function openCluster(dir: string): Promise<LocalCluster> {
  return openLocalCluster({ dir, shards: SHARDS, id: 'crash', faults: faultsFromEnv() })
}

export async function setUp(dir: string): Promise<void> {
  const c = await openLocalCluster({ dir, shards: SHARDS, id: 'crash' })
  try {
    const t = c.coordinator.begin()
    for (let s = 0; s < SHARDS; s++) {
      await t.execute(asShardId(s), 'CREATE TABLE accounts (id int PRIMARY KEY, balance int NOT NULL)')
      await t.execute(asShardId(s), 'CREATE TABLE marks (id int PRIMARY KEY, shards text NOT NULL)')
    }
    await t.commit()
    const fill = c.coordinator.begin()
    for (let id = 0; id < ACCOUNTS; id++) await fill.execute(shardOf(id), 'INSERT INTO accounts VALUES ($1, $2)', [id, START])
    await fill.commit()
    await c.coordinator.settled()
  } finally {
    await c.close()
  }
}

/** One transaction: a transfer between two accounts whose shards are `shards` (one or two of them), plus marks on every shard in `shards`. */
async function transfer(c: LocalCluster, mark: number, rng: Rng): Promise<ShardId[]> {
  const span = rng.chance(0.2) ? 1 : 2 + rng.below(2)
  const shards = [0, 1, 2].sort(() => rng.below(3) - 1).slice(0, span).sort().map(asShardId)
  // Two accounts on the first two shards (the same shard for a one-shard transaction).
  const pick = (s: ShardId): number => s + SHARDS * rng.below(ACCOUNTS / SHARDS)
  let a = pick(shards[0]!)
  let b = pick(shards[1] ?? shards[0]!)
  if (a === b) b = (b + SHARDS) % ACCOUNTS
  if (a > b) [a, b] = [b, a]
  for (;;) {
    const t = c.coordinator.begin()
    try {
      // Rows locked in id order: distributed deadlocks are not detected yet.
      await t.execute(shardOf(a), 'UPDATE accounts SET balance = balance - 3 WHERE id = $1', [a])
      await t.execute(shardOf(b), 'UPDATE accounts SET balance = balance + 3 WHERE id = $1', [b])
      for (const s of shards) await t.execute(s, 'INSERT INTO marks VALUES ($1, $2)', [mark, shards.join(',')])
      await t.commit()
      return shards
    } catch (e) {
      if (t.state === 'active' || t.state === 'failed') await t.rollback()
      if (!isIsolaError(e, 'serialization_failure')) throw e
    }
    await new Promise((r) => setImmediate(r))
  }
}

/** The child's loop: `workers` concurrent clients; prints `ack <mark>` for every commit it was told of. */
export async function runWorkload(c: LocalCluster, seed: number, workers = 4, perWorker = 200): Promise<void> {
  await Promise.all(
    Array.from({ length: workers }, async (_, w) => {
      const rng = new Rng(seed * 31 + w)
      for (let i = 0; i < perWorker; i++) {
        const mark = w * 100_000 + i
        await transfer(c, mark, rng)
        process.stdout.write(`ack ${mark}\n`)
      }
    }),
  )
}
