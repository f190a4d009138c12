/**
 * Scans with a limit, forwards and backwards, resumed from their last key (how the
 * SQL executor streams a table), against a model; and SERIALIZABLE's SIREAD lock
 * covering only the part of the range such a scan read.
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import fc from 'fast-check'
import { afterEach, describe, expect, it } from 'vitest'
import { isIsolaError } from '../../common/errors.js'
import { MvccDatabase } from '../../txn/database.js'
import { createSsi } from '../../txn/ssi/index.js'
import { successorKey, type TableId } from '../../txn/types.js'

const dirs: string[] = []
const dbs: MvccDatabase[] = []
afterEach(async () => {
  for (const db of dbs.splice(0)) await db.close().catch(() => undefined)
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true })
})

async function setup(): Promise<{ db: MvccDatabase; table: TableId }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'isola-scan-'))
  dirs.push(dir)
  const db = await MvccDatabase.open({ dir, pageSize: 1024, gcIntervalMs: 0, ssi: createSsi() })
  dbs.push(db)
  return { db, table: await db.createTable() }
}

const key = (n: number) => Buffer.from(n.toString().padStart(4, '0'))

describe('scans with a limit', () => {
  it('page through a range forwards and backwards exactly as one unlimited scan', async () => {
    const { db, table } = await setup()
    await fc.assert(
      fc.asyncProperty(
        fc.uniqueArray(fc.integer({ min: 0, max: 300 }), { maxLength: 120 }),
        fc.uniqueArray(fc.integer({ min: 0, max: 300 }), { maxLength: 40 }),
        fc.integer({ min: 1, max: 17 }),
        fc.integer({ min: 0, max: 300 }),
        fc.integer({ min: 0, max: 300 }),
        async (present, deleted, limit, a, b) => {
          // Several versions per key (writes, then deletes) so scans must skip invisible ones.
          const w = db.begin()
          for (const n of present) await w.put(table, key(n), Buffer.from(`v${n}`))
          await w.commit()
          const d = db.begin()
          for (const n of deleted) await d.delete(table, key(n))
          await d.commit()
          const [lo, hi] = a <= b ? [a, b] : [b, a]
          const range = { from: key(lo), to: key(hi) }
          const r = db.begin({ isolation: 'repeatable read' })
          const whole = (await r.scan(table, range)).map(([k]) => k.toString())
          const forward: string[] = []
          let from: Uint8Array = range.from
          for (;;) {
            const page = await r.scan(table, { from, to: range.to, limit })
            forward.push(...page.map(([k]) => k.toString()))
            if (page.length < limit) break
            from = successorKey(page[page.length - 1]![0])
          }
          const backward: string[] = []
          let to: Uint8Array = range.to
          for (;;) {
            const page = await r.scan(table, { from: range.from, to, reverse: true, limit })
            backward.push(...page.map(([k]) => k.toString()))
            if (page.length < limit) break
            to = page[page.length - 1]![0]
          }
          await r.commit()
          expect(forward).toEqual(whole)
          expect(backward).toEqual([...whole].reverse())
          // Clean up for the next run.
          const c = db.begin()
          for (const [k] of await c.scan(table)) await c.delete(table, k)
          await c.commit()
        },
      ),
      { numRuns: 60 },
    )
  })

  it('SIREAD-locks only what a limited scan read', async () => {
    const { db, table } = await setup()
    const w = db.begin()
    for (let n = 0; n < 20; n++) await w.put(table, key(n), Buffer.from('x'))
    await w.commit()
    // T1 reads the first 3 rows of the table, T2 the last 3 backwards; each writes a key
    // the other did not read. Without over-wide predicate locks there is no conflict.
    const t1 = db.begin({ isolation: 'serializable' })
    const t2 = db.begin({ isolation: 'serializable' })
    expect((await t1.scan(table, { limit: 3 })).length).toBe(3)
    expect((await t2.scan(table, { reverse: true, limit: 3 })).length).toBe(3)
    await t1.put(table, key(10), Buffer.from('t1'))
    await t2.put(table, key(11), Buffer.from('t2'))
    await t1.commit()
    await t2.commit()
    // Now a real conflict: each writes into the range the other read (write skew).
    const t3 = db.begin({ isolation: 'serializable' })
    const t4 = db.begin({ isolation: 'serializable' })
    await t3.scan(table, { limit: 3 })
    await t4.scan(table, { reverse: true, limit: 3 })
    await t3.put(table, key(19), Buffer.from('t3'))
    await t4.put(table, key(0), Buffer.from('t4'))
    await t3.commit()
    let failure: unknown
    try {
      await t4.commit()
    } catch (e) {
      failure = e
    }
    expect(isIsolaError(failure, 'serialization_failure')).toBe(true)
  })
})

/** A scanEach pass, copied out as scan's [key, value] pairs (views are valid during the visit only). */
async function scanEachPairs(t: ReturnType<MvccDatabase['begin']>, table: TableId, range: Parameters<typeof t.scan>[1]): Promise<{ rows: [string, string][]; last: Buffer | undefined }> {
  const rows: [string, string][] = []
  const last = await t.scanEach(table, range ?? {}, (r) => rows.push([r.key().toString(), Buffer.from(r.bytes.subarray(r.start, r.end)).toString()]))
  return { rows, last }
}

