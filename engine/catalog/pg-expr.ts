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
 *   - a varchar or char column compared with a string is shown cast to text,
 *     ((name)::text = 'x'::text), the implicit cast PostgreSQL's operator needs;
 *   - nextval('s') takes a regclass: nextval('s'::regclass).
 *
 * Shortcut: expressions beyond these forms (function results' types, CASE, nested
 * casts of expressions) print in Isola's canonical form, which can differ from
 * PostgreSQL's spelling in parentheses and casts.
 */
import { deparseExpr, parse, quoteIdent, quoteLiteral, type Expr, type Query } from '../../parser/index.js'
import { baseTypeName, T, type SqlType } from '../values/index.js'
import type { TableInfo } from './schema.js'

type Context = 'default' | 'folded'

/** Stored expression text → its AST (the catalog's texts are deparse() output, so they parse). */
function parseExpression(text: string): Expr {
  const q = parse(`SELECT ${text}`)[0] as Query
  const item = q.body.kind === 'select' ? q.body.columns[0] : undefined
  if (item?.kind !== 'expr') throw new Error(`bad stored expression: ${text}`)
  return item.expr
}

interface Printer {
  readonly table: TableInfo | undefined
  readonly context: Context
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

/** A literal in the type `type` (undefined: its own type), as get_const_expr prints it. */
function literal(e: Expr & { kind: 'number' | 'string' }, type: SqlType | undefined): string {
  if (e.kind === 'string') return `${quoteLiteral(e.value)}::${baseTypeName(type ?? T.text)}`
  const integer = /^\d+$/.test(e.text)
  if (type === undefined || type.kind === 'int2' || type.kind === 'int4' || type.kind === 'int8') return integer ? e.text : e.text
  if (type.kind === 'numeric') return integer || /e/i.test(e.text) ? `${e.text}::numeric` : e.text
  if (type.kind === 'float4' || type.kind === 'float8') return `'${e.text}'::${baseTypeName(type)}`
  return e.text
}

function operand(p: Printer, e: Expr, other: Expr | undefined, top: boolean): string {
  const otherType = other === undefined ? undefined : columnType(p, other)
  if (e.kind === 'string') return literal(e, otherType !== undefined && (otherType.kind === 'varchar' || otherType.kind === 'bpchar') ? T.text : otherType)
  if (e.kind === 'number') {
    if (p.context === 'default' || otherType === undefined) return e.text
    return literal(e, otherType)
  }
  if (e.kind === 'column' && other?.kind === 'string') {
    const t = columnType(p, e)
    if (t !== undefined && (t.kind === 'varchar' || t.kind === 'bpchar')) return `(${quoteIdent(e.name)})::text`
  }
  return print(p, e, top)
}

function print(p: Printer, e: Expr, top: boolean): string {
  const paren = (s: string) => (top ? s : `(${s})`)
  switch (e.kind) {
    case 'column':
      return quoteIdent(e.name)
    case 'number':
    case 'string':
      return operand(p, e, undefined, top)
    case 'binary': {
      const s = `${operand(p, e.left, e.right, false)} ${e.op} ${operand(p, e.right, e.left, false)}`
      return COMPARISONS.has(e.op) || top ? paren(s) : `(${s})`
    }
    case 'and':
    case 'or':
      return paren(`${print(p, e.left, e.left.kind === e.kind)} ${e.kind.toUpperCase()} ${print(p, e.right, false)}`)
    case 'not':
      return `NOT ${print(p, e.operand, false)}`
    case 'is':
      return paren(`${print(p, e.operand, false)} IS ${e.not ? 'NOT ' : ''}${e.test.toUpperCase()}`)
    case 'function': {
      if ((e.name === 'nextval' || e.name === 'currval') && e.args.length === 1 && e.args[0]!.kind === 'string') {
        return `${e.name}(${quoteLiteral(e.args[0].value)}::regclass)`
      }
      return `${e.name}(${e.args.map((a) => print(p, a, true)).join(', ')})`
    }
    default:
      return deparseExpr(e)
  }
}

/** A column default as pg_get_expr(adbin, adrelid, true) prints it. */
export function defaultText(table: TableInfo, text: string, type: SqlType): string {
  const e = parseExpression(text)
  if (e.kind === 'string') return literal(e, type)
  return print({ table, context: 'default' }, e, true)
}

/** A CHECK expression or an index predicate as PostgreSQL prints them (constants folded). */
export function conditionText(table: TableInfo, text: string): string {
  return print({ table, context: 'folded' }, parseExpression(text), true)
}
