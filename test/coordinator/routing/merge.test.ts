import { describe, expect, test } from 'vitest'
import { result, type ResultColumn, type StatementResult } from '../../../engine/results.js'
import { Decimal, formatValue, T, type SqlType, type SqlValue } from '../../../engine/values/index.js'
import { concatResults, gather, mergeScatter, route, type MergeSpec } from '../../../coordinator/routing/index.js'
import { parse } from '../../../parser/index.js'
import { schemaCatalog } from './fixtures.js'

const col = (name: string, type: SqlType): ResultColumn => ({ name, type, tableOid: 0, attnum: 0 })
const shard = (columns: ResultColumn[], rows: SqlValue[][]): StatementResult => result('SELECT', rows.length, columns, rows, [])
const text = (r: StatementResult): (string | null)[][] => r.rows.map((row) => row.map((v, i) => formatValue(r.columns![i]!.type, v)))
const spec = (over: Partial<MergeSpec>): MergeSpec => ({ aggregate: undefined, hidden: 0, distinct: false, sort: [], limit: { kind: 'none' }, offset: { kind: 'none' }, ...over })

describe('mergeScatter', () => {
  test('re-aggregates partials: count and sum add, min/max compare, avg = Σsum/Σcount with numeric scale rules', () => {
    const cols = [col('g', T.text), col('c', T.int8), col('s', T.int8), col('as', T.int8), col('ac', T.int8), col('mn', T.int4)]
    const merge = spec({ aggregate: { groupKeys: [0], output: [
      { kind: 'column', column: 0, name: 'g' },
      { kind: 'aggregate', aggregate: { fn: 'count', column: 1 }, name: 'count' },
      { kind: 'aggregate', aggregate: { fn: 'sum', column: 2 }, name: 'sum' },
      { kind: 'aggregate', aggregate: { fn: 'avg', sum: 3, count: 4 }, name: 'avg' },
      { kind: 'aggregate', aggregate: { fn: 'min', column: 5 }, name: 'min' },
    ] }, sort: [{ column: 0, descending: false, nullsFirst: false }] })
    const out = mergeScatter(merge, [
      shard(cols, [['a', 2n, 10n, 10n, 2n, 3], [null, 1n, null, null, 0n, null]]),
      shard(cols, [['a', 1n, 1n, 1n, 1n, -4], ['b', 3n, 7n, 7n, 3n, 9]]),
    ])
    expect(out.columns!.map((c) => `${c.name}:${c.type.kind}`)).toEqual(['g:text', 'count:int8', 'sum:int8', 'avg:numeric', 'min:int4'])
    // avg(11 / 3) as numeric division gives it: 3.6666666666666667.
    expect(text(out)).toEqual([['a', '3', '11', '3.6666666666666667', '-4'], ['b', '3', '7', '2.3333333333333333', '9'], [null, '1', null, null, null]])
    expect(out.tag).toBe('SELECT 3')
  })

  test('numeric group keys equal in value are one group (1.5 and 1.50)', () => {
    const cols = [col('k', T.numeric), col('c', T.int8)]
    const merge = spec({ aggregate: { groupKeys: [0], output: [{ kind: 'column', column: 0, name: 'k' }, { kind: 'aggregate', aggregate: { fn: 'count', column: 1 }, name: 'count' }] } })
    const out = mergeScatter(merge, [shard(cols, [[Decimal.parse('1.5'), 1n]]), shard(cols, [[Decimal.parse('1.50'), 2n]])])
    expect(out.rows).toHaveLength(1)
    expect(out.rows[0]![1]).toBe(3n)
  })

  test('an aggregate without GROUP BY over shards that sent nothing is one row', () => {
    const merge = spec({ aggregate: { groupKeys: [], output: [{ kind: 'aggregate', aggregate: { fn: 'count', column: 0 }, name: 'count' }, { kind: 'aggregate', aggregate: { fn: 'sum', column: 1 }, name: 'sum' }] } })
    const cols = [col('c', T.int8), col('s', T.numeric)]
    expect(text(mergeScatter(merge, [shard(cols, [])]))).toEqual([['0', null]])
  })

  test('sort: NULLs last ascending, first descending, or as NULLS FIRST/LAST says; hidden keys dropped', () => {
    const cols = [col('id', T.int4), col('__isola_sort0', T.int4)]
    const rows = [[1, 5], [2, null], [3, -1]] as SqlValue[][]
    const run = (descending: boolean, nullsFirst: boolean) => mergeScatter(spec({ hidden: 1, sort: [{ column: -1, descending, nullsFirst }] }), [shard(cols, rows.slice(0, 2)), shard(cols, rows.slice(2))])
    expect(run(false, false).rows).toEqual([[3], [1], [2]])
    expect(run(true, true).rows).toEqual([[2], [1], [3]])
    expect(run(false, true).rows).toEqual([[2], [3], [1]])
    expect(run(true, false).rows).toEqual([[1], [3], [2]])
    expect(run(false, false).columns!.map((c) => c.name)).toEqual(['id'])
  })

  test('DISTINCT, OFFSET and LIMIT (constants and parameters)', () => {
    const cols = [col('s', T.text), col('__isola_sort0', T.text)]
    const a = shard(cols, [['b', 'b'], ['a', 'a'], ['c', 'c']])
    const b = shard(cols, [['a', 'a'], ['d', 'd'], ['b', 'b']])
    const sort = [{ column: -1, descending: false, nullsFirst: false }]
    expect(mergeScatter(spec({ hidden: 1, distinct: true, sort }), [a, b]).rows).toEqual([['a'], ['b'], ['c'], ['d']])
    expect(mergeScatter(spec({ hidden: 1, distinct: true, sort, limit: { kind: 'constant', value: 2n }, offset: { kind: 'constant', value: 1n } }), [a, b]).rows).toEqual([['b'], ['c']])
    expect(mergeScatter(spec({ hidden: 1, sort, limit: { kind: 'param', index: 2 }, offset: { kind: 'param', index: 1 } }), [a, b], [3, '2']).rows).toEqual([['b'], ['c']])
    expect(mergeScatter(spec({ hidden: 1, sort, limit: { kind: 'param', index: 1 } }), [a, b], [null]).rows).toHaveLength(6)
  })
})

describe('concatResults', () => {
  test('adds counts and rows of a broadcast', () => {
    const r = concatResults([result('UPDATE', 2, [col('id', T.int4)], [[1], [2]], []), result('UPDATE', 1, [col('id', T.int4)], [[3]], [])])
    expect(r).toMatchObject({ tag: 'UPDATE 3', rowCount: 3, rows: [[1], [2], [3]] })
    expect(concatResults([result('CREATE TABLE', undefined, undefined, [], []), result('CREATE TABLE', undefined, undefined, [], [])]).tag).toBe('CREATE TABLE')
    expect(concatResults([result('INSERT', 2, undefined, [], []), result('INSERT', 3, undefined, [], [])]).tag).toBe('INSERT 0 5')
  })
})

describe('gather', () => {
  test('one shard\'s result for a broadcast to replicas, the sum for a distributed table', () => {
    const c = schemaCatalog(2)
    const plan = (sql: string) => route(parse(sql)[0]!, sql, c)
    const two = [result('UPDATE', 2, undefined, [], []), result('UPDATE', 2, undefined, [], [])]
    expect(gather(plan('UPDATE r SET name = name'), two).tag).toBe('UPDATE 2')
    expect(gather(plan('UPDATE t SET v = 1'), two).tag).toBe('UPDATE 4')
    expect(() => gather(plan('BEGIN'), [])).toThrow(/no shard results/)
  })
})
