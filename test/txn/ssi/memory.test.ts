/**
 * Bounded memory: committed transactions kept only while they overlap a running
 * one, partial clearing, and summarisation under a long-running transaction.
 */
import { describe, expect, it } from 'vitest'
import { isIsolaError } from '../../../common/errors.js'
import { asTimestamp, asTxnId, type Timestamp, type TxnId } from '../../../common/ids.js'
import { createSsi, type Ssi, SSI_DEFAULTS, type SsiOptions } from '../../../txn/ssi/index.js'
import { detailOf, key, SimDb, TABLE } from './sim-db.js'

/** Drives the hooks directly, without versions: fast enough for 100k transactions. */
class Driver {
  readonly ssi: Ssi
  private clock = 1
  private nextId = 1
  constructor(options?: SsiOptions) {
    this.ssi = createSsi(options)
  }
  begin(readOnly = false): { id: TxnId; snapshot: Timestamp } {
    const t = { id: asTxnId(this.nextId++), snapshot: asTimestamp(this.clock) }
    this.ssi.begin({ ...t, readOnly })
    return t
  }
  commit(t: { id: TxnId; snapshot: Timestamp }, wrote: boolean): void {
    this.ssi.preCommit(t.id)
    this.ssi.committed(t.id, wrote ? asTimestamp(++this.clock) : t.snapshot)
  }
}

describe('clearing committed transactions', () => {
  it('keeps a committed reader’s locks while a concurrent transaction runs, then drops them', () => {
    const db = new SimDb()
    const t1 = db.begin('T1')
    const t2 = db.begin('T2')
    db.read(t1, 'a')
    db.write(t1, 'b', '1')
    db.commit(t1)
    expect(db.ssi.stats()).toMatchObject({ committed: 1, rowLocks: 2 })
    // T2 still runs and overlaps T1: a write of 'a' by T2 must still see T1's lock.
    db.write(t2, 'a', '1')
    expect(db.ssi.conflicts(t2.id)).toEqual({ ins: [{ name: `local:${t1.id}`, state: 'committed', commitTs: expect.any(Number) }], outs: [] })
    db.commit(t2)
    expect(db.ssi.stats()).toMatchObject({ known: 0, committed: 0, rowLocks: 0, edges: 0 })
  })

  it('a transaction that began after a commit does not conflict with its locks', () => {
    const db = new SimDb()
    const t0 = db.begin('T0') // keeps T1 retained
    const t1 = db.begin('T1')
    db.read(t1, 'a')
    db.write(t1, 'z', '1')
    db.commit(t1)
    const t2 = db.begin('T2')
    db.write(t2, 'a', '1')
    expect(db.ssi.conflicts(t2.id).ins).toEqual([])
    db.commit(t2)
    db.commit(t0)
  })

  it('partially clears a committed transaction that only read-only transactions overlap', () => {
    const db = new SimDb()
    const pivot = db.begin('P')
    const tout = db.begin('O')
    db.read(pivot, 'b')
    db.write(tout, 'b', '1')
    db.commit(tout)
    const r = db.begin('R', { readOnly: true })
    const t1 = db.begin('T1')
    db.read(t1, 'a')
    db.write(t1, 'c', '1')
    db.write(pivot, 'd', '1')
    db.commit(pivot) // R is now unsafe: it stays tracked
    expect(db.ssi.snapshotSafety(r.id)).toBe('unsafe')
    db.commit(t1)
    // Only R (read-only) overlaps P and T1: their locks and edges go, their flags stay.
    expect(db.ssi.stats()).toMatchObject({ committed: 2, rowLocks: 0, edges: 0 })
    expect(db.ssi.conflicts(pivot.id)).toEqual({ ins: [], outs: [{ name: '*', state: 'committed' }] })
    // …which is still enough to protect R: skipping P's version of d fails.
    expect(detailOf(() => db.read(r, 'd'))).toMatch(new RegExp(`^Reason code: Canceled on conflict out to pivot ${pivot.id}, during read\\.`))
    db.abort(r)
    expect(db.ssi.stats()).toMatchObject({ known: 0, committed: 0 })
  })

  it('with autoCleanup off, only cleanup() clears', () => {
    const db = new SimDb({ autoCleanup: false })
    const t1 = db.begin('T1')
    db.read(t1, 'a')
    db.write(t1, 'b', '1')
    db.commit(t1)
    expect(db.ssi.stats()).toMatchObject({ committed: 1, rowLocks: 2 })
    db.ssi.cleanup(asTimestamp(0)) // an older snapshot is still in use somewhere: keep
    expect(db.ssi.stats()).toMatchObject({ committed: 1, rowLocks: 2 })
    db.ssi.cleanup(db.now)
    expect(db.ssi.stats()).toMatchObject({ known: 0, committed: 0, rowLocks: 0 })
  })

  it('rolled-back transactions leave nothing', () => {
    const db = new SimDb()
    const keep = db.begin('keep')
    for (let i = 0; i < 50; i++) {
      const t = db.begin()
      db.read(t, `r${i}`)
      db.scan(t, `s${i}`, `s${i}z`)
      db.write(t, `w${i}`, '1')
      db.abort(t)
    }
    expect(db.ssi.stats()).toMatchObject({ known: 1, committed: 0, rowLocks: 0, rangeLocks: 0, edges: 0 })
    db.commit(keep)
  })
})

