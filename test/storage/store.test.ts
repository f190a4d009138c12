import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import fc from 'fast-check'
import { afterEach, describe, expect, it } from 'vitest'
import { isIsolaError } from '../../common/errors.js'
import type { TreeId } from '../../common/ids.js'
import { nodeFileSystem } from '../../storage/file-system.js'
import { withFault } from '../../storage/fault-file-system.js'
import { Store, type StoreOptions } from '../../storage/store.js'

const dirs: string[] = []
function tempDir(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'isola-store-'))
  dirs.push(d)
  return d
}
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true })
})

const small: Omit<StoreOptions, 'dir'> = { pageSize: 512, poolBytes: 16 * 512, checkpointBytes: 32 * 1024, segmentBytes: 16 * 1024 }
const k = (s: string | number) => Buffer.from(String(s))

async function withTree(dir: string, opts = small): Promise<{ store: Store; tree: TreeId }> {
  const store = await Store.open({ ...opts, dir })
  const t = store.begin()
  const tree = t.createTree()
  await t.commit()
  return { store, tree }
}

function contents(store: Store, tree: TreeId): Record<string, string> {
  const out: Record<string, string> = {}
  const c = store.cursor(tree)
  for (let ok = c.first(); ok; ok = c.next()) out[c.key.toString()] = c.value.toString()
  c.close()
  return out
}

