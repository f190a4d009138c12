/**
 * Stored expressions (defaults, CHECK constraints, index predicates) printed as
 * PostgreSQL's ruleutils.c prints them in pretty mode (pg_get_expr(…, true),
 * pg_get_constraintdef, pg_get_indexdef): what psql's \d shows.
 *
 * PostgreSQL prints its analysed node trees, where literals carry the type their
 * context gave them; Isola keeps SQL text. So this printer re-derives the types
 * that decide the spelling from the parsed text and the table's columns:
 *
 *   - a string literal prints with its type: 'none'::character varying
 *     (the column's type for a default, the other operand's for a comparison);
 *   - an integer literal met by a numeric or float column is folded into that type,
 *     as PostgreSQL folds constants in CHECKs and index predicates (0::numeric), but
 *     not in defaults (where the implicit cast is hidden: 0);
 *   - a varchar column compared with a string is shown cast to text
 *     (name::text = 'x'::text), the implicit cast text's operator needs;
 *   - nextval('s') takes a regclass: nextval('s'::regclass).
 *
 * Shortcut: expressions beyond these forms (function results' types, CASE, nested
 * casts of expressions) print in Isola's canonical form, which can differ from
 * PostgreSQL's spelling in parentheses and casts.
 */
import { deparseExpr, parse, parseExpression, quoteIdent, quoteLiteral, type Expr, type Query } from '../../parser/index.js'
import { T, typeName, withoutModifiers, type SqlType } from '../values/index.js'
import type { TableInfo } from './schema.js'

type Context = 'default' | 'folded'

interface Printer {
  readonly table: TableInfo | undefined
  readonly context: Context
  /** Pretty mode (psql passes true): fewer parentheses; otherwise every operator and cast constant is parenthesised. */
  readonly pretty: boolean
  /** A view's columns are qualified with their relation's name or alias (t.id). */
  readonly qualifier?: string
}

const COMPARISONS = new Set(['=', '<>', '<', '<=', '>', '>='])
const TYPE_ALIASES: Readonly<Record<string, SqlType>> = {
  int2: T.int2, int4: T.int4, int8: T.int8, float4: T.float4, float8: T.float8, numeric: T.numeric, text: T.text,
  varchar: T.varchar, bpchar: T.bpchar, bool: T.bool, date: T.date, timestamp: T.timestamp, timestamptz: T.timestamptz, bytea: T.bytea,
}

function columnType(p: Printer, e: Expr): SqlType | undefined {
  if (e.kind === 'column') return p.table?.columns.find((c) => c.name === e.name)?.type
  if (e.kind === 'cast') return TYPE_ALIASES[e.type.name]
  if (e.kind === 'number') return /^\d+$/.test(e.text) ? T.int4 : T.numeric
  return undefined
}

/** A number literal's own type, as make_const gives it. */
function numberType(text: string): SqlType {
  const digits = text.replace(/^-/, '')
  if (!/^\d+$/.test(digits)) return T.numeric
  const n = BigInt(text)
  return n >= -2147483648n && n <= 2147483647n ? T.int4 : n >= -(2n ** 63n) && n < 2n ** 63n ? T.int8 : T.numeric
}

/**
 * A literal as get_const_expr prints a constant of type `type` (undefined: the
 * literal's own type): int4 bare unless negative ('-1'::integer), numeric bare when
 * it looks like a float (1.5) and labelled otherwise (0::numeric, '-2'::numeric),
 * booleans bare, every other type quoted and labelled ('0.5'::double precision).
 * Outside pretty mode a bare number that gets a label is parenthesised: (0)::numeric.
 */
function literal(e: Expr & { kind: 'number' | 'string' }, type: SqlType | undefined, pretty = true): string {
  // The label is format_type without a typmod: char(3)'s literal is 'ab'::bpchar, as PostgreSQL prints it.
  if (e.kind === 'string') return `${quoteLiteral(e.value)}::${typeName(withoutModifiers(type ?? T.text))}`
  const t = type ?? numberType(e.text)
  const negative = e.text.startsWith('-')
  if (t.kind === 'int4') return negative ? `'${e.text}'::integer` : e.text
  if (t.kind === 'numeric') {
    if (negative) return `'${e.text}'::numeric`
    return /[eE.]/.test(e.text) ? e.text : pretty ? `${e.text}::numeric` : `(${e.text})::numeric`
  }
  return `'${e.text}'::${typeName(withoutModifiers(t))}`
}

/** `- 5` as stored (deparse writes unary minus apart) is the negative constant -5 PostgreSQL's grammar makes of it. */
function negativeNumber(e: Expr): (Expr & { kind: 'number' }) | undefined {
  return e.kind === 'unary' && e.op === '-' && e.operand.kind === 'number' && !e.operand.text.startsWith('-') ? { ...e.operand, text: `-${e.operand.text}` } : undefined
}

function operand(p: Printer, written: Expr, other: Expr | undefined, top: boolean): string {
  const e = negativeNumber(written) ?? written
  const otherType = other === undefined ? undefined : columnType(p, other)
  // varchar has no operators of its own (text's serve it); char has bpchar's.
  if (e.kind === 'string') return literal(e, otherType?.kind === 'varchar' ? T.text : otherType)
  if (e.kind === 'number') {
    // An integer met by an integer column keeps its type (int4 > int8 is an operator of its own).
    const own = numberType(e.text)
    if (p.context === 'default' || otherType === undefined || (own.kind !== 'numeric' && ['int2', 'int4', 'int8'].includes(otherType.kind))) return literal(e, own, p.pretty)
    return literal(e, otherType, p.pretty)
  }
  if (e.kind === 'column' && other?.kind === 'string' && columnType(p, e)?.kind === 'varchar') {
    return p.pretty ? `${print(p, e, true)}::text` : `(${print(p, e, true)})::text`
  }
  return print(p, e, top)
}

