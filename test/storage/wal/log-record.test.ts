import fc from 'fast-check'
import { afterEach, describe, expect, it } from 'vitest'
import { isIsolaError } from '../../../common/errors.js'
import { asTreeId, asTxnId, type Lsn } from '../../../common/ids.js'
import {
  appendDelete,
  appendPut,
  appendRecord,
  decodeRecord,
  encodeRecord,
  type LogRecord,
} from '../../../storage/wal/index.js'
import { openWal, removeTempDirs, tempDir } from './helpers.js'

afterEach(removeTempDirs)

const txn = fc.integer({ min: 0, max: 2 ** 48 - 1 }).map(asTxnId)
const tree = fc.integer({ min: 0, max: 2 ** 32 - 1 }).map(asTreeId)
const bytes = fc.uint8Array({ maxLength: 40 })

const record: fc.Arbitrary<LogRecord> = fc.oneof(
  fc.record({
    kind: fc.constant('put' as const),
    txn,
    tree,
    key: bytes,
    value: bytes,
    before: fc.option(bytes),
    compensation: fc.boolean(),
  }),
  fc.record({ kind: fc.constant('delete' as const), txn, tree, key: bytes, before: fc.option(bytes), compensation: fc.boolean() }),
  fc.record({ kind: fc.constant('create-tree' as const), txn, tree }),
  fc.record({ kind: fc.constant('drop-tree' as const), txn, tree, compensation: fc.boolean() }),
  fc.record({ kind: fc.constant('commit' as const), txn, payload: bytes }),
  fc.record({ kind: fc.constant('abort' as const), txn }),
  fc.record({ kind: fc.constant('prepare' as const), txn, payload: bytes }),
)

/** Byte fields as hex, so Buffer views and Uint8Arrays compare by content. */
function plain(rec: LogRecord): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(rec).map(([k, v]) => [k, v instanceof Uint8Array ? Buffer.from(v).toString('hex') : v]),
  )
}

function code(f: () => unknown): string {
  try {
    f()
    return 'ok'
  } catch (e) {
    return isIsolaError(e) ? e.code : String(e)
  }
}

describe('log records', () => {
  it('round-trip every kind', () => {
    fc.assert(
      fc.property(record, (rec) => {
        expect(plain(decodeRecord(encodeRecord(rec)))).toEqual(plain(rec))
      }),
      { numRuns: 2000 },
    )
  })

  it('round-trip through the log, at the LSNs that appendRecord returned', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(record, { maxLength: 60 }), async (recs) => {
        const dir = tempDir()
        let wal = openWal(dir, undefined, { segmentBytes: 500, chunkBytes: 200 })
        const lsns = recs.map((r) => appendRecord(wal, r))
        await wal.close()
        wal = openWal(dir, undefined, { segmentBytes: 500, chunkBytes: 200 })
        const back = [...wal.scan(wal.firstLsn)].map((e) => ({ lsn: e.lsn, rec: plain(decodeRecord(e.bytes)) }))
        expect(back).toEqual(recs.map((r, i) => ({ lsn: lsns[i], rec: plain(r) })))
        await wal.close()
      }),
      { numRuns: 30 },
    )
  })

  it('fast paths write the same bytes as appendRecord', () => {
    fc.assert(
      fc.property(txn, tree, bytes, bytes, fc.option(bytes), fc.boolean(), (t, tr, key, value, before, comp) => {
        const sink = { buf: Buffer.alloc(0), lastLsn: 0 as Lsn, reserve: (n: number) => ((sink.buf = Buffer.alloc(n)), 0) }
        appendPut(sink, t, tr, key, value, before, comp)
        expect(sink.buf).toEqual(encodeRecord({ kind: 'put', txn: t, tree: tr, key, value, before, compensation: comp }))
        appendDelete(sink, t, tr, key, before, comp)
        expect(sink.buf).toEqual(encodeRecord({ kind: 'delete', txn: t, tree: tr, key, before, compensation: comp }))
      }),
    )
  })

  it('tells an absent before-image from an empty one', () => {
    const base = { txn: asTxnId(1), tree: asTreeId(2), key: Buffer.from('k'), compensation: false }
    const absent = decodeRecord(encodeRecord({ kind: 'delete', ...base, before: null }))
    const empty = decodeRecord(encodeRecord({ kind: 'delete', ...base, before: new Uint8Array(0) }))
    expect(absent.kind === 'delete' && absent.before).toBeNull()
    expect(empty.kind === 'delete' && empty.before?.length).toBe(0)
  })

  it('rejects truncated or extended encodings with XX001', () => {
    fc.assert(
      fc.property(record, fc.nat(), (rec, cut) => {
        const enc = encodeRecord(rec)
        expect(code(() => decodeRecord(enc.subarray(0, cut % enc.length)))).toBe('XX001')
        expect(code(() => decodeRecord(Buffer.concat([enc, Buffer.from([0])])))).toBe('XX001')
      }),
      { numRuns: 1000 },
    )
  })

  it('decodes random bytes to a record that re-encodes to them, or throws XX001', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 60 }), fc.integer({ min: 0, max: 8 }), (raw, type) => {
        if (raw.length > 0) raw[0] = type
        let rec: LogRecord
        try {
          rec = decodeRecord(raw)
        } catch (e) {
          expect(isIsolaError(e, 'data_corrupted')).toBe(true)
          return
        }
        expect(Buffer.from(encodeRecord(rec)).equals(Buffer.from(raw))).toBe(true)
      }),
      { numRuns: 3000 },
    )
  })

  it('names the problem: unknown type, bad flags, lengths past the end', () => {
    const abort = encodeRecord({ kind: 'abort', txn: asTxnId(5) }) as Buffer
    expect(() => decodeRecord(Buffer.from([9, ...abort.subarray(1)]))).toThrow(/unknown type 9/)
    const badFlags = Buffer.from(abort)
    badFlags[1] = 1 // compensation on an abort
    expect(() => decodeRecord(badFlags)).toThrow(/flags 0x1 on a abort record/)
    const commit = Buffer.from(encodeRecord({ kind: 'commit', txn: asTxnId(5), payload: Buffer.from('abc') }))
    commit.writeUInt32LE(1000, 8)
    expect(() => decodeRecord(commit)).toThrow(/payload \(1000 bytes at 12\) runs past the end/)
  })

  it('refuses ids that do not fit before touching the log', async () => {
    const wal = openWal(tempDir())
    const k = Buffer.from('k')
    expect(() => appendPut(wal, asTxnId(2 ** 48), asTreeId(1), k, k, null, false)).toThrow(/48 bits/)
    expect(() => appendDelete(wal, asTxnId(1), asTreeId(2 ** 32), k, null, false)).toThrow(/32 bits/)
    expect(() => appendRecord(wal, { kind: 'abort', txn: asTxnId(-1) })).toThrow(/48 bits/)
    expect(wal.endLsn).toBe(0)
    await wal.close()
  })
})
