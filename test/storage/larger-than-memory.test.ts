/**
 * 1,000,000 keys through a 16 MiB buffer pool: the data is many times the pool,
 * so loading, random reads and a full scan all run on eviction and re-reading.
 * Peak RSS is printed for the README; the assertion is on what the pool holds.
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { Store } from '../../storage/store.js'

const N = 1_000_000
const POOL = 16 * 1024 * 1024

describe('larger than memory', () => {
  it('loads 1M keys with a 16 MiB pool, then reads them randomly and in order', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'isola-big-'))
    const store = await Store.open({ dir, poolBytes: POOL })
    const setup = store.begin()
    const tree = setup.createTree()
    await setup.commit()
    const key = Buffer.alloc(8)
    const value = Buffer.alloc(100)
    const started = Date.now()
    // Random insertion order: every page is touched again long after it was evicted.
    const order = new Uint32Array(N)
    for (let i = 0; i < N; i++) order[i] = i
    let s = 12345
    for (let i = N - 1; i > 0; i--) {
      s = (s * 1103515245 + 12345) % 2147483648
      const j = s % (i + 1)
      const t = order[i]!
      order[i] = order[j]!
      order[j] = t
    }
    for (let batch = 0; batch < 10; batch++) {
      const t = store.begin()
      for (let n = batch * (N / 10); n < (batch + 1) * (N / 10); n++) {
        const i = order[n]!
        key.writeBigUInt64BE(BigInt(i))
        value.writeUInt32LE(i, 0)
        t.put(tree, key, value)
      }
      await t.commit()
    }
    const loaded = Date.now()

    for (let r = 0; r < 100_000; r++) {
      s = (s * 1103515245 + 12345) % 2147483648
      const i = s % N
      key.writeBigUInt64BE(BigInt(i))
      expect(store.get(tree, key)?.readUInt32LE(0)).toBe(i)
    }
    const read = Date.now()

    const c = store.cursor(tree)
    let count = 0
    for (let ok = c.first(); ok; ok = c.next()) {
      if (c.key.readBigUInt64BE(0) !== BigInt(count) || c.value.readUInt32LE(0) !== count) throw new Error(`row ${count} is wrong`)
      count++
    }
    c.close()
    expect(count).toBe(N)
    const stats = store.stats()
    // The pool stayed at its size (it may exceed it only while one operation needs more frames).
    expect(stats.poolFrames).toBeLessThanOrEqual(POOL / stats.pageSize + 8)
    expect(stats.poolMisses).toBeGreaterThan(N / 100)
    const rss = process.resourceUsage().maxRSS / 1024
    console.log(
      `larger-than-memory: load ${loaded - started} ms, 100k random gets ${read - loaded} ms, scan ${Date.now() - read} ms, ` +
        `${stats.pages} pages (${((stats.pages * stats.pageSize) / 2 ** 20).toFixed(0)} MiB) through a ${POOL / 2 ** 20} MiB pool, peak RSS ${rss.toFixed(0)} MiB`,
    )
    await store.close()
    fs.rmSync(dir, { recursive: true, force: true })
  })
})
