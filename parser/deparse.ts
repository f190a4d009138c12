/**
 * AST → SQL text: the inverse of `parse()` for expressions and queries.
 *
 * The catalog keeps column defaults, CHECK constraints, partial-index predicates and
 * view definitions as SQL text (PostgreSQL keeps node trees and deparses them for
 * `pg_get_expr` and `\d`; text is what we show and re-parse, so we keep text).
 * Output is canonical rather than the user's spelling: every compound expression is
 * parenthesised, so `parse(deparse(e))` gives back `e` (positions aside), which
 * the parser tests check.
 */
import type { Alias, Expr, FromItem, OrderItem, Query, QueryBody, SelectItem, TypeName } from './ast.js'
import type { Statement } from './statements.js'

export const quoteLiteral = (s: string): string => `'${s.replaceAll("'", "''")}'`

const RESERVED = new Set([
  'all', 'and', 'any', 'as', 'asc', 'between', 'both', 'by', 'case', 'cast', 'check', 'collate', 'column', 'constraint',
  'create', 'cross', 'current_date', 'current_time', 'current_timestamp', 'current_user', 'default', 'desc', 'distinct',
  'do', 'else', 'end', 'except', 'exists', 'false', 'fetch', 'for', 'foreign', 'from', 'full', 'grant', 'group', 'having',
  'ilike', 'in', 'inner', 'intersect', 'into', 'is', 'isnull', 'join', 'leading', 'left', 'like', 'limit', 'localtime',
  'localtimestamp', 'not', 'notnull', 'null', 'offset', 'on', 'only', 'or', 'order', 'outer', 'primary', 'references',
  'right', 'select', 'session_user', 'some', 'table', 'then', 'to', 'trailing', 'true', 'union', 'unique', 'user',
  'using', 'values', 'when', 'where', 'window', 'with',
])

/** An identifier as SQL must spell it: bare when it folds to itself and is not reserved. */
export function quoteIdent(s: string): string {
  return /^[a-z_][a-z0-9_$]*$/.test(s) && !RESERVED.has(s) ? s : `"${s.replaceAll('"', '""')}"`
}

export function deparseType(t: TypeName): string {
  return `${t.args.length > 0 ? `${t.name}(${t.args.join(',')})` : t.name}${t.array === true ? '[]' : ''}`
}

