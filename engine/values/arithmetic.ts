/**
 * Operator implementations: arithmetic with PostgreSQL's overflow checks, comparison
 * in PostgreSQL's orders, concatenation, and the three-valued logic helpers.
 *
 * Integer results are checked against their type's range ("integer out of range");
 * division truncates toward zero and % takes the dividend's sign, as C does. Float
 * arithmetic reports overflow and underflow that the inputs did not already carry
 * (float.h's float_overflow_error / float_underflow_error). NULL in, NULL out.
 */
import { dbError } from '../../common/errors.js'
import { castValue, intOutOfRange, toIntKind } from './casts.js'
import { Decimal } from './decimal.js'
import { dateToTimestamp } from './datetime.js'
import { resolveBinaryOperator, type BinaryOperatorName, type ResolvedOperator } from './operators.js'
import { DATE_NEG_INFINITY, DATE_POS_INFINITY, typeName, type SqlArray, type SqlType, type SqlValue } from './types.js'
import { compareArrays } from './arrays.js'

const divByZero = () => dbError('division_by_zero', 'division by zero')
const overflow = () => dbError('numeric_value_out_of_range', 'value out of range: overflow')
const underflow = () => dbError('numeric_value_out_of_range', 'value out of range: underflow')

type IntKind = 'int2' | 'int4' | 'int8'

function intOp(op: BinaryOperatorName, a: bigint, b: bigint, kind: IntKind): number | bigint {
  let r: bigint
  switch (op) {
    case '+': r = a + b; break
    case '-': r = a - b; break
    case '*': r = a * b; break
    case '/':
      if (b === 0n) throw divByZero()
      r = a / b // BigInt division truncates toward zero
      break
    case '%':
      if (b === 0n) throw divByZero()
      r = a % b
      break
    default:
      throw dbError('internal_error', `not an arithmetic operator: ${op}`)
  }
  return toIntKind(r, kind)
}

function floatOp(op: BinaryOperatorName, a: number, b: number, real: boolean): number {
  const round = real ? Math.fround : (x: number) => x
  let r: number
  switch (op) {
    case '+': r = round(a + b); break
    case '-': r = round(a - b); break
    case '*':
      r = round(a * b)
      if (r === 0 && a !== 0 && b !== 0) throw underflow()
      break
    case '/':
      if (b === 0 && !Number.isNaN(a)) throw divByZero()
      r = round(a / b)
      if (r === 0 && a !== 0 && Number.isFinite(b)) throw underflow()
      break
    default:
      throw dbError('internal_error', `not a float operator: ${op}`)
  }
  if (!Number.isFinite(r) && !Number.isNaN(r) && Number.isFinite(a) && Number.isFinite(b)) throw overflow()
  return r
}

function numericOp(op: BinaryOperatorName, a: Decimal, b: Decimal): Decimal {
  switch (op) {
    case '+': return a.add(b)
    case '-': return a.sub(b)
    case '*': return a.mul(b)
    case '/': return a.div(b)
    case '%': return a.mod(b)
    default: throw dbError('internal_error', `not a numeric operator: ${op}`)
  }
}

/** UTF-8 byte order (the "C" collation) is code point order, which UTF-16 `<` is not. */
function compareStrings(a: string, b: string): number {
  const n = Math.min(a.length, b.length)
  for (let i = 0; i < n; i++) {
    const x = a.codePointAt(i)!
    const y = b.codePointAt(i)!
    if (x !== y) return x - y
    if (x > 0xffff) i++
  }
  return a.length - b.length
}

/** PostgreSQL's float order: -Inf < … < Inf < NaN, NaN = NaN. */
function compareFloats(a: number, b: number): number {
  if (Number.isNaN(a)) return Number.isNaN(b) ? 0 : 1
  if (Number.isNaN(b)) return -1
  return a < b ? -1 : a > b ? 1 : 0
}

