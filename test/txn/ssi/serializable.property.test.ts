/**
 * Random interleavings of serializable transactions over a few keys: whatever
 * commits must be serializable (no cycle of ww/wr/rw dependencies), and SSI must
 * not fail everything.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import type { SsiOptions } from '../../../txn/ssi/index.js'
import { findCycle, SimDb, type SimTxn } from './sim-db.js'

const KEYS = ['a', 'b', 'c', 'd'] as const

type Op =
  | { readonly kind: 'read'; readonly key: string }
  | { readonly kind: 'write'; readonly key: string }
  | { readonly kind: 'scan'; readonly from: string; readonly to: string }

const keyArb = fc.constantFrom(...KEYS)
const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 4, arbitrary: keyArb.map((key) => ({ kind: 'read' as const, key })) },
  { weight: 3, arbitrary: keyArb.map((key) => ({ kind: 'write' as const, key })) },
  {
    weight: 2,
    arbitrary: fc.tuple(fc.integer({ min: 0, max: 3 }), fc.integer({ min: 1, max: 4 })).map(([i, n]) => ({
      kind: 'scan' as const,
      from: KEYS[i]!,
      to: String.fromCharCode(KEYS[i]!.charCodeAt(0) + n),
    })),
  },
)
/**
 * Mostly serializable transactions, some READ ONLY; some READ COMMITTED ones that
 * only write blindly (with no reads they are only ever a Tout, and the whole history
 * must still be serializable).
 */
const txnArb = fc.record({
  ops: fc.array(opArb, { minLength: 1, maxLength: 4 }),
  readOnly: fc.boolean(),
  blindWriter: fc.integer({ min: 0, max: 5 }).map((n) => n === 0),
})
/** Defaults; then limits so small that promotion, partial clearing and summarisation happen in short histories. */
const OPTION_SETS: readonly SsiOptions[] = [
  {},
  { maxRowLocksPerTable: 2, maxRangeLocksPerTable: 1, maxLocksPerTransaction: 3, maxCommitted: 2, summaryBuckets: 2, maxSerial: 3 },
  { maxRowLocksPerTable: 1, maxRangeLocksPerTable: 1, maxLocksPerTransaction: 1, maxCommitted: 1, summaryBuckets: 1, maxSerial: 1 },
  { maxCommitted: 3, summaryBuckets: 1, autoCleanup: false },
]
const historyArb = fc.record({
  options: fc.constantFrom(...OPTION_SETS),
  txns: fc.array(txnArb, { minLength: 2, maxLength: 6 }),
  schedule: fc.array(fc.nat(), { minLength: 40, maxLength: 40 }),
  cleanupEvery: fc.integer({ min: 0, max: 3 }),
})

interface Outcome {
  readonly db: SimDb
  readonly committed: number
}

interface History {
  readonly options: SsiOptions
  readonly txns: readonly { readonly ops: readonly Op[]; readonly readOnly: boolean; readonly blindWriter: boolean }[]
  readonly schedule: readonly number[]
  readonly cleanupEvery: number
}

function run(history: History): Outcome {
  const db = new SimDb(history.options)
  const scripts = history.txns.map((t, i) => ({
    ops: t.blindWriter ? t.ops.filter((o) => o.kind === 'write') : t.readOnly ? t.ops.filter((o) => o.kind !== 'write') : t.ops,
    readOnly: t.readOnly && !t.blindWriter,
    level: t.blindWriter ? ('read committed' as const) : ('serializable' as const),
    next: 0,
    txn: undefined as SimTxn | undefined,
    name: `T${i}`,
  }))
  let steps = 0
  for (const pick of history.schedule) {
    const live = scripts.filter((s) => s.txn === undefined || s.txn.state === 'active')
    if (live.length === 0) break
    const s = live[pick % live.length]!
    if (s.txn === undefined) {
      s.txn = db.begin(s.name, { readOnly: s.readOnly, level: s.level })
      continue
    }
    const t = s.txn
    const op = s.ops[s.next++]
    db.attempt(t, () => {
      if (op === undefined) db.commit(t)
      else if (op.kind === 'read') db.read(t, op.key)
      else if (op.kind === 'write') db.write(t, op.key, `${s.name}`)
      else db.scan(t, op.from, op.to, KEYS)
    })
    if (history.cleanupEvery > 0 && ++steps % history.cleanupEvery === 0) db.ssi.cleanup(db.now)
  }
  for (const s of scripts) if (s.txn?.state === 'active') db.abort(s.txn)
  db.ssi.cleanup(db.now)
  return { db, committed: scripts.filter((s) => s.txn?.state === 'committed').length }
}

describe('SSI histories', () => {
  it('every committed set of transactions is serializable', () => {
    let commits = 0
    let attempts = 0
    fc.assert(
      fc.property(historyArb, (h) => {
        const { db, committed } = run(h)
        commits += committed
        attempts += h.txns.length
        const cycle = findCycle(db.txns)
        expect(cycle, `cycle ${cycle?.join(' → ')}`).toBeUndefined()
        expect(db.ssi.stats().unpreventable).toBe(0)
        // Everything has ended: nothing may be left behind.
        expect(db.ssi.stats()).toMatchObject({ running: 0, known: 0, committed: 0, rowLocks: 0, rangeLocks: 0, tableLocks: 0, summaryBuckets: 0 })
      }),
      { numRuns: Number(process.env.SSI_PROPERTY_RUNS ?? 3000) },
    )
    expect(commits / attempts).toBeGreaterThan(0.3)
  })

  it('the checker does find anomalies when nothing prevents them (snapshot isolation only)', () => {
    // The same histories at snapshot isolation without SSI: first-updater-wins alone lets write skew through.
    const db = new SimDb()
    const t1 = db.begin('T1')
    const t2 = db.begin('T2')
    for (const t of [t1, t2]) {
      db.ssi.aborted(t.id) // untrack them: plain snapshot isolation
      db.read(t, 'x')
      db.read(t, 'y')
    }
    const before = db.ssi.stats().rowLocks
    expect(before).toBe(0)
    db.write(t1, 'x', '1')
    db.write(t2, 'y', '1')
    db.commit(t1)
    db.commit(t2)
    expect(findCycle(db.txns)).toEqual(expect.arrayContaining(['T1', 'T2']))
  })
})
