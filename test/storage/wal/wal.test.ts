import fs from 'node:fs'
import path from 'node:path'
import fc from 'fast-check'
import { afterEach, describe, expect, it } from 'vitest'
import { isIsolaError } from '../../../common/errors.js'
import { asLsn, type Lsn } from '../../../common/ids.js'
import { FRAME_BYTES, HEADER_BYTES } from '../../../storage/wal/chunk.js'
import { parseSegmentFileName, segmentFileName } from '../../../storage/wal/segments.js'
import { PREALLOCATE_MIN_BYTES, SPARE_SEGMENTS } from '../../../storage/wal/wal.js'
import { FaultyFs, openWal, readAll, recordBytes, removeTempDirs, segmentFiles, tempDir } from './helpers.js'

afterEach(removeTempDirs)

describe('segment names', () => {
  it('are 16 hex digits of the base LSN', () => {
    expect(segmentFileName(asLsn(0))).toBe('0000000000000000.wal')
    expect(segmentFileName(asLsn(0x1234abcd))).toBe('000000001234abcd.wal')
    expect(parseSegmentFileName('000000001234abcd.wal')).toBe(0x1234abcd)
    expect(parseSegmentFileName('000000001234abcd.wal.tmp')).toBeNull()
    expect(parseSegmentFileName('1234.wal')).toBeNull()
  })
})

