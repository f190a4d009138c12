import fc from 'fast-check'
import { afterEach, describe, expect, it } from 'vitest'
import { asLsn, type Lsn } from '../../../common/ids.js'
import { FaultyFs, openWal, readAll, recordBytes, removeTempDirs, tempDir } from './helpers.js'

afterEach(removeTempDirs)

const tick = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))

describe('group commit', () => {
  it('shares one datasync among commits that arrive together', async () => {
    const faulty = new FaultyFs()
    const wal = openWal(tempDir(), faulty)
    await Promise.all(
      Array.from({ length: 50 }, async (_, i) => {
        const lsn = wal.append(recordBytes(i, 20))
        await wal.flush(lsn)
        expect(wal.durableLsn).toBeGreaterThan(lsn)
      }),
    )
    // A round waits one event-loop turn before writing, so all 50 arrivals of this turn share it.
    expect(faulty.datasyncs).toBe(1)
    await wal.close()
  })

  it('a lone committer fsyncs inline, and concurrent committers bring grouped rounds back', async () => {
    const faulty = new FaultyFs()
    const wal = openWal(tempDir(), faulty)
    // One at a time: one datasync per commit (inline after the first few rounds).
    for (let i = 0; i < 40; i++) {
      const lsn = wal.append(recordBytes(i, 20))
      await wal.flush(lsn)
      expect(wal.durableLsn).toBeGreaterThan(lsn)
    }
    expect(faulty.datasyncs).toBe(40)
    // Then 8 committers at a time: after at most one probe interval, rounds are shared again.
    faulty.datasyncs = 0
    let next = 0
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        while (next < 400) {
          const lsn = wal.append(recordBytes(1000 + next++, 20))
          await wal.flush(lsn)
          expect(wal.durableLsn).toBeGreaterThan(lsn)
        }
      }),
    )
    expect(faulty.datasyncs).toBeLessThan(400 / 8 + 16)
    await wal.close()
  })

  it('batches commits that arrive while a datasync is in flight into the next round', async () => {
    const faulty = new FaultyFs()
    faulty.syncDelayMs = 5
    const wal = openWal(tempDir(), faulty)
    let acknowledged = 0
    await Promise.all(
      Array.from({ length: 50 }, async (_, i) => {
        await tick(i % 10) // arrivals spread over ~10 ms, i.e. over several rounds
        const lsn = wal.append(recordBytes(i, 20))
        await wal.flush(lsn)
        expect(wal.durableLsn).toBeGreaterThan(lsn)
        acknowledged++
      }),
    )
    expect(acknowledged).toBe(50)
    expect(faulty.datasyncs).toBeLessThan(15)
    expect(faulty.datasyncs).toBeGreaterThan(1)
    await wal.close()
  })

  it('puts appends made during a datasync into the next chunk, and never acknowledges them early', async () => {
    const faulty = new FaultyFs()
    faulty.syncDelayMs = 20
    const wal = openWal(tempDir(), faulty)
    const first = wal.append(recordBytes(1, 10))
    const round1 = wal.flush(first)
    await new Promise((r) => setTimeout(r, 5)) // round 1 is now in its 20 ms datasync
    const second = wal.append(recordBytes(2, 10))
    let secondDone = false
    const round2 = wal.flush(second).then(() => {
      secondDone = true
    })
    await round1
    expect(wal.durableLsn).toBeGreaterThan(first)
    expect(wal.durableLsn).toBeLessThanOrEqual(second) // the second record is in a later chunk
    expect(secondDone).toBe(false)
    await round2
    expect(wal.durableLsn).toBeGreaterThan(second)
    expect(faulty.datasyncs).toBe(2)
    await wal.close()
  })

  it('resolves a flush only when its bytes are durable, under random interleavings', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 3 }), fc.nat(64)), { minLength: 1, maxLength: 40 }),
        fc.integer({ min: 0, max: 3 }),
        async (txns, delay) => {
          const dir = tempDir()
          const faulty = new FaultyFs()
          faulty.syncDelayMs = delay
          const wal = openWal(dir, faulty, { chunkBytes: 100, segmentBytes: 300 })
          const acked: { lsn: Lsn; bytes: Buffer }[] = []
          await Promise.all(
            txns.map(async ([wait, size], i) => {
              await tick(wait)
              const bytes = recordBytes(i, size)
              const lsn = wal.append(bytes)
              await wal.flush(lsn)
              // Durable means synced: the fault wrapper saw a completed datasync cover it.
              expect(wal.durableLsn).toBeGreaterThan(lsn)
              acked.push({ lsn, bytes })
            }),
          )
          expect(faulty.datasyncs).toBeLessThanOrEqual(txns.length + 2)
          const all = readAll(wal)
          for (const a of acked) expect(all).toContainEqual(a)
          await wal.close()
        },
      ),
      { numRuns: 25 },
    )
  })

  it('loses no acknowledged commit in a power cut at any moment', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 2 }), fc.nat(80), fc.boolean()), { minLength: 1, maxLength: 40 }),
        fc.integer({ min: 0, max: 12 }),
        fc.nat(),
        async (txns, cutAfterMs, keepSeed) => {
          const dir = tempDir()
          const faulty = new FaultyFs()
          faulty.syncDelayMs = 1
          const opts = { chunkBytes: 120, segmentBytes: 400 }
          const wal = openWal(dir, faulty, opts)
          const appended: { lsn: number; bytes: Buffer }[] = []
          const acked = new Set<number>()
          let crashed = false
          const work = Promise.all(
            txns.map(async ([wait, size, commit], i) => {
              await tick(wait)
              if (crashed) return
              const bytes = recordBytes(i, size)
              const lsn = wal.append(bytes)
              appended.push({ lsn, bytes })
              if (commit) {
                await wal.flush(lsn)
                if (!crashed) acked.add(lsn)
              }
            }),
          )
          await tick(cutAfterMs)
          crashed = true
          // The power cut: unsynced bytes vanish, except a torn prefix of the first file.
          faulty.powerCut((n) => keepSeed % (n + 1))
          await work.catch(() => undefined)
          const reopened = openWal(dir, undefined, opts)
          const all = readAll(reopened)
          // What survives is a prefix of what was appended, containing every acknowledged record.
          expect(all).toEqual(appended.slice(0, all.length))
          const survived = new Set(all.map((r) => r.lsn))
          for (const lsn of acked) expect(survived.has(lsn)).toBe(true)
          // And the log goes on.
          const more = reopened.append(recordBytes(999, 10))
          await reopened.close()
          const again = openWal(dir, undefined, opts)
          expect(readAll(again).map((r) => r.lsn)).toEqual([...all.map((r) => r.lsn), more])
          await again.close()
          await wal.close().catch(() => undefined)
        },
      ),
      { numRuns: 40 },
    )
  })

  it('flush(upTo) beyond the end only waits for what exists', async () => {
    const wal = openWal(tempDir())
    wal.append(recordBytes(1, 5))
    await wal.flush(asLsn(Number.MAX_SAFE_INTEGER))
    expect(wal.durableLsn).toBe(wal.endLsn)
    await wal.close()
  })
})
