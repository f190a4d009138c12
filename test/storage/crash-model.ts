/** What the crash writer writes, and how the crash tests check it after a restart. */
import { asTreeId } from '../../common/ids.js'
import type { Store, StoreOptions } from '../../storage/store.js'

export const CRASH_TREE = asTreeId(1)
export const BATCH_KEYS = 8

/** Small pages, pool, log segments and checkpoint interval: kills land in every phase. */
export const CRASH_STORE_OPTIONS: Omit<StoreOptions, 'dir'> = {
  pageSize: 1024,
  poolBytes: 64 * 1024,
  checkpointBytes: 96 * 1024,
  segmentBytes: 128 * 1024,
}

export const dataKey = (b: number, i: number) => Buffer.from(`d:${String(b).padStart(8, '0')}:${String(i).padStart(3, '0')}`)
export const markerKey = (b: number) => Buffer.from(`m:${String(b).padStart(8, '0')}`)
/** Mostly small values; every seventh is large enough for overflow pages. */
export function dataValue(b: number, i: number): Buffer {
  const size = (b * 31 + i) % 7 === 0 ? 700 + ((b + i) % 500) : 10 + ((b * 7 + i) % 90)
  const v = Buffer.alloc(size)
  for (let j = 0; j < size; j++) v[j] = (b * 131 + i * 17 + j) & 0xff
  return v
}

/**
 * Checks a recovered store against what was acknowledged: every acknowledged
 * batch committed, every batch all-or-nothing, data deleted only by a committed
 * batch. Returns the committed batches.
 */
export function verifyCrashStore(store: Store, acked: ReadonlySet<number>): { committed: Set<number>; present: Set<number> } {
  store.check()
  // A crash before the writer's first commit (which creates the tree) was durable leaves no tree: nothing committed.
  if (!store.hasTree(CRASH_TREE)) {
    if (acked.size > 0) throw new Error(`the batches' tree is gone after recovery, but ${acked.size} batches were acknowledged`)
    return { committed: new Set(), present: new Set() }
  }
  const committed = new Map<number, number>()
  const data = new Map<number, Map<number, Buffer>>()
  const c = store.cursor(CRASH_TREE)
  for (let ok = c.first(); ok; ok = c.next()) {
    const [kind, b, i] = c.key.toString().split(':')
    if (kind === 'm') committed.set(Number(b), Number(c.value.toString()))
    else {
      const rows = data.get(Number(b)) ?? new Map<number, Buffer>()
      rows.set(Number(i), Buffer.from(c.value))
      data.set(Number(b), rows)
    }
  }
  c.close()
  const deleted = new Set([...committed.values()].filter((v) => v >= 0))
  for (const b of acked) if (!committed.has(b)) throw new Error(`acknowledged batch ${b} is missing after recovery`)
  for (const [b, rows] of data) {
    if (!committed.has(b)) throw new Error(`batch ${b} has data but never committed`)
    if (rows.size !== BATCH_KEYS) throw new Error(`batch ${b} is half-applied: ${rows.size} of ${BATCH_KEYS} keys`)
    for (const [i, v] of rows) if (!v.equals(dataValue(b, i))) throw new Error(`batch ${b} key ${i} has a wrong value`)
  }
  for (const b of committed.keys()) {
    if (!data.has(b) && !deleted.has(b)) throw new Error(`batch ${b} committed but its data is gone and nobody deleted it`)
    if (data.has(b) && deleted.has(b)) throw new Error(`batch ${b} was deleted by a committed batch but its data is still there`)
  }
  return { committed: new Set(committed.keys()), present: new Set(data.keys()) }
}
