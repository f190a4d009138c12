/**
 * Arrays' text form (array_in / array_out for one dimension) and casts, with the
 * answers PostgreSQL 15 gives (checked against it by golden/arrays.sql).
 */
import { describe, expect, test } from 'vitest'
import { IsolaError } from '../../../common/errors.js'
import { T, arrayOf, castValue, formatValue, parseValue, typeOid, type SqlValue } from '../../../engine/values/index.js'

const codeOf = (f: () => unknown): string | undefined => {
  try {
    f()
  } catch (e) {
    return e instanceof IsolaError ? e.code : 'not an IsolaError'
  }
  return undefined
}

describe('arrays', () => {
  test('output quotes what array_in would misread', () => {
    expect(formatValue(arrayOf(T.text), ['x', null, 'y z', '', 'NULL', 'a"b', 'c\\d', 'a,b', '{}'])).toBe('{x,NULL,"y z","","NULL","a\\"b","c\\\\d","a,b","{}"}')
    expect(formatValue(arrayOf(T.int4), [])).toBe('{}')
    expect(formatValue(arrayOf(T.bool), [true, false])).toBe('{t,f}')
  })

  test('input: white space, quoting, NULL, and a round trip', () => {
    expect(parseValue(arrayOf(T.text), ' { a , "b c" ,NULL, "NULL", "q\\"x"} ')).toEqual(['a', 'b c', null, 'NULL', 'q"x'])
    expect(parseValue(arrayOf(T.int4), '{1, 2,3}')).toEqual([1, 2, 3])
    const v: SqlValue = ['', ' lead', 'tail ', '\\', '"', null]
    expect(parseValue(arrayOf(T.text), formatValue(arrayOf(T.text), v)!)).toEqual(v)
  })

  test('malformed literals are 22P02; elements keep their own input errors; more dimensions are 0A000', () => {
    for (const bad of ['{1,2', '1,2', '{1,,2}', '{"a"b}', '{1}x', '{']) expect(codeOf(() => parseValue(arrayOf(T.int4), bad)), bad).toBe('22P02')
    expect(codeOf(() => parseValue(arrayOf(T.int4), '{1,x}'))).toBe('22P02')
    expect(codeOf(() => parseValue(arrayOf(T.int2), '{70000}'))).toBe('22003')
    expect(codeOf(() => parseValue(arrayOf(T.int4), '{{1},{2}}'))).toBe('0A000')
  })

  test('casts element by element; array oids follow the element type', () => {
    expect(castValue([1, 2], arrayOf(T.int4), arrayOf(T.int8), 'implicit')).toEqual([1n, 2n])
    expect(castValue(['1', null], arrayOf(T.text), arrayOf(T.int4), 'explicit')).toEqual([1, null])
    expect(codeOf(() => castValue(['1'], arrayOf(T.text), arrayOf(T.int4), 'implicit'))).toBe('42846')
    expect(castValue([1, 2], arrayOf(T.int4), T.text, 'assignment')).toBe('{1,2}')
    expect([typeOid(arrayOf(T.int4)), typeOid(arrayOf(T.text)), typeOid(arrayOf(T.oid)), typeOid(arrayOf(T.int2))]).toEqual([1007, 1009, 1028, 1005])
  })
})

describe('oids', () => {
  test('oid input, wrap-around of negative int4 and range', () => {
    expect(parseValue(T.oid, '4294967295')).toBe(4294967295)
    expect(castValue(-1, T.int4, T.oid, 'implicit')).toBe(4294967295)
    expect(codeOf(() => parseValue(T.oid, 'x'))).toBe('22P02')
    expect(codeOf(() => parseValue(T.oid, '4294967296'))).toBe('22003')
    expect(castValue(16384, T.int4, T.regclass, 'implicit')).toBe(16384)
    expect(codeOf(() => castValue(16384, T.regclass, T.int4, 'implicit'))).toBe('42846')
  })
})
