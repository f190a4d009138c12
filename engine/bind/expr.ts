/**
 * Binding expressions: parser `Expr` → `BExpr` with names resolved, types decided,
 * operators and functions resolved, implicit casts inserted.
 *
 * Typing follows PostgreSQL: an integer literal is int4 when it fits, else int8,
 * else numeric; a string literal is `unknown` until an operator, function or cast
 * gives it a type; BETWEEN becomes two comparisons; `x IN (…)` compares with one
 * `=` per item; NOT IN (subquery) is NOT (x = ANY (subquery)). Errors carry the
 * position of the offending token.
 */
import { dbError, IsolaError } from '../../common/errors.js'
import { deparseExpr, type Expr, type Query } from '../../parser/index.js'
import {
  aggregateFunctions, binaryOperatorFunctions, isAggregate, prefixOperatorFunctions, resolveFunction, scalarFunctions, tableFunctions,
  type ScalarFunction,
} from '../functions/index.js'
import { resultType } from '../functions/types.js'
import { BOOL, sameExpr, some, type BExpr } from '../plan/bound.js'
import {
  BINARY_OPERATORS, T, baseTypeName, castValue, resolveBinaryOperator, sameType, typeCategory,
  type BinaryOperatorName, type ResolvedOperator, type SqlType,
} from '../values/index.js'
import type { Binder } from './binder.js'
import { bindArrayConstructor, bindArrayOperator, bindArrayQuery, bindQuantifiedArray, bindSubscript } from './arrays.js'
import { coerce, commonType, resolveType } from './coerce.js'
import { bindSubquery, sortKey } from './query.js'
import type { NsItem, Scope } from './scope.js'

/** Where an expression is being bound. */
export interface ExprContext {
  readonly scope: Scope
  /** The clause, for error messages: "WHERE", "JOIN conditions", "VALUES" … */
  readonly clause: string
  /** Aggregate calls may appear (select list, HAVING, ORDER BY of a query). */
  readonly aggregates: boolean
  /** Inside an aggregate's arguments (aggregates there are nested: 42803). */
  readonly inAggregate?: boolean
}

/** A bound error keeps its SQLSTATE and gets `position` if it had none. */
export function at<T>(position: number | undefined, f: () => T): T {
  try {
    return f()
  } catch (e) {
    if (e instanceof IsolaError && e.position === undefined && position !== undefined && position > 0) {
      throw new IsolaError(e.code, e.message, { detail: e.detail, hint: e.hint, position, cause: e.cause })
    }
    throw e
  }
}

/** make_const: how PostgreSQL types a numeric literal. */
export function numberLiteral(text: string): BExpr {
  if (/^\d+$/.test(text)) {
    const n = BigInt(text)
    if (n <= 2147483647n) return { kind: 'const', type: T.int4, value: Number(n) }
    if (n <= 9223372036854775807n) return { kind: 'const', type: T.int8, value: n }
  }
  return { kind: 'const', type: T.numeric, value: castValue(text, T.unknown, T.numeric) }
}

function negativeLiteral(text: string): BExpr {
  if (/^\d+$/.test(text)) {
    const n = -BigInt(text)
    if (n >= -2147483648n) return { kind: 'const', type: T.int4, value: Number(n) }
    if (n >= -9223372036854775808n) return { kind: 'const', type: T.int8, value: n }
  }
  return { kind: 'const', type: T.numeric, value: castValue('-' + text, T.unknown, T.numeric) }
}

/** Where an expression starts: its leftmost token (PostgreSQL's exprLocation of a bound expression). */
export function startOf(e: Expr): number {
  switch (e.kind) {
    case 'binary':
    case 'and':
    case 'or':
    case 'is-distinct':
      return Math.min(e.position, startOf(e.left))
    case 'cast':
    case 'is':
    case 'between':
    case 'like':
    case 'in-list':
    case 'in-query':
      return Math.min(e.position, startOf(e.operand))
    case 'quantified':
      return Math.min(e.position, startOf(e.left))
    default:
      return e.position
  }
}

