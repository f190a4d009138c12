/**
 * The classic SSI scenarios, driven through a simulated MVCC store (sim-db.ts) that
 * calls the hooks as txn/transaction.ts does.
 */
import { describe, expect, it } from 'vitest'
import { isIsolaError } from '../../../common/errors.js'
import { findCycle, SimDb } from './sim-db.js'

function expect40001(fn: () => unknown, detail?: RegExp): void {
  let caught: unknown
  try {
    fn()
  } catch (e) {
    caught = e
  }
  expect(isIsolaError(caught, 'serialization_failure'), String(caught)).toBe(true)
  const e = caught as { message: string; detail?: string; hint?: string }
  expect(e.message).toBe('could not serialize access due to read/write dependencies among transactions')
  expect(e.hint).toBe('The transaction might succeed if retried.')
  if (detail) expect(e.detail).toMatch(detail)
}

describe('write skew', () => {
  it('T1 reads x,y writes x; T2 reads x,y writes y: the second to commit fails', () => {
    const db = new SimDb()
    const t1 = db.begin('T1')
    const t2 = db.begin('T2')
    db.read(t1, 'x')
    db.read(t1, 'y')
    db.read(t2, 'x')
    db.read(t2, 'y')
    db.write(t1, 'x', '1')
    db.write(t2, 'y', '1')
    db.commit(t1)
    // T2 is the pivot T1 →rw T2 →rw T1 and T1 (Tout) committed first.
    expect(db.ssi.isDoomed(t2.id)).toBe(true)
    expect40001(
      () => db.commit(t2),
      new RegExp(
        `^Reason code: Canceled on identification as a pivot, during commit attempt\\. Conflict: transaction ${t1.id} \\(rw-antidependency on key ${Buffer.from('x').toString('hex')} of table 1\\)\\.`,
      ),
    )
    expect(t2.state).toBe('aborted')
    expect(findCycle(db.txns)).toBeUndefined()
    expect(db.ssi.stats().unpreventable).toBe(0)
  })

  it('fails at the write when the other side has already committed', () => {
    const db = new SimDb()
    const t1 = db.begin('T1')
    const t2 = db.begin('T2')
    db.read(t1, 'x')
    db.read(t2, 'y')
    db.write(t1, 'y', '1') // T2 →rw T1
    db.commit(t1)
    // T2 writes x, which the committed T1 read: T1 →rw T2 →rw T1 with T1 committed first.
    expect40001(() => db.write(t2, 'x', '1'), /Canceled on identification as a pivot, during write\./)
  })

  it('a rolled-back partner takes its edges with it', () => {
    const db = new SimDb()
    const t1 = db.begin('T1')
    const t2 = db.begin('T2')
    db.read(t1, 'x')
    db.read(t2, 'y')
    db.write(t1, 'y', '1')
    db.abort(t1)
    db.write(t2, 'x', '1')
    expect(db.commit(t2)).toBeDefined()
  })
})

describe('no false positives', () => {
  it('transactions on disjoint keys all commit', () => {
    const db = new SimDb()
    const ts = Array.from({ length: 10 }, (_, i) => db.begin(`T${i}`))
    ts.forEach((t, i) => db.read(t, `r${i}`))
    ts.forEach((t, i) => db.write(t, `w${i}`, 'v'))
    ts.forEach((t, i) => db.scan(t, `s${i}`, `s${i}~`))
    for (const t of ts) expect(() => db.commit(t)).not.toThrow()
    expect(db.ssi.stats().edges).toBe(0)
  })

  it('one rw edge alone never aborts', () => {
    const db = new SimDb()
    const t1 = db.begin('T1')
    const t2 = db.begin('T2')
    db.read(t1, 'x')
    db.write(t2, 'x', '1')
    db.write(t1, 'y', '1')
    db.commit(t2)
    db.commit(t1)
    expect(t1.state).toBe('committed')
  })

  it('a write to a key just outside a scanned range does not conflict', () => {
    const db = new SimDb()
    const t1 = db.begin('T1')
    const t2 = db.begin('T2')
    db.scan(t1, 'b', 'd')
    db.scan(t2, 'd', 'f')
    db.write(t1, 'd', '1') // [b,d) excludes d
    db.write(t2, 'a', '1')
    db.commit(t1)
    db.commit(t2)
    expect(db.ssi.stats().edges).toBe(0)
  })
})

