import { describe, expect, it } from 'vitest'
import { AGGREGATES } from '../../engine/functions/aggregates.js'
import { T, type SqlType, type SqlValue } from '../../engine/values/index.js'

const find = (name: string, kind: string) => AGGREGATES.find((a) => a.name === name && a.params.length === 1 && a.params[0] === kind)!

function run(name: string, type: SqlType, values: readonly SqlValue[], param: string = type.kind): SqlValue {
  const fn = find(name, param)
  let s = fn.init([type])
  const args: SqlValue[] = [null]
  for (const v of values) {
    args[0] = v
    s = fn.step(s, args, [type])
  }
  return fn.final(s, [type])
}

describe('integer sums', () => {
  it('stay exact past 2^53 (the running number is moved into the bigint total in time)', () => {
    // 2^22 + 5 rows of int4's maximum: the sum passes 2^53.
    const n = 2 ** 22 + 5
    const values = new Array<SqlValue>(n).fill(2147483647)
    expect(run('sum', T.int4, values)).toBe(BigInt(n) * 2147483647n)
    expect(run('sum', T.int4, [...values.slice(0, 1000), -2147483648, -5])).toBe(1000n * 2147483647n - 2147483648n - 5n)
    expect(run('sum', T.int2, [1, 2, 3])).toBe(6n)
    expect(run('sum', T.int8, [2n ** 62n, 2n ** 62n, 1n])!.toString()).toBe((2n ** 63n + 1n).toString())
    expect(String(run('avg', T.int4, new Array<SqlValue>(n).fill(-2147483648)))).toMatch(/^-2147483648\.0+$/)
  })

  it('count counts rows as int8', () => {
    const star = AGGREGATES.find((a) => a.name === 'count' && a.star)!
    let s = star.init([])
    for (let i = 0; i < 3; i++) s = star.step(s, [], [])
    expect(star.final(s, [])).toBe(3n)
    expect(run('count', T.int4, [1, null, 3], 'any')).toBe(2n)
  })
})
