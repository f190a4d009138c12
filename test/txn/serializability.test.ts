/**
 * MVCC histories against the serializability checker (history-checker.ts).
 *
 * A workload is a few concurrent transactions, each a short list of reads, blind
 * writes, read-modify-writes and full scans over a handful of keys (the last one
 * absent at first, so writing it is a phantom for scans), every written value unique.
 * A seeded scheduler interleaves them: at each turn it starts the next operation
 * of a random transaction that is not waiting, and lets it run until it completes
 * or blocks (a row lock, a commit's fsync); when every live transaction waits, it
 * waits for any of them. Failed transactions (40001, 40P01) are rolled back and
 * left out; the committed ones form the history, with each key's version order
 * read back from the store (`TxnDatabase.versions`).
 *
 * - SERIALIZABLE: the committed transactions never form a cycle.
 * - REPEATABLE READ (snapshot isolation): every cycle has at least two rw edges
 *   (no G0, G1c, G-single), and enough seeds do produce such G2 cycles: the checker
 *   sees what SSI must prevent.
 * - READ COMMITTED: no G0 or G1 (every ww/wr edge follows commit order), and lost
 *   updates and read skew (G-single) do show up.
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { IsolationLevel, TableId, Transaction, TxnDatabase } from '../../txn/index.js'
import { openTestDatabase } from './open-db.js'
import { decodeKey, decodeValue, encodeKey, encodeValue } from './golden-runner.js'
import { type CheckResult, checkHistory, type HistoryRead, type HistoryTxn, type HistoryWrite, versionOrderFromDb } from './history-checker.js'

type OpKind = 'read' | 'write' | 'rmw' | 'scan'
interface Op {
  readonly kind: OpKind
  readonly key: number
}
interface Workload {
  readonly keys: number
  readonly txns: readonly (readonly Op[])[]
  /** Drives the scheduler's choices. */
  readonly seed: number
}

const workloadArb: fc.Arbitrary<Workload> = fc.integer({ min: 4, max: 6 }).chain((keys) =>
  fc.record({
    keys: fc.constant(keys),
    txns: fc.array(fc.array(fc.record({ kind: fc.constantFrom<OpKind>('read', 'write', 'rmw', 'scan'), key: fc.integer({ min: 0, max: keys - 1 }) }), { minLength: 2, maxLength: 4 }), {
      minLength: 3,
      maxLength: 6,
    }),
    seed: fc.integer({ min: 1, max: 0x7fffffff }),
  }),
)

function mulberry32(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

const RETRYABLE = new Set(['40001', '40P01'])
const turn = () => new Promise<void>((r) => setImmediate(r))

interface Outcome {
  readonly result: CheckResult
  readonly committed: number
  /** Transactions that failed with 40001 or 40P01. */
  readonly failed: number
  readonly history: readonly HistoryTxn[]
}

/** ISOLA_SER_RUNS / ISOLA_SER_SEED: a longer hunt, e.g. ISOLA_SER_RUNS=5000 (time limit grows with it). */
const SER_RUNS = Number(process.env.ISOLA_SER_RUNS ?? 300)
const SER_SEED = Number(process.env.ISOLA_SER_SEED ?? 20240601)

let db: TxnDatabase
let dir: string
let nextValue = 1

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'isola-serializability-'))
  db = await openTestDatabase(dir)
})

afterAll(async () => {
  await db?.close()
  if (dir) fs.rmSync(dir, { recursive: true, force: true })
})