describe('phantoms', () => {
  it('write skew through inserts into scanned ranges (on-call doctors)', () => {
    const db = new SimDb()
    db.write(db.begin('setup'), 'oncall/alice', 'on')
    const setup = db.txns[0]!
    db.write(setup, 'oncall/bob', 'on')
    db.commit(setup)
    const t1 = db.begin('T1')
    const t2 = db.begin('T2')
    // Each checks that two doctors are on call, then takes one off.
    expect(db.scan(t1, 'oncall/', 'oncall0').size).toBe(2)
    expect(db.scan(t2, 'oncall/', 'oncall0').size).toBe(2)
    db.write(t1, 'oncall/alice', null)
    db.write(t2, 'oncall/bob', null)
    db.commit(t1)
    expect40001(() => db.commit(t2))
  })

  it('an insert into a range another transaction scanned is an rw edge', () => {
    const db = new SimDb()
    const t1 = db.begin('T1')
    const t2 = db.begin('T2')
    expect(db.scan(t1, 'a', 'm').size).toBe(0)
    expect(db.scan(t2, 'n', 'z').size).toBe(0)
    db.write(t2, 'c', 'new') // a phantom for T1: T1 →rw T2
    db.write(t1, 'p', 'new') // and one for T2: T2 →rw T1
    db.commit(t1)
    expect40001(() => db.commit(t2))
    expect(findCycle(db.txns)).toBeUndefined()
  })

  it('open-ended and whole-table scans', () => {
    const db = new SimDb()
    const t1 = db.begin('T1')
    const t2 = db.begin('T2')
    db.scan(t1, undefined, 'k')
    db.scan(t2, undefined, undefined)
    db.write(t2, 'a', '1') // T1 →rw T2
    db.write(t1, 'zzz', '1') // T2 →rw T1 (whole table)
    db.commit(t2)
    expect40001(() => db.commit(t1))
  })
})

describe('commit ordering (Tout must commit first)', () => {
  it('no abort while Tout has not committed; none when it commits last', () => {
    const db = new SimDb()
    const tin = db.begin('Tin')
    const pivot = db.begin('Tpivot')
    const tout = db.begin('Tout')
    db.read(tin, 'a')
    db.read(pivot, 'b')
    db.write(pivot, 'a', '1') // Tin →rw Tpivot
    db.write(tout, 'b', '1') // Tpivot →rw Tout
    db.write(tin, 'c', '1')
    expect(db.ssi.conflicts(pivot.id)).toEqual({ ins: [{ name: `local:${tin.id}`, state: 'active' }], outs: [{ name: `local:${tout.id}`, state: 'active' }] })
    // Tout has not committed: nobody fails yet, and committing in order pivot, Tin, Tout is fine.
    db.commit(pivot)
    db.commit(tin)
    db.commit(tout)
    expect([tin, pivot, tout].map((t) => t.state)).toEqual(['committed', 'committed', 'committed'])
    expect(findCycle(db.txns)).toBeUndefined()
  })

  it('Tout committing first dooms the pivot', () => {
    const db = new SimDb()
    const tin = db.begin('Tin')
    const pivot = db.begin('Tpivot')
    const tout = db.begin('Tout')
    db.read(tin, 'a')
    db.read(pivot, 'b')
    db.write(pivot, 'a', '1')
    db.write(tout, 'b', '1')
    db.write(tin, 'c', '1')
    db.commit(tout)
    expect(db.ssi.isDoomed(pivot.id)).toBe(true)
    expect40001(() => db.read(pivot, 'q'), /Canceled on identification as a pivot, during read\. Conflict: transaction 3 \(rw-antidependency on key 62 of table 1\)/)
    db.abort(pivot)
    db.commit(tin)
  })

  it('no abort when Tin committed before Tout', () => {
    const db = new SimDb()
    const tin = db.begin('Tin')
    const pivot = db.begin('Tpivot')
    const tout = db.begin('Tout')
    db.read(tin, 'a')
    db.read(pivot, 'b')
    db.write(pivot, 'a', '1')
    db.write(tout, 'b', '1')
    db.write(tin, 'c', '1')
    db.commit(tin)
    db.commit(tout)
    db.commit(pivot)
    expect(pivot.state).toBe('committed')
  })

  it('a prepared pivot cannot be doomed: the reader that completes the structure fails', () => {
    const db = new SimDb()
    const pivot = db.begin('Tpivot')
    const tout = db.begin('Tout')
    const tin = db.begin('Tin')
    db.read(pivot, 'b')
    db.write(pivot, 'a', '1')
    db.write(tout, 'b', '1')
    db.commit(tout)
    db.ssi.preCommit(pivot.id) // PREPARE TRANSACTION
    expect40001(() => db.read(tin, 'a'), new RegExp(`Canceled on conflict out to pivot ${pivot.id}, during read\\.`))
  })
})

