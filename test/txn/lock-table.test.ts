import { describe, expect, it } from 'vitest'
import type { TxnId } from '../../common/ids.js'
import { LockTable } from '../../txn/lock-table.js'

const t = (n: number) => n as TxnId
/** Settles a promise into 'pending' if it has not finished after a few turns of the event loop. */
async function state(p: Promise<boolean> | boolean): Promise<string> {
  if (typeof p === 'boolean') return `granted ${p}`
  let r = 'pending'
  p.then((v) => (r = `granted ${v}`), (e) => (r = `failed ${(e as { code?: string }).code}`))
  for (let i = 0; i < 5; i++) await new Promise((res) => setImmediate(res))
  return r
}

describe('lock table', () => {
  it('shares and excludes the same with entries that stay (object locks) as with those that go', async () => {
    for (const keep of [false, true]) {
      const locks = new LockTable()
      expect(await state(locks.acquire(t(1), 'x', 'share', 'wait', 0, keep))).toBe('granted true')
      expect(await state(locks.acquire(t(2), 'x', 'share', 'wait', 0, keep))).toBe('granted true')
      expect(await state(locks.acquire(t(2), 'x', 'share', 'wait', 0, keep))).toBe('granted true')
      expect(locks.holders('x').sort()).toEqual([1, 2])
      const ddl = locks.acquire(t(3), 'x', 'update', 'wait', 0, keep)
      expect(await state(ddl)).toBe('pending')
      // A sharer queued behind the exclusive request waits too (FIFO).
      const late = locks.acquire(t(4), 'x', 'share', 'wait', 0, keep)
      locks.releaseAll(t(1))
      expect(await state(ddl)).toBe('pending')
      locks.releaseAll(t(2))
      expect(await state(ddl)).toBe('granted true')
      expect(await state(late)).toBe('pending')
      expect(locks.heldBy(t(3))).toEqual(['x'])
      locks.releaseAll(t(3))
      expect(await state(late)).toBe('granted true')
      locks.releaseAll(t(4))
      expect(locks.holders('x')).toEqual([])
      // Free again: anyone gets it at once, in either mode.
      expect(await state(locks.acquire(t(5), 'x', 'update', 'wait', 0, keep))).toBe('granted true')
      expect(await state(locks.acquire(t(5), 'x', 'share', 'wait', 0, keep))).toBe('granted true')
      expect(locks.heldBy(t(5))).toEqual(['x'])
      locks.releaseAll(t(5))
    }
  })

  it('upgrades a lone sharer, and sees a deadlock between two upgraders', async () => {
    const locks = new LockTable()
    locks.acquire(t(1), 'r', 'share')
    expect(await state(locks.acquire(t(1), 'r', 'update'))).toBe('granted true')
    expect(locks.heldBy(t(1))).toEqual(['r'])
    locks.releaseAll(t(1))
    locks.acquire(t(1), 'r', 'share')
    locks.acquire(t(2), 'r', 'share')
    const first = locks.acquire(t(1), 'r', 'update')
    expect(await state(first)).toBe('pending')
    expect(() => locks.acquire(t(2), 'r', 'update')).toThrow(expect.objectContaining({ code: '40P01' }))
    locks.releaseAll(t(2))
    expect(await state(first)).toBe('granted true')
  })

  it('lists its wait-for edges with wait ids, and rejects one wait by its id (a coordinator\'s deadlock verdict)', async () => {
    const locks = new LockTable()
    locks.acquire(t(1), 'a', 'share')
    locks.acquire(t(2), 'a', 'share')
    const w3 = locks.acquire(t(3), 'a', 'update')
    const w4 = locks.acquire(t(4), 'a', 'share') // behind the exclusive request (FIFO)
    expect(await state(w3)).toBe('pending')
    const edges = locks.waits()
    // t3, first in the queue, waits for both sharers; t4 for t3 just ahead of it (and through t3 for the sharers).
    expect(edges.map((e) => [e.waiter, e.holder, e.lock, e.mode])).toEqual([
      [3, 1, 'a', 'update'], [3, 2, 'a', 'update'],
      [4, 3, 'a', 'share'],
    ])
    const id3 = edges[0]!.waitId
    const id4 = edges[2]!.waitId
    expect(id3).not.toBe(id4)
    expect(edges.every((e) => e.since <= Date.now())).toBe(true)
    // Rejecting t3's wait fails it with the error given, and t4, queued behind it, now shares the lock.
    expect(locks.rejectWait(id3, Object.assign(new Error('deadlock detected'), { code: '40P01' }))).toBe(true)
    expect(await state(w3)).toBe('failed 40P01')
    expect(await state(w4)).toBe('granted true')
    expect(locks.holders('a').sort()).toEqual([1, 2, 4])
    expect(locks.waits()).toEqual([])
    // A wait that is over is not rejected again, nor a later wait of the same transaction.
    expect(locks.rejectWait(id3, new Error('x'))).toBe(false)
    const again = locks.acquire(t(3), 'a', 'update')
    expect(locks.rejectWait(id3, new Error('x'))).toBe(false)
    expect(await state(again)).toBe('pending')
    locks.releaseAll(t(1))
    locks.releaseAll(t(2))
    locks.releaseAll(t(4))
    expect(await state(again)).toBe('granted true')
  })

  it('a lock timeout lets the waiters behind the one that gave up go', async () => {
    const locks = new LockTable()
    locks.acquire(t(1), 'a', 'share')
    const ex = locks.acquire(t(2), 'a', 'update', 'wait', 20) as Promise<boolean>
    ex.catch(() => undefined)
    const sh = locks.acquire(t(3), 'a', 'share')
    expect(await state(sh)).toBe('pending')
    await new Promise((r) => setTimeout(r, 40))
    expect(await state(ex)).toBe('failed 55P03')
    expect(await state(sh)).toBe('granted true')
  })
})
