import { describe, expect, it } from 'vitest'
import { fromJs } from '../../engine/js-values.js'
import { parseValue, T } from '../../engine/values/index.js'

describe('fromJs', () => {
  it('takes integers and text as their text form would give them (the shortcut changes nothing)', () => {
    for (const n of [0, -0, 1, -1, 42, 2147483647, -2147483648, 2 ** 40, -(2 ** 53) + 1, 2 ** 53 - 1]) {
      for (const t of [T.int2, T.int4, T.int8, T.float8, T.numeric, T.text]) {
        let expected: unknown
        try {
          expected = parseValue(t, String(n))
        } catch (e) {
          expected = (e as { code: string }).code
        }
        let got: unknown
        try {
          got = fromJs(n, t)
        } catch (e) {
          got = (e as { code: string }).code
        }
        expect(got, `${n} as ${t.kind}`).toEqual(expected)
      }
    }
    expect(Object.is(fromJs(-0, T.int4), 0)).toBe(true)
    expect(() => fromJs(2147483648, T.int4)).toThrow(expect.objectContaining({ code: '22003' }))
    expect(fromJs('héllo', T.text)).toBe('héllo')
    expect(fromJs(' 7 ', T.int4)).toBe(7)
  })
})