describe('summarisation', () => {
  it('keeps memory bounded over 100k committed transactions while one transaction stays open, and still catches the structure', () => {
    const d = new Driver()
    const limits = SSI_DEFAULTS
    // L reads y; Tout overwrites y and commits first: L →rw Tout.
    const long = d.begin()
    d.ssi.onRead(long.id, TABLE, key('y'))
    const tout = d.begin()
    d.ssi.onWrite(tout.id, TABLE, key('y'))
    d.commit(tout, true)
    let peak = { committed: 0, known: 0, rowLocks: 0, rangeLocks: 0, tableLocks: 0, summaryBuckets: 0, serialEntries: 0, edges: 0 }
    for (let i = 0; i < 100_000; i++) {
      const t = d.begin()
      d.ssi.onRead(t.id, TABLE, key('x'))
      d.ssi.onRead(t.id, TABLE, key(`r${i}`))
      d.ssi.onScan(t.id, TABLE, key(`s${i}`), key(`s${i}~`))
      d.ssi.onWrite(t.id, TABLE, key(`w${i}`))
      d.commit(t, true)
      if (i % 1000 === 999) {
        const s = d.ssi.stats()
        peak = Object.fromEntries(Object.entries(peak).map(([k, v]) => [k, Math.max(v, s[k as keyof typeof s] as number)])) as typeof peak
      }
    }
    const s = d.ssi.stats()
    expect(s.summarised).toBeGreaterThan(95_000)
    expect(peak.committed).toBeLessThanOrEqual(limits.maxCommitted)
    expect(peak.known).toBeLessThanOrEqual(limits.maxCommitted + 2)
    expect(peak.summaryBuckets).toBeLessThanOrEqual(limits.summaryBuckets)
    expect(peak.serialEntries).toBeLessThanOrEqual(limits.maxSerial)
    // Retained transactions hold ≤ 2 rows and 1 range each; buckets hold one table lock (promoted) or fewer rows than the limit.
    expect(peak.rowLocks).toBeLessThanOrEqual(2 * limits.maxCommitted + limits.summaryBuckets * limits.maxRowLocksPerTable + 1)
    expect(peak.rangeLocks).toBeLessThanOrEqual(limits.maxCommitted + limits.summaryBuckets * limits.maxRangeLocksPerTable)
    expect(peak.tableLocks).toBeLessThanOrEqual(limits.summaryBuckets)
    expect(s.promotions).toBeGreaterThan(0)
    // The summarised readers of x are Tin of a structure old committed →rw L →rw Tout, Tout first.
    let caught: unknown
    try {
      d.ssi.onWrite(long.id, TABLE, key('x'))
    } catch (e) {
      caught = e
    }
    expect(isIsolaError(caught, 'serialization_failure')).toBe(true)
    expect((caught as { detail: string }).detail).toMatch(
      new RegExp(`^Reason code: Canceled on identification as a pivot, during write\\. Conflict: transaction ${tout.id} \\(rw-antidependency on key ${key('y').toString('hex')} of table 1\\)\\. Dangerous structure: an old committed transaction →rw transaction ${long.id}`),
    )
    d.ssi.aborted(long.id)
    expect(d.ssi.stats()).toMatchObject({ running: 0, known: 0, committed: 0, rowLocks: 0, rangeLocks: 0, tableLocks: 0, summaryBuckets: 0, serialEntries: 0, unpreventable: 0 })
  })

  it('a reader that skips a summarised pivot’s version still fails', () => {
    const d = new Driver({ maxCommitted: 2, summaryBuckets: 1 })
    const keep = d.begin() // holds the horizon
    const pivot = d.begin()
    const tout = d.begin()
    d.ssi.onRead(pivot.id, TABLE, key('b'))
    d.ssi.onWrite(tout.id, TABLE, key('b'))
    d.commit(tout, true)
    const reader = d.begin() // snapshot after Tout, before the pivot commits
    d.ssi.onWrite(pivot.id, TABLE, key('a'))
    d.commit(pivot, true)
    for (let i = 0; i < 5; i++) {
      const t = d.begin()
      d.ssi.onWrite(t.id, TABLE, key(`f${i}`))
      d.commit(t, true)
    }
    expect(d.ssi.stats().summarised).toBeGreaterThanOrEqual(2) // Tout and the pivot are gone
    expect(detailOf(() => d.ssi.onInvisibleVersion(reader.id, pivot.id, TABLE, key('a')))).toMatch(
      new RegExp(`^Reason code: Canceled on conflict out to old pivot ${pivot.id}, during read\\.`),
    )
    expect(d.ssi.isDoomed(reader.id)).toBe(true)
    d.ssi.aborted(reader.id)
    d.ssi.aborted(keep.id)
  })

  it('a writer we know nothing about is assumed to be the worst case', () => {
    const d = new Driver()
    const r = d.begin()
    expect(detailOf(() => d.ssi.onInvisibleVersion(r.id, asTxnId(999), TABLE, key('a')))).toMatch(
      /^Reason code: Canceled on conflict out to old pivot 999, during read\. Conflict: transaction 999 \(rw-antidependency on key 61 of table 1\)\./,
    )
  })
})
