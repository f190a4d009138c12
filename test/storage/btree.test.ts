import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { BTree } from '../../storage/btree.js'
import { Cursor } from '../../storage/cursor.js'
import { checkTree } from '../../storage/tree-check.js'
import { memorySpace } from './tree-harness.js'

type Op =
  | { kind: 'put'; key: Buffer; value: Buffer }
  | { kind: 'delete'; key: Buffer }
  | { kind: 'scan'; from: Buffer; reverse: boolean }

const hex = (b: Buffer) => b.toString('hex')

/** Keys from a small alphabet so that puts, deletes and scans collide often. */
const keyArb = fc.oneof(
  { weight: 8, arbitrary: fc.uint8Array({ minLength: 0, maxLength: 4 }).map((a) => Buffer.from(a.map((x) => x % 6))) },
  // Long keys (up to the 110-byte limit of 512-byte pages) make separators of very different sizes.
  { weight: 1, arbitrary: fc.uint8Array({ minLength: 20, maxLength: 110 }).map((a) => Buffer.from(a.map((x) => x % 3))) },
)
const valueArb = fc.oneof(
  { weight: 6, arbitrary: fc.uint8Array({ maxLength: 40 }) },
  { weight: 2, arbitrary: fc.uint8Array({ minLength: 100, maxLength: 300 }) },
  { weight: 1, arbitrary: fc.uint8Array({ minLength: 600, maxLength: 3000 }) }, // overflow pages at 512-byte pages
).map((a) => Buffer.from(a))
const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ kind: fc.constant('put' as const), key: keyArb, value: valueArb }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('delete' as const), key: keyArb }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('scan' as const), from: keyArb, reverse: fc.boolean() }) },
)

function sortedModel(model: Map<string, Buffer>): [string, Buffer][] {
  return [...model.entries()].sort(([a], [b]) => Buffer.compare(Buffer.from(a, 'hex'), Buffer.from(b, 'hex')))
}