describe('the read-only anomaly (Ports & Grittner §2, receipts)', () => {
  // NEW-RECEIPT reads the current batch and inserts a receipt into it; CLOSE-BATCH
  // increments the batch; REPORT (read-only) reads the batch and the receipts of the
  // previous one. REPORT →rw NEW-RECEIPT →rw CLOSE-BATCH.
  function setup(): SimDb {
    const db = new SimDb()
    const s = db.begin('setup')
    db.write(s, 'batch', '1')
    db.commit(s)
    return db
  }

  it("the paper's schedule: the pivot NEW-RECEIPT fails when it inserts after REPORT read", () => {
    const db = setup()
    const newReceipt = db.begin('NEW-RECEIPT')
    expect(db.read(newReceipt, 'batch')).toBe('1')
    const closeBatch = db.begin('CLOSE-BATCH')
    db.write(closeBatch, 'batch', String(Number(db.read(closeBatch, 'batch')) + 1))
    db.commit(closeBatch)
    const report = db.begin('REPORT', { readOnly: true })
    expect(db.read(report, 'batch')).toBe('2')
    expect(db.scan(report, 'receipt/1/', 'receipt/1~').size).toBe(0)
    expect40001(() => db.write(newReceipt, 'receipt/1/r1', '100'), /Canceled on identification as a pivot, during write\./)
    db.commit(report)
    expect(findCycle(db.txns)).toBeUndefined()
  })

  it('when NEW-RECEIPT has committed, the read-only REPORT is the one that fails', () => {
    const db = setup()
    const newReceipt = db.begin('NEW-RECEIPT')
    db.read(newReceipt, 'batch')
    const closeBatch = db.begin('CLOSE-BATCH')
    db.write(closeBatch, 'batch', '2')
    db.commit(closeBatch)
    const report = db.begin('REPORT', { readOnly: true })
    db.write(newReceipt, 'receipt/1/r1', '100')
    db.commit(newReceipt) // commits after REPORT's snapshot
    expect(db.read(report, 'batch')).toBe('2')
    // Skipping NEW-RECEIPT's invisible receipt completes REPORT →rw NEW-RECEIPT →rw CLOSE-BATCH.
    expect40001(
      () => db.scan(report, 'receipt/1/', 'receipt/1~'),
      new RegExp(`Canceled on conflict out to pivot ${newReceipt.id}, during read\\. Conflict: transaction ${newReceipt.id} \\(rw-antidependency on key`),
    )
  })

  it('no anomaly (and no abort) when REPORT took its snapshot before CLOSE-BATCH committed', () => {
    const db = setup()
    const newReceipt = db.begin('NEW-RECEIPT')
    db.read(newReceipt, 'batch')
    const closeBatch = db.begin('CLOSE-BATCH')
    const report = db.begin('REPORT', { readOnly: true })
    db.write(closeBatch, 'batch', '2')
    db.commit(closeBatch)
    expect(db.read(report, 'batch')).toBe('1')
    db.scan(report, 'receipt/0/', 'receipt/0~')
    db.write(newReceipt, 'receipt/1/r1', '100')
    db.commit(newReceipt)
    db.read(report, 'receipt/1/r1')
    db.commit(report)
    expect([newReceipt, closeBatch, report].every((t) => t.state === 'committed')).toBe(true)
    expect(findCycle(db.txns)).toBeUndefined()
  })

  it('the same structure with a read-write REPORT does abort (the refinement is for read-only Tin only)', () => {
    const db = setup()
    const newReceipt = db.begin('NEW-RECEIPT')
    db.read(newReceipt, 'batch')
    const closeBatch = db.begin('CLOSE-BATCH')
    const report = db.begin('REPORT')
    db.write(closeBatch, 'batch', '2')
    db.read(report, 'batch')
    db.scan(report, 'receipt/1/', 'receipt/1~')
    db.write(report, 'reports/1', 'done')
    db.commit(closeBatch) // Tout commits first, while Tin and the pivot run
    expect(db.attempt(newReceipt, () => db.write(newReceipt, 'receipt/1/r1', '100'))).toBe(false)
    db.commit(report)
  })
})

describe('writers at other isolation levels', () => {
  it('a READ COMMITTED writer can be the Tout that commits first', () => {
    const db = new SimDb()
    const tin = db.begin('Tin')
    const pivot = db.begin('Tpivot')
    const rc = db.begin('RC', { level: 'read committed' })
    db.read(tin, 'a')
    db.read(pivot, 'b')
    db.write(pivot, 'a', '1')
    db.write(rc, 'b', '1') // Tpivot →rw RC
    db.write(tin, 'c', '1')
    db.commit(rc)
    expect40001(() => db.commit(pivot))
    db.commit(tin)
  })

  it('writers that meet no serializable reader leave nothing behind', () => {
    const db = new SimDb()
    for (let i = 0; i < 100; i++) {
      const t = db.begin('RC', { level: 'read committed' })
      db.write(t, `k${i % 7}`, String(i))
      db.commit(t)
    }
    expect(db.ssi.stats()).toMatchObject({ known: 0, committed: 0, rowLocks: 0 })
  })
})
