/**
 * An exact decimal for NUMERIC: a bigint mantissa and a display scale, as PostgreSQL
 * keeps `dscale` next to its base-10000 digits. 1.50 is (150n, 2), distinct from
 * (15n, 1) in output but equal in comparison. NaN and ±Infinity are special values
 * (PostgreSQL 14+ order: -Infinity < numbers < Infinity < NaN, NaN = NaN).
 *
 * Arithmetic follows numeric.c: + and - keep max(dscale), * adds the dscales
 * (exact), / rounds half away from zero to select_div_scale's scale, % truncates.
 */
import { dbError } from '../../common/errors.js'

export type DecimalSpecial = 'nan' | 'inf' | '-inf'

/** PostgreSQL's NUMERIC_MIN_SIG_DIGITS and display scale bounds. */
const MIN_SIG_DIGITS = 16
const MAX_DISPLAY_SCALE = 1000
const DEC_DIGITS = 4
/** Exponents beyond this are refused (PostgreSQL bounds them near its weight limit). */
const MAX_EXPONENT = 131_072

/** The exponent is read with strtol, which skips blanks and takes a sign. */
const NUMERIC_RE = /^([+-]?)(\d+\.?\d*|\.\d+)(?:[eE][ \t\n\r\v\f]*([+-]?\d+))?$/
const pow10 = (n: number): bigint => 10n ** BigInt(n)
const abs = (x: bigint): bigint => (x < 0n ? -x : x)

export class Decimal {
  private constructor(
    /** Non-null for NaN and the infinities (then mant is 0n and scale 0). */
    readonly special: DecimalSpecial | null,
    readonly mant: bigint,
    readonly scale: number,
  ) {}

  static of(mant: bigint, scale = 0): Decimal {
    return new Decimal(null, mant, scale)
  }
  static readonly NaN = new Decimal('nan', 0n, 0)
  static readonly Infinity = new Decimal('inf', 0n, 0)
  static readonly NegInfinity = new Decimal('-inf', 0n, 0)

  /** numeric_in: whitespace, sign, digits, optional point and exponent, or NaN/Infinity/inf. */
  static parse(text: string): Decimal {
    const s = text.replace(/^[ \t\n\r\v\f]+|[ \t\n\r\v\f]+$/g, '')
    const lower = s.toLowerCase()
    if (lower === 'nan') return Decimal.NaN
    if (lower === 'infinity' || lower === '+infinity' || lower === 'inf' || lower === '+inf') return Decimal.Infinity
    if (lower === '-infinity' || lower === '-inf') return Decimal.NegInfinity
    const m = NUMERIC_RE.exec(s)
    if (m === null) {
      throw dbError('invalid_text_representation', `invalid input syntax for type numeric: "${text}"`)
    }
    const [, sign, body = '', expText] = m
    const dot = body.indexOf('.')
    const digits = dot < 0 ? body : body.slice(0, dot) + body.slice(dot + 1)
    const frac = dot < 0 ? 0 : body.length - dot - 1
    const exp = expText === undefined ? 0 : Number(expText)
    // Shortcut: numeric_in's exact bound and wording for absurd exponents are not copied.
    if (!(Math.abs(exp) <= MAX_EXPONENT)) throw dbError('invalid_text_representation', `invalid input syntax for type numeric: "${text}"`)
    let mant = BigInt(digits)
    let scale = frac - exp
    if (scale < 0) {
      mant *= pow10(-scale)
      scale = 0
    }
    return Decimal.of(sign === '-' ? -mant : mant, scale)
  }

  static fromBigInt(n: bigint | number): Decimal {
    return Decimal.of(BigInt(n), 0)
  }

  /**
   * float → numeric as PostgreSQL: print with `digits` significant digits (%.15g for
   * float8, %.6g for float4), then numeric_in; %g drops trailing zeros.
   */
  static fromFloat(x: number, digits: 15 | 6): Decimal {
    if (Number.isNaN(x)) return Decimal.NaN
    if (x === Infinity) return Decimal.Infinity
    if (x === -Infinity) return Decimal.NegInfinity
    return Decimal.parse(printfG(x, digits)).trimScale()
  }

  get isFinite(): boolean {
    return this.special === null
  }

  /** Drops trailing fractional zeros (scale never below 0). */
  trimScale(): Decimal {
    let { mant, scale } = this
    if (this.special !== null) return this
    while (scale > 0 && mant % 10n === 0n) {
      mant /= 10n
      scale--
    }
    return Decimal.of(mant, scale)
  }

  /** The mantissa at a larger scale. */
  private at(scale: number): bigint {
    return this.mant * pow10(scale - this.scale)
  }

  sign(): number {
    if (this.special === 'nan') return NaN
    if (this.special === 'inf') return 1
    if (this.special === '-inf') return -1
    return this.mant > 0n ? 1 : this.mant < 0n ? -1 : 0
  }

  /** Round half away from zero to `scale` digits (round_var); a larger scale pads. */
  round(scale: number): Decimal {
    if (this.special !== null) return this
    if (scale >= this.scale) return Decimal.of(this.at(scale), scale)
    return Decimal.of(divRound(this.mant, pow10(this.scale - scale)), scale)
  }

  /** Truncate toward zero to `scale` digits. */
  trunc(scale: number): Decimal {
    if (this.special !== null || scale >= this.scale) return this.round(scale)
    return Decimal.of(this.mant / pow10(this.scale - scale), scale)
  }

  neg(): Decimal {
    if (this.special === 'inf') return Decimal.NegInfinity
    if (this.special === '-inf') return Decimal.Infinity
    if (this.special === 'nan') return this
    return Decimal.of(-this.mant, this.scale)
  }

