/**
 * power(numeric, numeric) and numeric ^ numeric, with PostgreSQL 15's result
 * scale (numeric.c power_var): for an integer exponent max(16, base.scale); for
 * any other at least 16 significant digits and no fewer decimals than either
 * input shows,
 *
 *     rscale = max(16 - trunc(exp · log10|base|), base.scale, exp.scale, 0)   (≤ 1000)
 *
 * and the value rounded half away from zero to that scale. An integer exponent is
 * computed exactly with bigints; any other goes through exp(exp · ln(base)) in
 * fixed point with enough guard digits that the rounding to rscale is right (a
 * shortcut against PostgreSQL's variable-precision arithmetic: the two can differ
 * only when the exact result lies within about 10^-(rscale+20) of a rounding tie).
 */
import { dbError } from '../../common/errors.js'
import { Decimal } from '../values/index.js'

const MIN_SIG_DIGITS = 16
const MAX_DISPLAY_SCALE = 1000
const GUARD = 20

const pow10 = (n: number): bigint => 10n ** BigInt(n)

/** round(n / d) half away from zero, for bigints. */
function divRound(n: bigint, d: bigint): bigint {
  const neg = n < 0n !== d < 0n
  const a = n < 0n ? -n : n
  const b = d < 0n ? -d : d
  const q = (2n * a + b) / (2n * b)
  return neg ? -q : q
}

/** log10|x| for a finite non-zero decimal, in double precision (for choosing scales only). */
function log10Abs(d: Decimal): number {
  const digits = (d.mant < 0n ? -d.mant : d.mant).toString()
  const lead = Number(digits.slice(0, 17))
  return Math.log10(lead) + (digits.length - Math.min(17, digits.length)) - d.scale
}

/**
 * log10|d| for the result's weight estimate, never exactly 0 unless |d| is 1: for a
 * base within a float's rounding of 1 it still carries the sign, so that a huge
 * exponent (1.00000000000000000001 ^ 1e400) overflows as in PostgreSQL and
 * 1 ^ 1e400 is 1 rather than Infinity · 0.
 */
function log10Weight(d: Decimal): number {
  const l = log10Abs(d)
  if (l !== 0) return l
  const abs = d.mant < 0n ? -d.mant : d.mant
  const one = pow10(d.scale)
  return abs === one ? 0 : abs > one ? Number.MIN_VALUE : -Number.MIN_VALUE
}

function isInteger(d: Decimal): boolean {
  return d.mant % pow10(d.scale) === 0n
}

function resultScale(base: Decimal, exp: Decimal, weight: number): number {
  const rscale = Math.max(MIN_SIG_DIGITS - Math.trunc(weight), base.scale, exp.scale, 0)
  return Math.min(rscale, MAX_DISPLAY_SCALE)
}

// ── fixed point: a bigint n stands for n / 10^S ─────────────────────────────

/** ⌊√v⌋ by Newton's method from above. */
function isqrt(v: bigint): bigint {
  if (v < 2n) return v
  let x = 1n << BigInt(Math.ceil(v.toString(2).length / 2) + 1)
  for (;;) {
    const y = (x + v / x) >> 1n
    if (y >= x) return x
    x = y
  }
}

/** √(x / 10^S) in fixed point: √(x · 10^S). */
const sqrtFixed = (x: bigint, S: number): bigint => isqrt(x * pow10(S))

/** ln(x / 10^S) for x > 0, in fixed point at scale S. */
function lnFixed(x: bigint, S: number): bigint {
  const one = pow10(S)
  // Bring the argument next to 1 by square roots: ln(x) = 2^k · ln(x^(1/2^k)).
  let k = 0
  const near = one / 100n
  while ((x > one ? x - one : one - x) > near) {
    x = sqrtFixed(x, S)
    k++
  }
  // ln(x) = 2 atanh(z), z = (x - 1) / (x + 1): z² is tiny, the series converges fast.
  const z = ((x - one) * one) / (x + one)
  const z2 = (z * z) / one
  let term = z
  let sum = 0n
  for (let n = 1n; term !== 0n; n += 2n) {
    sum += term / n
    term = (term * z2) / one
  }
  return 2n * sum * 2n ** BigInt(k)
}

