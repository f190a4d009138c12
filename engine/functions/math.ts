/**
 * Mathematical functions (PostgreSQL 15, §9.3): abs, sign, round, trunc, ceil,
 * floor, mod, div, sqrt, cbrt, power, exp, ln, log, pi, random, degrees, radians,
 * with PostgreSQL's result types and errors (abs of the minimum integer overflows;
 * sqrt of a negative is 2201F …).
 */
import { dbError } from '../../common/errors.js'
import { Decimal, T, negate, rint, type SqlValue } from '../values/index.js'
import { scalar } from './define.js'
import { numericPower } from './numeric-power.js'
import type { ScalarFunction } from './types.js'

const INTS = ['int2', 'int4', 'int8'] as const

function decimalFloor(d: Decimal): Decimal {
  if (!d.isFinite) return d
  const t = d.trunc(0)
  return d.compare(t) < 0 ? t.sub(Decimal.of(1n)) : t
}

function decimalCeil(d: Decimal): Decimal {
  if (!d.isFinite) return d
  const t = d.trunc(0)
  return d.compare(t) > 0 ? t.add(Decimal.of(1n)) : t
}

/** round/trunc to `s` digits; a negative `s` rounds left of the point, and the result's scale is then 0. */
function decimalRound(d: Decimal, s: number, trunc: boolean): Decimal {
  if (!d.isFinite) return d
  const r = trunc ? d.trunc(s) : d.round(s)
  return s >= 0 ? r : Decimal.of(r.mant * 10n ** BigInt(-s), 0)
}

const float = (f: (x: number) => number) => (a: readonly SqlValue[]) => f(a[0] as number)

function checkFloat(x: number, input: number): number {
  if (!Number.isFinite(x) && Number.isFinite(input)) throw dbError('numeric_value_out_of_range', 'value out of range: overflow')
  return x
}

const invalidArg = (msg: string) => dbError('invalid_argument_for_power_function', msg)

/** Euclid's algorithm on magnitudes. */
function gcdOf(a: bigint, b: bigint): bigint {
  let [x, y] = [a < 0n ? -a : a, b < 0n ? -b : b]
  while (y !== 0n) [x, y] = [y, x % y]
  return x
}

