import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { isIsolaError } from '../../common/errors.js'
import { MvccDatabase } from '../../txn/database.js'
import type { TableId } from '../../txn/types.js'

const dirs: string[] = []
const open: MvccDatabase[] = []
afterEach(async () => {
  for (const db of open.splice(0)) await db.close().catch(() => undefined)
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true })
})

async function setup(dir = fs.mkdtempSync(path.join(os.tmpdir(), 'isola-txn-'))): Promise<{ db: MvccDatabase; table: TableId; dir: string }> {
  dirs.push(dir)
  const db = await MvccDatabase.open({ dir, pageSize: 1024, gcIntervalMs: 0 })
  open.push(db)
  const table = db.store.hasTree(3 as never) ? (3 as TableId) : await db.createTable()
  return { db, table, dir }
}
const k = (s: string) => Buffer.from(s)
const str = (b: Buffer | undefined) => b?.toString()
/** Settles a promise into 'pending' if it has not finished after a few turns of the event loop. */
async function peek<T>(p: Promise<T>): Promise<{ state: 'pending' } | { state: 'done'; value: T } | { state: 'error'; error: unknown }> {
  let r: { state: 'pending' } | { state: 'done'; value: T } | { state: 'error'; error: unknown } = { state: 'pending' }
  p.then((value) => (r = { state: 'done', value }), (error) => (r = { state: 'error', error }))
  for (let i = 0; i < 5; i++) await new Promise((res) => setImmediate(res))
  return r
}

async function seed(db: MvccDatabase, table: TableId, rows: Record<string, string>) {
  const t = db.begin()
  for (const [key, v] of Object.entries(rows)) await t.put(table, k(key), k(v))
  await t.commit()
}

describe('snapshots', () => {
  it('REPEATABLE READ keeps its snapshot; READ COMMITTED takes one per statement', async () => {
    const { db, table } = await setup()
    await seed(db, table, { x: '1' })
    const rr = db.begin({ isolation: 'repeatable read' })
    const rc = db.begin({ isolation: 'read committed' })
    expect(str(await rr.get(table, k('x')))).toBe('1')
    expect(str(await rc.get(table, k('x')))).toBe('1')
    const w = db.begin()
    await w.put(table, k('x'), k('2'))
    await w.put(table, k('y'), k('new'))
    // Readers never block on an uncommitted writer: they see the last committed row.
    expect(str(await rr.get(table, k('x')))).toBe('1')
    await w.commit()
    rr.nextStatement()
    rc.nextStatement()
    expect(str(await rr.get(table, k('x')))).toBe('1')
    expect(await rr.scan(table)).toEqual([[k('x'), k('1')]])
    expect(str(await rc.get(table, k('x')))).toBe('2')
    expect((await rc.scan(table)).map(([a, b]) => `${a}=${b}`)).toEqual(['x=2', 'y=new'])
    expect((await rc.scan(table, { reverse: true })).map(([a]) => a.toString())).toEqual(['y', 'x'])
    await rr.commit()
    await rc.commit()
  })

  it('the snapshot is taken at the first statement, not at begin', async () => {
    const { db, table } = await setup()
    const t = db.begin({ isolation: 'repeatable read' })
    await seed(db, table, { a: '1' })
    expect(str(await t.get(table, k('a')))).toBe('1')
    await t.commit()
  })
})

describe('write conflicts', () => {
  it('first updater wins under REPEATABLE READ; READ COMMITTED re-reads the newest row', async () => {
    const { db, table } = await setup()
    await seed(db, table, { x: '10' })
    for (const isolation of ['repeatable read', 'read committed'] as const) {
      const t1 = db.begin({ isolation })
      const t2 = db.begin({ isolation })
      await t1.get(table, k('x'))
      await t2.get(table, k('x'))
      await t1.modify(table, k('x'), (v) => k(String(Number(v) + 1)))
      const second = t2.modify(table, k('x'), (v) => k(String(Number(v) + 1)))
      expect((await peek(second)).state).toBe('pending') // waits for t1's row lock
      await t1.commit()
      if (isolation === 'repeatable read') {
        await expect(second).rejects.toMatchObject({ code: '40001' })
        await t2.rollback()
      } else {
        await second
        await t2.commit()
      }
    }
    const r = db.begin()
    expect(str(await r.get(table, k('x')))).toBe('13') // 10 +1 (RR) +1 +1 (RC, no lost update)
    await r.commit()
  })

  it('finds deadlocks at once (40P01) and honours lock_timeout, NOWAIT and SKIP LOCKED (55P03)', async () => {
    const { db, table } = await setup()
    await seed(db, table, { a: '1', b: '2' })
    const t1 = db.begin()
    const t2 = db.begin()
    await t1.put(table, k('a'), k('t1'))
    await t2.put(table, k('b'), k('t2'))
    const waiting = t1.put(table, k('b'), k('t1'))
    expect((await peek(waiting)).state).toBe('pending')
    const err = await t2.put(table, k('a'), k('t2')).catch((e: unknown) => e)
    expect(isIsolaError(err, 'deadlock_detected')).toBe(true)
    await t2.rollback()
    await waiting // t1 gets b once t2 is gone
    const t3 = db.begin({ lockTimeoutMs: 50 })
    await expect(t3.put(table, k('a'), k('t3'))).rejects.toMatchObject({ code: '55P03' })
    await expect(t3.lockRow(table, k('a'), 'update', 'nowait')).rejects.toMatchObject({ code: '55P03' })
    expect(await t3.lockRow(table, k('a'), 'update', 'skip-locked')).toBe(false)
    await t1.commit()
    // t1 committed a after t3's statement snapshot: locked, and what t3 read of it is stale.
    expect(await t3.lockRow(table, k('a'), 'share')).toBe('changed')
    t3.nextStatement()
    expect(await t3.lockRow(table, k('a'), 'share')).toBe(true)
    // A shared lock lets other sharers in and keeps writers out.
    const t4 = db.begin({ lockTimeoutMs: 30 })
    expect(await t4.lockRow(table, k('a'), 'share', 'nowait')).toBe(true)
    await expect(t4.put(table, k('a'), k('t4'))).rejects.toMatchObject({ code: '55P03' })
    await t3.commit()
    await t4.rollback()
  })
})