export function bindExpr(b: Binder, e: Expr, x: ExprContext): BExpr {
  const bound = bindNode(b, e, x)
  // Literals and parameters remember where they were written: coercing them later reports there.
  if ((e.kind === 'string' || e.kind === 'null' || e.kind === 'number' || e.kind === 'param' || e.kind === 'typed-literal') && !b.positions.has(bound)) {
    b.positions.set(bound, e.position)
  }
  return bound
}

function bindNode(b: Binder, e: Expr, x: ExprContext): BExpr {
  switch (e.kind) {
    case 'column': {
      if (e.name === '*') throw dbError('syntax_error', `row expansion via "*" is not supported here`, { position: e.position })
      const r = x.scope.resolve(e.table, e.name, e.position)
      const bound: BExpr = { kind: 'column', id: r.column.id, type: r.column.type }
      b.positions.set(bound, e.position)
      return bound
    }
    case 'number':
      return numberLiteral(e.text)
    case 'string':
    case 'null':
      return { kind: 'const', type: T.unknown, value: e.kind === 'string' ? e.value : null }
    case 'boolean':
      return { kind: 'const', type: T.bool, value: e.value }
    case 'typed-literal':
      return coerce(b, { kind: 'const', type: T.unknown, value: e.value }, resolveType(e.type, e.position), 'explicit', e.position)
    case 'param': {
      b.noteParam(e.index, e.position)
      return { kind: 'param', index: e.index, type: b.paramType(e.index) ?? T.unknown }
    }
    case 'default':
      throw dbError('syntax_error', 'DEFAULT is not allowed in this context', { position: e.position })
    case 'binary':
      return bindBinary(b, e.op, bindExpr(b, e.left, x), bindExpr(b, e.right, x), e.position)
    case 'unary':
      return bindUnary(b, e, x)
    case 'and':
    case 'or': {
      const word = e.kind.toUpperCase()
      const [l, r] = [e.left, e.right].map((a) => toBool(b, bindExpr(b, a, x), word, a)) as [BExpr, BExpr]
      // Flattened as PostgreSQL's grammar does (makeAndExpr): a chain to the left only, so that
      // x AND (y AND z) keeps its (y AND z), which a GROUP BY expression may match.
      const flat = e.left.kind === e.kind && l.kind === e.kind ? [...l.args, r] : [l, r]
      return { kind: e.kind, args: flat, type: BOOL }
    }
    case 'not':
      return { kind: 'not', operand: toBool(b, bindExpr(b, e.operand, x), 'NOT', e.operand), type: BOOL }
    case 'is': {
      const operand = bindExpr(b, e.operand, x)
      if (e.test === 'null') return { kind: 'is-null', operand, not: e.not, type: BOOL }
      const word = `IS ${e.not ? 'NOT ' : ''}${e.test.toUpperCase()}`
      return { kind: 'is-bool', operand: toBool(b, operand, word, e.operand), test: e.test, not: e.not, type: BOOL }
    }
    case 'is-distinct': {
      const [op, l, r] = comparison(b, '=', bindExpr(b, e.left, x), bindExpr(b, e.right, x), e.position)
      return { kind: 'is-distinct', op, left: l, right: r, not: e.not, type: BOOL }
    }
    case 'between': {
      const a = bindExpr(b, e.operand, x)
      const lo = bindExpr(b, e.low, x)
      const hi = bindExpr(b, e.high, x)
      const range = (l: BExpr, h: BExpr): BExpr => ({ kind: 'and', args: [bindBinary(b, '>=', a, l, e.position), bindBinary(b, '<=', a, h, e.position)], type: BOOL })
      let r = range(lo, hi)
      if (e.symmetric) r = { kind: 'or', args: [r, range(hi, lo)], type: BOOL }
      return e.not ? { kind: 'not', operand: r, type: BOOL } : r
    }
    case 'like': {
      const op = e.caseInsensitive ? '~~*' : '~~'
      const operand = bindExpr(b, e.operand, x)
      const pattern = bindExpr(b, e.pattern, x)
      const mismatch = () =>
        dbError('undefined_function', `operator does not exist: ${baseTypeName(operand.type)} ${e.not ? '!' : ''}${op} ${baseTypeName(pattern.type)}`, {
          hint: 'No operator matches the given name and argument types. You might need to add explicit type casts.',
          position: e.position,
        })
      const text = (v: BExpr) => (typeCategory(v.type) === 'S' || v.type.kind === 'unknown' ? coerce(b, v, T.text, 'implicit', e.position) : (() => { throw mismatch() })())
      const escape = e.escape === undefined ? undefined : coerce(b, bindExpr(b, e.escape, x), T.text, 'implicit', e.position, mismatch)
      return { kind: 'like', operand: text(operand), pattern: text(pattern), escape, caseInsensitive: e.caseInsensitive, not: e.not, type: BOOL }
    }
    case 'in-list':
      return bindInList(b, e.not, bindExpr(b, e.operand, x), e.list.map((i) => bindExpr(b, i, x)), e.position)
    case 'in-query': {
      const r = quantified(b, x, bindExpr(b, e.operand, x), '=', false, e.query, e.position)
      return e.not ? { kind: 'not', operand: r, type: BOOL } : r
    }
    case 'quantified':
      return quantified(b, x, bindExpr(b, e.left, x), e.op, e.quantifier === 'all', e.query, e.position)
    case 'exists': {
      const sub = bindSubquery(b, e.query, x.scope)
      return { kind: 'subquery', sub: { id: b.newSubquery(), mode: { kind: 'exists' }, plan: sub.plan, columns: sub.columns.map((c) => c.id), outer: sub.outer }, type: BOOL }
    }
    case 'subquery': {
      const sub = bindSubquery(b, e.query, x.scope)
      if (sub.columns.length !== 1) throw dbError('syntax_error', 'subquery must return only one column', { position: e.position })
      const type = sub.columns[0]!.type.kind === 'unknown' ? T.text : sub.columns[0]!.type
      return { kind: 'subquery', sub: { id: b.newSubquery(), mode: { kind: 'scalar' }, plan: sub.plan, columns: [sub.columns[0]!.id], outer: sub.outer }, type }
    }
    case 'function':
      return bindFunction(b, e, x)
    case 'case':
      return bindCase(b, e, x)
    case 'cast': {
      // ARRAY[]::int4[]: an empty constructor takes its type from the cast.
      if (e.operand.kind === 'array' && e.operand.elements.length === 0) return bindArrayConstructor(b, e.operand, x, resolveType(e.type, e.position))
      const operand = bindExpr(b, e.operand, x)
      return coerce(b, operand, resolveType(e.type, e.position), 'explicit', e.position)
    }
    case 'collate':
      return bindCollate(b, e, x)
    case 'array':
      return bindArrayConstructor(b, e, x)
    case 'array-query':
      return bindArrayQuery(b, e, x)
    case 'subscript':
      return bindSubscript(b, e, x)
    case 'quantified-array':
      return bindQuantifiedArray(b, e, x)
  }
}

