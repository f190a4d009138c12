/**
 * Operators beyond the value layer's arithmetic and comparisons, resolved like
 * functions named by their symbol: POSIX regular-expression matches (~ ~* !~ !~*),
 * LIKE's operator spellings (~~ ~~* !~~ !~~*), bitwise integer operators
 * (& | # << >> and prefix ~), exponentiation (^), and the prefix operators
 * |/ (square root), ||/ (cube root) and @ (absolute value).
 *
 * Regular expressions run on JavaScript's engine, which agrees with PostgreSQL's
 * ARE flavour on the common syntax (classes, anchors, quantifiers, groups) but not
 * on every corner (back-references, collating elements); an invalid pattern is
 * 2201B as in PostgreSQL.
 */
import { dbError } from '../../common/errors.js'
import { Decimal, T, toIntKind, type SqlValue } from '../values/index.js'
import { scalar } from './define.js'
import { likeMatcher } from './like.js'
import { numericPower } from './numeric-power.js'
import type { ScalarFunction } from './types.js'

const regexCache = new Map<string, RegExp>()

export function regex(pattern: string, flags: string): RegExp {
  const key = flags + '\0' + pattern
  let re = regexCache.get(key)
  if (re === undefined) {
    try {
      re = new RegExp(pattern, flags + 'u')
    } catch (e) {
      throw dbError('invalid_regular_expression', `invalid regular expression: ${regexMessage((e as Error).message)}`)
    }
    if (regexCache.size > 1000) regexCache.clear()
    regexCache.set(key, re)
  }
  return re
}

/** PostgreSQL's words (regerror.c) for the errors JavaScript's engine names differently; others keep JavaScript's. */
function regexMessage(js: string): string {
  const reason = js.replace(/^Invalid regular expression: \/.*\/[a-z]*: /s, '')
  if (/Unterminated group|Unmatched '\)'/.test(reason)) return 'parentheses () not balanced'
  if (/Unterminated character class|Lone quantifier brackets/.test(reason)) return 'brackets [] not balanced'
  if (/Nothing to repeat/.test(reason)) return 'quantifier operand invalid'
  if (/numbers out of order|Incomplete quantifier/.test(reason)) return 'invalid repetition count(s)'
  if (/\\ at end of pattern/.test(reason)) return 'invalid escape \\ sequence'
  return reason
}

const INTS = ['int2', 'int4', 'int8'] as const

function bitwise(op: '&' | '|' | '#' | '<<' | '>>'): ScalarFunction[] {
  return INTS.map((k) =>
    scalar(op, op === '<<' || op === '>>' ? [k, 'int4'] : [k, k], T[k], (a) => {
      const x = BigInt(a[0] as number | bigint)
      const y = BigInt(a[1] as number | bigint)
      const bits = k === 'int2' ? 16 : k === 'int4' ? 32 : 64
      let r: bigint
      switch (op) {
        case '&': r = x & y; break
        case '|': r = x | y; break
        case '#': r = x ^ y; break
        case '<<': r = BigInt.asIntN(bits, x << (y & BigInt(bits - 1))); break
        default: r = x >> (y & BigInt(bits - 1))
      }
      return toIntKind(r, k)
    }),
  )
}

const match = (name: string, flags: string, negate: boolean) =>
  scalar(name, ['text', 'text'], T.bool, (a) => regex(a[1] as string, flags).test(a[0] as string) !== negate)

const like = (name: string, ci: boolean, negate: boolean) =>
  scalar(name, ['text', 'text'], T.bool, (a) => likeMatcher(a[1] as string, '\\', ci)(a[0] as string) !== negate)

export const BINARY_OPERATOR_FUNCTIONS: readonly ScalarFunction[] = [
  match('~', '', false), match('~*', 'i', false), match('!~', '', true), match('!~*', 'i', true),
  like('~~', false, false), like('~~*', true, false), like('!~~', false, true), like('!~~*', true, true),
  ...bitwise('&'), ...bitwise('|'), ...bitwise('#'), ...bitwise('<<'), ...bitwise('>>'),
  scalar('^', ['numeric', 'numeric'], T.numeric, (a) => numericPower(a[0] as Decimal, a[1] as Decimal)),
  scalar('^', ['float8', 'float8'], T.float8, (a) => {
    const x = a[0] as number
    const y = a[1] as number
    if (x === 0 && y < 0) throw dbError('invalid_argument_for_power_function', 'zero raised to a negative power is undefined')
    if (x < 0 && !Number.isInteger(y)) throw dbError('invalid_argument_for_power_function', 'a negative number raised to a non-integer power yields a complex result')
    const r = x ** y
    if (!Number.isFinite(r) && Number.isFinite(x) && Number.isFinite(y)) throw dbError('numeric_value_out_of_range', 'value out of range: overflow')
    return r
  }),
]

export const PREFIX_OPERATOR_FUNCTIONS: readonly ScalarFunction[] = [
  ...INTS.map((k) => scalar('~', [k], T[k], (a) => (k === 'int8' ? ~(a[0] as bigint) : ~(a[0] as number)) as SqlValue)),
  scalar('|/', ['float8'], T.float8, (a) => {
    if ((a[0] as number) < 0) throw dbError('invalid_argument_for_power_function', 'cannot take square root of a negative number')
    return Math.sqrt(a[0] as number)
  }),
  scalar('||/', ['float8'], T.float8, (a) => Math.cbrt(a[0] as number)),
  scalar('@', ['float8'], T.float8, (a) => Math.abs(a[0] as number)),
  scalar('@', ['numeric'], T.numeric, (a) => ((a[0] as Decimal).sign() < 0 ? (a[0] as Decimal).neg() : a[0]!)),
  ...INTS.map((k) => scalar('@', [k], T[k], (a) => toIntKind(BigInt(a[0] as number | bigint) < 0n ? -BigInt(a[0] as number | bigint) : BigInt(a[0] as number | bigint), k))),
]
