import fc from 'fast-check'
import { afterEach, describe, expect, it } from 'vitest'
import { asLsn, type Lsn } from '../../../common/ids.js'
import { nodeFileSystem } from '../../../storage/file-system.js'
import { Rng } from '../../helpers/random.js'
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
    const commit = async (i: number) => {
      const lsn = wal.append(recordBytes(i, 20))
      await wal.flush(lsn)
      expect(wal.durableLsn).toBeGreaterThan(lsn)
      acknowledged++
    }
    // Ten commits start a round; forty more arrive once its datasync is in flight (not by
    // the clock, which a loaded machine stretches): they cannot ride on it.
    const first = Array.from({ length: 10 }, (_, i) => commit(i))
    while (faulty.datasyncs === 0) await new Promise((r) => setImmediate(r))
    const inFlight = faulty.datasyncs
    const later = Array.from({ length: 40 }, (_, i) => commit(10 + i))
    await Promise.all([...first, ...later])
    expect(acknowledged).toBe(50)
    expect(faulty.datasyncs).toBeGreaterThan(inFlight)
    expect(faulty.datasyncs).toBeLessThan(15)
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

  it('loses no acknowledged commit in power cuts at any moment, across lives and recycled segments', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.record({
            txns: fc.array(fc.tuple(fc.integer({ min: 0, max: 2 }), fc.nat(80), fc.boolean()), { minLength: 1, maxLength: 30 }),
            cutAfterMs: fc.integer({ min: 0, max: 12 }),
            trimAt: fc.nat(40),
          }),
          { minLength: 1, maxLength: 3 },
        ),
        fc.constantFrom(8, 64, 512),
        fc.integer(),
        async (lives, sectorBytes, seed) => {
          const dir = tempDir()
          const opts = { chunkBytes: 120, segmentBytes: 400 }
          const random = new Rng(seed)
          /** The log as the last recovery found it: durable now, whatever the next cut does. */
          let recovered: { lsn: number; bytes: Buffer }[] = []
          let serial = 0
          for (const life of lives) {
            const faulty = new FaultyFs(nodeFileSystem, sectorBytes)
            faulty.syncDelayMs = 1
            const wal = openWal(dir, faulty, opts)
            const appended: { lsn: number; bytes: Buffer }[] = []
            const acked = new Set<number>()
            let crashed = false
            const work = Promise.all(
              life.txns.map(async ([wait, size, commit], i) => {
                await tick(wait)
                if (crashed) return
                const bytes = recordBytes(++serial, size)
                const lsn = wal.append(bytes)
                appended.push({ lsn, bytes })
                // What a checkpoint does: segments below the durable end become spares, reused for new ones.
                if (i === life.trimAt) wal.truncateBefore(wal.durableLsn)
                if (commit) {
                  await wal.flush(lsn)
                  if (!crashed) acked.add(lsn)
                }
              }),
            )
            await tick(life.cutAfterMs)
            crashed = true
            faulty.powerCut(() => random.next())
            await work.catch(() => undefined)
            await wal.close().catch(() => undefined)

            // No false XX001: opening and reading succeed.
            const reopened = openWal(dir, undefined, opts)
            const all = readAll(reopened)
            const first = reopened.firstLsn
            const before = [...recovered, ...appended].filter((r) => r.lsn >= first)
            // What survives is a prefix of what was appended (never a stale or left-over chunk),
            // holding all that the last recovery found and every acknowledged record.
            expect(all).toEqual(before.slice(0, all.length))
            expect(all.length).toBeGreaterThanOrEqual(recovered.filter((r) => r.lsn >= first).length)
            const survived = new Set(all.map((r) => r.lsn))
            for (const lsn of acked) if (lsn >= first) expect(survived.has(lsn)).toBe(true)
            await reopened.close()
            recovered = all
          }
          // And the log goes on.
          const wal = openWal(dir, undefined, opts)
          const more = wal.append(recordBytes(999, 10))
          await wal.close()
          const again = openWal(dir, undefined, opts)
          expect(readAll(again).map((r) => r.lsn)).toEqual([...recovered.filter((r) => r.lsn >= again.firstLsn).map((r) => r.lsn), more])
          await again.close()
        },
      ),
      { numRuns: 40 },
    )
  })

  it('loses no commit of a lone committer (inline fdatasyncs) in a power cut', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.nat(300), { minLength: 1, maxLength: 60 }), fc.constantFrom(8, 512), fc.integer(), async (sizes, sectorBytes, seed) => {
        const dir = tempDir()
        const faulty = new FaultyFs(nodeFileSystem, sectorBytes)
        const opts = { segmentBytes: 2000 }
        const wal = openWal(dir, faulty, opts)
        const acked: { lsn: number; bytes: Buffer }[] = []
        for (const [i, size] of sizes.entries()) {
          const bytes = recordBytes(i, size)
          const lsn = wal.append(bytes)
          await wal.flush(lsn)
          acked.push({ lsn, bytes })
        }
        expect(wal.syncStats.inline).toBeGreaterThanOrEqual(sizes.length - 3)
        wal.append(recordBytes(-1, 50)) // written by nobody's flush: may be lost
        const random = new Rng(seed)
        faulty.powerCut(() => random.next())
        await wal.close().catch(() => undefined)
        const reopened = openWal(dir, undefined, opts)
        expect(readAll(reopened).slice(0, acked.length)).toEqual(acked)
        await reopened.close()
      }),
      { numRuns: 30 },
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
