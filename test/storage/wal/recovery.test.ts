/**
 * Opening a log after a crash: torn tails, zeros and stale chunks end the log
 * silently, damage is XX001 (recover-tail.ts has the rules).
 */
import fs from 'node:fs'
import path from 'node:path'
import fc from 'fast-check'
import { afterEach, describe, expect, it } from 'vitest'
import { isIsolaError } from '../../../common/errors.js'
import { asLsn } from '../../../common/ids.js'
import { HEADER_BYTES } from '../../../storage/wal/chunk.js'
import { parseSegmentFileName } from '../../../storage/wal/segments.js'
import type { Wal } from '../../../storage/wal/wal.js'
import { FaultyFs, openWal, readAll, recordBytes, removeTempDirs, segmentFiles, tempDir } from './helpers.js'

afterEach(removeTempDirs)

interface Chunk {
  start: number
  end: number
  records: { lsn: number; bytes: Buffer }[]
}

/**
 * How the writing process ended: `close` (a clean close syncs a sync mark after the
 * last chunk), `crash` (kill -9 after the last flush: its sync mark is written but
 * not synced), `torn` (the last chunk was written, and the process died before its
 * fdatasync finished: no sync mark after it, which the files cannot tell from a
 * power cut that took the mark).
 */
type Ending = 'close' | 'crash' | 'torn'

/** Writes one chunk per element of `chunks` (each a list of record sizes), each flushed on its own; returns their extents. */
async function buildLog(dir: string, chunks: number[][], segmentBytes = 1 << 20, ending: Ending = 'close'): Promise<Chunk[]> {
  const wal = openWal(dir, undefined, { segmentBytes })
  const out: Chunk[] = []
  let seed = 0
  for (const sizes of chunks) {
    const start = wal.durableLsn
    const records = sizes.map((size) => {
      const bytes = recordBytes(++seed, size)
      return { lsn: wal.append(bytes) as number, bytes }
    })
    await wal.flush()
    out.push({ start, end: wal.durableLsn, records })
  }
  if (ending === 'close') await wal.close()
  else wal.abandon()
  // The mark lies where the next chunk would have gone: in fresh space, over zeros.
  if (ending === 'torn') overwrite(dir, wal.durableLsn, Buffer.alloc(HEADER_BYTES))
  return out
}

/** The segment file holding `lsn`, and the file offset of `lsn` in it. */
function locate(dir: string, lsn: number): { file: string; offset: number } {
  let found = { file: '', offset: -1 }
  for (const file of segmentFiles(dir)) {
    const base = parseSegmentFileName(path.basename(file)) ?? 0
    if (base <= lsn) found = { file, offset: lsn - base }
  }
  return found
}

function overwrite(dir: string, lsn: number, bytes: Uint8Array): void {
  const { file, offset } = locate(dir, lsn)
  const fd = fs.openSync(file, 'r+')
  fs.writeSync(fd, bytes, 0, bytes.length, offset)
  fs.closeSync(fd)
}

function readBytes(dir: string, lsn: number, length: number): Buffer {
  const { file, offset } = locate(dir, lsn)
  const b = Buffer.alloc(length)
  const fd = fs.openSync(file, 'r')
  fs.readSync(fd, b, 0, length, offset)
  fs.closeSync(fd)
  return b
}

function flipByte(dir: string, lsn: number, mask: number): void {
  const b = readBytes(dir, lsn, 1)
  b[0] = (b[0] ?? 0) ^ mask
  overwrite(dir, lsn, b)
}

/** Opens the log and reads it all; returns the error code if either step throws. */
function openAndRead(dir: string, segmentBytes = 1 << 20): string {
  let wal: Wal | undefined
  try {
    wal = openWal(dir, undefined, { segmentBytes })
    readAll(wal)
    return 'ok'
  } catch (e) {
    return isIsolaError(e) ? e.code : String(e)
  } finally {
    void wal?.close()
  }
}

const chunkShapes = fc.array(fc.array(fc.nat(60), { minLength: 1, maxLength: 5 }), { minLength: 1, maxLength: 6 })