  add(o: Decimal): Decimal {
    if (this.special !== null || o.special !== null) return specialAdd(this, o)
    const s = Math.max(this.scale, o.scale)
    return Decimal.of(this.at(s) + o.at(s), s)
  }

  sub(o: Decimal): Decimal {
    return this.add(o.neg())
  }

  mul(o: Decimal): Decimal {
    if (this.special !== null || o.special !== null) {
      const p = this.sign() * o.sign()
      if (Number.isNaN(p) || p === 0) return Decimal.NaN
      return p > 0 ? Decimal.Infinity : Decimal.NegInfinity
    }
    return Decimal.of(this.mant * o.mant, this.scale + o.scale)
  }

  div(o: Decimal): Decimal {
    if (this.special === 'nan' || o.special === 'nan') return Decimal.NaN
    if (o.special === null && o.mant === 0n) throw dbError('division_by_zero', 'division by zero')
    if (this.special !== null) {
      if (o.special !== null) return Decimal.NaN
      return this.sign() * o.sign() > 0 ? Decimal.Infinity : Decimal.NegInfinity
    }
    if (o.special !== null) return Decimal.of(0n, 0)
    const rscale = selectDivScale(this, o)
    // this / o · 10^rscale = m1 · 10^(s2 − s1 + rscale) / m2
    const k = o.scale - this.scale + rscale
    const num = k >= 0 ? this.mant * pow10(k) : this.mant
    const den = k >= 0 ? o.mant : o.mant * pow10(-k)
    return Decimal.of(divRound(num, den), rscale)
  }

  /** numeric_mod: this − o · trunc(this / o), at max(dscale). */
  mod(o: Decimal): Decimal {
    if (this.special === 'nan' || o.special === 'nan') return Decimal.NaN
    if (o.special === null && o.mant === 0n) throw dbError('division_by_zero', 'division by zero')
    if (this.special !== null) return Decimal.NaN
    if (o.special !== null) return this
    const s = Math.max(this.scale, o.scale)
    return Decimal.of(this.at(s) % o.at(s), s)
  }

  /** Total order of PostgreSQL's numeric_cmp. */
  compare(o: Decimal): number {
    const rank = (d: Decimal) => (d.special === '-inf' ? 0 : d.special === null ? 1 : d.special === 'inf' ? 2 : 3)
    const ra = rank(this)
    const rb = rank(o)
    if (ra !== rb || ra !== 1) return ra - rb
    const s = Math.max(this.scale, o.scale)
    const a = this.at(s)
    const b = o.at(s)
    return a < b ? -1 : a > b ? 1 : 0
  }

  /** numeric_out: digits with exactly `scale` fraction digits; never "-0". */
  toString(): string {
    if (this.special === 'nan') return 'NaN'
    if (this.special === 'inf') return 'Infinity'
    if (this.special === '-inf') return '-Infinity'
    const digits = abs(this.mant).toString().padStart(this.scale + 1, '0')
    const int = digits.slice(0, digits.length - this.scale)
    const frac = digits.slice(digits.length - this.scale)
    return (this.mant < 0n ? '-' : '') + int + (this.scale > 0 ? '.' + frac : '')
  }

  /** numeric → float8: strtod of the text, which rounds correctly. */
  toNumber(): number {
    if (this.special === 'nan') return NaN
    if (this.special !== null) return this.special === 'inf' ? Infinity : -Infinity
    return Number(this.toString())
  }

  /** Base-10000 weight and first digit of a non-zero value, as numeric.c sees it. */
  weightAndFirstDigit(): [number, number] {
    if (this.special !== null || this.mant === 0n) return [0, 0]
    const m = abs(this.mant)
    const p = m.toString().length - 1 - this.scale // power of ten of the leading digit
    const w = Math.floor(p / DEC_DIGITS)
    const shift = this.scale + DEC_DIGITS * w
    const first = shift >= 0 ? m / pow10(shift) : m * pow10(-shift)
    return [w, Number(first)]
  }
}

/** numeric.c's select_div_scale: at least 16 significant digits, and no fewer than either input's scale. */
function selectDivScale(a: Decimal, b: Decimal): number {
  const [w1, f1] = a.weightAndFirstDigit()
  const [w2, f2] = b.weightAndFirstDigit()
  let qweight = w1 - w2
  if (f1 <= f2) qweight--
  let rscale = MIN_SIG_DIGITS - qweight * DEC_DIGITS
  rscale = Math.max(rscale, a.scale, b.scale, 0)
  return Math.min(rscale, MAX_DISPLAY_SCALE)
}

/** num / den rounded half away from zero. */
function divRound(num: bigint, den: bigint): bigint {
  const q = num / den
  const r = num % den
  if (2n * abs(r) >= abs(den)) return (num < 0n) !== (den < 0n) ? q - 1n : q + 1n
  return q
}

function specialAdd(a: Decimal, b: Decimal): Decimal {
  if (a.special === 'nan' || b.special === 'nan') return Decimal.NaN
  if (a.special !== null && b.special !== null) return a.special === b.special ? a : Decimal.NaN
  return a.special !== null ? a : b
}

/**
 * C's %.{p}g digits of a finite double: toPrecision rounds an exact tie away from
 * zero, glibc's printf to even (748322.5 at 6 digits is 748322).
 */
function printfG(x: number, p: number): string {
  const s = x.toPrecision(p)
  const m = /^-?(\d)\.?(\d*)e([+-]\d+)$/.exec(Math.abs(x).toExponential(99))
  if (m === null) return s
  const digits = m[1]! + m[2]!
  const tie = digits[p] === '5' && /^0*$/.test(digits.slice(p + 1))
  if (!tie || Number(digits[p - 1]) % 2 !== 0) return s
  return `${x < 0 ? '-' : ''}${digits[0]}.${digits.slice(1, p)}e${m[3]}`
}