/**
 * The collations a C-collated database has: every text comparison here is by code
 * point, which is what "C", "POSIX" and the database default (datcollate C) mean.
 */
const COLLATIONS: ReadonlySet<string> = new Set(['default', 'pg_catalog.default', 'C', 'pg_catalog.C', 'POSIX', 'pg_catalog.POSIX', 'ucs_basic', 'pg_catalog.ucs_basic'])

function bindCollate(b: Binder, e: Expr & { kind: 'collate' }, x: ExprContext): BExpr {
  const operand = bindExpr(b, e.operand, x)
  if (!COLLATIONS.has(e.collation)) {
    throw dbError('undefined_object', `collation "${e.collation}" for encoding "UTF8" does not exist`, { position: e.position })
  }
  if (operand.type.kind === 'unknown') return coerce(b, operand, T.text, 'implicit', e.position)
  if (typeCategory(operand.type) !== 'S') throw dbError('datatype_mismatch', `collations are not supported by type ${baseTypeName(operand.type)}`, { position: e.position })
  return operand
}

/** Coerces to boolean for AND/OR/NOT/WHERE…: 42804 "argument of X must be type boolean". */
export function toBool(b: Binder, e: BExpr, what: string, source?: Expr): BExpr {
  if (e.type.kind === 'bool') return e
  const position = source === undefined ? undefined : startOf(source)
  return coerce(b, e, T.bool, 'implicit', position, () =>
    dbError('datatype_mismatch', `argument of ${what} must be type boolean, not type ${baseTypeName(e.type)}`, { position }),
  )
}