describe('B+tree against a Map model', () => {
  it('random put/delete/scan sequences agree with the model and keep the invariants', () => {
    fc.assert(
      fc.property(fc.array(opArb, { minLength: 1, maxLength: 400 }), fc.integer({ min: 16, max: 64 }), (ops, frames) => {
        const space = memorySpace(512, frames)
        const tree = new BTree(space, BTree.create(space))
        const model = new Map<string, Buffer>()
        for (const [n, op] of ops.entries()) {
          space.pool.beginOperation()
          if (op.kind === 'put') {
            const before = tree.put(op.key, op.value)
            expect(before === null ? undefined : hex(before)).toBe(model.has(hex(op.key)) ? hex(model.get(hex(op.key))!) : undefined)
            model.set(hex(op.key), op.value)
          } else if (op.kind === 'delete') {
            const before = tree.delete(op.key)
            expect(before === null ? undefined : hex(before)).toBe(model.has(hex(op.key)) ? hex(model.get(hex(op.key))!) : undefined)
            model.delete(hex(op.key))
          } else {
            const expected = sortedModel(model)
              .filter(([k]) => (op.reverse ? Buffer.compare(Buffer.from(k, 'hex'), op.from) <= 0 : Buffer.compare(Buffer.from(k, 'hex'), op.from) >= 0))
              .map(([k, v]) => `${k}=${hex(v)}`)
            if (op.reverse) expected.reverse()
            const c = new Cursor(tree)
            const got: string[] = []
            if (!op.reverse && n % 2 === 0) {
              // Every other forward scan reads in place, stepping within leaves by nextInLeaf.
              let ok = c.seek(op.from)
              let page = ok ? c.readInPlace() : Buffer.alloc(0)
              while (ok) {
                const value = c.valueLength >= 0 ? page.subarray(c.valueAt, c.valueAt + c.valueLength) : c.value
                got.push(`${hex(page.subarray(c.keyAt, c.keyAt + c.keyLength))}=${hex(value)}`)
                if (c.nextInLeaf()) continue
                ok = c.next()
                if (ok) page = c.readInPlace()
              }
            } else {
              for (let ok = op.reverse ? c.seekAtOrBefore(op.from) : c.seek(op.from); ok; ok = op.reverse ? c.prev() : c.next())
                got.push(`${hex(c.key)}=${hex(c.value)}`)
            }
            c.close()
            expect(got).toEqual(expected)
          }
          if (n % 25 === 0) checkTree(tree, new Set())
        }
        checkTree(tree, new Set())
        for (const [k, v] of model) expect(hex(tree.get(Buffer.from(k, 'hex'))!)).toBe(hex(v))
      }),
      { numRuns: 150 },
    )
  })

  it('builds deep trees from sequential and random keys, then empties them', () => {
    for (const order of ['ascending', 'descending', 'random'] as const) {
      const space = memorySpace(512, 32)
      const tree = new BTree(space, BTree.create(space))
      const n = 5000
      const keys = Array.from({ length: n }, (_, i) => i)
      if (order === 'descending') keys.reverse()
      if (order === 'random') keys.sort(() => Math.random() - 0.5)
      const key = (i: number) => {
        const b = Buffer.alloc(4)
        b.writeUInt32BE(i)
        return b
      }
      for (const i of keys) {
        space.pool.beginOperation()
        tree.put(key(i), Buffer.alloc(20, i % 251))
      }
      checkTree(tree, new Set())
      const c = new Cursor(tree)
      let count = 0
      for (let ok = c.first(); ok; ok = c.next()) expect(c.key.readUInt32BE(0)).toBe(count++)
      expect(count).toBe(n)
      for (let ok = c.last(); ok; ok = c.prev()) expect(c.key.readUInt32BE(0)).toBe(--count)
      c.close()
      for (const i of keys) {
        space.pool.beginOperation()
        expect(tree.delete(key(i))).not.toBeNull()
        if (i % 500 === 0) checkTree(tree, new Set())
      }
      checkTree(tree, new Set())
      // Everything but the root is given back.
      expect(space.pages.size).toBeLessThanOrEqual(1)
    }
  })

  it('append splits leave full pages behind', () => {
    const space = memorySpace(8192, 256)
    const tree = new BTree(space, BTree.create(space))
    for (let i = 0; i < 20000; i++) {
      space.pool.beginOperation()
      const k = Buffer.alloc(8)
      k.writeBigUInt64BE(BigInt(i))
      tree.put(k, Buffer.alloc(100))
    }
    space.pool.flushDirty()
    const leaves = 20000 / Math.floor(8168 / (6 + 8 + 100 + 2))
    // Within 10% of perfectly full pages (a half/half split would need twice as many).
    expect(space.pages.size).toBeLessThan(leaves * 1.1 + 10)
  })

  it('a cursor reading in place gives its page up when another store operation begins', () => {
    const space = memorySpace(512, 16)
    const tree = new BTree(space, BTree.create(space))
    const key = (i: number) => Buffer.from(i.toString().padStart(6, '0'))
    for (let i = 0; i < 2000; i++) {
      space.pool.beginOperation()
      tree.put(key(i), Buffer.alloc(30, i % 251))
    }
    const c = new Cursor(tree)
    expect(c.seek(key(100))).toBe(true)
    let page = c.readInPlace()
    expect(c.nextInLeaf()).toBe(true)
    expect(page.subarray(c.keyAt, c.keyAt + c.keyLength).toString()).toBe('000101')
    // Another cursor walks the whole tree: far more pages than the 16 frames, so the
    // first cursor's leaf frame is reused for other pages.
    const other = new Cursor(tree)
    for (let ok = other.first(); ok; ok = other.next());
    other.close()
    expect(c.inPlace).toBe(false)
    expect(c.nextInLeaf()).toBe(false)
    page = c.readInPlace()
    expect(c.inPlace).toBe(true)
    expect(page.subarray(c.keyAt, c.keyAt + c.keyLength).toString()).toBe('000101')
    expect(page[c.valueAt]).toBe(101)
    expect(c.next()).toBe(true)
    expect(c.key.toString()).toBe('000102')
    c.close()
  })

  it('a cursor survives writes to its tree between steps', () => {
    const space = memorySpace(512, 64)
    const tree = new BTree(space, BTree.create(space))
    const key = (i: number) => Buffer.from(i.toString().padStart(6, '0'))
    for (let i = 0; i < 2000; i++) tree.put(key(i), Buffer.alloc(30, 1))
    const c = new Cursor(tree)
    const seen: number[] = []
    for (let ok = c.first(); ok; ok = c.next()) {
      const i = Number(c.key.toString())
      seen.push(i)
      // Delete the next key, update this one, insert far ahead: the scan must skip the
      // deleted key and still see each surviving key exactly once.
      tree.delete(key(i + 1))
      tree.put(key(i), Buffer.alloc(200, 2))
      if (i < 1000) tree.put(key(i + 5000), Buffer.alloc(10, 3))
    }
    c.close()
    const expected = [...Array.from({ length: 1000 }, (_, i) => i * 2), ...Array.from({ length: 500 }, (_, i) => 5000 + i * 2)]
    expect(seen).toEqual(expected)
    checkTree(tree, new Set())
  })
})