function print(p: Printer, e: Expr, top: boolean): string {
  const paren = (s: string) => (top && p.pretty ? s : `(${s})`)
  switch (e.kind) {
    case 'column':
      return p.qualifier === undefined ? quoteIdent(e.name) : `${quoteIdent(p.qualifier)}.${quoteIdent(e.name)}`
    case 'number':
    case 'string':
      return operand(p, e, undefined, top)
    case 'binary': {
      const s = `${operand(p, e.left, e.right, false)} ${e.op} ${operand(p, e.right, e.left, false)}`
      return COMPARISONS.has(e.op) || top ? paren(s) : `(${s})`
    }
    case 'and':
    case 'or': {
      // As isSimpleNode in pretty mode: comparisons and NOT need no parentheses under AND/OR, OR does under AND.
      const child = (c: Expr) => print(p, c, p.pretty && !(c.kind === 'or' && e.kind === 'and'))
      return paren(`${child(e.left)} ${e.kind.toUpperCase()} ${child(e.right)}`)
    }
    case 'not':
      return `NOT ${print(p, e.operand, false)}`
    case 'unary': {
      const n = negativeNumber(e)
      return n !== undefined ? literal(n, undefined, p.pretty) : deparseExpr(e)
    }
    case 'is':
      return paren(`${print(p, e.operand, false)} IS ${e.not ? 'NOT ' : ''}${e.test.toUpperCase()}`)
    case 'function': {
      if ((e.name === 'nextval' || e.name === 'currval') && e.args.length === 1 && e.args[0]!.kind === 'string') {
        return `${e.name}(${quoteLiteral(e.args[0].value)}::regclass)`
      }
      return `${e.name}(${e.star ? '*' : `${e.distinct ? 'DISTINCT ' : ''}${e.args.map((a) => print(p, a, true)).join(', ')}`})`
    }
    default:
      return deparseExpr(e)
  }
}

/** A column default as pg_get_expr(adbin, adrelid, true) prints it. */
export function defaultText(table: TableInfo, text: string, type: SqlType): string {
  const e = parseExpression(text)
  if (e.kind === 'string') return literal(e, type)
  return print({ table, context: 'default', pretty: true }, e, true)
}

/** A CHECK expression or an index predicate as PostgreSQL prints them (constants folded). */
export function conditionText(table: TableInfo, text: string, pretty: boolean): string {
  return print({ table, context: 'folded', pretty }, parseExpression(text), true)
}

/** An index key expression as pg_get_indexdef prints it: a function call bare, anything else in parentheses. */
export function indexExpressionText(table: TableInfo, text: string, alone: boolean): string {
  const e = parseExpression(text)
  const s = print({ table, context: 'folded', pretty: true }, e, true)
  return e.kind === 'function' || alone ? s : `(${s})`
}

/**
 * pg_get_viewdef(view, true) for a view over one table: ruleutils' layout (a line per
 * select item, keywords right-aligned), columns qualified with the table's name or
 * alias, an item named unlike its expression given `AS name`. Views over joins,
 * subqueries or set operations print as Isola's canonical text (undefined here).
 */
export function viewDefinition(query: string, columns: readonly string[], table: (name: string) => TableInfo | undefined): string | undefined {
  const q = parse(query)[0] as Query
  const body = q.body
  if (body.kind !== 'select' || q.with.length > 0 || body.distinct || body.from.length !== 1 || body.from[0]!.kind !== 'table' || q.offset !== undefined || q.locking !== undefined) return undefined
  const from = body.from[0]!
  const t = table(from.name)
  if (t === undefined || (from.alias?.columns.length ?? 0) > 0 || body.columns.some((c) => c.kind === 'star')) return undefined
  const qualifier = from.alias?.name ?? t.name
  const p: Printer = { table: t, context: 'folded', pretty: true, qualifier }
  const items = body.columns.map((c, i) => {
    if (c.kind !== 'expr') return ''
    const text = print(p, c.expr, true)
    const name = columns[i] ?? c.alias ?? '?column?'
    return c.expr.kind === 'column' && c.expr.name === name ? text : `${text} AS ${quoteIdent(name)}`
  })
  const lines = [` SELECT ${items.join(',\n    ')}`, `   FROM ${quoteIdent(t.name)}${from.alias === undefined ? '' : ` ${quoteIdent(from.alias.name)}`}`]
  if (body.where !== undefined) lines.push(`  WHERE ${print(p, body.where, true)}`)
  if (body.groupBy.length > 0) lines.push(`  GROUP BY ${body.groupBy.map((g) => print(p, g, true)).join(', ')}`)
  if (body.having !== undefined) lines.push(` HAVING ${print(p, body.having, true)}`)
  if (q.orderBy.length > 0) {
    lines.push(`  ORDER BY ${q.orderBy.map((o) => `${print(p, o.expr, true)}${o.direction === 'desc' ? ' DESC' : ''}${o.nulls === undefined ? '' : ` NULLS ${o.nulls.toUpperCase()}`}`).join(', ')}`)
  }
  if (q.limit !== undefined) lines.push(` LIMIT ${print(p, q.limit, true)}`)
  return `${lines.join('\n')};`
}