export function deparseExpr(e: Expr): string {
  switch (e.kind) {
    case 'column': return e.table === undefined ? quoteIdent(e.name) : `${quoteIdent(e.table)}.${e.name === '*' ? '*' : quoteIdent(e.name)}`
    case 'number': return e.text.startsWith('-') ? `(${e.text})` : e.text
    case 'string': return quoteLiteral(e.value)
    case 'boolean': return e.value ? 'true' : 'false'
    case 'null': return 'NULL'
    case 'default': return 'DEFAULT'
    case 'typed-literal': return `${e.type.name} ${quoteLiteral(e.value)}`
    case 'param': return `$${e.index}`
    case 'binary': return `(${deparseExpr(e.left)} ${e.op} ${deparseExpr(e.right)})`
    case 'unary': return `(${e.op} ${deparseExpr(e.operand)})`
    case 'and': return `(${deparseExpr(e.left)} AND ${deparseExpr(e.right)})`
    case 'or': return `(${deparseExpr(e.left)} OR ${deparseExpr(e.right)})`
    case 'not': return `(NOT ${deparseExpr(e.operand)})`
    case 'is': return `(${deparseExpr(e.operand)} IS ${e.not ? 'NOT ' : ''}${e.test.toUpperCase()})`
    case 'is-distinct': return `(${deparseExpr(e.left)} IS ${e.not ? 'NOT ' : ''}DISTINCT FROM ${deparseExpr(e.right)})`
    case 'between':
      return `(${deparseExpr(e.operand)} ${e.not ? 'NOT ' : ''}BETWEEN ${e.symmetric ? 'SYMMETRIC ' : ''}${deparseExpr(e.low)} AND ${deparseExpr(e.high)})`
    case 'like': {
      const escape = e.escape === undefined ? '' : ` ESCAPE ${deparseExpr(e.escape)}`
      return `(${deparseExpr(e.operand)} ${e.not ? 'NOT ' : ''}${e.caseInsensitive ? 'ILIKE' : 'LIKE'} ${deparseExpr(e.pattern)}${escape})`
    }
    case 'in-list': return `(${deparseExpr(e.operand)} ${e.not ? 'NOT ' : ''}IN (${e.list.map(deparseExpr).join(', ')}))`
    case 'in-query': return `(${deparseExpr(e.operand)} ${e.not ? 'NOT ' : ''}IN (${deparseQuery(e.query)}))`
    case 'quantified': return `(${deparseExpr(e.left)} ${e.op} ${e.quantifier.toUpperCase()} (${deparseQuery(e.query)}))`
    case 'exists': return `(EXISTS (${deparseQuery(e.query)}))`
    case 'subquery': return `(${deparseQuery(e.query)})`
    case 'function': {
      const name = `${e.schema === undefined ? '' : `${quoteIdent(e.schema)}.`}${quoteIdent(e.name)}`
      if (e.args.length === 0 && !e.star && !e.distinct && SQL_VALUE_FUNCTIONS.has(e.name)) return e.name
      const order = e.orderBy === undefined ? '' : ` ORDER BY ${e.orderBy.map(deparseOrder).join(', ')}`
      const filter = e.filter === undefined ? '' : ` FILTER (WHERE ${deparseExpr(e.filter)})`
      return `${name}(${e.star ? '*' : `${e.distinct ? 'DISTINCT ' : ''}${e.args.map(deparseExpr).join(', ')}`}${order})${filter}`
    }
    case 'case': {
      const operand = e.operand === undefined ? '' : ` ${deparseExpr(e.operand)}`
      const whens = e.whens.map((w) => ` WHEN ${deparseExpr(w.when)} THEN ${deparseExpr(w.then)}`).join('')
      return `(CASE${operand}${whens}${e.else === undefined ? '' : ` ELSE ${deparseExpr(e.else)}`} END)`
    }
    case 'cast': return `CAST(${deparseExpr(e.operand)} AS ${deparseType(e.type)})`
    case 'collate': return `(${deparseExpr(e.operand)} COLLATE ${e.collation.split('.').map(quoteIdent).join('.')})`
    case 'array': return `ARRAY[${e.elements.map(deparseExpr).join(', ')}]`
    case 'array-query': return `ARRAY(${deparseQuery(e.query)})`
    case 'subscript': return `(${deparseExpr(e.operand)})[${deparseExpr(e.index)}]`
    case 'quantified-array': return `(${deparseExpr(e.left)} ${e.op} ${e.quantifier.toUpperCase()} (${deparseExpr(e.right)}))`
  }
}

/** Names that are calls without parentheses (grammar-expr.ts SQL_VALUE_FUNCTIONS). */
const SQL_VALUE_FUNCTIONS = new Set(['current_date', 'current_time', 'current_timestamp', 'localtime', 'localtimestamp', 'current_user', 'session_user', 'current_role', 'current_catalog', 'current_schema', 'user'])

function deparseAlias(a: Alias | undefined): string {
  if (a === undefined) return ''
  return ` ${quoteIdent(a.name)}${a.columns.length > 0 ? `(${a.columns.map(quoteIdent).join(', ')})` : ''}`
}

function deparseFrom(f: FromItem): string {
  switch (f.kind) {
    case 'table': return `${f.schema === undefined ? '' : `${quoteIdent(f.schema)}.`}${quoteIdent(f.name)}${deparseAlias(f.alias)}`
    case 'subquery': return `${f.lateral === true ? 'LATERAL ' : ''}(${deparseQuery(f.query)})${deparseAlias(f.alias)}`
    case 'function': return `${deparseExpr(f.call)}${f.ordinality === true ? ' WITH ORDINALITY' : ''}${deparseAlias(f.alias)}`
    case 'join': {
      const type = `${f.natural ? 'NATURAL ' : ''}${f.type === 'cross' ? 'CROSS JOIN' : `${f.type.toUpperCase()} JOIN`}`
      const cond = f.on !== undefined ? ` ON ${deparseExpr(f.on)}` : f.using !== undefined ? ` USING (${f.using.map(quoteIdent).join(', ')})` : ''
      // Joins associate to the left: only a join on the right needs parentheses.
      const right = f.right.kind === 'join' ? `(${deparseFrom(f.right)})` : deparseFrom(f.right)
      return `${deparseFrom(f.left)} ${type} ${right}${cond}`
    }
  }
}

