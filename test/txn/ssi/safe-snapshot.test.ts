/**
 * Read-only transactions: safe snapshots and READ ONLY DEFERRABLE (Ports & Grittner §4.2).
 */
import { describe, expect, it } from 'vitest'
import { isIsolaError } from '../../../common/errors.js'
import { SimDb } from './sim-db.js'

describe('safe snapshots', () => {
  it('a read-only transaction with no read-write transaction running is safe at once and untracked', async () => {
    const db = new SimDb()
    const r = db.begin('R', { readOnly: true })
    expect(db.ssi.snapshotSafety(r.id)).toBe('safe')
    expect(db.ssi.safeSnapshot(r.id)).toBe(true)
    await expect(db.ssi.whenSafe(r.id)).resolves.toBe(true)
    db.read(r, 'x')
    db.scan(r, 'a', 'z')
    expect(db.ssi.stats()).toMatchObject({ rowLocks: 0, rangeLocks: 0, running: 0 })
    // Writers after it never conflict with it.
    const w = db.begin('W')
    db.write(w, 'x', '1')
    db.commit(w)
    db.commit(r)
    expect(db.ssi.stats().known).toBe(0)
  })

  it('read-write transactions are never "safe"', () => {
    const db = new SimDb()
    const t = db.begin('T')
    expect(db.ssi.snapshotSafety(t.id)).toBeUndefined()
    expect(db.ssi.safeSnapshot(t.id)).toBe(false)
  })

  it('becomes safe when the concurrent writers commit without an early conflict out (DEFERRABLE waits for it)', async () => {
    const db = new SimDb()
    const w1 = db.begin('W1')
    const w2 = db.begin('W2')
    const r = db.begin('R', { readOnly: true })
    expect(db.ssi.snapshotSafety(r.id)).toBe('pending')
    let settled: boolean | undefined
    void db.ssi.whenSafe(r.id).then((s) => (settled = s))
    db.read(r, 'x') // tracked while pending
    expect(db.ssi.stats().rowLocks).toBe(1)
    db.write(w1, 'x', '1')
    db.commit(w1)
    await Promise.resolve()
    expect(settled).toBeUndefined()
    db.abort(w2)
    await Promise.resolve()
    expect(settled).toBe(true)
    expect(db.ssi.snapshotSafety(r.id)).toBe('safe')
    // Now untracked: its locks and edges are gone.
    expect(db.ssi.conflicts(r.id)).toEqual({ ins: [], outs: [] })
    expect(db.ssi.stats().rowLocks).toBe(0)
    db.read(r, 'y')
    expect(db.ssi.stats().rowLocks).toBe(0)
    db.commit(r)
  })

  it('becomes unsafe when a concurrent writer commits with a conflict out to a transaction committed before the snapshot', async () => {
    const db = new SimDb()
    const pivot = db.begin('Tpivot')
    const tout = db.begin('Tout')
    db.read(pivot, 'b')
    db.write(tout, 'b', '1') // Tpivot →rw Tout
    db.commit(tout)
    const r = db.begin('R', { readOnly: true }) // snapshot after Tout's commit
    const wait = db.ssi.whenSafe(r.id)
    db.write(pivot, 'a', '1')
    db.commit(pivot)
    await expect(wait).resolves.toBe(false)
    expect(db.ssi.snapshotSafety(r.id)).toBe('unsafe')
    // The DEFERRABLE caller drops this snapshot and takes a new one: now nothing runs, so it is safe.
    db.abort(r)
    const again = db.begin('R2', { readOnly: true })
    await expect(db.ssi.whenSafe(again.id)).resolves.toBe(true)
  })

  it('an unsafe read-only transaction stays tracked and is protected from the anomaly', () => {
    const db = new SimDb()
    const pivot = db.begin('Tpivot')
    const tout = db.begin('Tout')
    db.read(pivot, 'b')
    db.write(tout, 'b', '1')
    db.commit(tout)
    const r = db.begin('R', { readOnly: true })
    db.write(pivot, 'a', '1')
    db.commit(pivot)
    let caught: unknown
    try {
      db.read(r, 'a') // skips the pivot's version: R →rw Tpivot →rw Tout, Tout before R's snapshot
    } catch (e) {
      caught = e
    }
    expect(isIsolaError(caught, 'serialization_failure')).toBe(true)
  })

  it('whenSafe resolves false when the transaction ends while waiting', async () => {
    const db = new SimDb()
    db.begin('W')
    const r = db.begin('R', { readOnly: true })
    const wait = db.ssi.whenSafe(r.id)
    db.abort(r)
    await expect(wait).resolves.toBe(false)
    await expect(db.ssi.whenSafe(r.id)).resolves.toBe(false)
  })
})
