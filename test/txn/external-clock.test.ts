/**
 * A node driven by a coordinator's clock (DESIGN.md §2): snapshots and one-phase
 * commit timestamps from outside, the reservation kept above them across restarts,
 * and readers that never see a commit before it is durable.
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { asTimestamp, type Timestamp } from '../../common/ids.js'
import { MvccDatabase } from '../../txn/database.js'
import { RESERVE_BLOCK } from '../../txn/oracle.js'
import type { TableId } from '../../txn/types.js'

let dirs: string[] = []
const tmp = (): string => {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'isola-clock-'))
  dirs.push(d)
  return d
}
afterEach(() => {
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true })
  dirs = []
})
const K = Buffer.from('k')
const text = (b: Buffer | undefined): string | undefined => b?.toString()

describe('timestamps from a coordinator', () => {
  it('snapshots come from the source; a commit proposed below a served snapshot lands above it', async () => {
    const db = await MvccDatabase.open({ dir: tmp(), gcIntervalMs: 0 })
    try {
      const table = (await db.createTable()) as TableId
      const at = async (ts: number) => {
        await db.advanceClock(asTimestamp(ts))
        return db.begin({ isolation: 'repeatable read', snapshot: () => asTimestamp(ts) })
      }
      const w = await at(10)
      await w.put(table, K, Buffer.from('v1'))
      await db.advanceClock(asTimestamp(50))
      expect(await w.commit(asTimestamp(50))).toBe(50)
      const before = await at(49)
      expect(text(await before.get(table, K))).toBeUndefined()
      expect(before.snapshot).toBe(49)
      const after = await at(50)
      expect(text(await after.get(table, K))).toBe('v1')
      // A reader at 80 has been served; a writer proposing 60 commits at 81.
      const reader = await at(80)
      expect(text(await reader.get(table, K))).toBe('v1')
      const w2 = await at(55)
      await w2.put(table, K, Buffer.from('v2'))
      await db.advanceClock(asTimestamp(60))
      expect(await w2.commit(asTimestamp(60))).toBe(81)
      expect(text(await reader.get(table, K))).toBe('v1')
      // READ COMMITTED asks the source at every statement.
      let now = 80
      await db.advanceClock(asTimestamp(81))
      const rc = db.begin({ snapshot: () => asTimestamp(now) })
      expect(text(await rc.get(table, K))).toBe('v1')
      rc.nextStatement()
      now = 81
      expect(text(await rc.get(table, K))).toBe('v2')
      for (const t of [before, after, reader, rc]) await t.commit()
    } finally {
      await db.close()
    }
  })

  it('a snapshot not advanced to is refused, and far jumps stay durable across a restart', async () => {
    const dir = tmp()
    let db = await MvccDatabase.open({ dir, gcIntervalMs: 0 })
    const table = (await db.createTable()) as TableId
    const far = asTimestamp(7 * RESERVE_BLOCK)
    const early = db.begin({ snapshot: () => far })
    await expect(early.get(table, K)).rejects.toThrow(/before the oracle advanced/)
    await early.rollback()
    await db.advanceClock(far)
    const w = db.begin({ snapshot: () => far })
    await w.put(table, K, Buffer.from('far'))
    const ts = (await w.commit(far)) as Timestamp
    expect(ts).toBe(far + 1) // above the snapshot it served
    await db.close()
    db = await MvccDatabase.open({ dir, gcIntervalMs: 0 })
    try {
      // The node's own timestamps after the restart are above the coordinator's.
      const local = db.begin()
      expect(text(await local.get(table, K))).toBe('far')
      await local.put(table, K, Buffer.from('later'))
      expect(await local.commit()).toBeGreaterThan(ts)
    } finally {
      await db.close()
    }
  })

  it('a reader whose snapshot covers a commit that is not yet durable waits for it', async () => {
    const db = await MvccDatabase.open({ dir: tmp(), gcIntervalMs: 0 })
    try {
      const table = (await db.createTable()) as TableId
      await db.advanceClock(asTimestamp(100))
      const w = db.begin({ snapshot: () => asTimestamp(10) })
      await w.put(table, K, Buffer.from('v'))
      const committing = w.commit(asTimestamp(20)) // commit record appended, fsync pending
      expect(db.registry.status(w.id)).toMatchObject({ kind: 'committed', commitTs: 20 })
      const r = db.begin({ snapshot: () => asTimestamp(30) })
      const read = r.get(table, K)
      let settledFirst: string | undefined
      await Promise.race([read.then(() => (settledFirst ??= 'read')), committing.then(() => (settledFirst ??= 'commit'))])
      expect(settledFirst).toBe('commit')
      expect(text(await read)).toBe('v')
      await r.commit()
    } finally {
      await db.close()
    }
  })
})