describe('torn tails', () => {
  it('are cut off silently: the log keeps exactly its complete chunks and goes on', async () => {
    await fc.assert(
      fc.asyncProperty(
        chunkShapes,
        fc.constantFrom(1 << 20, 150),
        fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true }),
        fc.constantFrom('truncate', 'truncate+garbage', 'zero', 'garbage', 'stale'),
        fc.uint8Array({ minLength: 1, maxLength: 100 }),
        async (shapes, segmentBytes, where, mode, garbage) => {
          const dir = tempDir()
          const chunks = await buildLog(dir, shapes, segmentBytes, 'torn')
          const last = chunks[chunks.length - 1] as Chunk
          const cut = last.start + Math.floor(where * (last.end - last.start))
          const { file, offset } = locate(dir, cut)
          const original = fs.readFileSync(file)
          if (mode === 'truncate' || mode === 'truncate+garbage') {
            fs.truncateSync(file, offset)
            if (mode === 'truncate+garbage') fs.appendFileSync(file, garbage)
          } else if (mode === 'stale') {
            // What a recycled file holds: chunks that name the positions of its earlier life.
            const stale = Buffer.concat(Array.from({ length: 4 }, () => original.subarray(0, Math.max(1, offset))))
            overwrite(dir, cut, stale.subarray(0, last.end - cut))
          } else {
            overwrite(dir, cut, mode === 'zero' ? Buffer.alloc(last.end - cut) : recordBytes(cut, last.end - cut))
          }
          // The last chunk survives only if it is untouched and whole.
          const damaged = fs.readFileSync(file)
          const chunkOff = offset - (cut - last.start)
          const chunkEnd = chunkOff + (last.end - last.start)
          const survives = damaged.length >= chunkEnd && damaged.subarray(chunkOff, chunkEnd).equals(original.subarray(chunkOff, chunkEnd))
          const kept = survives ? chunks : chunks.slice(0, -1)
          const expected = kept.flatMap((c) => c.records)

          let wal = openWal(dir, undefined, { segmentBytes })
          expect(wal.endLsn).toBe(survives ? last.end : last.start)
          expect(readAll(wal)).toEqual(expected)
          const more = [recordBytes(1000, 30), recordBytes(1001, 0)].map((bytes) => ({ lsn: wal.append(bytes) as number, bytes }))
          await wal.close()
          wal = openWal(dir, undefined, { segmentBytes })
          expect(readAll(wal)).toEqual([...expected, ...more])
          await wal.close()
        },
      ),
      { numRuns: 150 },
    )
  })

  it('are cut even when good chunks written before the bad one was durable follow it, and those are erased', async () => {
    // A power cut keeps any part of what was written since the last fdatasync: here
    // chunk 2 of 3 is lost and chunk 3 survived. Nothing was acknowledged after chunk 1.
    const dir = tempDir()
    const faulty = new FaultyFs()
    let wal = openWal(dir, faulty, { chunkBytes: 10 })
    const acked = wal.append(recordBytes(1, 20))
    await wal.flush()
    const lostChunk = wal.durableLsn
    wal.append(recordBytes(2, 20))
    wal.append(recordBytes(3, 20)) // writes chunk 2 (full) without an fdatasync
    const leftover = lostChunk + HEADER_BYTES + 4 + 20
    faulty.failSyncs = 'EIO'
    await wal.flush().catch(() => undefined) // writes chunk 3; its fdatasync fails
    wal.abandon()
    overwrite(dir, lostChunk, Buffer.alloc(HEADER_BYTES))

    wal = openWal(dir)
    expect(wal.endLsn).toBe(lostChunk)
    expect(readAll(wal)).toEqual([{ lsn: acked, bytes: recordBytes(1, 20) }])
    // Chunk 3's header is zeroed (and synced): what is durable there now.
    const durableThere = readBytes(dir, leftover, HEADER_BYTES)
    expect(durableThere.equals(Buffer.alloc(HEADER_BYTES))).toBe(true)
    // A new chunk of chunk 2's length ends exactly where chunk 3 began; a power cut
    // then takes the sync mark written there. Had chunk 3 not been erased, the log
    // would now take it for its own.
    const again = wal.append(recordBytes(4, 20))
    await wal.flush()
    expect(wal.durableLsn).toBe(leftover)
    wal.abandon()
    overwrite(dir, leftover, durableThere)
    wal = openWal(dir)
    expect(readAll(wal).map((r) => r.lsn)).toEqual([acked, again])
    await wal.close()
  })

  it('end at the base of a new segment whose first chunk never arrived', async () => {
    const dir = tempDir()
    const chunks = await buildLog(dir, [[10], [10]], 1 << 20, 'crash')
    const end = chunks[1]?.end ?? 0
    for (const content of [Buffer.alloc(0), Buffer.alloc(5000)]) {
      fs.writeFileSync(path.join(dir, end.toString(16).padStart(16, '0') + '.wal'), content)
      const wal = openWal(dir)
      expect(wal.endLsn).toBe(end)
      expect(readAll(wal).length).toBe(2)
      wal.abandon()
    }
    const wal = openWal(dir)
    const more = wal.append(recordBytes(5, 5))
    await wal.close()
    const reopened = openWal(dir)
    expect(readAll(reopened).map((r) => r.lsn)).toEqual([...chunks.flatMap((c) => c.records.map((r) => r.lsn)), more])
    expect(more).toBe(end + HEADER_BYTES)
    await reopened.close()
  })

  it('cuts a torn first chunk of a new segment', async () => {
    const dir = tempDir()
    const chunks = await buildLog(dir, [[40], [40], [40], [40]], 100, 'torn')
    const files = segmentFiles(dir)
    expect(files.length).toBe(2)
    fs.truncateSync(files[1] ?? '', 30)
    const wal = openWal(dir, undefined, { segmentBytes: 100 })
    expect(wal.endLsn).toBe(chunks[2]?.start)
    expect(readAll(wal).length).toBe(2)
    await wal.close()
  })

  it('cuts bytes shorter than a header', async () => {
    const dir = tempDir()
    fs.writeFileSync(path.join(dir, '0000000000000000.wal'), Buffer.from([1, 2, 3]))
    let wal = openWal(dir)
    expect(wal.endLsn).toBe(0)
    const lsn = wal.append(recordBytes(1, 3))
    await wal.close()
    wal = openWal(dir)
    expect(readAll(wal)).toEqual([{ lsn, bytes: recordBytes(1, 3) }])
    await wal.close()
  })

  it('never take a stale chunk for the log, even one proving a later sync', async () => {
    // A recycled file holds whole, valid chunks of its earlier life. Here the space
    // from chunk 2 on is refilled with copies of chunks 3 to 5, moved: each names a
    // position it is not at (and a synced LSN past chunk 2), and so is neither part
    // of the log nor evidence of damage.
    const dir = tempDir()
    const chunks = await buildLog(dir, [[30], [30], [30], [30], [30], [30]], 1 << 20, 'torn')
    const cut = chunks[2]?.start ?? 0
    const copy = readBytes(dir, chunks[3]?.start ?? 0, (chunks[5]?.end ?? 0) - (chunks[3]?.start ?? 0))
    overwrite(dir, cut, Buffer.alloc((chunks[5]?.end ?? 0) - cut))
    overwrite(dir, cut + 5, copy)
    const wal = openWal(dir)
    expect(wal.endLsn).toBe(cut)
    expect(readAll(wal)).toEqual(chunks.slice(0, 2).flatMap((c) => c.records))
    await wal.close()
  })
})

