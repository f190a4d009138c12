/**
 * Unit and property tests of engine/values that need no PostgreSQL: round trips of
 * text I/O, the cast context table, operator resolution, error codes and messages.
 * Expected values were checked against PostgreSQL 15 (see postgres-diff.test.ts).
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { IsolaError } from '../../../common/errors.js'
import {
  Decimal, T, and3, castContext, castValue, char, compareValues, evaluateBinary, formatFloat, formatValue,
  not3, numeric, or3, parseValue, resolveBinaryOperator, typeName, varchar, type SqlType,
} from '../../../engine/values/index.js'

function errorOf(f: () => unknown): { code: string; message: string; detail?: string | undefined } {
  try {
    f()
  } catch (e) {
    if (e instanceof IsolaError) return { code: e.code, message: e.message, ...(e.detail === undefined ? {} : { detail: e.detail }) }
    throw e
  }
  throw new Error('expected an error')
}

const io = (t: SqlType, s: string) => formatValue(t, parseValue(t, s))

describe('text input and output', () => {
  it('integers', () => {
    expect(parseValue(T.int4, ' 42 ')).toBe(42)
    expect(parseValue(T.int8, '-9223372036854775808')).toBe(-(2n ** 63n))
    expect(errorOf(() => parseValue(T.int4, 'abc'))).toEqual({ code: '22P02', message: 'invalid input syntax for type integer: "abc"' })
    expect(errorOf(() => parseValue(T.int4, '99999999999'))).toEqual({ code: '22003', message: 'value "99999999999" is out of range for type integer' })
    expect(errorOf(() => parseValue(T.int2, '40000')).message).toBe('value "40000" is out of range for type smallint')
  })

  it('floats print shortest round-trip digits in %g layout', () => {
    expect(formatFloat(0.1, false)).toBe('0.1')
    expect(formatFloat(1e20, false)).toBe('1e+20')
    expect(formatFloat(1.5e-7, false)).toBe('1.5e-07')
    expect(formatFloat(123456789012345680, false)).toBe('1.2345678901234568e+17')
    expect(formatFloat(1e15, false)).toBe('1e+15')
    expect(formatFloat(1e14, false)).toBe('100000000000000')
    expect(formatFloat(Math.fround(0.1), true)).toBe('0.1')
    expect(formatFloat(1e6, true)).toBe('1e+06')
    expect(io(T.float8, 'NaN')).toBe('NaN')
    expect(io(T.float8, '-Infinity')).toBe('-Infinity')
    expect(io(T.float8, '4.2e1')).toBe('42')
    expect(errorOf(() => parseValue(T.float8, '1e400'))).toEqual({ code: '22003', message: '"1e400" is out of range for type double precision' })
  })

  it('float8 text round-trips every double', () => {
    fc.assert(fc.property(fc.double(), (x) => Object.is(parseValue(T.float8, formatFloat(x, false)), x)))
  })

  it('float4 text round-trips every float', () => {
    fc.assert(fc.property(fc.float(), (x) => Object.is(parseValue(T.float4, formatFloat(x, true)), x)))
  })

  it('numeric keeps its scale; numeric(p,s) rounds half away from zero', () => {
    expect(io(T.numeric, '1.50')).toBe('1.50')
    expect(io(numeric(5, 2), '1.5')).toBe('1.50')
    expect(io(numeric(5, 2), '-1.005')).toBe('-1.01')
    expect(io(T.numeric, '1.5e-3')).toBe('0.0015')
    expect(errorOf(() => parseValue(numeric(5, 2), '1234.5'))).toEqual({
      code: '22003', message: 'numeric field overflow', detail: 'A field with precision 5, scale 2 must round to an absolute value less than 10^3.',
    })
  })

  it('numeric text round-trips', () => {
    fc.assert(fc.property(fc.bigInt(), fc.integer({ min: 0, max: 30 }), (m, s) => {
      const d = Decimal.of(m, s)
      const back = parseValue(T.numeric, d.toString()) as Decimal
      return back.toString() === d.toString() && back.compare(d) === 0
    }))
  })

  it('booleans', () => {
    for (const s of ['t', 'TRUE', ' yes ', 'on', '1', 'tr']) expect(parseValue(T.bool, s)).toBe(true)
    for (const s of ['f', 'false', 'no', 'off', '0', 'of']) expect(parseValue(T.bool, s)).toBe(false)
    expect(errorOf(() => parseValue(T.bool, 'o')).code).toBe('22P02')
    expect(formatValue(T.bool, true)).toBe('t')
  })

  it('character types pad, refuse or truncate', () => {
    expect(parseValue(char(4), 'ab')).toBe('ab  ')
    expect(parseValue(varchar(3), 'abc   ')).toBe('abc')
    expect(errorOf(() => parseValue(varchar(3), 'abcd'))).toEqual({ code: '22001', message: 'value too long for type character varying(3)' })
    expect(castValue('abcd', T.text, varchar(3), 'explicit')).toBe('abc')
    expect(compareValues(T.bpchar, 'ab  ', 'ab')).toBe(0)
  })

  it('dates and timestamps', () => {
    expect(parseValue(T.date, '2000-01-01')).toBe(0)
    expect(io(T.date, '2024-02-29')).toBe('2024-02-29')
    expect(errorOf(() => parseValue(T.date, '2023-02-29'))).toEqual({ code: '22008', message: 'date/time field value out of range: "2023-02-29"' })
    expect(errorOf(() => parseValue(T.date, 'x'))).toEqual({ code: '22007', message: 'invalid input syntax for type date: "x"' })
    expect(io(T.timestamptz, '2024-01-31 13:45:10.5+02')).toBe('2024-01-31 11:45:10.5+00')
    expect(parseValue(T.timestamp, '2000-01-01 00:00:01')).toBe(1_000_000n)
  })

  it('dates round-trip over the whole supported range', () => {
    fc.assert(fc.property(fc.integer({ min: -2451545 + 366, max: 2_000_000_000 }), (d) => parseValue(T.date, formatValue(T.date, d)!) === d))
  })

  it('bytea', () => {
    expect(io(T.bytea, '\\x0102')).toBe('\\x0102')
    expect(io(T.bytea, 'a\\\\b')).toBe('\\x615c62')
    expect(errorOf(() => parseValue(T.bytea, '\\x123'))).toEqual({ code: '22023', message: 'invalid hexadecimal data: odd number of digits' })
  })
})

describe('casts', () => {
  it('has PostgreSQL contexts', () => {
    expect(castContext(T.int4, T.int8)).toBe('implicit')
    expect(castContext(T.int4, T.numeric)).toBe('implicit')
    expect(castContext(T.numeric, T.int4)).toBe('assignment')
    expect(castContext(T.float8, T.numeric)).toBe('assignment')
    expect(castContext(T.int4, T.text)).toBe('assignment')
    expect(castContext(T.text, T.int4)).toBe('explicit')
    expect(castContext(T.bool, T.int4)).toBe('explicit')
    expect(castContext(T.bool, T.date)).toBeUndefined()
    expect(errorOf(() => castValue(true, T.bool, T.date))).toEqual({ code: '42846', message: 'cannot cast type boolean to date' })
    expect(errorOf(() => castValue(1, T.int4, T.text, 'implicit')).code).toBe('42846')
  })

  it('rounds as PostgreSQL', () => {
    expect(castValue(2.5, T.float8, T.int4)).toBe(2) // rint: half to even
    expect(castValue(3.5, T.float8, T.int4)).toBe(4)
    expect(castValue(Decimal.parse('2.5'), T.numeric, T.int4)).toBe(3) // half away from zero
    expect(castValue(Decimal.parse('-2.5'), T.numeric, T.int4)).toBe(-3)
    expect(formatValue(T.numeric, castValue(0.1, T.float8, T.numeric))).toBe('0.1')
    expect(castValue(true, T.bool, T.text)).toBe('true')
  })
})

describe('operators', () => {
  it('resolves result types as PostgreSQL', () => {
    const r = (a: SqlType, op: '+' | '=' | '||' | '%', b: SqlType) => typeName(resolveBinaryOperator(op, a, b).resultType)
    expect(r(T.int4, '+', T.int8)).toBe('bigint')
    expect(r(T.int2, '+', T.int2)).toBe('smallint')
    expect(r(T.int4, '+', T.numeric)).toBe('numeric')
    expect(r(T.numeric, '+', T.float4)).toBe('double precision')
    expect(r(T.int4, '+', T.float4)).toBe('double precision')
    expect(r(T.int4, '+', T.unknown)).toBe('integer')
    expect(r(T.int2, '%', T.int4)).toBe('integer')
    expect(r(T.unknown, '||', T.unknown)).toBe('text')
    expect(r(T.int4, '||', T.unknown)).toBe('text')
    expect(errorOf(() => resolveBinaryOperator('+', T.unknown, T.unknown))).toMatchObject({ code: '42725', message: 'operator is not unique: unknown + unknown' })
    expect(errorOf(() => resolveBinaryOperator('+', T.bool, T.int4))).toMatchObject({ code: '42883', message: 'operator does not exist: boolean + integer' })
  })

  it('integer arithmetic truncates, checks overflow and division by zero', () => {
    const ev = (a: number, op: '/' | '%' | '+' | '*', b: number) => evaluateBinary(op, T.int4, a, T.int4, b).value
    expect(ev(-7, '/', 2)).toBe(-3)
    expect(ev(-7, '%', 3)).toBe(-1)
    expect(errorOf(() => ev(2147483647, '+', 1))).toEqual({ code: '22003', message: 'integer out of range' })
    expect(errorOf(() => ev(1, '/', 0))).toEqual({ code: '22012', message: 'division by zero' })
    expect(errorOf(() => evaluateBinary('*', T.int2, 300, T.int2, 300))).toEqual({ code: '22003', message: 'smallint out of range' })
    expect(errorOf(() => evaluateBinary('+', T.int8, 2n ** 63n - 1n, T.int8, 1n))).toEqual({ code: '22003', message: 'bigint out of range' })
  })

  it('numeric division keeps at least 16 significant digits', () => {
    const div = (a: string, b: string) => formatValue(T.numeric, evaluateBinary('/', T.numeric, Decimal.parse(a), T.numeric, Decimal.parse(b)).value)
    expect(div('1', '3')).toBe('0.33333333333333333333')
    expect(div('10', '4')).toBe('2.5000000000000000')
    expect(div('100000000', '3.0')).toBe('33333333.333333333333')
  })

  it('propagates NULL and has three-valued logic', () => {
    expect(evaluateBinary('+', T.int4, null, T.int4, 1).value).toBeNull()
    expect(and3(false, null)).toBe(false)
    expect(and3(true, null)).toBeNull()
    expect(or3(true, null)).toBe(true)
    expect(or3(false, null)).toBeNull()
    expect(not3(null)).toBeNull()
  })
})
