/**
 * Text input and output of every type: PostgreSQL's typinput/typoutput functions,
 * with their exact error codes and messages, and the length/precision coercions of
 * typmods (varchar(n), char(n), numeric(p,s)).
 *
 * Floats print as PostgreSQL 12+ does with extra_float_digits = 1 (the default): the
 * shortest digits that read back to the same value, in %g layout with the exponent
 * switch at DBL_DIG (15) or FLT_DIG (6) digits and a two-digit exponent minimum.
 */
import { dbError } from '../../common/errors.js'
import { formatDate, formatTimestamp, parseDate, parseTimestamp } from './datetime.js'
import { Decimal } from './decimal.js'
import { shortestDigits } from './shortest-float.js'
import { formatArray, parseArray } from './arrays.js'
import type { SqlArray, SqlType, SqlValue } from './types.js'

const WS = /^[ \t\n\r\v\f]+|[ \t\n\r\v\f]+$/g
const INT_RE = /^[ \t\n\r\v\f]*([+-]?\d+)([^]*)$/
const FLOAT_RE = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?/i

const syntax = (type: string, text: string) => dbError('invalid_text_representation', `invalid input syntax for type ${type}: "${text}"`)

const INT_BOUNDS = {
  int2: [-32768n, 32767n, 'smallint'],
  int4: [-2147483648n, 2147483647n, 'integer'],
  int8: [-(2n ** 63n), 2n ** 63n - 1n, 'bigint'],
} as const

function parseInt(kind: 'int2' | 'int4' | 'int8', text: string): number | bigint {
  const [lo, hi, name] = INT_BOUNDS[kind]
  // pg_strtoint accumulates the digits first: an overflowing digit run is 22003 even
  // when junk follows it ('99999.5'::int2), and only then is the rest checked.
  const m = INT_RE.exec(text)
  if (m === null) throw syntax(name, text)
  const n = BigInt(m[1]!)
  if (n < lo || n > hi) throw dbError('numeric_value_out_of_range', `value "${text}" is out of range for type ${name}`)
  if (!/^[ \t\n\r\v\f]*$/.test(m[2]!)) throw syntax(name, text)
  return kind === 'int8' ? n : Number(n)
}

/** float4in / float8in: strtod syntax, NaN, [+-]Infinity / inf; overflow and underflow are errors. */
function parseFloat(text: string, real: boolean): number {
  const name = real ? 'real' : 'double precision'
  const s = text.replace(WS, '')
  const lower = s.toLowerCase()
  if (lower === 'nan') return NaN
  if (lower === 'infinity' || lower === '+infinity' || lower === 'inf' || lower === '+inf') return Infinity
  if (lower === '-infinity' || lower === '-inf') return -Infinity
  // strtod: the longest numeric prefix; its range is checked before what follows it.
  const m = FLOAT_RE.exec(s)
  if (m === null) throw syntax(name, text)
  const d = Number(m[0])
  const x = real ? Math.fround(d) : d
  const zeroText = /^[+-]?[0.]*(e|$)/i.test(m[0])
  if (!Number.isFinite(x) || (x === 0 && !zeroText)) {
    // float8in names the number strtod read, float4in the whole input.
    throw dbError('numeric_value_out_of_range', `"${real ? text : m[0]}" is out of range for type ${name}`)
  }
  if (m[0].length !== s.length) throw syntax(name, text)
  return x
}

function parseBool(text: string): boolean {
  const s = text.replace(WS, '').toLowerCase()
  const n = s.length
  if (n > 0) {
    if ('true'.startsWith(s) || 'yes'.startsWith(s) || s === '1' || s === 'on') return true
    if ('false'.startsWith(s) || 'no'.startsWith(s) || s === '0' || (n >= 2 && 'off'.startsWith(s))) return false
  }
  throw syntax('boolean', text)
}

/** byteain: '\x' hex (whitespace between digit pairs allowed) or the escape format. */
function parseBytea(text: string): Uint8Array {
  if (text.startsWith('\\x')) {
    const out: number[] = []
    let i = 2
    while (i < text.length) {
      const c = text[i]!
      if (' \t\n\r'.includes(c)) {
        i++
        continue
      }
      const hi = hexVal(c)
      const lo = text[i + 1]
      if (lo === undefined) throw dbError('invalid_parameter_value', 'invalid hexadecimal data: odd number of digits')
      out.push(hi * 16 + hexVal(lo))
      i += 2
    }
    return Uint8Array.from(out)
  }
  const out: number[] = []
  for (let i = 0; i < text.length; ) {
    if (text[i] !== '\\') {
      for (const b of Buffer.from(text[i]!, 'utf8')) out.push(b)
      i++
    } else if (text[i + 1] === '\\') {
      out.push(0x5c)
      i += 2
    } else if (/^[0-3][0-7][0-7]$/.test(text.slice(i + 1, i + 4))) {
      out.push(Number.parseInt(text.slice(i + 1, i + 4), 8))
      i += 4
    } else throw syntax('bytea', text)
  }
  return Uint8Array.from(out)
}

function hexVal(c: string): number {
  const v = Number.parseInt(c, 16)
  if (!/^[0-9a-fA-F]$/.test(c)) throw dbError('invalid_parameter_value', `invalid hexadecimal digit: "${c}"`)
  return v
}

/**
 * The input function of `type` applied to `text`, including its typmod, as
 * `'text'::type` does: varchar(n)/char(n) refuse over-long values (unless the excess
 * is blanks) and numeric(p,s) rounds and checks its precision.
 */