const VALUE_OPS: ReadonlySet<string> = new Set(BINARY_OPERATORS)

/** Resolves a comparison operator and coerces both sides: [operator, left, right]. */
export function comparison(b: Binder, op: string, l: BExpr, r: BExpr, position: number): [ResolvedOperator, BExpr, BExpr] {
  const o = at(position, () => resolveBinaryOperator(op as BinaryOperatorName, l.type, r.type))
  return [o, coerce(b, l, o.leftType, 'implicit', position), coerce(b, r, o.rightType, 'implicit', position)]
}

export function bindBinary(b: Binder, op: string, l: BExpr, r: BExpr, position: number): BExpr {
  const onArrays = bindArrayOperator(b, op, l, r, position)
  if (onArrays !== undefined) return onArrays
  if (VALUE_OPS.has(op)) {
    const [o, left, right] = comparison(b, op, l, r, position)
    return { kind: 'op', op: o, left, right, type: o.resultType }
  }
  const cands = binaryOperatorFunctions(op)
  if (cands.length === 0) {
    throw dbError('undefined_function', `operator does not exist: ${baseTypeName(l.type)} ${op} ${baseTypeName(r.type)}`, {
      hint: 'No operator matches the given name and argument types. You might need to add explicit type casts.',
      position,
    })
  }
  return call(b, op, cands, [l, r], position, () =>
    dbError('undefined_function', `operator does not exist: ${baseTypeName(l.type)} ${op} ${baseTypeName(r.type)}`, {
      hint: 'No operator matches the given name and argument types. You might need to add explicit type casts.',
      position,
    }),
  )
}

function bindUnary(b: Binder, e: Expr & { kind: 'unary' }, x: ExprContext): BExpr {
  if (e.op === '-') {
    // doNegate folds a chain of minus signs into a numeric literal: - (-2147483648) is the bigint 2147483648.
    let operand: Expr = e.operand
    let negative = true
    while (operand.kind === 'unary' && operand.op === '-') {
      negative = !negative
      operand = operand.operand
    }
    if (operand.kind === 'number') return negative ? negativeLiteral(operand.text) : numberLiteral(operand.text)
  }
  const operand = bindExpr(b, e.operand, x)
  const noOp = () =>
    dbError('undefined_function', `operator does not exist: ${e.op} ${baseTypeName(operand.type)}`, {
      hint: 'No operator matches the given name and argument type. You might need to add an explicit type cast.',
      position: e.position,
    })
  if (e.op === '-' || e.op === '+') {
    let v = operand
    if (v.type.kind === 'unknown') v = coerce(b, v, T.float8, 'implicit', e.position)
    if (typeCategory(v.type) !== 'N') throw noOp()
    // Operators return their type without modifiers: -x of a numeric(5,2) is a numeric.
    const type = { kind: v.type.kind } as SqlType
    if (e.op === '-') return { kind: 'negate', operand: v, type }
    return sameType(v.type, type) ? v : { kind: 'cast', operand: v, type, explicit: false }
  }
  const cands = prefixOperatorFunctions(e.op)
  if (cands.length === 0) throw noOp()
  return call(b, e.op, cands, [operand], e.position, noOp)
}

/** Resolves a function among candidates and coerces the arguments. */
function call(b: Binder, name: string, cands: readonly ScalarFunction[], args: BExpr[], position: number, notFound?: () => IsolaError): BExpr {
  let r
  try {
    r = resolveFunction(name, cands, args.map((a) => a.type), position)
  } catch (err) {
    if (notFound !== undefined && err instanceof IsolaError && err.code === '42883') throw notFound()
    throw err
  }
  const bound = args.map((a, i) => coerce(b, a, r.argTypes[i]!, 'implicit', position))
  return { kind: 'call', fn: r.fn, args: bound, type: resultType(r.fn, bound.map((a) => a.type)) }
}

