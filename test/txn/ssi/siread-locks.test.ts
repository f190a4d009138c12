/**
 * SIREAD locks: the interval tree against a list, and the lock table's dedup,
 * promotion, transfer and release.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import type { TableId } from '../../../txn/types.js'
import { HeldLocks, type LockHolder, SireadLocks } from '../../../txn/ssi/siread-locks.js'
import { type RangeNode, RangeTree } from '../../../txn/ssi/range-tree.js'

const b = (...bytes: number[]): Uint8Array => Uint8Array.from(bytes)

describe('RangeTree', () => {
  it('stabbing queries agree with a linear scan under inserts and removes', () => {
    const keyArb = fc.uint8Array({ minLength: 0, maxLength: 3, max: 4 })
    const opArb = fc.oneof(
      fc.record({ kind: fc.constant('insert' as const), from: keyArb, to: fc.option(keyArb, { nil: undefined }) }),
      fc.record({ kind: fc.constant('remove' as const), index: fc.nat() }),
      fc.record({ kind: fc.constant('stab' as const), key: keyArb }),
    )
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 120 }), (ops) => {
        const tree = new RangeTree<number>()
        const live: RangeNode<number>[] = []
        let owner = 0
        for (const op of ops) {
          if (op.kind === 'insert') live.push(tree.insert(op.from, op.to, owner++))
          else if (op.kind === 'remove' && live.length > 0) tree.remove(live.splice(op.index % live.length, 1)[0]!)
          else if (op.kind === 'stab') {
            const got: number[] = []
            tree.stab(op.key, got)
            const want = live
              .filter((n) => Buffer.compare(n.from, op.key) <= 0 && (n.to === undefined || Buffer.compare(op.key, n.to) < 0))
              .map((n) => n.owner)
            expect(got.sort((x, y) => x - y)).toEqual(want.sort((x, y) => x - y))
          }
          expect(tree.size).toBe(live.length)
        }
        expect([...tree.nodes()].length).toBe(live.length)
      }),
      { numRuns: 500 },
    )
  })

  it('stays shallow on sequential inserts', () => {
    const tree = new RangeTree<number>()
    for (let i = 0; i < 20_000; i++) tree.insert(Buffer.from(i.toString().padStart(6, '0')), Buffer.from((i + 1).toString().padStart(6, '0')), i)
    const got: number[] = []
    tree.stab(Buffer.from('012345'), got)
    expect(got).toEqual([12345])
  })
})

class Holder implements LockHolder<Holder> {
  held: Map<TableId, HeldLocks<Holder>> | undefined
  fineLocks = 0
  constructor(readonly name: string) {}
}

const T1 = 1 as TableId
const T2 = 2 as TableId

function holdersOf(locks: SireadLocks<Holder>, table: TableId, key: Uint8Array): string[] {
  const out: Holder[] = []
  locks.holders(table, key, out)
  return [...new Set(out.map((h) => h.name))].sort()
}

describe('SireadLocks', () => {
  it('finds row, range and table holders, and nothing else', () => {
    const locks = new SireadLocks<Holder>({ maxRowLocksPerTable: 100, maxRangeLocksPerTable: 100, maxLocksPerTransaction: 1000 })
    const [a, c, d] = [new Holder('a'), new Holder('c'), new Holder('d')]
    locks.lockRow(a, T1, b(5))
    locks.lockRange(c, T1, b(3), b(6))
    locks.lockRange(c, T1, b(7), undefined)
    locks.lockTable(d, T2)
    expect(holdersOf(locks, T1, b(5))).toEqual(['a', 'c'])
    expect(holdersOf(locks, T1, b(6))).toEqual([])
    expect(holdersOf(locks, T1, b(9, 9))).toEqual(['c'])
    expect(holdersOf(locks, T2, b(5))).toEqual(['d'])
    expect(holdersOf(locks, 3 as TableId, b(5))).toEqual([])
  })

  it('ignores repeats and empty ranges; an unbounded range is a table lock', () => {
    const locks = new SireadLocks<Holder>({ maxRowLocksPerTable: 100, maxRangeLocksPerTable: 100, maxLocksPerTransaction: 1000 })
    const a = new Holder('a')
    locks.lockRow(a, T1, b(1))
    locks.lockRow(a, T1, Buffer.from([1]))
    locks.lockRange(a, T1, b(2), b(4))
    locks.lockRange(a, T1, b(2), b(4))
    locks.lockRange(a, T1, b(4), b(4))
    expect(locks.counts()).toMatchObject({ rowLocks: 1, rangeLocks: 1, tableLocks: 0 })
    locks.lockRange(a, T1, undefined, undefined)
    expect(locks.counts()).toMatchObject({ rowLocks: 0, rangeLocks: 0, tableLocks: 1 })
    locks.lockRow(a, T1, b(9)) // covered
    expect(locks.counts()).toMatchObject({ rowLocks: 0, tableLocks: 1 })
  })

  it('promotes to a table lock past the per-table limits', () => {
    const locks = new SireadLocks<Holder>({ maxRowLocksPerTable: 3, maxRangeLocksPerTable: 2, maxLocksPerTransaction: 1000 })
    const a = new Holder('a')
    for (let i = 0; i < 3; i++) locks.lockRow(a, T1, b(i))
    expect(locks.counts()).toMatchObject({ rowLocks: 3, tableLocks: 0, promotions: 0 })
    locks.lockRow(a, T1, b(3))
    expect(locks.counts()).toMatchObject({ rowLocks: 0, tableLocks: 1, promotions: 1 })
    expect(holdersOf(locks, T1, b(200))).toEqual(['a']) // a key it never read is covered now
    for (let i = 0; i < 3; i++) locks.lockRange(a, T2, b(i), b(i, 1))
    expect(locks.counts()).toMatchObject({ rangeLocks: 0, tableLocks: 2, promotions: 2 })
  })

  it('caps a holder’s locks over all tables by promoting the table where it has most', () => {
    const locks = new SireadLocks<Holder>({ maxRowLocksPerTable: 100, maxRangeLocksPerTable: 100, maxLocksPerTransaction: 5 })
    const a = new Holder('a')
    locks.lockRow(a, T1, b(1))
    locks.lockRow(a, T1, b(2))
    locks.lockRow(a, T1, b(3))
    locks.lockRange(a, T2, b(1), b(2))
    locks.lockRow(a, T2, b(9))
    expect(a.fineLocks).toBe(5)
    locks.lockRow(a, 3 as TableId, b(1)) // the sixth: table 1 (three locks) becomes a table lock
    expect(a.fineLocks).toBe(3)
    expect(locks.counts()).toMatchObject({ rowLocks: 2, rangeLocks: 1, tableLocks: 1, promotions: 1 })
    expect(holdersOf(locks, T1, b(77))).toEqual(['a'])
    locks.releaseAll(a)
    expect(a.fineLocks).toBe(0)
    expect(locks.counts()).toMatchObject({ rowLocks: 0, rangeLocks: 0, tableLocks: 0 })
  })

  it('keeps the cap when locks are transferred', () => {
    const locks = new SireadLocks<Holder>({ maxRowLocksPerTable: 100, maxRangeLocksPerTable: 100, maxLocksPerTransaction: 4 })
    const sum = new Holder('sum')
    for (let i = 0; i < 10; i++) {
      const h = new Holder(`h${i}`)
      locks.lockRow(h, (i % 3) as TableId, b(i))
      locks.lockRange(h, (i % 3) as TableId, b(i), b(i, 1))
      locks.transferAll(h, sum)
      expect(h.fineLocks).toBe(0)
      expect(sum.fineLocks).toBeLessThanOrEqual(4)
    }
    const c = locks.counts()
    expect(c.rowLocks + c.rangeLocks).toBe(sum.fineLocks)
  })

  it('transfers locks to another holder, merging and promoting', () => {
    const locks = new SireadLocks<Holder>({ maxRowLocksPerTable: 2, maxRangeLocksPerTable: 3, maxLocksPerTransaction: 1000 })
    const [a, c, sum] = [new Holder('a'), new Holder('c'), new Holder('sum')]
    locks.lockRow(a, T1, b(1))
    locks.lockRow(a, T1, b(2))
    locks.lockRange(a, T1, b(5), b(6))
    locks.lockRow(c, T1, b(2))
    locks.lockRow(c, T1, b(3))
    locks.lockTable(c, T2)
    locks.transferAll(a, sum)
    expect(holdersOf(locks, T1, b(1))).toEqual(['sum'])
    expect(holdersOf(locks, T1, b(5, 5))).toEqual(['sum'])
    expect(a.held).toBeUndefined()
    locks.transferAll(c, sum) // rows 1,2,3: one too many, so a table lock
    expect(holdersOf(locks, T1, b(200))).toEqual(['sum'])
    expect(holdersOf(locks, T2, b(1))).toEqual(['sum'])
    expect(locks.counts()).toMatchObject({ rowLocks: 0, rangeLocks: 0, tableLocks: 2 })
    locks.releaseAll(sum)
    expect(locks.counts()).toMatchObject({ rowLocks: 0, rangeLocks: 0, tableLocks: 0 })
    expect(holdersOf(locks, T1, b(1))).toEqual([])
  })

  it('releases exactly its own locks on shared keys', () => {
    const locks = new SireadLocks<Holder>({ maxRowLocksPerTable: 100, maxRangeLocksPerTable: 100, maxLocksPerTransaction: 1000 })
    const hs = ['a', 'c', 'd'].map((n) => new Holder(n))
    for (const h of hs) {
      locks.lockRow(h, T1, b(1))
      locks.lockRange(h, T1, b(0), b(9))
    }
    locks.releaseAll(hs[1]!)
    expect(holdersOf(locks, T1, b(1))).toEqual(['a', 'd'])
    locks.releaseAll(hs[0]!)
    locks.releaseAll(hs[2]!)
    expect(locks.counts()).toMatchObject({ rowLocks: 0, rangeLocks: 0 })
  })
})
