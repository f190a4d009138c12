/**
 * String functions (PostgreSQL 15, §9.4). Lengths and positions count characters
 * (code points), not UTF-16 units. Case mapping is ASCII-only: the database's
 * collation is "C", where PostgreSQL's lower/upper leave other letters alone.
 */
import { createHash } from 'node:crypto'
import { dbError } from '../../common/errors.js'
import { T, formatValue, type SqlType, type SqlValue } from '../values/index.js'
import { scalar } from './define.js'
import type { ScalarFunction } from './types.js'

const SURROGATE = /[\uD800-\uDFFF]/

/** Code points of `s` (an array only when `s` has characters outside the BMP). */
function chars(s: string): string | string[] {
  return SURROGATE.test(s) ? Array.from(s) : s
}

const charLength = (s: string): number => (SURROGATE.test(s) ? Array.from(s).length : s.length)

function slice(s: string, start: number, end?: number): string {
  const c = chars(s)
  return typeof c === 'string' ? c.slice(start, end) : c.slice(start, end).join('')
}

export const asciiLower = (s: string): string => s.replace(/[A-Z]+/g, (m) => m.toLowerCase())
export const asciiUpper = (s: string): string => s.replace(/[a-z]+/g, (m) => m.toUpperCase())

/** asc_initcap, PostgreSQL's path for the C locale: words are runs of ASCII letters and digits (é separates words). */
function initcap(s: string): string {
  let out = ''
  let inWord = false
  for (const ch of s) {
    const alnum = /[A-Za-z0-9]/.test(ch)
    out += inWord ? asciiLower(ch) : asciiUpper(ch)
    inWord = alnum
  }
  return out
}

/** substring(s from start for count), as text_substring: positions before 1 shorten the count. */
export function substring(s: string, start: number, count?: number): string {
  if (count !== undefined && count < 0) throw dbError('substring_error', 'negative substring length not allowed')
  const from = Math.max(start, 1)
  if (count === undefined) return slice(s, from - 1)
  const end = start + count // exclusive, 1-based
  if (end <= from) return ''
  return slice(s, from - 1, end - 1)
}

function trimChars(s: string, set: string, left: boolean, right: boolean): string {
  const cs = new Set(Array.from(set))
  const c = Array.from(s)
  let a = 0
  let b = c.length
  if (left) while (a < b && cs.has(c[a]!)) a++
  if (right) while (b > a && cs.has(c[b - 1]!)) b--
  return c.slice(a, b).join('')
}

/**
 * The longest string repeat, lpad and rpad build (PostgreSQL's limit is 1 GB of
 * bytes; a JavaScript string cannot hold much more than 2^29 characters).
 */
const MAX_RESULT_CHARS = 256 * 1024 * 1024

function pad(s: string, len: number, fill: string, left: boolean): string {
  if (len > MAX_RESULT_CHARS) throw dbError('program_limit_exceeded', 'requested length too large')
  const c = Array.from(s)
  if (len <= 0) return ''
  if (c.length >= len) return c.slice(0, len).join('')
  const f = Array.from(fill)
  if (f.length === 0) return s
  const need = len - c.length
  const padding = fill.repeat(Math.floor(need / f.length)) + f.slice(0, need % f.length).join('')
  return left ? padding + s : s + padding
}

/** The text a value's type prints (concat and friends use the output function). */
const asText = (v: SqlValue, t: SqlType): string => (t.kind === 'bpchar' ? (v as string) : formatValue(t, v)!)

const s0 = (a: readonly SqlValue[]) => a[0] as string
const TEXT = T.text