function bindInList(b: Binder, not: boolean, operand: BExpr, list: BExpr[], position: number): BExpr {
  // When every item and the operand share a type, compare in it (PostgreSQL's x = ANY (ARRAY[…])).
  let ops: ResolvedOperator[]
  let items: BExpr[]
  let left = operand
  let common: SqlType | undefined
  try {
    common = commonType([operand.type, ...list.map((i) => i.type)], 'IN')
  } catch {
    common = undefined
  }
  if (common !== undefined) {
    left = coerce(b, operand, common, 'implicit', position)
    items = list.map((i) => coerce(b, i, common!, 'implicit', position))
    const [o] = comparison(b, '=', left, items[0]!, position)
    ops = items.map(() => o)
  } else {
    const pairs = list.map((i) => comparison(b, '=', operand, i, position))
    ops = pairs.map((p) => p[0])
    items = pairs.map((p) => p[2])
  }
  return { kind: 'in-list', operand: left, list: items, ops, not, type: BOOL }
}

function quantified(b: Binder, x: ExprContext, left: BExpr, op: string, all: boolean, query: Query, position: number): BExpr {
  const sub = bindSubquery(b, query, x.scope)
  if (sub.columns.length !== 1) throw dbError('syntax_error', sub.columns.length > 1 ? 'subquery has too many columns' : 'subquery has too few columns', { position })
  const col = sub.columns[0]!
  const colType = col.type.kind === 'unknown' ? T.text : col.type
  const o = at(position, () => resolveBinaryOperator(op as BinaryOperatorName, left.type, colType))
  if (o.resultType.kind !== 'bool') throw dbError('datatype_mismatch', `op ANY/ALL (array) requires operator to yield boolean`, { position })
  const l = coerce(b, left, o.leftType, 'implicit', position)
  // The subquery's column is coerced too, by a projection over it: int8 values compared by numeric = numeric must be numerics.
  const right = coerce(b, { kind: 'column', id: col.id, type: col.type }, o.rightType, 'implicit', position)
  let plan = sub.plan
  let column = col.id
  if (right.kind !== 'column') {
    column = b.newColumn(col.name)
    plan = { kind: 'project', input: plan, items: [{ id: column, expr: right }] }
  }
  return {
    kind: 'subquery',
    sub: { id: b.newSubquery(), mode: { kind: 'quantified', left: l, op: o, all }, plan, columns: [column], outer: sub.outer },
    type: BOOL,
  }
}

const SPECIAL = new Set(['coalesce', 'nullif', 'greatest', 'least'])

