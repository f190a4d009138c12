/**
 * Opening a log after a crash: torn tails are cut silently, damage is XX001.
 */
import fs from 'node:fs'
import path from 'node:path'
import fc from 'fast-check'
import { afterEach, describe, expect, it } from 'vitest'
import { isIsolaError } from '../../../common/errors.js'
import { asLsn } from '../../../common/ids.js'
import { HEADER_BYTES, TRAILER_BYTES } from '../../../storage/wal/chunk.js'
import { parseSegmentFileName } from '../../../storage/wal/segments.js'
import type { Wal } from '../../../storage/wal/wal.js'
import { openWal, readAll, recordBytes, removeTempDirs, segmentFiles, tempDir } from './helpers.js'

afterEach(removeTempDirs)

interface Chunk {
  start: number
  end: number
  records: { lsn: number; bytes: Buffer }[]
}

/** Writes one chunk per element of `chunks` (each a list of record sizes); returns their extents. */
async function buildLog(dir: string, chunks: number[][], segmentBytes = 1 << 20): Promise<Chunk[]> {
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
  await wal.close()
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

function flipByte(dir: string, lsn: number, mask: number): void {
  const { file, offset } = locate(dir, lsn)
  const fd = fs.openSync(file, 'r+')
  const b = Buffer.alloc(1)
  fs.readSync(fd, b, 0, 1, offset)
  b[0] = (b[0] ?? 0) ^ mask
  fs.writeSync(fd, b, 0, 1, offset)
  fs.closeSync(fd)
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
        fc.constantFrom('truncate', 'truncate+garbage', 'zero', 'garbage'),
        fc.uint8Array({ minLength: 1, maxLength: 100 }),
        async (shapes, segmentBytes, where, mode, garbage) => {
          const dir = tempDir()
          const chunks = await buildLog(dir, shapes, segmentBytes)
          const last = chunks[chunks.length - 1] as Chunk
          const cut = last.start + Math.floor(where * (last.end - last.start))
          const { file, offset } = locate(dir, cut)
          const original = fs.readFileSync(file)
          if (mode === 'truncate' || mode === 'truncate+garbage') {
            fs.truncateSync(file, offset)
            if (mode === 'truncate+garbage') fs.appendFileSync(file, garbage)
          } else {
            const fill = mode === 'zero' ? Buffer.alloc(last.end - cut) : Buffer.from(recordBytes(cut, last.end - cut))
            const fd = fs.openSync(file, 'r+')
            fs.writeSync(fd, fill, 0, fill.length, offset)
            fs.closeSync(fd)
          }
          // The last chunk survives only if its header and payload are untouched and whole.
          const damaged = fs.readFileSync(file)
          const chunkOff = offset - (cut - last.start)
          const payloadEnd = chunkOff + (last.end - last.start) - TRAILER_BYTES
          const survives =
            damaged.length >= chunkOff + (last.end - last.start) &&
            damaged.subarray(chunkOff, payloadEnd).equals(original.subarray(chunkOff, payloadEnd))
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

  it('removes an empty segment left by a crash right after it was created', async () => {
    const dir = tempDir()
    const chunks = await buildLog(dir, [[10], [10]])
    const end = chunks[1]?.end ?? 0
    fs.writeFileSync(path.join(dir, end.toString(16).padStart(16, '0') + '.wal'), '')
    const wal = openWal(dir)
    expect(segmentFiles(dir).length).toBe(1)
    expect(readAll(wal).length).toBe(2)
    await wal.close()
  })

  it('cuts a torn first chunk of a new segment', async () => {
    const dir = tempDir()
    const chunks = await buildLog(dir, [[40], [40], [40], [40]], 100)
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
    const wal = openWal(dir)
    expect(wal.endLsn).toBe(0)
    expect(fs.statSync(path.join(dir, '0000000000000000.wal')).size).toBe(0)
    await wal.close()
  })
})

describe('damage', () => {
  it('a flipped header or payload byte in any chunk but the last is XX001', async () => {
    await fc.assert(
      fc.asyncProperty(
        chunkShapes.filter((s) => s.length >= 2),
        fc.constantFrom(1 << 20, 150),
        fc.nat(),
        fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true }),
        fc.integer({ min: 1, max: 255 }),
        async (shapes, segmentBytes, which, where, mask) => {
          const dir = tempDir()
          const chunks = await buildLog(dir, shapes, segmentBytes)
          const victim = chunks[which % (chunks.length - 1)] as Chunk
          const span = victim.end - victim.start - TRAILER_BYTES
          flipByte(dir, victim.start + Math.floor(where * span), mask)
          expect(openAndRead(dir, segmentBytes)).toBe('XX001')
        },
      ),
      { numRuns: 100 },
    )
  })

  it('a flipped byte in the last chunk payload, with header and trailer intact, is XX001', async () => {
    await fc.assert(
      fc.asyncProperty(
        chunkShapes,
        fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true }),
        fc.integer({ min: 1, max: 255 }),
        async (shapes, where, mask) => {
          const dir = tempDir()
          const chunks = await buildLog(dir, shapes)
          const last = chunks[chunks.length - 1] as Chunk
          const payload = last.end - last.start - HEADER_BYTES - TRAILER_BYTES
          flipByte(dir, last.start + HEADER_BYTES + Math.floor(where * payload), mask)
          expect(openAndRead(dir)).toBe('XX001')
        },
      ),
      { numRuns: 60 },
    )
  })

  it('a flipped byte in the last chunk header, with the trailer intact, is XX001', async () => {
    for (let at = 0; at < HEADER_BYTES; at++) {
      const dir = tempDir()
      const chunks = await buildLog(dir, [[5, 6], [7, 8]])
      flipByte(dir, (chunks[1]?.start ?? 0) + at, 0x10)
      expect(openAndRead(dir)).toBe('XX001')
    }
  })

  it('a bad payload whose trailer is gone, followed by a valid chunk, is XX001 (not a torn tail)', async () => {
    const dir = tempDir()
    const chunks = await buildLog(dir, [[5], [6], [7]])
    const middle = chunks[1] as Chunk
    flipByte(dir, middle.start + HEADER_BYTES + 2, 1)
    flipByte(dir, middle.end - 1, 1)
    expect(openAndRead(dir)).toBe('XX001')
  })

  it('a damaged trailer carries no data and is ignored', async () => {
    const dir = tempDir()
    const chunks = await buildLog(dir, [[5], [6], [7]])
    flipByte(dir, (chunks[0]?.end ?? 0) - 5, 1)
    const wal = openWal(dir)
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

  it('extra bytes at the end of an older segment are XX001', async () => {
    const dir = tempDir()
    await buildLog(dir, [[40], [40], [40], [40]], 100)
    fs.appendFileSync(segmentFiles(dir)[0] ?? '', Buffer.alloc(10))
    expect(openAndRead(dir, 100)).toBe('XX001')
  })
})