describe('damage', () => {
  it('a flipped header or payload byte in any chunk but the last is XX001', async () => {
    await fc.assert(
      fc.asyncProperty(
        chunkShapes.filter((s) => s.length >= 2),
        fc.constantFrom(1 << 20, 150),
        fc.constantFrom<Ending>('close', 'crash', 'torn'),
        fc.nat(),
        fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true }),
        fc.integer({ min: 1, max: 255 }),
        async (shapes, segmentBytes, ending, which, where, mask) => {
          const dir = tempDir()
          const chunks = await buildLog(dir, shapes, segmentBytes, ending)
          const victim = chunks[which % (chunks.length - 1)] as Chunk
          flipByte(dir, victim.start + Math.floor(where * (victim.end - victim.start)), mask)
          expect(openAndRead(dir, segmentBytes)).toBe('XX001')
        },
      ),
      { numRuns: 100 },
    )
  })

  it('a flipped byte in the last chunk is XX001 after a clean close or a kill -9 (its sync mark follows it)', async () => {
    await fc.assert(
      fc.asyncProperty(
        chunkShapes,
        fc.constantFrom<Ending>('close', 'crash'),
        fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true }),
        fc.integer({ min: 1, max: 255 }),
        async (shapes, ending, where, mask) => {
          const dir = tempDir()
          const chunks = await buildLog(dir, shapes, 1 << 20, ending)
          const last = chunks[chunks.length - 1] as Chunk
          flipByte(dir, last.start + Math.floor(where * (last.end - last.start)), mask)
          expect(openAndRead(dir)).toBe('XX001')
        },
      ),
      { numRuns: 60 },
    )
  })

  it('a flipped byte in the last chunk header is XX001, whichever byte', async () => {
    for (let at = 0; at < HEADER_BYTES; at++) {
      const dir = tempDir()
      const chunks = await buildLog(dir, [[5, 6], [7, 8]], 1 << 20, 'crash')
      flipByte(dir, (chunks[1]?.start ?? 0) + at, 0x10)
      expect(openAndRead(dir)).toBe('XX001')
    }
  })

  it('a damaged last chunk whose sync mark a power cut took is indistinguishable from a torn one: the log ends before it', async () => {
    const dir = tempDir()
    const chunks = await buildLog(dir, [[5], [6], [70]], 1 << 20, 'crash')
    const last = chunks[2] as Chunk
    overwrite(dir, last.end, Buffer.alloc(HEADER_BYTES))
    flipByte(dir, last.start + HEADER_BYTES + 40, 1)
    const wal = openWal(dir)
    expect(readAll(wal)).toEqual(chunks.slice(0, 2).flatMap((c) => c.records))
    await wal.close()
  })

  it('a damaged sync mark carries no data and is ignored', async () => {
    const dir = tempDir()
    const chunks = await buildLog(dir, [[5], [6], [7]])
    flipByte(dir, (chunks[2]?.end ?? 0) + 3, 1)
    const wal = openWal(dir)
    expect(wal.endLsn).toBe(chunks[2]?.end)
    expect(readAll(wal)).toEqual(chunks.flatMap((c) => c.records))
    await wal.close()
  })

  it('damage in an older segment is found when it is scanned', async () => {
    const dir = tempDir()
    const chunks = await buildLog(dir, [[40], [40], [40], [40], [40]], 100)
    expect(segmentFiles(dir).length).toBeGreaterThan(1)
    flipByte(dir, (chunks[0]?.start ?? 0) + HEADER_BYTES + 10, 4)
    const wal = openWal(dir, undefined, { segmentBytes: 100 })
    // The records after the damage are still readable from their own LSNs.
    expect(readAll(wal, asLsn(chunks[1]?.start ?? 0)).length).toBe(4)
    expect(() => readAll(wal)).toThrow(/damaged in .*0000000000000000\.wal" at offset 0/)
    await wal.close()
  })

  it('a missing middle segment (a gap) is XX001', async () => {
    const dir = tempDir()
    await buildLog(dir, [[40], [40], [40], [40], [40], [40]], 100)
    const files = segmentFiles(dir)
    expect(files.length).toBeGreaterThan(2)
    fs.rmSync(files[1] ?? '')
    expect(openAndRead(dir, 100)).toBe('XX001')
  })

  it('an older segment is preallocated past its chunks, but chunks ending short of the next segment are XX001', async () => {
    const dir = tempDir()
    const chunks = await buildLog(dir, [[40], [40], [40], [40]], 100)
    const [first, second] = segmentFiles(dir)
    const secondBase = parseSegmentFileName(path.basename(second ?? '')) ?? 0
    expect(fs.statSync(first ?? '').size).toBeGreaterThan(secondBase)
    expect(openAndRead(dir, 100)).toBe('ok')
    const lastOfFirst = chunks.filter((c) => c.end <= secondBase).at(-1) as Chunk
    overwrite(dir, lastOfFirst.start, Buffer.alloc(lastOfFirst.end - lastOfFirst.start))
    expect(openAndRead(dir, 100)).toBe('XX001')
  })
})
