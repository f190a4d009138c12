/**
 * Test helpers: parse one statement, strip positions, and print expressions as
 * fully parenthesised canonical SQL, so precedence tests read as `(1 + (2 * 3))`
 * and round trips (print → parse → same AST) check the printer and parser together.
 */
import { parse, type Expr, type Query, type Statement } from '../../parser/index.js'

export function one(sql: string): Statement {
  const list = parse(sql)
  if (list.length !== 1) throw new Error(`expected one statement, got ${list.length}`)
  return list[0] as Statement
}

/** The first select-list expression of `SELECT <expr>`. */
export function expr(text: string): Expr {
  const q = one(`SELECT ${text}`) as Query
  if (q.body.kind !== 'select') throw new Error('not a select')
  const item = q.body.columns[0]
  if (item?.kind !== 'expr') throw new Error('not an expression')
  return item.expr
}

/** Deep copy without `position` (and `tablePosition`) fields and undefined values (positions are tested on their own). */
export function strip<T>(value: T): T {
  if (Array.isArray(value)) return value.map((v: unknown) => strip(v)) as T
  if (value === null || typeof value !== 'object') return value
  const out: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(value)) if (k !== 'position' && k !== 'tablePosition' && v !== undefined) out[k] = strip(v)
  return out as T
}

const quote = (s: string): string => `'${s.replaceAll("'", "''")}'`
const ident = (s: string): string => (/^[a-z_][a-z0-9_$]*$/.test(s) ? s : `"${s.replaceAll('"', '""')}"`)

/** Canonical SQL for an expression, every compound parenthesised. Subqueries print as `(SELECT 1)` only. */
export function show(e: Expr): string {
  switch (e.kind) {
    case 'column': return e.table === undefined ? ident(e.name) : `${ident(e.table)}.${e.name === '*' ? '*' : ident(e.name)}`
    case 'number': return e.text
    case 'string': return quote(e.value)
    case 'boolean': return e.value ? 'TRUE' : 'FALSE'
    case 'null': return 'NULL'
    case 'default': return 'DEFAULT'
    case 'typed-literal': return `${e.type.name} ${quote(e.value)}`
    case 'param': return `$${e.index}`
    case 'binary': return `(${show(e.left)} ${e.op} ${show(e.right)})`
    case 'unary': return `(${e.op} ${show(e.operand)})`
    case 'and': return `(${show(e.left)} AND ${show(e.right)})`
    case 'or': return `(${show(e.left)} OR ${show(e.right)})`
    case 'not': return `(NOT ${show(e.operand)})`
    case 'is': return `(${show(e.operand)} IS ${e.not ? 'NOT ' : ''}${e.test.toUpperCase()})`
    case 'is-distinct': return `(${show(e.left)} IS ${e.not ? 'NOT ' : ''}DISTINCT FROM ${show(e.right)})`
    case 'between': return `(${show(e.operand)} ${e.not ? 'NOT ' : ''}BETWEEN ${e.symmetric ? 'SYMMETRIC ' : ''}${show(e.low)} AND ${show(e.high)})`
    case 'like': return `(${show(e.operand)} ${e.not ? 'NOT ' : ''}${e.caseInsensitive ? 'ILIKE' : 'LIKE'} ${show(e.pattern)}${e.escape === undefined ? '' : ` ESCAPE ${show(e.escape)}`})`
    case 'in-list': return `(${show(e.operand)} ${e.not ? 'NOT ' : ''}IN (${e.list.map(show).join(', ')}))`
    case 'in-query': return `(${show(e.operand)} ${e.not ? 'NOT ' : ''}IN (SELECT 1))`
    case 'quantified': return `(${show(e.left)} ${e.op} ${e.quantifier.toUpperCase()} (SELECT 1))`
    case 'exists': return '(EXISTS (SELECT 1))'
    case 'subquery': return '(SELECT 1)'
    case 'function': return `${e.schema === undefined ? '' : `${ident(e.schema)}.`}${ident(e.name)}(${e.star ? '*' : `${e.distinct ? 'DISTINCT ' : ''}${e.args.map(show).join(', ')}`})`
    case 'case': return `(CASE${e.operand === undefined ? '' : ` ${show(e.operand)}`}${e.whens.map((w) => ` WHEN ${show(w.when)} THEN ${show(w.then)}`).join('')}${e.else === undefined ? '' : ` ELSE ${show(e.else)}`} END)`
    case 'cast': return `CAST(${show(e.operand)} AS ${e.type.name}${e.type.args.length > 0 ? `(${e.type.args.join(', ')})` : ''}${e.type.array === true ? '[]' : ''})`
    case 'collate': return `(${show(e.operand)} COLLATE ${e.collation})`
    case 'array': return `ARRAY[${e.elements.map(show).join(', ')}]`
    case 'array-query': return 'ARRAY(SELECT 1)'
    case 'subscript': return `(${show(e.operand)})[${show(e.index)}]`
    case 'quantified-array': return `(${show(e.left)} ${e.op} ${e.quantifier.toUpperCase()} (${show(e.right)}))`
  }
}
