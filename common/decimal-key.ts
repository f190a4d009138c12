/**
 * Decimal (NUMERIC) key bytes: exact, order-preserving and self-delimiting.
 *
 * The key encoding (key-encoding.ts) delegates one column type here because numbers
 * of arbitrary precision need a real idea rather than a fixed-width trick. The idea is
 * SQLite4's: write a finite non-zero value as a normalised base-100 fraction
 *
 *     ±0.d₁d₂…dₙ × 100^e      with d₁ ≠ 0 and dₙ ≠ 0 (each dᵢ a base-100 digit 0–99)
 *
 * so that, for positive values, a larger `e` means a larger value, and for equal `e`
 * the digit strings compare lexicographically with a shorter one first (0.12 < 0.123).
 * Normalising (dropping leading and trailing zeros) makes "1.50", "01.5" and "1.5" the
 * same bytes, which a unique index needs.
 *
 *     byte      meaning                              payload
 *     0x10      -Infinity                            none
 *     0x11      negative                             ~(exponent ‖ digits)
 *     0x12      zero (also "-0", "0.000")            none
 *     0x13      positive                             exponent ‖ digits
 *     0x14      Infinity                             none
 *     0x15      NaN (above every number, as in PG)   none
 *
 *     exponent  -64 ≤ e ≤ 63     one byte 0x80 + e                   (0x40–0xBF)
 *               e < -64          0x20, then e + 2³¹ as uint32 big-endian
 *               e > 63           0xE0, then e + 2³¹ as uint32 big-endian
 *     digits    each dᵢ as 2·dᵢ + 1, except the last, written as 2·dₙ (even)
 *
 * The last digit being the only even byte makes the digit string prefix-free, and
 * 2·d < 2·d + 1 < 2·(d + 1) keeps the "shorter prefix sorts first" rule. A negative
 * value inverts every byte after its tag, which reverses the magnitude order (a
 * complemented prefix-free code reverses memcmp order). Worked example: 123.45 is
 * 0.012345 × 100², digits 01 23 45, so 0x13 0x82 0x03 0x2F 0x5A; -123.45 is
 * 0x11 0x7D 0xFC 0xD0 0xA5.
 *
 * Shortcut admitted: |e| is capped at DECIMAL_MAX_EXP100 (PostgreSQL's numeric range);
 * the cap also keeps a corrupted exponent from building a gigabyte string in decode.
 */
import { dbError } from './errors.js'

/** Tag bytes of decimal keys, in ascending order (PostgreSQL 14+: -Inf < numbers < Inf < NaN). */
export const DECIMAL_TAG = {
  negInfinity: 0x10,
  negative: 0x11,
  zero: 0x12,
  positive: 0x13,
  posInfinity: 0x14,
  nan: 0x15,
} as const

/** Largest |e| in base 100: 10^±131072, PostgreSQL's 131072 digits before the point. */
export const DECIMAL_MAX_EXP100 = 65_536

/** The accepted text forms besides 'NaN', 'Infinity' and '-Infinity'. */
const DECIMAL_RE = /^-?\d+(\.\d+)?$/

const SMALL_EXP_MIN = -64
const SMALL_EXP_MAX = 63
const SMALL_EXP_BIAS = 0x80
const BIG_NEG_EXP = 0x20
const BIG_POS_EXP = 0xe0
const EXP_OFFSET = 2 ** 31

/** A decimal parsed for encoding: its tag, base-100 exponent and digits (even length). */
export interface ParsedDecimal {
  readonly tag: number
  readonly exp100: number
  /** Decimal digits d₁d₂… as ASCII, two per base-100 digit; '' for the tag-only forms. */
  readonly digits: string
}

const NAN: ParsedDecimal = { tag: DECIMAL_TAG.nan, exp100: 0, digits: '' }
const POS_INF: ParsedDecimal = { tag: DECIMAL_TAG.posInfinity, exp100: 0, digits: '' }
const NEG_INF: ParsedDecimal = { tag: DECIMAL_TAG.negInfinity, exp100: 0, digits: '' }
const ZERO: ParsedDecimal = { tag: DECIMAL_TAG.zero, exp100: 0, digits: '' }

/** Parse a decimal string ("-123.4500", "0", "NaN", "Infinity", "-Infinity"). */
export function parseDecimal(s: string): ParsedDecimal {
  if (s === 'NaN') return NAN
  if (s === 'Infinity') return POS_INF
  if (s === '-Infinity') return NEG_INF
  if (!DECIMAL_RE.test(s)) {
    throw dbError('invalid_text_representation', `invalid input syntax for type numeric: "${s}"`)
  }
  const negative = s.charCodeAt(0) === 0x2d
  const dot = s.indexOf('.')
  const intEnd = dot < 0 ? s.length : dot
  let first = negative ? 1 : 0
  while (first < s.length && !isNonZeroDigit(s.charCodeAt(first))) first++
  if (first === s.length) return ZERO
  let last = s.length - 1
  while (!isNonZeroDigit(s.charCodeAt(last))) last--
  // value = 0.D × 10^exp10, D running from the first to the last non-zero digit.
  let exp10 = first < intEnd ? intEnd - first : -(first - intEnd - 1)
  let digits = first < intEnd && intEnd < last
    ? s.slice(first, intEnd) + s.slice(intEnd + 1, last + 1)
    : s.slice(first, last + 1)
  if ((exp10 & 1) !== 0) {
    digits = '0' + digits
    exp10 += 1
  }
  if ((digits.length & 1) !== 0) digits += '0'
  const exp100 = exp10 / 2
  if (exp100 > DECIMAL_MAX_EXP100 || exp100 < -DECIMAL_MAX_EXP100) {
    throw dbError('numeric_value_out_of_range', 'value overflows numeric format')
  }
  return { tag: negative ? DECIMAL_TAG.negative : DECIMAL_TAG.positive, exp100, digits }
}