describe('Wal', () => {
  it('creates the directory and the first segment', async () => {
    const dir = path.join(tempDir(), 'a', 'wal')
    const wal = openWal(dir)
    expect(fs.readdirSync(dir)).toEqual(['0000000000000000.wal'])
    expect([wal.firstLsn, wal.endLsn, wal.durableLsn]).toEqual([0, 0, 0])
    expect(readAll(wal)).toEqual([])
    await wal.close()
  })

  it('gives records their stream offsets as LSNs', async () => {
    const dir = tempDir()
    const wal = openWal(dir)
    const a = wal.append(Buffer.from('hello'))
    const b = wal.append(Buffer.from('world!'))
    expect(a).toBe(HEADER_BYTES)
    expect(b).toBe(HEADER_BYTES + 4 + 5)
    expect(wal.endLsn).toBe(b + 4 + 6)
    await wal.flush(b)
    expect(wal.durableLsn).toBe(wal.endLsn)
    expect(wal.durableLsn).toBe(HEADER_BYTES + 4 + 5 + 4 + 6)
    const c = wal.append(Buffer.from('again'))
    expect(c).toBe(wal.durableLsn + HEADER_BYTES)
    await wal.close()
    // A clean close ends the log with a sync mark, an empty chunk.
    const reopened = openWal(dir)
    expect(reopened.endLsn).toBe(c + 4 + 5 + HEADER_BYTES)
    await reopened.close()
  })

  it('keeps every record across many segments, flushes and reopenings', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(fc.nat(300), fc.integer({ min: 0, max: 9 })), { minLength: 1, maxLength: 150 }),
        fc.integer({ min: 1, max: 600 }),
        fc.integer({ min: 0, max: 400 }),
        async (ops, segmentBytes, chunkBytes) => {
          const dir = tempDir()
          const expected: { lsn: number; bytes: Buffer }[] = []
          let wal = openWal(dir, undefined, { segmentBytes, chunkBytes })
          for (const [i, [size, action]] of ops.entries()) {
            const bytes = recordBytes(i, size)
            const lsn = wal.append(bytes)
            expected.push({ lsn, bytes })
            if (action === 0) await wal.flush(asLsn(lsn))
            if (action === 1) {
              await wal.close()
              wal = openWal(dir, undefined, { segmentBytes, chunkBytes })
            }
          }
          expect(readAll(wal)).toEqual(expected)
          await wal.close()
          wal = openWal(dir, undefined, { segmentBytes, chunkBytes })
          expect(readAll(wal)).toEqual(expected)
          // Every segment is named by the LSN of its first byte, a chunk start: a scan
          // from there (which refuses anything but a record boundary) reads the rest.
          const bases = segmentFiles(dir).map((file) => parseSegmentFileName(path.basename(file)) ?? -1)
          expect(bases[0]).toBe(0)
          for (const base of bases) expect(readAll(wal, asLsn(base))).toEqual(expected.filter((r) => r.lsn >= base))
          // Scans may start at any record.
          const k = Math.floor(expected.length / 2)
          expect(readAll(wal, asLsn(expected[k]?.lsn ?? 0))).toEqual(expected.slice(k))
          await wal.close()
        },
      ),
      { numRuns: 40 },
    )
  })

  it('rolls segments at chunk boundaries once they reach segmentBytes', async () => {
    const dir = tempDir()
    const wal = openWal(dir, undefined, { segmentBytes: 100, chunkBytes: 0 })
    for (let i = 0; i < 20; i++) wal.append(recordBytes(i, 30))
    await wal.close()
    const files = segmentFiles(dir)
    expect(files.length).toBeGreaterThan(3)
    // each chunk holds one 30-byte record: 32 + 4 + 30 = 66 bytes; a segment takes two
    const bases = files.map((file) => parseSegmentFileName(path.basename(file)))
    expect(bases.slice(0, 4)).toEqual([0, 1, 2, 3].map((i) => i * 2 * (FRAME_BYTES + 4 + 30)))
  })

  it('scans buffered records, and follows the log as it grows and is written', async () => {
    const dir = tempDir()
    const wal = openWal(dir, undefined, { chunkBytes: 50, segmentBytes: 120 })
    const expected: { lsn: number; bytes: Buffer }[] = []
    for (let i = 0; i < 3; i++) {
      const bytes = recordBytes(i, 20)
      expected.push({ lsn: wal.append(bytes), bytes })
    }
    await wal.flush()
    for (let i = 3; i < 5; i++) {
      const bytes = recordBytes(i, 20)
      expected.push({ lsn: wal.append(bytes), bytes })
    }
    const seen: { lsn: number; bytes: Buffer }[] = []
    for (const e of wal.scan(wal.firstLsn)) {
      seen.push({ lsn: e.lsn, bytes: Buffer.from(e.bytes) })
      // Appending while scanning: these records are seen too, including those in the
      // chunk that the append writes out from under the scan.
      if (seen.length <= 8) {
        const bytes = recordBytes(100 + seen.length, 20)
        expected.push({ lsn: wal.append(bytes), bytes })
      }
    }
    expect(seen).toEqual(expected)
    await wal.close()
  })

  it('accepts chunk starts, record LSNs and former end LSNs as scan starts, nothing else', async () => {
    const dir = tempDir()
    const wal = openWal(dir)
    const a = wal.append(recordBytes(1, 10))
    const endA = wal.endLsn
    await wal.flush()
    const chunk2 = wal.durableLsn
    const b = wal.append(recordBytes(2, 10))
    expect(readAll(wal, endA).map((r) => r.lsn)).toEqual([b])
    expect(readAll(wal, chunk2).map((r) => r.lsn)).toEqual([b])
    expect(readAll(wal, asLsn(0)).map((r) => r.lsn)).toEqual([a, b])
    expect(readAll(wal, wal.endLsn)).toEqual([])
    for (const bad of [a + 1, endA + 1, b + 2, chunk2 - 1]) {
      expect(() => readAll(wal, asLsn(bad))).toThrow(/not a record boundary/)
    }
    expect(() => readAll(wal, asLsn(wal.endLsn + 1))).toThrow(/ends at/)
    await wal.close()
  })

  it('truncateBefore removes whole segments; scanning below them is XX001', async () => {
    const dir = tempDir()
    let wal = openWal(dir, undefined, { segmentBytes: 200, chunkBytes: 0 })
    const lsns: Lsn[] = []
    for (let i = 0; i < 30; i++) lsns.push(wal.append(recordBytes(i, 40)))
    await wal.flush()
    const before = segmentFiles(dir)
    const cut = lsns[20] as Lsn
    wal.truncateBefore(cut)
    const after = segmentFiles(dir)
    expect(after.length).toBeLessThan(before.length)
    expect(wal.firstLsn).toBe(parseSegmentFileName(path.basename(after[0] ?? '')))
    expect(wal.firstLsn).toBeLessThanOrEqual(cut)
    expect(readAll(wal, cut).length).toBe(10)
    const scanRemoved = (): unknown => readAll(wal, asLsn(0))
    expect(scanRemoved).toThrow(expect.objectContaining({ code: 'XX001' }))
    // The newest segment always stays, whatever the LSN.
    wal.truncateBefore(asLsn(Number.MAX_SAFE_INTEGER))
    expect(segmentFiles(dir).length).toBe(1)
    await wal.close()
    wal = openWal(dir, undefined, { segmentBytes: 200, chunkBytes: 0 })
    const all = readAll(wal)
    expect(all.map((r) => r.lsn)).toEqual(lsns.filter((l) => l >= wal.firstLsn))
    try {
      readAll(wal, asLsn(0))
      expect.unreachable()
    } catch (e) {
      expect(isIsolaError(e, 'data_corrupted')).toBe(true)
    }
    await wal.close()
  })

  it('counts bytes found at open as durable only after the first flush syncs them', async () => {
    const dir = tempDir()
    let wal = openWal(dir)
    wal.append(recordBytes(1, 10))
    await wal.close()
    const faulty = new FaultyFs()
    wal = openWal(dir, faulty)
    expect(wal.durableLsn).toBe(0)
    expect(wal.endLsn).toBeGreaterThan(0)
    await wal.flush()
    expect(faulty.datasyncs).toBe(1)
    expect(wal.durableLsn).toBe(wal.endLsn)
    await wal.flush()
    expect(faulty.datasyncs).toBe(1)
    await wal.close()
  })

  it('appends a million small records quickly, without a datasync per record', async () => {
    const dir = tempDir()
    const faulty = new FaultyFs()
    const wal = openWal(dir, faulty)
    const record = recordBytes(7, 40)
    const t0 = performance.now()
    for (let i = 0; i < 1_000_000; i++) {
      const off = wal.reserve(40)
      wal.buf.set(record, off)
    }
    await wal.flush()
    const ms = performance.now() - t0
    expect(faulty.datasyncs).toBe(1)
    expect(wal.durableLsn).toBeGreaterThan(44_000_000)
    expect(ms).toBeLessThan(10_000)
    let n = 0
    for (const e of wal.scan(wal.firstLsn)) {
      if (n++ % 99_991 === 0) expect(Buffer.from(e.bytes)).toEqual(record)
    }
    expect(n).toBe(1_000_000)
    await wal.close()
  })

  it('takes records larger than a chunk and larger than the initial buffer', async () => {
    const dir = tempDir()
    let wal = openWal(dir, undefined, { chunkBytes: 1000, segmentBytes: 100_000 })
    const big = recordBytes(3, 300_000)
    const small = recordBytes(4, 10)
    const lsns = [wal.append(small), wal.append(big), wal.append(small), wal.append(big)]
    await wal.close()
    wal = openWal(dir, undefined, { chunkBytes: 1000, segmentBytes: 100_000 })
    const all = readAll(wal)
    expect(all.map((r) => r.lsn)).toEqual(lsns)
    // Buffer.equals: vitest's deep equality walks big buffers byte by byte, slowly.
    expect(all.map((r) => r.bytes.equals(r.bytes.length === big.length ? big : small))).toEqual([true, true, true, true])
    await wal.close()
  })

  it('preallocates segment files, so a lone committer\'s fdatasyncs rarely journal a new file size', async () => {
    const dir = tempDir()
    const faulty = new FaultyFs()
    const wal = openWal(dir, faulty)
    for (let i = 0; i < 3000; i++) await wal.flush(wal.append(recordBytes(i, 100)))
    const end = wal.endLsn
    expect(faulty.datasyncs).toBe(3000)
    // 3000 × (32 + 104) bytes ≈ 400 KiB: preallocation steps of 64, 64, 128 and 256 KiB.
    expect(faulty.sizeChanges).toBeLessThanOrEqual(4)
    const size = fs.statSync(segmentFiles(dir)[0] ?? '').size
    expect(size).toBeGreaterThan(end)
    expect(size).toBeLessThanOrEqual(2 * end + PREALLOCATE_MIN_BYTES)
    await wal.close()
  })

  it('recycles the segments a checkpoint frees as spares, which new segments are renamed from', async () => {
    const dir = tempDir()
    const opts = { segmentBytes: 4096, chunkBytes: 0 }
    let wal = openWal(dir, undefined, opts)
    const lsns: Lsn[] = []
    for (let i = 0; i < 200; i++) lsns.push(wal.append(recordBytes(i, 100)))
    await wal.flush()
    const segments = segmentFiles(dir).length
    expect(segments).toBeGreaterThan(4)
    wal.truncateBefore(wal.endLsn)
    const spares = () => fs.readdirSync(dir).filter((f) => f.endsWith('.spare')).sort()
    expect(spares().length).toBe(SPARE_SEGMENTS)
    expect(segmentFiles(dir).length).toBe(1)
    // The next new segments come from the spares: whole files, their old chunks still in them.
    const before = spares()
    const sizes = before.map((f) => fs.statSync(path.join(dir, f)).size)
    let written = 0
    while (spares().length > 0 && written < 1000) {
      lsns.push(wal.append(recordBytes(1000 + written++, 100)))
      await wal.flush()
    }
    const reused = segmentFiles(dir).slice(1)
    expect(reused.length).toBe(SPARE_SEGMENTS)
    expect(reused.map((f) => fs.statSync(f).size)).toEqual(sizes)
    wal.abandon()
    wal = openWal(dir, undefined, opts)
    expect(readAll(wal).map((r) => r.lsn)).toEqual(lsns.filter((l) => l >= wal.firstLsn))
    await wal.close()
  })

  it('refuses use after close', async () => {
    const wal = openWal(tempDir())
    await wal.close()
    await wal.close()
    expect(() => wal.reserve(1)).toThrow(/closed/)
    expect(() => wal.scan(asLsn(0))).toThrow(/closed/)
  })
})