export const STRING_FUNCTIONS: readonly ScalarFunction[] = [
  ...['length', 'char_length', 'character_length'].map((n) => scalar(n, ['text'], T.int4, (a) => charLength(s0(a)))),
  scalar('octet_length', ['text'], T.int4, (a) => Buffer.byteLength(s0(a))),
  scalar('octet_length', ['bytea'], T.int4, (a) => (a[0] as Uint8Array).length),
  scalar('length', ['bytea'], T.int4, (a) => (a[0] as Uint8Array).length),
  scalar('bit_length', ['text'], T.int4, (a) => Buffer.byteLength(s0(a)) * 8),
  scalar('lower', ['text'], TEXT, (a) => asciiLower(s0(a))),
  scalar('upper', ['text'], TEXT, (a) => asciiUpper(s0(a))),
  scalar('initcap', ['text'], TEXT, (a) => initcap(s0(a))),
  ...['substring', 'substr'].flatMap((n) => [
    scalar(n, ['text', 'int4'], TEXT, (a) => substring(s0(a), a[1] as number)),
    scalar(n, ['text', 'int4', 'int4'], TEXT, (a) => substring(s0(a), a[1] as number, a[2] as number)),
  ]),
  scalar('left', ['text', 'int4'], TEXT, (a) => {
    const n = a[1] as number
    const len = charLength(s0(a))
    return slice(s0(a), 0, n >= 0 ? n : Math.max(len + n, 0))
  }),
  scalar('right', ['text', 'int4'], TEXT, (a) => {
    const n = a[1] as number
    const len = charLength(s0(a))
    return slice(s0(a), n >= 0 ? Math.max(len - n, 0) : Math.min(-n, len))
  }),
  scalar('btrim', ['text'], TEXT, (a) => trimChars(s0(a), ' ', true, true)),
  scalar('btrim', ['text', 'text'], TEXT, (a) => trimChars(s0(a), a[1] as string, true, true)),
  scalar('trim', ['text'], TEXT, (a) => trimChars(s0(a), ' ', true, true)),
  scalar('trim', ['text', 'text'], TEXT, (a) => trimChars(s0(a), a[1] as string, true, true)),
  scalar('ltrim', ['text'], TEXT, (a) => trimChars(s0(a), ' ', true, false)),
  scalar('ltrim', ['text', 'text'], TEXT, (a) => trimChars(s0(a), a[1] as string, true, false)),
  scalar('rtrim', ['text'], TEXT, (a) => trimChars(s0(a), ' ', false, true)),
  scalar('rtrim', ['text', 'text'], TEXT, (a) => trimChars(s0(a), a[1] as string, false, true)),
  scalar('replace', ['text', 'text', 'text'], TEXT, (a) => ((a[1] as string) === '' ? s0(a) : s0(a).split(a[1] as string).join(a[2] as string))),
  scalar('repeat', ['text', 'int4'], TEXT, (a) => {
    const n = a[1] as number
    if (n <= 0) return ''
    if (s0(a).length * n > MAX_RESULT_CHARS) throw dbError('program_limit_exceeded', 'requested length too large')
    return s0(a).repeat(n)
  }),
  scalar('reverse', ['text'], TEXT, (a) => Array.from(s0(a)).reverse().join('')),
  scalar('lpad', ['text', 'int4'], TEXT, (a) => pad(s0(a), a[1] as number, ' ', true)),
  scalar('lpad', ['text', 'int4', 'text'], TEXT, (a) => pad(s0(a), a[1] as number, a[2] as string, true)),
  scalar('rpad', ['text', 'int4'], TEXT, (a) => pad(s0(a), a[1] as number, ' ', false)),
  scalar('rpad', ['text', 'int4', 'text'], TEXT, (a) => pad(s0(a), a[1] as number, a[2] as string, false)),
  scalar('strpos', ['text', 'text'], T.int4, (a) => {
    const i = s0(a).indexOf(a[1] as string)
    return i < 0 ? 0 : charLength(s0(a).slice(0, i)) + 1
  }),
  scalar('position', ['text', 'text'], T.int4, (a) => {
    const i = (a[1] as string).indexOf(s0(a))
    return i < 0 ? 0 : charLength((a[1] as string).slice(0, i)) + 1
  }),
  scalar('starts_with', ['text', 'text'], T.bool, (a) => s0(a).startsWith(a[1] as string)),
  scalar('split_part', ['text', 'text', 'int4'], TEXT, (a) => {
    const n = a[2] as number
    if (n === 0) throw dbError('invalid_parameter_value', 'field position must not be zero')
    const parts = (a[1] as string) === '' ? [s0(a)] : s0(a).split(a[1] as string)
    const i = n > 0 ? n - 1 : parts.length + n
    return parts[i] ?? ''
  }),
  scalar('concat', ['any'], TEXT, (a, t) => a.map((v, i) => (v === null ? '' : asText(v, t[i]!))).join(''), { variadic: true, strict: false, volatility: 'stable' }),
  scalar('concat_ws', ['text', 'any'], TEXT, (a, t) => {
    if (a[0] === null) return null
    return a.slice(1).flatMap((v, i) => (v === null ? [] : [asText(v, t[i + 1]!)])).join(a[0] as string)
  }, { variadic: true, strict: false, volatility: 'stable' }),
  scalar('ascii', ['text'], T.int4, (a) => s0(a).codePointAt(0) ?? 0),
  scalar('chr', ['int4'], TEXT, (a) => {
    const n = a[0] as number
    if (n === 0) throw dbError('program_limit_exceeded', 'null character not permitted')
    if (n < 0 || n > 0x10ffff || (n >= 0xd800 && n <= 0xdfff)) throw dbError('program_limit_exceeded', `requested character too large for encoding: ${n}`)
    return String.fromCodePoint(n)
  }),
  scalar('md5', ['text'], TEXT, (a) => createHash('md5').update(s0(a)).digest('hex')),
  scalar('md5', ['bytea'], TEXT, (a) => createHash('md5').update(a[0] as Uint8Array).digest('hex')),
  scalar('to_hex', ['int4'], TEXT, (a) => ((a[0] as number) >>> 0).toString(16)),
  scalar('to_hex', ['int8'], TEXT, (a) => BigInt.asUintN(64, a[0] as bigint).toString(16)),
  scalar('quote_ident', ['text'], TEXT, (a) => (/^[a-z_][a-z0-9_]*$/.test(s0(a)) ? s0(a) : `"${s0(a).replaceAll('"', '""')}"`)),
  scalar('quote_literal', ['text'], TEXT, (a) => {
    const s = s0(a)
    return s.includes('\\') ? `E'${s.replaceAll('\\', '\\\\').replaceAll("'", "''")}'` : `'${s.replaceAll("'", "''")}'`
  }),
  scalar('quote_nullable', ['text'], TEXT, (a) => (a[0] === null ? 'NULL' : `'${s0(a).replaceAll("'", "''")}'`), { strict: false }),
  scalar('translate', ['text', 'text', 'text'], TEXT, (a) => {
    const from = Array.from(a[1] as string)
    const to = Array.from(a[2] as string)
    return Array.from(s0(a)).map((ch) => {
      const i = from.indexOf(ch)
      return i < 0 ? ch : (to[i] ?? '')
    }).join('')
  }),
]
