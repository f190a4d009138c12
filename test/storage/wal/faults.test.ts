/**
 * Write and fsync failures poison the log: nothing is acknowledged after them.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { type IsolaError, isIsolaError } from '../../../common/errors.js'
import { FaultyFs, openWal, readAll, recordBytes, removeTempDirs, tempDir } from './helpers.js'

afterEach(removeTempDirs)

async function rejection(p: Promise<unknown>): Promise<IsolaError> {
  try {
    await p
  } catch (e) {
    if (isIsolaError(e)) return e
    throw e
  }
  throw new Error('expected a rejection')
}

function thrown(f: () => unknown): unknown {
  try {
    f()
  } catch (e) {
    return e
  }
  throw new Error('expected a throw')
}

describe('write failures', () => {
  for (const partialWriteBytes of [0, 30]) {
    it(`ENOSPC on the flush write (${partialWriteBytes} bytes written) is 53100 and poisons the log`, async () => {
      const dir = tempDir()
      const faulty = new FaultyFs()
      const wal = openWal(dir, faulty)
      const acked = wal.append(recordBytes(1, 20))
      await wal.flush(acked)
      wal.append(recordBytes(2, 20))
      faulty.failWrites = 'ENOSPC'
      faulty.partialWriteBytes = partialWriteBytes
      const err = await rejection(wal.flush())
      expect(err.code).toBe('53100')
      expect(err.message).toMatch(/No space left on device/)
      // The disk has room again, but the log stays poisoned: the same error every time.
      faulty.failWrites = null
      expect(thrown(() => wal.reserve(5))).toBe(err)
      expect(thrown(() => wal.append(recordBytes(3, 5)))).toBe(err)
      expect(await rejection(wal.flush())).toBe(err)
      expect(await rejection(wal.flush(acked))).toBe(err)
      expect(await rejection(wal.close())).toBe(err)
      // What was acknowledged is there; the torn write is cut on reopening.
      const reopened = openWal(dir)
      expect(readAll(reopened)).toEqual([{ lsn: acked, bytes: recordBytes(1, 20) }])
      await reopened.close()
    })
  }

  it('ENOSPC on a write triggered by a full chunk is thrown from reserve', async () => {
    const faulty = new FaultyFs()
    const wal = openWal(tempDir(), faulty, { chunkBytes: 10 })
    wal.append(recordBytes(1, 20))
    faulty.failWrites = 'ENOSPC'
    const err = thrown(() => wal.append(recordBytes(2, 20)))
    expect(isIsolaError(err, 'disk_full')).toBe(true)
    faulty.failWrites = null
    expect(await rejection(wal.flush())).toBe(err)
  })

  it('every waiter of a round whose write fails is rejected', async () => {
    const faulty = new FaultyFs()
    faulty.syncDelayMs = 10
    const wal = openWal(tempDir(), faulty)
    const first = wal.flush(wal.append(recordBytes(1, 5)))
    await new Promise((r) => setTimeout(r, 3)) // round 1 is in its 10 ms datasync
    const waiters = [1, 2, 3].map((i) => wal.flush(wal.append(recordBytes(i + 1, 5))))
    faulty.failWrites = 'ENOSPC'
    await first
    const errors = await Promise.all(waiters.map(rejection))
    expect(new Set(errors).size).toBe(1)
    expect(errors[0]?.code).toBe('53100')
  })
})

describe('fsync failures', () => {
  it('EIO from datasync is 58030; no waiter is acknowledged and the log stays poisoned', async () => {
    const dir = tempDir()
    const faulty = new FaultyFs()
    faulty.syncDelayMs = 5
    const wal = openWal(dir, faulty)
    const acked = wal.append(recordBytes(1, 20))
    await wal.flush()
    const durable = wal.durableLsn
    faulty.failSyncs = 'EIO'
    const waiters = Array.from({ length: 10 }, (_, i) => wal.flush(wal.append(recordBytes(i + 10, 8))))
    const errors = await Promise.all(waiters.map(rejection))
    expect(errors.every((e) => e === errors[0])).toBe(true)
    expect(errors[0]?.code).toBe('58030')
    expect(wal.durableLsn).toBe(durable)
    // A retried fsync could report success for pages the kernel already dropped:
    // the log never retries.
    faulty.failSyncs = null
    expect(await rejection(wal.flush())).toBe(errors[0])
    expect(faulty.datasyncs).toBe(2)
    await rejection(wal.close())
    const reopened = openWal(dir)
    expect(readAll(reopened)[0]).toEqual({ lsn: acked, bytes: recordBytes(1, 20) })
    await reopened.close()
  })

  it('a failing segment sync fails the whole round even when the others succeed', async () => {
    const faulty = new FaultyFs()
    const wal = openWal(tempDir(), faulty, { segmentBytes: 60, chunkBytes: 0 })
    for (let i = 0; i < 6; i++) wal.append(recordBytes(i, 20)) // several segments, all unsynced
    faulty.failSyncs = 'EIO'
    expect((await rejection(wal.flush())).code).toBe('58030')
    expect(wal.durableLsn).toBe(0)
  })
})
