/**
 * The hooks' contract details: conflicts(), doomed transactions, calls about
 * transactions SSI does not track.
 */
import { describe, expect, it } from 'vitest'
import { asTimestamp, asTxnId } from '../../../common/ids.js'
import { createSsi } from '../../../txn/ssi/index.js'
import { detailOf, key, SimDb, TABLE } from './sim-db.js'

describe('conflicts()', () => {
  it('reports the other end of each edge, in and out, with its state', () => {
    const db = new SimDb()
    const t1 = db.begin('T1')
    const t2 = db.begin('T2')
    db.read(t1, 'k')
    db.write(t2, 'k', 'v')
    expect(db.ssi.conflicts(t1.id)).toEqual({ ins: [], outs: [{ name: `local:${t2.id}`, state: 'active' }] })
    expect(db.ssi.conflicts(t2.id)).toEqual({ ins: [{ name: `local:${t1.id}`, state: 'active' }], outs: [] })
    expect(db.ssi.conflicts(asTxnId(12345))).toEqual({ ins: [], outs: [] })
  })

  it('names a distributed transaction\'s branch by its gid, and a committed end with its commit timestamp', () => {
    const db = new SimDb()
    const t1 = db.begin('T1')
    const t2 = db.begin('T2')
    db.ssi.name(t2.id, 'isola:c1:1:7')
    db.read(t1, 'k')
    db.write(t2, 'k', 'v')
    db.commit(t2)
    expect(db.ssi.conflicts(t1.id)).toEqual({ ins: [], outs: [{ name: 'isola:c1:1:7', state: 'committed', commitTs: expect.any(Number) }] })
  })
})

describe('doomed transactions', () => {
  function doomedPivot() {
    const db = new SimDb()
    const tin = db.begin('Tin')
    const pivot = db.begin('Tpivot')
    const tout = db.begin('Tout')
    db.read(tin, 'a')
    db.read(pivot, 'b')
    db.write(pivot, 'a', '1')
    db.write(tout, 'b', '1')
    db.commit(tout)
    expect(db.ssi.isDoomed(pivot.id)).toBe(true)
    return { db, pivot, tout }
  }

  it('fail at every later call, saying when', () => {
    const { db, pivot, tout } = doomedPivot()
    const conflict = `Conflict: transaction ${tout.id} (rw-antidependency on key 62 of table 1).`
    expect(detailOf(() => db.ssi.onRead(pivot.id, TABLE, key('x')))).toBe(
      `Reason code: Canceled on identification as a pivot, during read. ${conflict} Dangerous structure: transaction 1 →rw transaction ${pivot.id} →rw transaction ${tout.id}, which commits first.`,
    )
    expect(detailOf(() => db.ssi.onScan(pivot.id, TABLE, undefined, undefined))).toMatch(/during read\./)
    expect(detailOf(() => db.ssi.onWrite(pivot.id, TABLE, key('x')))).toMatch(/during conflict in checking\./)
    expect(detailOf(() => db.ssi.onInvisibleVersion(pivot.id, tout.id, TABLE, key('x')))).toMatch(/during conflict out checking\./)
    expect(detailOf(() => db.ssi.preCommit(pivot.id))).toMatch(/^Reason code: Canceled on identification as a pivot, during commit attempt\./)
  })

  it('a Tout committing over a prepared pivot fails itself', () => {
    const db = new SimDb()
    const tin = db.begin('Tin')
    const pivot = db.begin('Tpivot')
    const tout = db.begin('Tout')
    db.read(tin, 'a')
    db.read(pivot, 'b')
    db.write(pivot, 'a', '1')
    db.write(tout, 'b', '1')
    db.write(tin, 'c', '1')
    db.ssi.preCommit(pivot.id) // prepared: it can no longer be the one to fail
    expect(detailOf(() => db.commit(tout))).toMatch(
      new RegExp(`^Reason code: Canceled on commit attempt with conflict in from prepared pivot\\. Conflict: transaction ${pivot.id} \\(rw-antidependency on key 62 of table 1\\)\\.`),
    )
    db.ssi.committed(pivot.id, asTimestamp(10))
    db.commit(tin)
    expect(db.ssi.stats().unpreventable).toBe(0)
  })
})

describe('transactions SSI does not track', () => {
  it('ignores reads of unknown transactions and ends of unknown ones', () => {
    const ssi = createSsi()
    ssi.onRead(asTxnId(1), TABLE, key('a'))
    ssi.onScan(asTxnId(1), TABLE, undefined, undefined)
    ssi.onInvisibleVersion(asTxnId(1), asTxnId(2), TABLE, key('a'))
    ssi.preCommit(asTxnId(1))
    ssi.committed(asTxnId(1), asTimestamp(5))
    ssi.aborted(asTxnId(3))
    ssi.cleanup(asTimestamp(5))
    expect(ssi.stats()).toMatchObject({ known: 0, rowLocks: 0, rangeLocks: 0, tableLocks: 0 })
  })

  it('refuses to begin the same transaction twice', () => {
    const ssi = createSsi()
    ssi.begin({ id: asTxnId(1), snapshot: asTimestamp(1), readOnly: false })
    expect(() => ssi.begin({ id: asTxnId(1), snapshot: asTimestamp(1), readOnly: false })).toThrow(/twice/)
  })
})