export function deparseItem(i: SelectItem): string {
  if (i.kind === 'star') return i.table === undefined ? '*' : `${quoteIdent(i.table)}.*`
  return i.alias === undefined ? deparseExpr(i.expr) : `${deparseExpr(i.expr)} AS ${quoteIdent(i.alias)}`
}

export function deparseOrder(o: OrderItem): string {
  return `${deparseExpr(o.expr)}${o.direction === undefined ? '' : ` ${o.direction.toUpperCase()}`}${o.nulls === undefined ? '' : ` NULLS ${o.nulls.toUpperCase()}`}`
}

function deparseBody(b: QueryBody): string {
  switch (b.kind) {
    case 'select': {
      const on = b.distinctOn === undefined ? '' : `ON (${b.distinctOn.map(deparseExpr).join(', ')}) `
      let s = `SELECT ${b.distinct ? `DISTINCT ${on}` : ''}${b.columns.map(deparseItem).join(', ')}`
      if (b.from.length > 0) s += ` FROM ${b.from.map(deparseFrom).join(', ')}`
      if (b.where !== undefined) s += ` WHERE ${deparseExpr(b.where)}`
      if (b.groupBy.length > 0) s += ` GROUP BY ${b.groupBy.map(deparseExpr).join(', ')}`
      if (b.having !== undefined) s += ` HAVING ${deparseExpr(b.having)}`
      return s
    }
    case 'values': return `VALUES ${b.rows.map((r) => `(${r.map(deparseExpr).join(', ')})`).join(', ')}`
    case 'set-op': {
      const right = b.right.kind === 'set-op' ? `(${deparseBody(b.right)})` : deparseBody(b.right)
      return `${deparseBody(b.left)} ${b.op.toUpperCase()}${b.all ? ' ALL' : ''} ${right}`
    }
    case 'nested': return `(${deparseQuery(b.query)})`
  }
}

export function deparseQuery(q: Query): string {
  let s = ''
  if (q.with.length > 0) {
    s += `WITH ${q.with.some((c) => c.recursive) ? 'RECURSIVE ' : ''}${q.with.map((c) => `${quoteIdent(c.name)}${c.columns.length > 0 ? `(${c.columns.map(quoteIdent).join(', ')})` : ''} AS (${deparseQuery(c.query)})`).join(', ')} `
  }
  s += deparseBody(q.body)
  if (q.orderBy.length > 0) s += ` ORDER BY ${q.orderBy.map(deparseOrder).join(', ')}`
  if (q.limit !== undefined) s += ` LIMIT ${deparseExpr(q.limit)}`
  if (q.offset !== undefined) s += ` OFFSET ${deparseExpr(q.offset)}`
  if (q.locking !== undefined) {
    s += ` FOR ${q.locking.strength.toUpperCase()}${q.locking.wait === 'nowait' ? ' NOWAIT' : q.locking.wait === 'skip-locked' ? ' SKIP LOCKED' : ''}`
  }
  return s
}

/** An INSERT as SQL text (the coordinator splits multi-row INSERTs by shard and prints each part). */
export function deparseInsert(s: Statement & { kind: 'insert' }): string {
  let out = `INSERT INTO ${s.schema === undefined ? '' : `${quoteIdent(s.schema)}.`}${quoteIdent(s.table)}${s.alias === undefined ? '' : ` AS ${quoteIdent(s.alias)}`}`
  if (s.columns.length > 0) out += ` (${s.columns.map(quoteIdent).join(', ')})`
  out += s.source === 'default-values' ? ' DEFAULT VALUES' : ` ${deparseQuery(s.source)}`
  const c = s.onConflict
  if (c !== undefined) {
    out += ` ON CONFLICT${c.columns.length > 0 ? ` (${c.columns.map(quoteIdent).join(', ')})` : ''}`
    if (c.action === 'nothing') out += ' DO NOTHING'
    else {
      out += ` DO UPDATE SET ${c.set.map((a) => `${quoteIdent(a.column)} = ${deparseExpr(a.value)}`).join(', ')}`
      if (c.where !== undefined) out += ` WHERE ${deparseExpr(c.where)}`
    }
  }
  if (s.returning.length > 0) out += ` RETURNING ${s.returning.map(deparseItem).join(', ')}`
  return out
}