describe('store transactions', () => {
  it('commits survive a reopen; rollback and savepoints undo', async () => {
    const dir = tempDir()
    const { store, tree } = await withTree(dir)
    const t1 = store.begin()
    t1.put(tree, k('a'), k('1'))
    t1.put(tree, k('b'), k('2'))
    await t1.commit()

    const t2 = store.begin()
    t2.put(tree, k('a'), k('changed'))
    t2.delete(tree, k('b'))
    const sp = t2.savepoint()
    t2.put(tree, k('c'), k('3'))
    t2.rollbackTo(sp)
    expect(store.get(tree, k('c'))).toBeUndefined()
    expect(store.get(tree, k('a'))?.toString()).toBe('changed')
    t2.rollback()
    expect(contents(store, tree)).toEqual({ a: '1', b: '2' })
    await store.close()

    const again = await Store.open({ ...small, dir })
    expect(contents(again, tree)).toEqual({ a: '1', b: '2' })
    again.check()
    await again.close()
  })

  it('recovers after a crash: committed work stays, open transactions are undone, even across a checkpoint', async () => {
    const dir = tempDir()
    const { store, tree } = await withTree(dir)
    const open = store.begin()
    for (let i = 0; i < 200; i++) open.put(tree, k(`open-${i}`), Buffer.alloc(100, 1))
    const done = store.begin()
    for (let i = 0; i < 200; i++) done.put(tree, k(`done-${i}`), Buffer.alloc(100, 2))
    await done.commit()
    // The checkpoint captures the open transaction's writes; recovery must undo them from the log.
    await store.checkpoint()
    for (let i = 0; i < 50; i++) open.put(tree, k(`open-late-${i}`), Buffer.alloc(10, 3))
    const unflushed = store.begin()
    unflushed.put(tree, k('never'), k('x'))
    // Crash: the files close with nothing more written; a new store opens them.
    store.abandon()
    const recovered = await Store.open({ ...small, dir })
    const rows = contents(recovered, tree)
    expect(Object.keys(rows).filter((r) => r.startsWith('done-')).length).toBe(200)
    expect(Object.keys(rows).filter((r) => !r.startsWith('done-'))).toEqual([])
    recovered.check()
    await recovered.close()
  })

  it('a prepared transaction survives a restart and can then commit or roll back', async () => {
    const dir = tempDir()
    const { store, tree } = await withTree(dir)
    const a = store.begin()
    a.put(tree, k('a'), k('from-a'))
    await a.prepare(k('gid-a'))
    const b = store.begin()
    b.put(tree, k('b'), k('from-b'))
    await b.prepare(k('gid-b'))
    await store.checkpoint()
    store.abandon() // crash

    const s2 = await Store.open({ ...small, dir })
    const prepared = s2.prepared()
    expect(prepared.map((t) => Buffer.from(t.preparePayload!).toString()).sort()).toEqual(['gid-a', 'gid-b'])
    // Its writes are still in place (the layer above holds their locks).
    expect(s2.get(tree, k('a'))?.toString()).toBe('from-a')
    const pa = prepared.find((t) => Buffer.from(t.preparePayload!).toString() === 'gid-a')!
    const pb = prepared.find((t) => Buffer.from(t.preparePayload!).toString() === 'gid-b')!
    await pa.commit()
    pb.rollback()
    await s2.close()

    const s3 = await Store.open({ ...small, dir })
    expect(s3.prepared()).toEqual([])
    expect(contents(s3, tree)).toEqual({ a: 'from-a' })
    await s3.close()
  })

  it('creates and drops trees transactionally and reclaims their pages', async () => {
    const dir = tempDir()
    const { store, tree } = await withTree(dir)
    const fill = store.begin()
    for (let i = 0; i < 2000; i++) fill.put(tree, k(i), Buffer.alloc(60, 7))
    await fill.commit()
    const pagesBefore = store.stats().pages

    const d1 = store.begin()
    d1.dropTree(tree)
    d1.rollback()
    expect(store.hasTree(tree)).toBe(true)

    const d2 = store.begin()
    d2.dropTree(tree)
    await d2.commit()
    expect(store.hasTree(tree)).toBe(false)

    // A new tree of the same size reuses the freed pages instead of growing the file.
    const c = store.begin()
    const t2 = c.createTree()
    for (let i = 0; i < 2000; i++) c.put(t2, k(i), Buffer.alloc(60, 8))
    const created = c.createTree()
    await c.commit()
    expect(store.stats().pages).toBeLessThanOrEqual(pagesBefore + 2)

    const r = store.begin()
    const gone = r.createTree()
    r.put(gone, k('x'), k('y'))
    r.rollback()
    expect(store.hasTree(gone)).toBe(false)
    expect(store.hasTree(created)).toBe(true)
    await store.close()
    const again = await Store.open({ ...small, dir })
    expect(again.trees().sort()).toEqual([t2, created].sort())
    again.check()
    await again.close()
  })

  it('random transactions, checkpoints and crashes agree with a model', async () => {
    type Step =
      | { kind: 'txn'; writes: { key: number; value: number | null }[]; outcome: 'commit' | 'rollback' | 'savepoint' }
      | { kind: 'checkpoint' }
      | { kind: 'crash' }
      | { kind: 'reopen' }
    const step: fc.Arbitrary<Step> = fc.oneof(
      {
        weight: 8,
        arbitrary: fc.record({
          kind: fc.constant('txn' as const),
          writes: fc.array(fc.record({ key: fc.integer({ min: 0, max: 300 }), value: fc.option(fc.integer({ min: 0, max: 2000 })) }), { maxLength: 40 }),
          outcome: fc.constantFrom('commit' as const, 'rollback' as const, 'savepoint' as const),
        }),
      },
      { weight: 1, arbitrary: fc.constant({ kind: 'checkpoint' as const }) },
      { weight: 1, arbitrary: fc.constant({ kind: 'crash' as const }) },
      { weight: 1, arbitrary: fc.constant({ kind: 'reopen' as const }) },
    )
    const valueOf = (n: number) => Buffer.alloc(n, n % 251)
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 25 }), async (steps) => {
        const dir = tempDir()
        let { store, tree } = await withTree(dir)
        const model = new Map<number, number>()
        for (const s of steps) {
          if (s.kind === 'checkpoint') await store.checkpoint()
          else if (s.kind === 'reopen' || s.kind === 'crash') {
            if (s.kind === 'reopen') await store.close()
            else store.abandon()
            store = await Store.open({ ...small, dir })
          } else {
            const t = store.begin()
            const half = Math.floor(s.writes.length / 2)
            let sp = 0
            const staged = new Map(model)
            s.writes.forEach((w, i) => {
              if (i === half) sp = t.savepoint()
              if (w.value === null) t.delete(tree, k(w.key))
              else t.put(tree, k(w.key), valueOf(w.value))
              if (s.outcome !== 'savepoint' || i < half) {
                if (w.value === null) staged.delete(w.key)
                else staged.set(w.key, w.value)
              }
            })
            if (s.outcome === 'rollback') t.rollback()
            else {
              if (s.outcome === 'savepoint') t.rollbackTo(sp)
              await t.commit()
              model.clear()
              for (const [key, v] of staged) model.set(key, v)
            }
          }
        }
        const expected: Record<string, string> = {}
        for (const [key, v] of model) expected[String(key)] = valueOf(v).toString()
        expect(contents(store, tree)).toEqual(expected)
        store.check()
        await store.close()
        fs.rmSync(dir, { recursive: true, force: true })
      }),
      // FC_SEED=<seed from a failure report> replays a run.
      { numRuns: 40, ...(process.env.FC_SEED ? { seed: Number(process.env.FC_SEED) } : {}) },
    )
  })
})