export function parseValue(type: SqlType, text: string): SqlValue {
  switch (type.kind) {
    case 'int2':
    case 'int4':
    case 'int8':
      return parseInt(type.kind, text)
    case 'float4':
    case 'float8':
      return parseFloat(text, type.kind === 'float4')
    case 'numeric':
      return applyNumericTypmod(Decimal.parse(text), type)
    case 'bool':
      return parseBool(text)
    case 'text':
    case 'unknown':
      return text
    case 'varchar':
    case 'bpchar':
      return coerceString(text, type, false)
    case 'date':
      return parseDate(text)
    case 'timestamp':
    case 'timestamptz':
      return parseTimestamp(text, type.kind === 'timestamptz')
    case 'bytea':
      return parseBytea(text)
    case 'oid':
      return parseOid(text)
    case 'regclass':
    case 'regtype':
    case 'regnamespace':
    case 'regproc':
      // Names need the catalog: the binder looks them up (bind/reg-types.ts); only numeric input reaches here.
      if (/^\s*\d+\s*$/.test(text)) return parseOid(text)
      throw dbError('feature_not_supported', `${type.kind} input of a name needs the catalog: cast a constant`)
    case 'array':
      return parseArray(type.element, text, parseValue)
  }
}

/** oidin: an unsigned 32-bit integer (negative int4 values wrap, as PostgreSQL allows). */
function parseOid(text: string): number {
  const t = text.trim()
  if (!/^-?\d+$/.test(t)) throw dbError('invalid_text_representation', `invalid input syntax for type oid: "${text}"`)
  const n = Number(t)
  if (n > 4294967295 || n < -2147483648) throw dbError('numeric_value_out_of_range', `value "${text}" is out of range for type oid`)
  return n < 0 ? n + 4294967296 : n
}

/**
 * varchar(n)/char(n) length coercion. Explicit casts truncate silently; otherwise only
 * trailing blanks may be cut (22001 else). char(n) pads with blanks to n characters.
 */
export function coerceString(s: string, type: SqlType & { kind: 'varchar' | 'bpchar' }, explicit: boolean): string {
  const n = type.length
  if (n === undefined) return s
  const chars = [...s]
  if (chars.length > n) {
    if (!explicit && chars.slice(n).some((c) => c !== ' ')) {
      const what = type.kind === 'varchar' ? 'character varying' : 'character'
      throw dbError('string_data_right_truncation', `value too long for type ${what}(${n})`)
    }
    return chars.slice(0, n).join('')
  }
  return type.kind === 'bpchar' ? s + ' '.repeat(n - chars.length) : s
}

/** numeric(p,s): round half away from zero to s, then refuse more than p − s integer digits. */
export function applyNumericTypmod(d: Decimal, type: SqlType): Decimal {
  if (type.kind !== 'numeric' || type.precision === undefined) return d
  const p = type.precision
  const s = type.scale ?? 0
  if (!d.isFinite) {
    if (d.special === 'nan') return d
    throw dbError('numeric_value_out_of_range', 'numeric field overflow', {
      detail: `A field with precision ${p}, scale ${s} cannot hold an infinite value.`,
    })
  }
  const r = d.round(s)
  const digits = (r.mant < 0n ? -r.mant : r.mant).toString().length - s
  if (r.mant !== 0n && digits > p - s) {
    const bound = p - s === 0 ? '1' : `10^${p - s}`
    throw dbError('numeric_value_out_of_range', 'numeric field overflow', {
      detail: `A field with precision ${p}, scale ${s} must round to an absolute value less than ${bound}.`,
    })
  }
  return r
}

/** The output function of `type` (NULL is the caller's business: null in, null out). */
export function formatValue(type: SqlType, v: SqlValue): string | null {
  if (v === null) return null
  switch (type.kind) {
    case 'int2':
    case 'int4':
    case 'int8':
      return String(v)
    case 'float4':
      return formatFloat(v as number, true)
    case 'float8':
      return formatFloat(v as number, false)
    case 'numeric':
      return (v as Decimal).toString()
    case 'bool':
      return v === true ? 't' : 'f'
    case 'text':
    case 'varchar':
    case 'bpchar':
    case 'unknown':
      return v as string
    case 'date':
      return formatDate(v as number)
    case 'timestamp':
    case 'timestamptz':
      return formatTimestamp(v as bigint, type.kind === 'timestamptz')
    case 'bytea':
      return '\\x' + Buffer.from(v as Uint8Array).toString('hex')
    case 'oid':
      return String(v)
    case 'regclass':
    case 'regtype':
    case 'regnamespace':
    case 'regproc':
      // A reg* value the session resolved to its name is a string; an unresolved oid prints as its number, as PostgreSQL prints an unknown oid.
      return String(v)
    case 'array':
      return formatArray(type.element, v as SqlArray, formatValue)
  }
}

/** float4out / float8out: shortest round-trip digits in %g layout. */
export function formatFloat(x: number, real: boolean): string {
  if (Number.isNaN(x)) return 'NaN'
  if (x === Infinity) return 'Infinity'
  if (x === -Infinity) return '-Infinity'
  if (x === 0) return Object.is(x, -0) ? '-0' : '0'
  const { digits, exp } = shortestDigits(Math.abs(x), real)
  const sign = x < 0 ? '-' : ''
  const e = exp + digits.length - 1
  if (e < -4 || e >= (real ? 6 : 15)) {
    const mant = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits
    return `${sign}${mant}e${e < 0 ? '-' : '+'}${String(Math.abs(e)).padStart(2, '0')}`
  }
  if (e < 0) return `${sign}0.${'0'.repeat(-e - 1)}${digits}`
  if (digits.length <= e + 1) return sign + digits + '0'.repeat(e + 1 - digits.length)
  return `${sign}${digits.slice(0, e + 1)}.${digits.slice(e + 1)}`
}

