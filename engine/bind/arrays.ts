/**
 * Binding the array forms: ARRAY[…], ARRAY(SELECT …), a[i], x op ANY/ALL (array),
 * and the array operators = <> || (parse_expr.c transformArrayExpr, transformAExprOpAny,
 * and the anyarray entries of pg_operator).
 *
 * Arrays are one-dimensional with lower bound 1. The operations are bound as calls
 * of functions made here (not in the function catalog: SQL cannot name them), so the
 * executor and the constant folder treat them like any immutable call.
 */
import { dbError } from '../../common/errors.js'
import type { Expr } from '../../parser/index.js'
import type { ScalarFunction } from '../functions/index.js'
import { BOOL, type BExpr } from '../plan/bound.js'
import {
  T, applyOperator, arrayOf, baseTypeName, castValue, compareArrays, resolveBinaryOperator, sameType,
  type BinaryOperatorName, type SqlArray, type SqlType, type SqlValue,
} from '../values/index.js'
import type { Binder } from './binder.js'
import { coerce, commonType } from './coerce.js'
import { at, bindExpr, startOf, type ExprContext } from './expr.js'
import { bindSubquery } from './query.js'

const fn = (name: string, strict: boolean, impl: (args: readonly SqlValue[]) => SqlValue): ScalarFunction => ({
  name, params: [], variadic: false, result: T.text, strict, volatility: 'immutable', async: false, impl,
})

const ARRAY_CONSTRUCTOR = fn('array', false, (args) => [...args])

/** ARRAY[a, b, …]: the elements' common type (an empty ARRAY[] needs a cast to say its type, as PostgreSQL insists). */
export function bindArrayConstructor(b: Binder, e: Expr & { kind: 'array' }, x: ExprContext, castTo?: SqlType): BExpr {
  if (e.elements.length === 0 && castTo?.kind === 'array') return { kind: 'const', type: castTo, value: [] }
  if (e.elements.length === 0) throw dbError('indeterminate_datatype', 'cannot determine type of empty array', { position: e.position, hint: 'Explicitly cast to the desired type, for example ARRAY[]::integer[].' })
  const elements = e.elements.map((el) => bindExpr(b, el, x))
  const type = commonType(elements.map((el) => el.type), 'ARRAY', e.elements.map(startOf))
  if (type.kind === 'array') throw dbError('feature_not_supported', 'multidimensional arrays are not supported', { position: e.position })
  const args = elements.map((el) => coerce(b, el, type, 'implicit', e.position))
  return { kind: 'call', fn: ARRAY_CONSTRUCTOR, args, type: arrayOf(type) }
}

/** ARRAY(SELECT x …): the subquery's one column, every row, as an array. */
export function bindArrayQuery(b: Binder, e: Expr & { kind: 'array-query' }, x: ExprContext): BExpr {
  const sub = bindSubquery(b, e.query, x.scope)
  if (sub.columns.length !== 1) throw dbError('syntax_error', 'subquery must return only one column', { position: e.position })
  const col = sub.columns[0]!
  const element = col.type.kind === 'unknown' ? T.text : col.type
  if (element.kind === 'array') throw dbError('feature_not_supported', 'multidimensional arrays are not supported', { position: e.position })
  return { kind: 'subquery', sub: { id: b.newSubquery(), mode: { kind: 'array' }, plan: sub.plan, columns: [col.id], outer: sub.outer }, type: arrayOf(element) }
}

const SUBSCRIPT = fn('subscript', true, (args) => (args[0] as SqlArray)[(args[1] as number) - 1] ?? null)

/** a[i]: the i-th element (1-based), NULL outside the array. */
export function bindSubscript(b: Binder, e: Expr & { kind: 'subscript' }, x: ExprContext): BExpr {
  const operand = bindExpr(b, e.operand, x)
  if (operand.type.kind !== 'array') {
    throw dbError('datatype_mismatch', `cannot subscript type ${baseTypeName(operand.type)} because it does not support subscripting`, { position: startOf(e.operand) })
  }
  const index = coerce(b, bindExpr(b, e.index, x), T.int4, 'implicit', e.position, () =>
    dbError('datatype_mismatch', 'array subscript must have type integer', { position: startOf(e.index) }))
  return { kind: 'call', fn: SUBSCRIPT, args: [operand, index], type: operand.type.element }
}

/** An untyped literal where an array is expected: '{…}' of the other side's array type. */
function asArray(b: Binder, e: BExpr, like: SqlType, position: number): BExpr {
  return e.type.kind === 'unknown' ? coerce(b, e, like, 'implicit', position) : e
}

/**
 * x op ANY (array) / x op ALL (array): op resolved between x and the element type;
 * NULL when no element decides and one comparison was NULL, as PostgreSQL's
 * ScalarArrayOpExpr.
 */
