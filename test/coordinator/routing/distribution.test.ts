import { describe, expect, test } from 'vitest'
import fc from 'fast-check'
import { asShardId } from '../../../common/ids.js'
import { Decimal, T, type SqlType, type SqlValue } from '../../../engine/values/index.js'
import { parse } from '../../../parser/index.js'
import {
  distributionOf, hashValue, movePartition, partitionOf, PARTITION_COUNT, uniformPartitionMap, coLocated,
} from '../../../coordinator/routing/index.js'
import { hashBytes } from '../../../coordinator/routing/hash.js'

const create = (sql: string) => {
  const [s] = parse(sql)
  if (s?.kind !== 'create-table') throw new Error(sql)
  return distributionOf(s)
}

describe('the hash of a distribution value', () => {
  test('is fixed forever (golden values: a row\'s partition is part of every shard\'s data)', () => {
    // fmix32(FNV-1a("a")): FNV-1a of "a" is the published 0xe40c292c.
    const fmix = (h: number): number => {
      h ^= h >>> 16; h = Math.imul(h, 0x85ebca6b); h ^= h >>> 13; h = Math.imul(h, 0xc2b2ae35); h ^= h >>> 16
      return h >>> 0
    }
    expect(hashBytes(new TextEncoder().encode('a'))).toBe(fmix(0xe40c292c))
    expect([1, 2, 3, 42, -1, 1000000].map((v) => partitionOf(T.int4, v))).toEqual([40, 21, 56, 41, 56, 47])
    expect(['a', 'hello', ''].map((v) => partitionOf(T.text, v))).toEqual([29, 36, 31])
    expect(hashValue(T.int8, 42n)).toBe(4120544297)
  })

  test('equal SQL values hash alike across types of one class and JavaScript representations', () => {
    fc.assert(fc.property(fc.integer({ min: -32768, max: 32767 }), (n) => {
      const h = hashValue(T.int4, n)
      expect(hashValue(T.int2, n)).toBe(h)
      expect(hashValue(T.int8, BigInt(n))).toBe(h)
    }))
    expect(hashValue(T.numeric, Decimal.parse('1.50'))).toBe(hashValue(T.numeric, Decimal.parse('1.5')))
    expect(hashValue({ kind: 'bpchar', length: 5 }, 'ab   ')).toBe(hashValue(T.text, 'ab'))
    expect(hashValue({ kind: 'varchar', length: 9 }, 'ab')).toBe(hashValue(T.text, 'ab'))
    expect(hashValue(T.float8, -0)).toBe(hashValue(T.float8, 0))
    expect(hashValue(T.float4, Math.fround(0.5))).toBe(hashValue(T.float8, 0.5))
  })

  test('spreads values over every partition, roughly evenly', () => {
    const counts = new Array<number>(PARTITION_COUNT).fill(0)
    for (let i = 0; i < 64_000; i++) counts[partitionOf(T.int4, i)]!++
    expect(Math.min(...counts)).toBeGreaterThan(800)
    expect(Math.max(...counts)).toBeLessThan(1200)
    const text = new Set(Array.from({ length: 2000 }, (_, i) => partitionOf(T.text, `user-${i}`)))
    expect(text.size).toBe(PARTITION_COUNT)
  })

  test('NULL has a partition of its own value; arrays cannot be hashed', () => {
    const v: SqlValue = null
    expect(partitionOf(T.int4, v)).toBe(partitionOf(T.int8, null))
    expect(() => hashValue({ kind: 'array', element: T.int4 } as SqlType, [1])).toThrow(/cannot be a distribution column/)
  })
})

describe('partition maps', () => {
  test('uniform: partition p on shard p mod n; moving one partition changes that entry only', () => {
    const m = uniformPartitionMap(3)
    expect(m.shards).toHaveLength(PARTITION_COUNT)
    expect(m.shards.slice(0, 5)).toEqual([0, 1, 2, 0, 1])
    const moved = movePartition(m, 4, asShardId(2))
    expect(moved.shards[4]).toBe(2)
    expect(moved.shards.filter((s, p) => s !== m.shards[p])).toEqual([2])
    expect(m.shards[4]).toBe(1) // immutable
    expect(() => movePartition(m, 64, asShardId(0))).toThrow(/no partition 64/)
    expect(() => movePartition(m, 1, asShardId(3))).toThrow(/no shard 3/)
    expect(() => uniformPartitionMap(0)).toThrow()
  })
})

describe('distributionOf (CREATE TABLE)', () => {
  test('default: the first primary-key column', () => {
    expect(create('CREATE TABLE t (a int, b text, PRIMARY KEY (b, a))')).toMatchObject({ kind: 'distributed', column: 'b', columnType: T.text })
    expect(create('CREATE TABLE t (a bigint PRIMARY KEY, b int)')).toMatchObject({ column: 'a', columnType: T.int8 })
  })

  test('DISTRIBUTED BY and DISTRIBUTED REPLICATED', () => {
    expect(create('CREATE TABLE t (a int, b int, PRIMARY KEY (a, b)) DISTRIBUTED BY (b)')).toMatchObject({ kind: 'distributed', column: 'b' })
    expect(create('CREATE TABLE t (a int, b int) DISTRIBUTED BY (b)')).toMatchObject({ kind: 'distributed', column: 'b' })
    expect(create('CREATE TABLE t (a int, b int UNIQUE) DISTRIBUTED REPLICATED')).toMatchObject({ kind: 'reference', columns: [{ name: 'a' }, { name: 'b' }] })
  })

  test('refusals', () => {
    expect(() => create('CREATE TABLE t (a int)')).toThrow(expect.objectContaining({ code: '0A000', hint: 'Add a primary key, DISTRIBUTED BY (column), or DISTRIBUTED REPLICATED.' }))
    expect(() => create('CREATE TABLE t (a int, b int) DISTRIBUTED BY (a, b)')).toThrow(/one column only/)
    expect(() => create('CREATE TABLE t (a int PRIMARY KEY, b int UNIQUE)')).toThrow(expect.objectContaining({ code: '0A000', detail: expect.stringContaining('must include its distribution column "a"') }))
    expect(() => create('CREATE TABLE t (a int, b int) DISTRIBUTED BY (c)')).toThrow(expect.objectContaining({ code: '42703' }))
  })

  test('co-location: distribution columns of one hash class', () => {
    const i4 = create('CREATE TABLE a (id int PRIMARY KEY)')
    const i8 = create('CREATE TABLE b (id bigint PRIMARY KEY)')
    const num = create('CREATE TABLE c (id numeric PRIMARY KEY)')
    const ref = create('CREATE TABLE d (id int PRIMARY KEY) DISTRIBUTED REPLICATED')
    expect(coLocated(i4, i8)).toBe(true)
    expect(coLocated(i4, num)).toBe(false)
    expect(coLocated(i4, ref)).toBe(false)
  })
})