/** e^(y / 10^S), in fixed point at scale S. */
function expFixed(y: bigint, S: number): bigint {
  const one = pow10(S)
  // Halve the argument until it is small, sum the Taylor series, square back up.
  let k = 0
  const small = one / 1000n
  while ((y < 0n ? -y : y) > small) {
    y /= 2n
    k++
  }
  let term = one
  let sum = one
  for (let n = 1n; term !== 0n; n++) {
    term = (term * y) / one / n
    sum += term
  }
  for (let i = 0; i < k; i++) sum = (sum * sum) / one
  return sum
}

export function numericPower(base: Decimal, exp: Decimal): Decimal {
  if (base.special === 'nan' || exp.special === 'nan') {
    // PostgreSQL: NaN ^ 0 = 1 and 1 ^ NaN = 1, otherwise NaN.
    if ((base.special === null && base.compare(Decimal.of(1n)) === 0) || (exp.special === null && exp.mant === 0n)) return Decimal.of(1n)
    return Decimal.NaN
  }
  if (base.special !== null || exp.special !== null) {
    // Infinities: PostgreSQL's cases, for the values they can take here.
    if (exp.special === null && exp.mant === 0n) return Decimal.of(1n)
    throw dbError('feature_not_supported', 'numeric power with an infinite argument is not supported yet')
  }
  if (base.mant === 0n && exp.mant < 0n) throw dbError('invalid_argument_for_power_function', 'zero raised to a negative power is undefined')
  if (base.mant < 0n && !isInteger(exp)) throw dbError('invalid_argument_for_power_function', 'a negative number raised to a non-integer power yields a complex result')
  if (isInteger(exp)) {
    const e = exp.mant / pow10(exp.scale)
    if (e >= -2147483648n && e <= 2147483647n) return integerPower(base, Number(e))
  }
  if (base.mant === 0n) return Decimal.of(0n, MIN_SIG_DIGITS)
  const l = log10Weight(base)
  const weight = l === 0 ? 0 : exp.toNumber() * l
  if (weight > 3 * MAX_DISPLAY_SCALE * 1.01) throw dbError('numeric_value_out_of_range', 'value overflows numeric format')
  const rscale = resultScale(base, exp, weight)
  if (weight < -MAX_DISPLAY_SCALE - 1) return Decimal.of(0n, rscale)
  // Working scale: the result's decimals, plus its integer digits (ln and exp are relative), plus guards.
  const S = rscale + Math.max(0, Math.ceil(weight)) + GUARD
  const b = (base.mant < 0n ? -base.mant : base.mant) * pow10(S - base.scale)
  const lnb = lnFixed(b, S)
  const y = (lnb * exp.mant) / pow10(exp.scale)
  const r = expFixed(y, S)
  let mant = divRound(r, pow10(S - rscale))
  if (base.mant < 0n && (exp.mant / pow10(exp.scale)) % 2n !== 0n) mant = -mant
  return Decimal.of(mant, rscale)
}

/**
 * base ^ e for an integer e, exactly, rounded to PostgreSQL 15's scale for integer
 * exponents: max(16, base.scale), whatever the result's magnitude.
 */
function integerPower(base: Decimal, e: number): Decimal {
  const weight = base.mant === 0n ? 0 : e * log10Abs(base)
  if (weight > 32768 * 4) throw dbError('numeric_value_out_of_range', 'value overflows numeric format')
  const rscale = Math.min(Math.max(MIN_SIG_DIGITS, base.scale), MAX_DISPLAY_SCALE)
  if (weight + 1 < -MAX_DISPLAY_SCALE) return Decimal.of(0n, MAX_DISPLAY_SCALE)
  if (e === 0) return Decimal.of(pow10(rscale), rscale)
  if (base.mant === 0n) {
    if (e < 0) throw dbError('division_by_zero', 'division by zero')
    return Decimal.of(0n, rscale)
  }
  const n = e < 0 ? -e : e
  // base^n = mant^n / 10^(scale·n)
  const num = base.mant ** BigInt(n)
  const den = pow10(base.scale * n)
  if (e > 0) return Decimal.of(divRound(num * pow10(rscale), den), rscale)
  return Decimal.of(divRound(den * pow10(rscale), num), rscale)
}