describe('the data directory lock', () => {
  it('one store per directory: a second open is 55000 until the first closes', async () => {
    const dir = tempDir()
    const { store } = await withTree(dir)
    await expect(Store.open({ ...small, dir })).rejects.toMatchObject({ code: '55000', message: expect.stringMatching(/is in use by process/) })
    await store.close()
    const again = await Store.open({ ...small, dir })
    await again.close()
  })

  it('a lock left by a dead process is taken over', async () => {
    const dir = tempDir()
    const { store } = await withTree(dir)
    await store.close()
    // A pid that no process has: what a kill -9 leaves behind after the pid is gone.
    fs.writeFileSync(path.join(dir, 'LOCK'), '2147483646\n')
    const again = await Store.open({ ...small, dir })
    expect(fs.readFileSync(path.join(dir, 'LOCK'), 'utf8').trim()).toBe(String(process.pid))
    await again.close()
  })
})

describe('store limits', () => {
  it('a key over a quarter page is 54000 and changes nothing; large values go to overflow pages', async () => {
    const dir = tempDir()
    const { store, tree } = await withTree(dir)
    const t = store.begin()
    t.put(tree, k('ok'), Buffer.alloc(100_000, 9))
    let error: unknown
    try {
      t.put(tree, Buffer.alloc(111, 1), k('v'))
    } catch (e) {
      error = e
    }
    expect(isIsolaError(error, 'program_limit_exceeded')).toBe(true)
    await t.commit() // the transaction and the store go on
    await store.close()
    const again = await Store.open({ ...small, dir })
    expect(again.get(tree, k('ok'))?.equals(Buffer.alloc(100_000, 9))).toBe(true)
    again.check()
    await again.close()
  })
})

describe('store faults', () => {
  it('out of space is 53100, the store stops, and a reopen has every commit', async () => {
    const dir = tempDir()
    const { store, tree } = await withTree(dir)
    const t = store.begin()
    for (let i = 0; i < 100; i++) t.put(tree, k(i), Buffer.alloc(50, 1))
    await t.commit()
    await store.close()

    const full = await Store.open({ ...small, dir, fs: withFault(nodeFileSystem, { kind: 'no-space', afterBytes: 300_000 }) })
    let committed = 0
    let error: unknown
    try {
      for (let i = 0; i < 100_000; i++) {
        const w = full.begin()
        w.put(tree, k(`more-${i}`), Buffer.alloc(200, 2))
        await w.commit()
        committed++
      }
    } catch (e) {
      error = e
    }
    expect(isIsolaError(error, 'disk_full')).toBe(true)
    // Later calls report the failure instead of running on a broken state.
    expect(() => full.get(tree, k(1))).toThrow()
    await full.close() // writes nothing more; releases the directory

    const again = await Store.open({ ...small, dir })
    const rows = contents(again, tree)
    expect(Object.keys(rows).filter((r) => r.startsWith('more-')).length).toBeGreaterThanOrEqual(committed)
    expect(Object.keys(rows).filter((r) => !r.startsWith('more-')).length).toBe(100)
    again.check()
    await again.close()
  })

  it('a log truncated below the checkpoint is XX001, not silently shorter', async () => {
    const dir = tempDir()
    const { store, tree } = await withTree(dir, { ...small, segmentBytes: 1 << 20 })
    const t = store.begin()
    for (let i = 0; i < 200; i++) t.put(tree, k(i), Buffer.alloc(40, 5))
    await t.commit()
    const end = store.stats().walEnd
    await store.close() // its last checkpoint's LSN is the end of the log
    const segments = fs.readdirSync(path.join(dir, 'wal')).sort()
    expect(segments).toEqual(['0000000000000000.wal'])
    // Half of the log's bytes, not of the file: the file is preallocated past the log.
    fs.truncateSync(path.join(dir, 'wal', segments[0]!), Math.floor(end / 2))
    await expect(Store.open({ ...small, dir, segmentBytes: 1 << 20 })).rejects.toMatchObject({ code: 'XX001', message: expect.stringMatching(/before the checkpoint/) })
  })

  it('a flipped byte in a live page is XX001 naming the file and page, not data', async () => {
    const dir = tempDir()
    const { store, tree } = await withTree(dir, { ...small, poolBytes: 1 << 20 })
    const t = store.begin()
    for (let i = 0; i < 3000; i++) t.put(tree, k(i), Buffer.alloc(40, 5))
    await t.commit()
    await store.close()
    const file = path.join(dir, 'data.isola')
    const bytes = fs.readFileSync(file)
    // Damage the middle of the file: every slot there holds a live page after a clean close.
    const at = Math.floor(bytes.length / 2) + 100
    bytes[at] = bytes[at]! ^ 0x10
    fs.writeFileSync(file, bytes)
    let error: unknown
    try {
      const s = await Store.open({ ...small, dir })
      contents(s, tree)
      await s.close()
    } catch (e) {
      error = e
    }
    expect(isIsolaError(error, 'data_corrupted')).toBe(true)
    expect(String((error as Error).message)).toMatch(/data\.isola/)
  })
})