/** Compare two non-null values of one comparison family (after resolution's casts). */
export function compareValues(type: SqlType, a: SqlValue, b: SqlValue): number {
  switch (type.kind) {
    case 'float4':
    case 'float8':
      return compareFloats(a as number, b as number)
    case 'numeric':
      return (a as Decimal).compare(b as Decimal)
    case 'bpchar':
      return compareStrings((a as string).replace(/ +$/, ''), (b as string).replace(/ +$/, ''))
    case 'text':
    case 'varchar':
    case 'unknown':
      return compareStrings(a as string, b as string)
    case 'bool':
      return Number(a) - Number(b)
    case 'array':
      return compareArrays(type.element, a as SqlArray, b as SqlArray, compareValues)
    case 'bytea': {
      const x = a as Uint8Array
      const y = b as Uint8Array
      for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return x[i]! - y[i]!
      return x.length - y.length
    }
    default: {
      const x = a as number | bigint
      const y = b as number | bigint
      return x < y ? -1 : x > y ? 1 : 0
    }
  }
}

function cmp(op: BinaryOperatorName, c: number): boolean {
  switch (op) {
    case '=': return c === 0
    case '<>': return c !== 0
    case '<': return c < 0
    case '<=': return c <= 0
    case '>': return c > 0
    default: return c >= 0
  }
}

const DATETIME = new Set(['date', 'timestamp', 'timestamptz'])

/** Apply a resolved operator to arguments already of its argument types. */
export function applyOperator(o: ResolvedOperator, a: SqlValue, b: SqlValue): SqlValue {
  if (a === null || b === null) return null
  const { name, leftType: lt, rightType: rt } = o
  const result = o.resultType.kind
  if (name === '||') {
    if (result === 'bytea') {
      const x = a as Uint8Array
      const y = b as Uint8Array
      const out = new Uint8Array(x.length + y.length)
      out.set(x)
      out.set(y, x.length)
      return out
    }
    const str = (t: SqlType, v: SqlValue) => (t.kind === 'text' ? (v as string) : (castValue(v, t, { kind: 'text' }) as string))
    return str(lt, a) + str(rt, b)
  }
  if (result === 'bool') {
    if (DATETIME.has(lt.kind) && lt.kind !== rt.kind) {
      const ts = (t: SqlType, v: SqlValue) => (t.kind === 'date' ? dateToTimestamp(v as number) : (v as bigint))
      return cmp(name, compareValues({ kind: 'timestamp' }, ts(lt, a), ts(rt, b)))
    }
    if (lt.kind === 'int8' || rt.kind === 'int8') return cmp(name, compareValues({ kind: 'int8' }, BigInt(a as number), BigInt(b as number)))
    return cmp(name, compareValues(lt, a, b))
  }
  if (lt.kind === 'date' || rt.kind === 'date') return dateArithmetic(name, lt, a, rt, b)
  if (result === 'int2' || result === 'int4' || result === 'int8') {
    const x = BigInt(a as number | bigint)
    const y = BigInt(b as number | bigint)
    return intOp(name, x, y, result)
  }
  if (result === 'float4' || result === 'float8') return floatOp(name, a as number, b as number, result === 'float4')
  return numericOp(name, a as Decimal, b as Decimal)
}

type Binary = (a: SqlValue, b: SqlValue) => SqlValue

const SMALL_INT_RANGE = { int2: [-32768, 32767], int4: [-2147483648, 2147483647] } as const

/**
 * `applyOperator` for one resolved operator, as a function of its two arguments:
 * what compiled expressions call for every row. Comparisons, +, - and * of int2 and
 * int4 values (plain numbers, never NaN) run on the numbers themselves, and
 * comparisons of int8 on the bigints; a sum or product outside the result type's
 * range goes through applyOperator, which raises the error. All else is
 * applyOperator itself.
 */