export const MATH_FUNCTIONS: readonly ScalarFunction[] = [
  ...INTS.map((k) => scalar('abs', [k], T[k], (a, t) => ((a[0] as number | bigint) < 0 ? negate(t[0]!, a[0]!) : a[0]!))),
  scalar('abs', ['float4'], T.float4, float(Math.abs)),
  scalar('abs', ['float8'], T.float8, float(Math.abs)),
  scalar('abs', ['numeric'], T.numeric, (a) => ((a[0] as Decimal).sign() < 0 ? (a[0] as Decimal).neg() : a[0]!)),
  // dsign: neither above nor below zero is 0, so sign(NaN) is 0 for float8 (NaN for numeric).
  scalar('sign', ['float8'], T.float8, float((x) => (x > 0 ? 1 : x < 0 ? -1 : 0))),
  scalar('sign', ['numeric'], T.numeric, (a) => {
    const d = a[0] as Decimal
    return d.special === 'nan' ? d : Decimal.of(BigInt(d.sign()))
  }),
  scalar('round', ['float8'], T.float8, float(rint)),
  scalar('round', ['numeric'], T.numeric, (a) => decimalRound(a[0] as Decimal, 0, false)),
  scalar('round', ['numeric', 'int4'], T.numeric, (a) => decimalRound(a[0] as Decimal, a[1] as number, false)),
  scalar('trunc', ['float8'], T.float8, float(Math.trunc)),
  scalar('trunc', ['numeric'], T.numeric, (a) => decimalRound(a[0] as Decimal, 0, true)),
  scalar('trunc', ['numeric', 'int4'], T.numeric, (a) => decimalRound(a[0] as Decimal, a[1] as number, true)),
  ...['ceil', 'ceiling'].flatMap((n) => [
    scalar(n, ['float8'], T.float8, float((x) => Math.ceil(x) + 0)),
    scalar(n, ['numeric'], T.numeric, (a) => decimalCeil(a[0] as Decimal)),
  ]),
  scalar('floor', ['float8'], T.float8, float(Math.floor)),
  scalar('floor', ['numeric'], T.numeric, (a) => decimalFloor(a[0] as Decimal)),
  ...INTS.map((k) =>
    scalar('mod', [k, k], T[k], (a) => {
      if (Number(a[1]) === 0) throw dbError('division_by_zero', 'division by zero')
      return k === 'int8' ? (a[0] as bigint) % (a[1] as bigint) : (a[0] as number) % (a[1] as number) || 0
    }),
  ),
  scalar('mod', ['numeric', 'numeric'], T.numeric, (a) => (a[0] as Decimal).mod(a[1] as Decimal)),
  scalar('div', ['numeric', 'numeric'], T.numeric, (a) => {
    const q = (a[0] as Decimal).div(a[1] as Decimal)
    return q.isFinite ? q.trunc(0) : q
  }),
  scalar('sqrt', ['float8'], T.float8, (a) => {
    const x = a[0] as number
    if (x < 0) throw invalidArg('cannot take square root of a negative number')
    return Math.sqrt(x)
  }),
  scalar('cbrt', ['float8'], T.float8, float(Math.cbrt)),
  ...['power', 'pow'].map((n) =>
    scalar(n, ['float8', 'float8'], T.float8, (a) => {
      const x = a[0] as number
      const y = a[1] as number
      if (x === 0 && y < 0) throw invalidArg('zero raised to a negative power is undefined')
      if (x < 0 && !Number.isInteger(y)) throw invalidArg('a negative number raised to a non-integer power yields a complex result')
      return checkFloat(x ** y, x)
    }),
  ),
  ...['power', 'pow'].map((n) => scalar(n, ['numeric', 'numeric'], T.numeric, (a) => numericPower(a[0] as Decimal, a[1] as Decimal))),
  scalar('exp', ['float8'], T.float8, (a) => checkFloat(Math.exp(a[0] as number), a[0] as number)),
  scalar('ln', ['float8'], T.float8, (a) => {
    const x = a[0] as number
    if (x === 0) throw dbError('invalid_argument_for_logarithm', 'cannot take logarithm of zero')
    if (x < 0) throw dbError('invalid_argument_for_logarithm', 'cannot take logarithm of a negative number')
    return Math.log(x)
  }),
  scalar('log', ['float8'], T.float8, (a) => {
    const x = a[0] as number
    if (x === 0) throw dbError('invalid_argument_for_logarithm', 'cannot take logarithm of zero')
    if (x < 0) throw dbError('invalid_argument_for_logarithm', 'cannot take logarithm of a negative number')
    return Math.log10(x)
  }),
  scalar('pi', [], T.float8, () => Math.PI),
  scalar('degrees', ['float8'], T.float8, float((x) => (x * 180) / Math.PI)),
  scalar('radians', ['float8'], T.float8, float((x) => (x * Math.PI) / 180)),
  scalar('random', [], T.float8, () => Math.random(), { volatility: 'volatile' }),
  ...(['sin', 'cos', 'tan', 'asin', 'acos', 'atan'] as const).map((n) => scalar(n, ['float8'], T.float8, float(Math[n]))),
  scalar('atan2', ['float8', 'float8'], T.float8, (a) => Math.atan2(a[0] as number, a[1] as number)),
  // gcd of int4, int8 and numeric (of a numeric's digits at the larger scale: gcd(1.5, 2.25) = 0.75), as PostgreSQL 13+.
  scalar('gcd', ['int4', 'int4'], T.int4, (a) => {
    const g = gcdOf(BigInt(a[0] as number), BigInt(a[1] as number))
    if (g > 2147483647n) throw dbError('numeric_value_out_of_range', 'integer out of range')
    return Number(g)
  }),
  scalar('gcd', ['int8', 'int8'], T.int8, (a) => {
    const g = gcdOf(a[0] as bigint, a[1] as bigint)
    if (g > 9223372036854775807n) throw dbError('numeric_value_out_of_range', 'bigint out of range')
    return g
  }),
  scalar('gcd', ['numeric', 'numeric'], T.numeric, (a) => {
    const [x, y] = a as [Decimal, Decimal]
    if (!x.isFinite || !y.isFinite) return Decimal.NaN
    const scale = Math.max(x.scale, y.scale)
    return Decimal.of(gcdOf(x.mant * 10n ** BigInt(scale - x.scale), y.mant * 10n ** BigInt(scale - y.scale)), scale)
  }),
  scalar('width_bucket', ['float8', 'float8', 'float8', 'int4'], T.int4, (a) => {
    const [x, lo, hi, n] = a as [number, number, number, number]
    const bad = (msg: string) => dbError('invalid_argument_for_width_bucket_function', msg)
    if (n <= 0) throw bad('count must be greater than zero')
    if (Number.isNaN(x) || Number.isNaN(lo) || Number.isNaN(hi)) throw bad('operand, lower bound, and upper bound cannot be NaN')
    if (!Number.isFinite(lo) || !Number.isFinite(hi)) throw bad('lower and upper bounds must be finite')
    if (lo === hi) throw bad('lower bound cannot equal upper bound')
    const above = () => {
      if (n === 2147483647) throw dbError('numeric_value_out_of_range', 'integer out of range')
      return n + 1
    }
    if (lo < hi) return x < lo ? 0 : x >= hi ? above() : Math.floor(((x - lo) / (hi - lo)) * n) + 1
    return x > lo ? 0 : x <= hi ? above() : Math.floor(((lo - x) / (lo - hi)) * n) + 1
  }),
]