function bindFunction(b: Binder, e: Expr & { kind: 'function' }, x: ExprContext): BExpr {
  const name = e.name
  if (e.schema !== undefined && e.schema !== 'pg_catalog') {
    throw dbError('invalid_schema_name', `schema "${e.schema}" does not exist`, { position: e.position })
  }
  if (SPECIAL.has(name) && e.schema === undefined) {
    // COALESCE(…) and its kin are grammar, not functions: no ORDER BY or FILTER on them.
    if (e.orderBy !== undefined) throw dbError('syntax_error', 'syntax error at or near "ORDER"', { position: e.position })
    if (e.filter !== undefined) throw dbError('syntax_error', 'syntax error at or near "FILTER"', { position: e.position })
    const args = e.args.map((a) => bindExpr(b, a, x))
    if (name === 'nullif') {
      if (args.length !== 2) throw dbError('syntax_error', 'syntax error at or near "nullif"', { position: e.position })
      const [op, l, r] = comparison(b, '=', args[0]!, args[1]!, e.position)
      return { kind: 'nullif', left: l, right: r, op, type: l.type.kind === 'unknown' ? T.text : l.type }
    }
    if (args.length === 0) throw dbError('syntax_error', `syntax error at or near ")"`, { position: e.position })
    const type = commonType(args.map((a) => a.type), name.toUpperCase(), e.args.map(startOf))
    const coerced = args.map((a) => coerce(b, a, type, 'implicit', e.position))
    if (name === 'coalesce') return { kind: 'coalesce', args: coerced, type }
    at(e.position, () => resolveBinaryOperator('<', type, type))
    return { kind: 'minmax', fn: name as 'greatest' | 'least', args: coerced, type }
  }
  if (isAggregate(name)) return bindAggregate(b, e, x)
  if (e.star) throw dbError('wrong_object_type', `${name}(*) specified, but ${name} is not an aggregate function`, { position: e.position })
  if (e.distinct) throw dbError('wrong_object_type', `DISTINCT specified, but ${name} is not an aggregate function`, { position: e.position })
  if (e.orderBy !== undefined) throw dbError('wrong_object_type', `ORDER BY specified, but ${name} is not an aggregate function`, { position: e.position })
  if (e.filter !== undefined) throw dbError('wrong_object_type', `FILTER specified, but ${name} is not an aggregate function`, { position: e.position })
  const args = e.args.map((a) => bindExpr(b, a, x))
  const cands = scalarFunctions(name)
  if (cands.length === 0) {
    if (tableFunctions(name).length > 0) throw dbError('feature_not_supported', `set-returning function ${name}() is only supported in FROM`, { position: e.position })
    throw dbError('undefined_function', `function ${name}(${args.map((a) => baseTypeName(a.type)).join(', ')}) does not exist`, {
      hint: 'No function matches the given name and argument types. You might need to add explicit type casts.',
      position: e.position,
    })
  }
  const bound = call(b, name, cands, args, e.position)
  if (SEQUENCE_FUNCTIONS.has(name)) checkSequenceArgument(b, bound, e)
  return bound
}

const SEQUENCE_FUNCTIONS = new Set(['nextval', 'currval', 'setval'])

/**
 * nextval('name') takes a regclass in PostgreSQL, so a literal name is looked up when
 * the statement is analysed: an unknown sequence is an error at the literal even if
 * no row ever calls it.
 */
function checkSequenceArgument(b: Binder, call: BExpr, e: Expr & { kind: 'function' }): void {
  if (call.kind !== 'call') return
  const arg = call.args[0]
  if (arg?.kind !== 'const' || typeof arg.value !== 'string') return
  const name = arg.value.replace(/^public\./, '').replace(/^"(.*)"$/, '$1')
  const rel = b.catalog.byName(name)
  const position = e.args[0] === undefined ? e.position : startOf(e.args[0])
  if (rel === undefined) throw dbError('undefined_table', `relation "${arg.value}" does not exist`, { position })
  if (rel.kind !== 'sequence') throw dbError('wrong_object_type', `"${arg.value}" is not a sequence`, { position })
}