describe('scanEach', () => {
  it('visits what scan returns, page by page, with own writes, deletes and older versions', async () => {
    const { db, table } = await setup()
    await fc.assert(
      fc.asyncProperty(
        fc.uniqueArray(fc.integer({ min: 0, max: 300 }), { maxLength: 120 }),
        fc.uniqueArray(fc.integer({ min: 0, max: 300 }), { maxLength: 40 }),
        fc.uniqueArray(fc.integer({ min: 0, max: 300 }), { maxLength: 20 }),
        fc.integer({ min: 1, max: 17 }),
        fc.integer({ min: 0, max: 300 }),
        fc.integer({ min: 0, max: 300 }),
        fc.boolean(),
        async (present, deleted, own, limit, a, b, reverse) => {
          const w = db.begin()
          for (const n of present) await w.put(table, key(n), Buffer.from(`v${n}`))
          await w.commit()
          const d = db.begin()
          for (const n of deleted) await d.delete(table, key(n))
          await d.commit()
          const [lo, hi] = a <= b ? [a, b] : [b, a]
          const r = db.begin({ isolation: 'repeatable read' })
          for (const n of own) await r.put(table, key(n), Buffer.from(`own${n}`))
          const range = { from: key(lo), to: key(hi), reverse }
          const whole = (await r.scan(table, range)).map(([k, v]): [string, string] => [k.toString(), v.toString()])
          expect((await scanEachPairs(r, table, range)).rows).toEqual(whole)
          const paged: [string, string][] = []
          let bounds: { from: Uint8Array; to: Uint8Array } = { from: range.from, to: range.to }
          for (;;) {
            const page = await scanEachPairs(r, table, { ...bounds, reverse, limit })
            paged.push(...page.rows)
            if (page.last === undefined) break
            expect(page.rows.length).toBe(limit)
            expect(page.last.toString()).toBe(page.rows[page.rows.length - 1]![0])
            bounds = reverse ? { ...bounds, to: page.last } : { ...bounds, from: successorKey(page.last) }
          }
          expect(paged).toEqual(whole)
          await r.rollback()
          const c = db.begin()
          for (const [k] of await c.scan(table)) await c.delete(table, k)
          await c.commit()
        },
      ),
      { numRuns: 60 },
    )
  })

  it('reads rows right when the writers\' statuses come from the status tree through a small buffer pool', async () => {
    // Each row by its own transaction, in scattered key order; after a restart no status
    // is cached, so the scan reads status tree pages all over between rows, and with 16
    // frames those reads evict pages (the scan must fetch its leaf again, not read a
    // frame that now holds another page).
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'isola-scan-'))
    dirs.push(dir)
    const options = { dir, pageSize: 1024, poolBytes: 16 * 1024, gcIntervalMs: 0 }
    let db = await MvccDatabase.open(options)
    const table = await db.createTable()
    const value = (n: number) => Buffer.from(`${n}:`.padEnd(150, String.fromCharCode(97 + (n % 26))))
    for (let i = 0; i < 600; i++) {
      const n = (i * 7) % 600
      const w = db.begin()
      await w.put(table, key(n), value(n))
      await w.commit()
    }
    await db.close()
    db = await MvccDatabase.open(options)
    dbs.push(db)
    const r = db.begin()
    const { rows } = await scanEachPairs(r, table, {})
    expect(rows).toEqual(Array.from({ length: 600 }, (_, n) => [key(n).toString(), value(n).toString()]))
    await r.commit()
  })

  it('waits for a prepared writer in the middle of the range, then goes on without visiting a row twice', async () => {
    const { db, table } = await setup()
    const w = db.begin()
    for (let n = 0; n < 10; n++) await w.put(table, key(n), Buffer.from(`v${n}`))
    await w.commit()
    const p = db.begin()
    await p.put(table, key(5), Buffer.from('prepared'))
    await p.prepare('g')
    const bump = db.begin() // moves the visible timestamp past the prepare
    await bump.put(table, key(99), Buffer.from('x'))
    await bump.commit()
    const r = db.begin({ isolation: 'repeatable read' })
    const seen: string[] = []
    const done = r.scanEach(table, { to: key(20), limit: 8 }, (row) => seen.push(row.key().toString()))
    await new Promise((res) => setTimeout(res, 20))
    expect(seen).toEqual(['0000', '0001', '0002', '0003', '0004'])
    await db.commitPrepared('g')
    expect((await done)?.toString()).toBe('0007')
    expect(seen).toEqual(['0000', '0001', '0002', '0003', '0004', '0005', '0006', '0007'])
    await r.commit()
  })
})