export function operatorFunction(o: ResolvedOperator): Binary {
  const lt = o.leftType.kind
  const rt = o.rightType.kind
  const result = o.resultType.kind
  const smallArgs = (lt === 'int2' || lt === 'int4') && (rt === 'int2' || rt === 'int4')
  if ((smallArgs || (lt === 'int8' && rt === 'int8')) && result === 'bool') {
    switch (o.name) {
      case '=': return (a, b) => (a === null || b === null ? null : a === b)
      case '<>': return (a, b) => (a === null || b === null ? null : a !== b)
      case '<': return (a, b) => (a === null || b === null ? null : (a as number) < (b as number))
      case '<=': return (a, b) => (a === null || b === null ? null : (a as number) <= (b as number))
      case '>': return (a, b) => (a === null || b === null ? null : (a as number) > (b as number))
      case '>=': return (a, b) => (a === null || b === null ? null : (a as number) >= (b as number))
    }
  }
  if (smallArgs && (result === 'int2' || result === 'int4')) {
    const [lo, hi] = SMALL_INT_RANGE[result]
    const checked = (r: number, a: SqlValue, b: SqlValue): SqlValue => (r >= lo && r <= hi ? r : applyOperator(o, a, b))
    switch (o.name) {
      case '+': return (a, b) => (a === null || b === null ? null : checked((a as number) + (b as number), a, b))
      case '-': return (a, b) => (a === null || b === null ? null : checked((a as number) - (b as number), a, b))
      // 0 * -5 is -0 in JavaScript; SQL integers have no -0.
      case '*': return (a, b) => (a === null || b === null ? null : checked((a as number) * (b as number) || 0, a, b))
    }
  }
  return (a, b) => applyOperator(o, a, b)
}

function dateArithmetic(name: BinaryOperatorName, lt: SqlType, a: SqlValue, rt: SqlType, b: SqlValue): SqlValue {
  if (lt.kind === 'date' && rt.kind === 'date') {
    if ([a, b].some((d) => d === DATE_NEG_INFINITY || d === DATE_POS_INFINITY)) throw dbError('datetime_field_overflow', 'cannot subtract infinite dates')
    return toIntKind((a as number) - (b as number), 'int4')
  }
  const [d, n] = lt.kind === 'date' ? [a as number, b as number] : [b as number, a as number]
  if (d === DATE_NEG_INFINITY || d === DATE_POS_INFINITY) return d
  const r = name === '-' ? d - n : d + n
  // PostgreSQL's date range: 4714-11-24 BC … 5874897-12-31.
  if (r < -2451545 || r > 2145031948) throw dbError('datetime_field_overflow', 'date out of range')
  return r
}

/** Resolve and evaluate `a name b` from the arguments' own types: the convenience entry point. */
export function evaluateBinary(name: BinaryOperatorName, at: SqlType, a: SqlValue, bt: SqlType, b: SqlValue): { type: SqlType; value: SqlValue } {
  const o = resolveBinaryOperator(name, at, bt)
  const x = castValue(a, at, o.leftType, 'implicit')
  const y = castValue(b, bt, o.rightType, 'implicit')
  return { type: o.resultType, value: applyOperator(o, x, y) }
}

/** Unary minus (int overflow is an error: -(-2147483648)). */
export function negate(type: SqlType, v: SqlValue): SqlValue {
  if (v === null) return null
  switch (type.kind) {
    case 'int2':
    case 'int4':
    case 'int8':
      if (type.kind === 'int8' ? (v as bigint) === -(2n ** 63n) : (v as number) === (type.kind === 'int2' ? -32768 : -2147483648)) throw intOutOfRange(type.kind)
      return type.kind === 'int8' ? -(v as bigint) : 0 - (v as number)
    case 'float4':
    case 'float8':
      return -(v as number)
    case 'numeric':
      return (v as Decimal).neg()
    default:
      throw dbError('undefined_function', `operator does not exist: - ${typeName(type)}`)
  }
}

/** Three-valued logic. */
export const and3 = (a: boolean | null, b: boolean | null): boolean | null => (a === false || b === false ? false : a === null || b === null ? null : true)
export const or3 = (a: boolean | null, b: boolean | null): boolean | null => (a === true || b === true ? true : a === null || b === null ? null : false)
export const not3 = (a: boolean | null): boolean | null => (a === null ? null : !a)

/** Arrays of `element` in array_cmp's order. */
export const compareArraysOf = (element: SqlType, a: SqlArray, b: SqlArray): number => compareArrays(element, a, b, compareValues)