function bindAggregate(b: Binder, e: Expr & { kind: 'function' }, x: ExprContext): BExpr {
  if (x.inAggregate) throw dbError('grouping_error', 'aggregate function calls cannot be nested', { position: e.position })
  if (!x.aggregates) throw dbError('grouping_error', `aggregate functions are not allowed in ${x.clause}`, { position: e.position })
  const inner: ExprContext = { ...x, inAggregate: true }
  const args = e.star ? [] : e.args.map((a) => bindExpr(b, a, inner))
  const cands = aggregateFunctions(e.name).filter((f) => f.star === e.star)
  if (e.star && cands.length === 0) throw dbError('wrong_object_type', `${e.name}(*) specified, but ${e.name} is not an aggregate function`, { position: e.position })
  const r = resolveFunction(e.name, cands, args.map((a) => a.type), e.position)
  const bound = args.map((a, i) => coerce(b, a, r.argTypes[i]!, 'implicit', e.position))
  checkAggregateLevel(x.scope, bound, e.position)
  const order = (e.orderBy ?? []).map((o) => {
    const key = bindExpr(b, o.expr, inner)
    // As findTargetlistEntrySQL99: an argument matches with its implicit casts stripped (and an
    // untyped literal, typed there, never matches one typed here). Bound subqueries never compare
    // equal, so those compare as written.
    const written = key.kind === 'subquery' ? deparseExpr(o.expr) : undefined
    if (e.distinct && !bound.some((a, i) => sameExpr(withoutImplicitCasts(a), key) || (written !== undefined && deparseExpr(e.args[i]!) === written))) {
      throw dbError('invalid_column_reference', 'in an aggregate with DISTINCT, ORDER BY expressions must appear in argument list', { position: e.position })
    }
    return sortKey(resolveUnknown(b, key), o.direction, o.nulls)
  })
  // The filter sees the aggregate's input rows, as its arguments do, but holds no aggregate of its own.
  const filter = e.filter === undefined ? undefined : toBool(b, bindExpr(b, e.filter, { ...x, clause: 'FILTER', aggregates: false }), 'FILTER', e.filter)
  return { kind: 'aggregate', fn: r.fn, args: bound, distinct: e.distinct, order, filter, type: resultType(r.fn, bound.map((a) => a.type)) }
}

/**
 * In PostgreSQL an aggregate belongs to the query level of the columns its arguments
 * read: in `SELECT (SELECT sum(t.a)) FROM t` the sum is the outer query's, one value
 * over all of t. Hoisting it there is not built; evaluating it in the subquery would
 * give a different answer, so that case is refused.
 */
function checkAggregateLevel(scope: Scope, args: readonly BExpr[], position: number): void {
  const local = new Set<number>()
  const collect = (item: NsItem): void => {
    for (const c of item.columns) local.add(c.id)
    item.children.forEach(collect)
  }
  scope.items.forEach(collect)
  const read: number[] = []
  for (const a of args) some(a, (n) => n.kind === 'column' && read.push(n.id) < 0)
  if (read.length > 0 && !read.some((id) => local.has(id))) {
    throw dbError('feature_not_supported', 'an aggregate over only an enclosing query\'s columns is not supported yet', { position })
  }
}

function withoutImplicitCasts(e: BExpr): BExpr {
  return e.kind === 'cast' && !e.explicit ? withoutImplicitCasts(e.operand) : e
}

function bindCase(b: Binder, e: Expr & { kind: 'case' }, x: ExprContext): BExpr {
  const operand = e.operand === undefined ? undefined : bindExpr(b, e.operand, x)
  const ops: ResolvedOperator[] = []
  const whens: { when: BExpr; then: BExpr }[] = []
  for (const w of e.whens) {
    let when = bindExpr(b, w.when, x)
    if (operand !== undefined) {
      const [op, , r] = comparison(b, '=', operand, when, e.position)
      ops.push(op)
      when = r
    } else when = toBool(b, when, 'CASE/WHEN', w.when)
    whens.push({ when, then: bindExpr(b, w.then, x) })
  }
  const otherwise: BExpr = e.else === undefined ? { kind: 'const', type: T.unknown, value: null } : bindExpr(b, e.else, x)
  // PostgreSQL resolves the ELSE result first, then the THEN results, and reports the one that does not fit.
  const type = commonType(
    [otherwise.type, ...whens.map((w) => w.then.type)],
    'CASE',
    [e.else === undefined ? undefined : startOf(e.else), ...e.whens.map((w) => startOf(w.then))],
  )
  return {
    kind: 'case',
    // Evaluated once; the executor casts it to each WHEN operator's left type.
    operand,
    ops,
    whens: whens.map((w, i) => ({ when: w.when, then: coerce(b, w.then, type, 'implicit', e.whens[i]!.then.position) })),
    else: coerce(b, otherwise, type, 'implicit', e.else?.position ?? e.position),
    type,
  }
}

/** Types an expression that must not stay `unknown` (a select-list literal, a VALUES column): text. */
export function resolveUnknown(b: Binder, e: BExpr): BExpr {
  return e.type.kind === 'unknown' ? coerce(b, e, T.text, 'implicit') : e
}