/** Runs `w` at `isolation` on a fresh table and checks the committed history. */
async function run(w: Workload, isolation: IsolationLevel): Promise<Outcome> {
  const table: TableId = await db.createTable()
  const rng = mulberry32(w.seed)

  // The initial state, written by a transaction of its own (it is in the history).
  const setup = db.begin()
  const setupWrites: HistoryWrite[] = []
  // The last key starts absent: a write of it is a phantom for earlier scans.
  for (let k = 0; k < w.keys - 1; k++) {
    const v = nextValue++
    await setup.put(table, encodeKey(k), encodeValue(v))
    setupWrites.push({ key: k, value: v })
  }
  await setup.commit()
  const history: HistoryTxn[] = [{ id: setup.id as number, reads: [], writes: setupWrites }]

  interface State {
    readonly tx: Transaction
    readonly ops: readonly Op[]
    next: number
    busy: boolean
    finished: boolean
    committed: boolean
    readonly reads: HistoryRead[]
    readonly writes: HistoryWrite[]
  }
  const states: State[] = w.txns.map((ops) => ({ tx: db.begin({ isolation }), ops, next: 0, busy: false, finished: false, committed: false, reads: [], writes: [] }))

  const step = async (s: State): Promise<void> => {
    try {
      if (s.next === s.ops.length) {
        await s.tx.commit()
        s.committed = true
        s.finished = true
        return
      }
      const op = s.ops[s.next++]!
      const key = encodeKey(op.key)
      s.tx.nextStatement()
      if (op.kind === 'scan') {
        const rows = new Map((await s.tx.scan(table)).map(([k, v]) => [decodeKey(k), decodeValue(v)]))
        for (let k = 0; k < w.keys; k++) s.reads.push({ key: k, value: rows.get(k) ?? null })
      } else if (op.kind === 'read') {
        const v = await s.tx.get(table, key)
        s.reads.push({ key: op.key, value: v === undefined ? null : decodeValue(v) })
      } else if (op.kind === 'write') {
        const v = nextValue++
        await s.tx.put(table, key, encodeValue(v))
        s.writes.push({ key: op.key, value: v })
      } else {
        const v = nextValue++
        let seen: number | null = null
        await s.tx.modify(table, key, (cur) => {
          seen = cur === undefined ? null : decodeValue(cur)
          return encodeValue(v)
        })
        s.reads.push({ key: op.key, value: seen })
        s.writes.push({ key: op.key, value: v })
      }
    } catch (e) {
      const code = (e as { code?: unknown }).code
      if (typeof code !== 'string' || !RETRYABLE.has(code)) throw e
      await s.tx.rollback()
      s.finished = true
    }
  }

  const inflight = new Set<Promise<void>>()
  const deadline = Date.now() + 10_000
  while (states.some((s) => !s.finished)) {
    if (Date.now() > deadline) throw new Error(`workload stuck: ${JSON.stringify(w)}`)
    const ready = states.filter((s) => !s.finished && !s.busy)
    if (ready.length === 0) {
      await Promise.race(inflight)
      continue
    }
    const s = ready[Math.floor(rng() * ready.length)]!
    s.busy = true
    const p: Promise<void> = step(s).finally(() => {
      s.busy = false
      inflight.delete(p)
    })
    inflight.add(p)
    await turn() // it runs until it completes or waits
  }
  await Promise.all(inflight)

  for (const s of states) if (s.committed) history.push({ id: s.tx.id as number, reads: s.reads, writes: s.writes })
  const keys = Array.from({ length: w.keys }, (_, k) => ({ name: k, bytes: encodeKey(k) }))
  const result = checkHistory({ txns: history, versionOrder: versionOrderFromDb(db, table, keys) })
  await db.dropTable(table)
  return { result, committed: states.filter((s) => s.committed).length, failed: states.filter((s) => !s.committed).length, history }
}

function explain(w: Workload, o: Outcome): string {
  return [
    `workload: ${JSON.stringify(w)}`,
    ...o.result.cycles.map((c) => `${c.kind}: ${c.text}`),
    ...o.result.readAnomalies.map((a) => `${a.kind}: ${a.text}`),
    ...o.history.map((t) => `T${t.id}: reads ${t.reads.map((r) => `${r.key}=${r.value}`).join(' ')} writes ${t.writes.map((x) => `${x.key}=${x.value}`).join(' ')}`),
  ].join('\n')
}

/** Deterministic workloads for the "does show up" tests. */
const samples = (n: number, seed: number) => fc.sample(workloadArb, { numRuns: n, seed })

describe('serializability of MVCC histories', () => {
  it('SERIALIZABLE: committed transactions never form a cycle', async () => {
    let committed = 0
    let failed = 0
    await fc.assert(
      fc.asyncProperty(workloadArb, async (w) => {
        const o = await run(w, 'serializable')
        committed += o.committed
        failed += o.failed
        if (!o.result.serializable) throw new Error(`not serializable:\n${explain(w, o)}`)
      }),
      { numRuns: SER_RUNS, interruptAfterTimeLimit: Math.max(4_000, SER_RUNS * 20), seed: SER_SEED },
    )
    // The property is not vacuous: transactions did conflict, and most still committed.
    expect(failed).toBeGreaterThan(0)
    expect(committed).toBeGreaterThan(failed)
  }, 600_000)

  it('REPEATABLE READ: only G2 cycles (two rw edges), and the checker finds some', async () => {
    let g2 = 0
    let runs = 0
    const start = Date.now()
    for (const w of samples(400, 7)) {
      const o = await run(w, 'repeatable read')
      runs++
      for (const c of o.result.cycles) {
        expect(c.kind, `snapshot isolation allows only G2:\n${explain(w, o)}`).toBe('G2')
        expect(c.edges.filter((e) => e.kind === 'rw').length).toBeGreaterThanOrEqual(2)
        g2++
      }
      expect(o.result.readAnomalies, explain(w, o)).toEqual([])
      if ((g2 >= 3 && runs >= 50) || Date.now() - start > 4_000) break
    }
    expect(g2, `no G2 cycle in ${runs} runs`).toBeGreaterThan(0)
  })

  it('READ COMMITTED: no G0/G1, and lost updates or read skew show up as G-single', async () => {
    let gSingle = 0
    let runs = 0
    const start = Date.now()
    for (const w of samples(400, 11)) {
      const o = await run(w, 'read committed')
      runs++
      for (const c of o.result.cycles) {
        expect(['G-single', 'G2'], `read committed proscribes G0 and G1c:\n${explain(w, o)}`).toContain(c.kind)
        if (c.kind === 'G-single') gSingle++
      }
      expect(o.result.readAnomalies, explain(w, o)).toEqual([])
      if ((gSingle >= 3 && runs >= 50) || Date.now() - start > 3_000) break
    }
    expect(gSingle, `no G-single cycle in ${runs} runs`).toBeGreaterThan(0)
  })
})
