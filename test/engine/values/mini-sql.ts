/**
 * A tiny expression evaluator over engine/values for the differential tests: parses
 * `SELECT`-list expressions (numeric and string literals, ::type, unary minus,
 * + - * / % || and comparisons, parentheses) and evaluates them with the value
 * layer, typing literals as PostgreSQL's make_const does (int4, int8, else numeric;
 * a string literal is unknown; a minus in front of a number literal folds into it).
 */
import {
  T, applyOperator, canCast, castValue, char, negate, numeric, resolveBinaryOperator, varchar,
  type BinaryOperatorName, type SqlType, type SqlValue,
} from '../../../engine/values/index.js'

export interface Typed {
  readonly type: SqlType
  readonly value: SqlValue
}

type Expr =
  | { readonly kind: 'num'; readonly text: string }
  | { readonly kind: 'str'; readonly text: string }
  | { readonly kind: 'null' }
  | { readonly kind: 'bool'; readonly value: boolean }
  | { readonly kind: 'cast'; readonly e: Expr; readonly type: SqlType }
  | { readonly kind: 'neg'; readonly e: Expr }
  | { readonly kind: 'op'; readonly op: BinaryOperatorName; readonly l: Expr; readonly r: Expr }

const TOKEN = /\s*(?:(\d+(?:\.\d*)?(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?)|('(?:[^']|'')*')|(::|<>|<=|>=|\|\||[-+*/%<>=(),])|([A-Za-z_][A-Za-z_0-9]*))/y

function tokenize(s: string): string[] {
  const out: string[] = []
  TOKEN.lastIndex = 0
  while (TOKEN.lastIndex < s.length) {
    const start = TOKEN.lastIndex
    const m = TOKEN.exec(s)
    if (m === null) {
      if (s.slice(start).trim() === '') break
      throw new Error(`bad token at ${s.slice(start)}`)
    }
    out.push(m[0].trim())
  }
  return out
}

const LEVELS: readonly (readonly string[])[] = [['=', '<>', '<', '<=', '>', '>='], ['||'], ['+', '-'], ['*', '/', '%']]

export function parseExpr(sql: string): Expr {
  const toks = tokenize(sql)
  let i = 0
  const peek = () => toks[i]
  const next = () => toks[i++]!
  const expect = (t: string) => {
    if (next().toLowerCase() !== t) throw new Error(`expected ${t} in ${sql}`)
  }
  const typeName = (): SqlType => {
    const w = next().toLowerCase()
    const args = (): number[] => {
      if (peek() !== '(') return []
      next()
      const a = [Number(next())]
      while (peek() === ',') {
        next()
        a.push(Number(next()))
      }
      expect(')')
      return a
    }
    switch (w) {
      case 'int2': case 'smallint': return T.int2
      case 'int': case 'int4': case 'integer': return T.int4
      case 'int8': case 'bigint': return T.int8
      case 'real': case 'float4': return T.float4
      case 'float8': return T.float8
      case 'double': expect('precision'); return T.float8
      case 'numeric': case 'decimal': { const [p, s] = args(); return numeric(p, s) }
      case 'text': return T.text
      case 'varchar': return varchar(args()[0])
      case 'character': case 'char': {
        if (peek()?.toLowerCase() === 'varying') { next(); return varchar(args()[0]) }
        return char(args()[0] ?? 1)
      }
      case 'bpchar': return T.bpchar
      case 'bool': case 'boolean': return T.bool
      case 'date': return T.date
      case 'timestamptz': return T.timestamptz
      case 'timestamp': {
        if (peek()?.toLowerCase() === 'with') { next(); expect('time'); expect('zone'); return T.timestamptz }
        if (peek()?.toLowerCase() === 'without') { next(); expect('time'); expect('zone') }
        return T.timestamp
      }
      case 'bytea': return T.bytea
      default: throw new Error(`unknown type ${w}`)
    }
  }
  const primary = (): Expr => {
    const t = next()
    let e: Expr
    if (t === '(') {
      e = binary(0)
      expect(')')
    } else if (/^[\d.]/.test(t)) e = { kind: 'num', text: t }
    else if (t.startsWith("'")) e = { kind: 'str', text: t.slice(1, -1).replace(/''/g, "'") }
    else if (t.toLowerCase() === 'null') e = { kind: 'null' }
    else if (t.toLowerCase() === 'true' || t.toLowerCase() === 'false') e = { kind: 'bool', value: t.toLowerCase() === 'true' }
    else if (t.toLowerCase() === 'cast') {
      expect('(')
      const inner = binary(0)
      expect('as')
      e = { kind: 'cast', e: inner, type: typeName() }
      expect(')')
    } else throw new Error(`unexpected ${t} in ${sql}`)
    while (peek() === '::') {
      next()
      e = { kind: 'cast', e, type: typeName() }
    }
    return e
  }
  const unary = (): Expr => {
    if (peek() === '-') {
      next()
      const e = unary()
      return e.kind === 'num' ? { kind: 'num', text: e.text.startsWith('-') ? e.text.slice(1) : '-' + e.text } : { kind: 'neg', e }
    }
    if (peek() === '+') {
      next()
      return unary()
    }
    return primary()
  }
  const binary = (level: number): Expr => {
    if (level === LEVELS.length) return unary()
    let l = binary(level + 1)
    while (peek() !== undefined && LEVELS[level]!.includes(peek()!)) {
      const op = next() as BinaryOperatorName
      const r = binary(level + 1)
      l = { kind: 'op', op, l, r }
      if (level === 0) break // comparisons do not associate
    }
    return l
  }
  const e = binary(0)
  if (i !== toks.length) throw new Error(`trailing tokens in ${sql}`)
  return e
}

/** make_const's typing of a numeric literal. */
function numberLiteral(text: string): Typed {
  if (/^-?\d+$/.test(text)) {
    const n = BigInt(text)
    if (n >= -(2n ** 31n) && n < 2n ** 31n) return { type: T.int4, value: Number(n) }
    if (n >= -(2n ** 63n) && n < 2n ** 63n) return { type: T.int8, value: n }
  }
  return { type: T.numeric, value: castValue(text, T.unknown, T.numeric) }
}

/** Parse analysis first, as PostgreSQL: type errors win over run-time errors. */
export function evaluate(e: Expr): Typed {
  typeOf(e)
  return run(e)
}

function typeOf(e: Expr): SqlType {
  switch (e.kind) {
    case 'num':
      return numberLiteral(e.text).type
    case 'str':
    case 'null':
      return T.unknown
    case 'bool':
      return T.bool
    case 'cast': {
      const from = typeOf(e.e)
      if (!canCast(from, e.type, 'explicit')) castValue(null, from, e.type, 'explicit') // throws 42846
      return e.type
    }
    case 'neg': {
      const t = typeOf(e.e)
      negate(t, null)
      if (!['int2', 'int4', 'int8', 'float4', 'float8', 'numeric'].includes(t.kind)) negate(t, '' as never)
      return t
    }
    case 'op':
      return resolveBinaryOperator(e.op, typeOf(e.l), typeOf(e.r)).resultType
  }
}

function run(e: Expr): Typed {
  switch (e.kind) {
    case 'num':
      return numberLiteral(e.text)
    case 'str':
      return { type: T.unknown, value: e.text }
    case 'null':
      return { type: T.unknown, value: null }
    case 'bool':
      return { type: T.bool, value: e.value }
    case 'cast': {
      const v = run(e.e)
      return { type: e.type, value: castValue(v.value, v.type, e.type, 'explicit') }
    }
    case 'neg': {
      const v = run(e.e)
      return { type: v.type, value: negate(v.type, v.value) }
    }
    case 'op': {
      const l = run(e.l)
      const r = run(e.r)
      const o = resolveBinaryOperator(e.op, l.type, r.type)
      const a = castValue(l.value, l.type, o.leftType, 'implicit')
      const b = castValue(r.value, r.type, o.rightType, 'implicit')
      return { type: o.resultType, value: applyOperator(o, a, b) }
    }
  }
}

/** The type's name as pg_typeof prints it (no modifiers). */
export function pgTypeofName(t: SqlType): string {
  const names: Record<SqlType['kind'], string> = {
    int2: 'smallint', int4: 'integer', int8: 'bigint', float4: 'real', float8: 'double precision', numeric: 'numeric',
    text: 'text', varchar: 'character varying', bpchar: 'character', bool: 'boolean', date: 'date',
    timestamp: 'timestamp without time zone', timestamptz: 'timestamp with time zone', bytea: 'bytea', unknown: 'unknown',
    oid: 'oid', regclass: 'regclass', regtype: 'regtype', regnamespace: 'regnamespace', regproc: 'regproc', array: 'anyarray',
  }
  return names[t.kind]
}

/** A type name as SQL spells it ('numeric(5,2)', 'character varying(3)', …). */
export function parseType(name: string): SqlType {
  const e = parseExpr(`NULL::${name}`)
  if (e.kind !== 'cast') throw new Error(`not a type: ${name}`)
  return e.type
}