describe('savepoints and read-only transactions', () => {
  it('rollback to a savepoint undoes later writes and keeps earlier ones and all locks', async () => {
    const { db, table } = await setup()
    const t = db.begin()
    await t.put(table, k('a'), k('1'))
    t.savepoint('s1')
    await t.put(table, k('a'), k('2'))
    await t.put(table, k('b'), k('2'))
    t.rollbackToSavepoint('s1')
    expect(str(await t.get(table, k('a')))).toBe('1')
    expect(await t.get(table, k('b'))).toBeUndefined()
    expect(() => t.rollbackToSavepoint('nope')).toThrow(/does not exist/)
    // The lock on b (taken after the savepoint) is still held, as is a's.
    const other = db.begin({ lockTimeoutMs: 20 })
    await expect(other.put(table, k('a'), k('x'))).rejects.toMatchObject({ code: '55P03' })
    await other.rollback()
    await t.commit()
    const r = db.begin()
    expect((await r.scan(table)).map(([a, b]) => `${a}=${b}`)).toEqual(['a=1'])
    await r.commit()
  })

  it('a read-only transaction cannot write (25006)', async () => {
    const { db, table } = await setup()
    const t = db.begin({ readOnly: true })
    await expect(t.put(table, k('a'), k('1'))).rejects.toMatchObject({ code: '25006' })
  })

  it('ended transactions leave the registry, also those that wrote nothing', async () => {
    const { db, table } = await setup()
    const before = db.registry.liveCount
    for (let i = 0; i < 3; i++) {
      const reader = db.begin()
      await reader.get(table, k('a'))
      await reader.commit()
      const writer = db.begin()
      await writer.put(table, k('a'), k(String(i)))
      await writer.commit()
      const rolledBack = db.begin()
      await rolledBack.put(table, k('b'), k('x'))
      await rolledBack.rollback()
    }
    expect(db.registry.liveCount).toBe(before)
  })
})