export function bindQuantifiedArray(b: Binder, e: Expr & { kind: 'quantified-array' }, x: ExprContext): BExpr {
  const left = bindExpr(b, e.left, x)
  let right = bindExpr(b, e.right, x)
  if (right.type.kind === 'unknown') right = coerce(b, right, arrayOf(left.type.kind === 'unknown' ? T.text : left.type), 'implicit', e.position)
  if (right.type.kind !== 'array') throw dbError('wrong_object_type', 'op ANY/ALL (array) requires array on right side', { position: e.position })
  const element = right.type.element
  const op = at(e.position, () => resolveBinaryOperator(e.op as BinaryOperatorName, left.type, element))
  if (op.resultType.kind !== 'bool') throw dbError('wrong_object_type', 'op ANY/ALL (array) requires operator to yield boolean', { position: e.position })
  const l = coerce(b, left, op.leftType, 'implicit', e.position)
  const all = e.quantifier === 'all'
  const elementAs = sameType(element, op.rightType) ? (v: SqlValue) => v : (v: SqlValue) => castValue(v, element, op.rightType, 'implicit')
  const f = fn(all ? 'all' : 'any', false, (args) => {
    const [a, arr] = args as [SqlValue, SqlArray | null]
    if (arr === null) return null
    if (arr.length === 0) return all
    if (a === null) return null
    let sawNull = false
    for (const v of arr) {
      const r = v === null ? null : applyOperator(op, a, elementAs(v))
      if (r === null) sawNull = true
      else if (r === !all) return !all
    }
    return sawNull ? null : all
  })
  return { kind: 'call', fn: f, args: [l, right], type: BOOL }
}

const COMPARE: Readonly<Record<string, (c: number) => boolean>> = {
  '=': (c) => c === 0, '<>': (c) => c !== 0, '<': (c) => c < 0, '<=': (c) => c <= 0, '>': (c) => c > 0, '>=': (c) => c >= 0,
}

/** The binary operators with an array side: comparisons and ||; undefined when neither side is an array. */
export function bindArrayOperator(b: Binder, op: string, l: BExpr, r: BExpr, position: number): BExpr | undefined {
  if (l.type.kind !== 'array' && r.type.kind !== 'array') return undefined
  const noOp = () => dbError('undefined_function', `operator does not exist: ${baseTypeName(l.type)} ${op} ${baseTypeName(r.type)}`, {
    hint: 'No operator matches the given name and argument types. You might need to add explicit type casts.', position,
  })
  if (op === '||') {
    if (l.type.kind === 'array' && (r.type.kind === 'array' || r.type.kind === 'unknown')) {
      const type = commonType([l.type, r.type.kind === 'unknown' ? l.type : r.type], 'ARRAY', [position])
      const args = [coerce(b, l, type, 'implicit', position), coerce(b, r, type, 'implicit', position)]
      return { kind: 'call', fn: fn('array_cat', false, (a) => (a[0] === null ? a[1]! : a[1] === null ? a[0]! : [...(a[0] as SqlArray), ...(a[1] as SqlArray)])), args, type }
    }
    const [arr, el, append] = l.type.kind === 'array' ? [l, r, true] : [r, l, false]
    const type = arr.type as SqlType & { kind: 'array' }
    const elArg = coerce(b, el, type.element, 'implicit', position, noOp)
    const f = fn(append ? 'array_append' : 'array_prepend', false, (a) => {
      const xs = ((append ? a[0] : a[1]) ?? []) as SqlArray
      const v = (append ? a[1] : a[0]) ?? null
      return append ? [...xs, v] : [v, ...xs]
    })
    return { kind: 'call', fn: f, args: append ? [arr, elArg] : [elArg, arr], type }
  }
  const test = COMPARE[op]
  if (test === undefined) throw noOp()
  const like = l.type.kind === 'array' ? l.type : r.type
  const left = asArray(b, l, like, position)
  const right = asArray(b, r, like, position)
  if (left.type.kind !== 'array' || right.type.kind !== 'array') throw noOp()
  let type: SqlType & { kind: 'array' }
  try {
    type = commonType([left.type, right.type], 'ARRAY') as SqlType & { kind: 'array' }
    // The element comparison must exist (arrays of a type without < cannot be compared either).
    resolveBinaryOperator('<', type.element, type.element)
  } catch {
    throw noOp()
  }
  const args = [coerce(b, left, type, 'implicit', position), coerce(b, right, type, 'implicit', position)]
  return { kind: 'call', fn: fn(`array${op}`, true, (a) => test(compareArrays(type.element, a[0] as SqlArray, a[1] as SqlArray))), args, type: BOOL }
}