/** Encoded size of a parsed decimal, tag byte included. */
export function decimalSize(d: ParsedDecimal): number {
  if (d.digits === '') return 1
  const expSize = d.exp100 >= SMALL_EXP_MIN && d.exp100 <= SMALL_EXP_MAX ? 1 : 5
  return 1 + expSize + d.digits.length / 2
}

/** Write a parsed decimal at `pos` (ascending form); returns the position after it. */
export function writeDecimal(out: Uint8Array, pos: number, d: ParsedDecimal): number {
  out[pos++] = d.tag
  if (d.digits === '') return pos
  const start = pos
  const e = d.exp100
  if (e >= SMALL_EXP_MIN && e <= SMALL_EXP_MAX) {
    out[pos++] = SMALL_EXP_BIAS + e
  } else {
    out[pos++] = e < 0 ? BIG_NEG_EXP : BIG_POS_EXP
    const u = e + EXP_OFFSET
    out[pos++] = u >>> 24
    out[pos++] = u >>> 16
    out[pos++] = u >>> 8
    out[pos++] = u
  }
  const n = d.digits.length / 2
  for (let k = 0; k < n; k++) {
    const x = (d.digits.charCodeAt(2 * k) - 0x30) * 10 + d.digits.charCodeAt(2 * k + 1) - 0x30
    out[pos++] = k === n - 1 ? 2 * x : 2 * x + 1
  }
  if (d.tag === DECIMAL_TAG.negative) {
    for (let i = start; i < pos; i++) out[i]! ^= 0xff
  }
  return pos
}

/** Where decoding stands: every byte read is XORed with `flip` (0xFF for descending). */
export interface ByteCursor {
  readonly bytes: Uint8Array
  pos: number
  readonly flip: number
}

/**
 * Read the payload of a decimal whose tag byte was already read, returning the
 * canonical text ("-1.5", "0", "NaN"). Non-canonical bytes (which the encoder never
 * writes) are corruption, so a successful decode re-encodes to the same bytes.
 */
export function readDecimal(c: ByteCursor, tag: number): string {
  switch (tag) {
    case DECIMAL_TAG.nan: return 'NaN'
    case DECIMAL_TAG.posInfinity: return 'Infinity'
    case DECIMAL_TAG.negInfinity: return '-Infinity'
    case DECIMAL_TAG.zero: return '0'
    case DECIMAL_TAG.positive:
    case DECIMAL_TAG.negative: break
    default: throw corrupted(`bad decimal tag 0x${tag.toString(16)}`)
  }
  const flip = tag === DECIMAL_TAG.negative ? c.flip ^ 0xff : c.flip
  const b0 = next(c, flip)
  let e: number
  if (b0 >= SMALL_EXP_BIAS + SMALL_EXP_MIN && b0 <= SMALL_EXP_BIAS + SMALL_EXP_MAX) {
    e = b0 - SMALL_EXP_BIAS
  } else if (b0 === BIG_NEG_EXP || b0 === BIG_POS_EXP) {
    const u = next(c, flip) * 0x1000000 + next(c, flip) * 0x10000 + next(c, flip) * 0x100 + next(c, flip)
    e = u - EXP_OFFSET
    const canonical = b0 === BIG_NEG_EXP ? e < SMALL_EXP_MIN : e > SMALL_EXP_MAX
    if (!canonical || e > DECIMAL_MAX_EXP100 || e < -DECIMAL_MAX_EXP100) {
      throw corrupted(`bad decimal exponent ${e}`)
    }
  } else {
    throw corrupted(`bad decimal exponent byte 0x${b0.toString(16)}`)
  }
  let digits = ''
  let x = 0
  for (let k = 0; ; k++) {
    const b = next(c, flip)
    x = b >>> 1
    if (x > 99 || (k === 0 && x === 0)) throw corrupted(`bad decimal digit byte 0x${b.toString(16)}`)
    digits += PAIRS[x]
    if ((b & 1) === 0) break
  }
  if (x === 0) throw corrupted('decimal with a trailing zero digit')
  // Undo the normalisation padding: at most one leading and one trailing '0'.
  let exp10 = 2 * e
  if (digits.charCodeAt(0) === 0x30) {
    digits = digits.slice(1)
    exp10 -= 1
  }
  if (digits.charCodeAt(digits.length - 1) === 0x30) digits = digits.slice(0, -1)
  const body = exp10 <= 0
    ? '0.' + '0'.repeat(-exp10) + digits
    : exp10 >= digits.length
      ? digits + '0'.repeat(exp10 - digits.length)
      : digits.slice(0, exp10) + '.' + digits.slice(exp10)
  return tag === DECIMAL_TAG.negative ? '-' + body : body
}

/** "00" … "99": the two ASCII digits of each base-100 digit. */
const PAIRS: readonly string[] = Array.from({ length: 100 }, (_, i) => String(i).padStart(2, '0'))

function isNonZeroDigit(code: number): boolean {
  return code >= 0x31 && code <= 0x39
}

function next(c: ByteCursor, flip: number): number {
  const b = c.bytes[c.pos]
  if (b === undefined) throw corrupted('truncated decimal')
  c.pos++
  return b ^ flip
}

function corrupted(what: string) {
  return dbError('data_corrupted', `corrupted index key: ${what}`)
}