describe('prepared transactions', () => {
  it('a reader whose snapshot is after the prepare waits for the decision', async () => {
    const { db, table } = await setup()
    await seed(db, table, { x: 'old' })
    const p = db.begin()
    await p.put(table, k('x'), k('prepared'))
    await p.prepare('g1')
    await seed(db, table, { y: 'later' }) // the visible timestamp moves past the prepare
    const reader = db.begin({ isolation: 'repeatable read' })
    const read = reader.get(table, k('x'))
    expect((await peek(read)).state).toBe('pending')
    expect(db.prepared().map((i) => i.gid)).toEqual(['g1'])
    await db.commitPrepared('g1')
    // Committed after the reader's snapshot: the reader goes on with the old row.
    expect(str(await read)).toBe('old')
    await reader.commit()
    const now = db.begin()
    expect(str(await now.get(table, k('x')))).toBe('prepared')
    await now.commit()
  })

  it('getNow answers at once, and with a promise only when it must wait for a prepared writer', async () => {
    const { db, table } = await setup()
    await seed(db, table, { x: 'old', y: 'y' })
    const p = db.begin()
    await p.put(table, k('x'), k('prepared'))
    await p.prepare('g2')
    await seed(db, table, { z: 'later' })
    const reader = db.begin({ isolation: 'repeatable read' })
    const y = reader.getNow(table, k('y'))
    expect(y instanceof Promise).toBe(false)
    expect(str(y as Buffer | undefined)).toBe('y')
    expect(reader.getNow(table, k('absent'))).toBeUndefined()
    const x = reader.getNow(table, k('x'))
    expect(x instanceof Promise).toBe(true)
    expect((await peek(x as Promise<Buffer | undefined>)).state).toBe('pending')
    await db.rollbackPrepared('g2')
    expect(str(await x)).toBe('old')
    await reader.commit()
  })

  it('survives a crash with its locks, then commits or rolls back', async () => {
    const { db, table, dir } = await setup()
    await seed(db, table, { a: '0', b: '0' })
    const p1 = db.begin()
    await p1.put(table, k('a'), k('1'))
    await p1.prepare('keep')
    const p2 = db.begin()
    await p2.put(table, k('b'), k('1'))
    await p2.prepare('drop')
    db.store.abandon() // kill -9
    open.splice(open.indexOf(db), 1)

    const db2 = await MvccDatabase.open({ dir, pageSize: 1024, gcIntervalMs: 0 })
    open.push(db2)
    expect(db2.prepared().map((i) => i.gid).sort()).toEqual(['drop', 'keep'])
    expect(db2.prepared().find((i) => i.gid === 'keep')!.holds.map((h) => h.key.toString())).toEqual(['a'])
    const blocked = db2.begin({ lockTimeoutMs: 30 })
    await expect(blocked.put(table, k('a'), k('x'))).rejects.toMatchObject({ code: '55P03' })
    await blocked.rollback()
    await db2.commitPrepared('keep')
    await db2.rollbackPrepared('drop')
    await expect(db2.commitPrepared('drop')).rejects.toMatchObject({ code: '42704' })
    const r = db2.begin()
    expect((await r.scan(table)).map(([a, b]) => `${a}=${b}`)).toEqual(['a=1', 'b=0'])
    await r.commit()
  })
})

describe('the snapshot horizon', () => {
  it('is the oldest snapshot of a running transaction; prepared and ended ones hold nothing back', async () => {
    const { db, table } = await setup()
    await seed(db, table, { a: '0' })
    const reader = db.begin({ isolation: 'repeatable read' })
    await reader.get(table, k('a'))
    const s1 = reader.snapshot!
    const p = db.begin()
    await p.get(table, k('a'))
    await p.put(table, k('p'), k('1'))
    await seed(db, table, { a: '1' })
    expect(db.horizon()).toBe(s1)
    await p.prepare('h')
    expect(db.horizon()).toBe(s1)
    await reader.commit()
    // Only the prepared transaction is left, and it no longer reads.
    expect(db.horizon()).toBe(db.oracle.visible)
    const rc = db.begin()
    await rc.get(table, k('a'))
    expect(db.horizon()).toBe(rc.snapshot)
    rc.nextStatement() // READ COMMITTED: the statement's snapshot is dropped
    expect(db.horizon()).toBe(db.oracle.visible)
    await rc.commit()
    await db.rollbackPrepared('h')
  })
})

describe('garbage collection', () => {
  it('keeps the versions per key bounded over 100k updates of 100 keys', async () => {
    const { db, table } = await setup()
    const keys = Array.from({ length: 100 }, (_, i) => k(`key-${i}`))
    let maxSeen = 0
    let done = 0
    const worker = async (w: number) => {
      for (let n = w; n < 10_000; n += 8) {
        const t = db.begin()
        // 10 keys per transaction: 10,000 transactions make 100,000 updates.
        for (let j = 0; j < 10; j++) await t.put(table, keys[(n * 10 + j) % 100]!, k(`v${n}`))
        await t.commit()
        if (++done % 250 === 0) {
          await db.gcStep(10_000)
          for (const key of keys) maxSeen = Math.max(maxSeen, db.versions(table, key).length)
        }
      }
    }
    await Promise.all(Array.from({ length: 8 }, (_, w) => worker(w)))
    while ((await db.gcStep(10_000)) > 0) {}
    for (const key of keys) expect(db.versions(table, key).length).toBe(1)
    // Between GC steps a key gathers at most the updates of 250 transactions (25 each).
    expect(maxSeen).toBeLessThanOrEqual(60)
    expect(maxSeen).toBeGreaterThan(1)
  })

  it('keeps what an open snapshot still needs', async () => {
    const { db, table } = await setup()
    await seed(db, table, { x: 'v1' })
    const old = db.begin({ isolation: 'repeatable read' })
    expect(str(await old.get(table, k('x')))).toBe('v1')
    for (let i = 2; i <= 5; i++) await seed(db, table, { x: `v${i}` })
    await db.gcStep()
    expect(str(await old.get(table, k('x')))).toBe('v1')
    await old.commit()
    await db.gcStep()
    expect(db.versions(table, k('x')).length).toBe(1)
    const del = db.begin()
    await del.delete(table, k('x'))
    await del.commit()
    await db.gcStep()
    expect(db.versions(table, k('x')).length).toBe(0)
  })
})
