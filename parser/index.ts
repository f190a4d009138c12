/**
 * The SQL parser: text → statements (PostgreSQL 15 dialect).
 *
 * ```ts
 * parse('SELECT a FROM t WHERE b = $1; COMMIT')
 * // [{ kind: 'query', body: { kind: 'select', … } }, { kind: 'commit', position: 31 }]
 * ```
 *
 * A syntax error is an IsolaError 42601 whose message and position are the ones
 * PostgreSQL gives: `syntax error at or near "X"` at X's first character, or
 * `syntax error at end of input`. Text with a NUL or an unpaired surrogate is
 * 22021 (common/text.ts). The grammar is analysed once, when this module
 * loads; every parse re-uses the one parser instance (parsing is synchronous, so
 * it is never shared by two parses at once).
 */
import { EOF, tokenMatcher, type IRecognitionException, type IToken } from 'chevrotain'
import { dbError, type IsolaError } from '../common/errors.js'
import { checkText } from '../common/text.js'
import type { Expr } from './ast.js'
import type { Statement } from './statements.js'
import { SqlParser } from './grammar.js'
import { positionOf, scan } from './lexer.js'

export type * from './ast.js'
export type * from './statements.js'
export { TYPE_NAMES, BINARY_OPS, JOIN_TYPES } from './ast.js'
export { ISOLATION_LEVELS, REFERENTIAL_ACTIONS } from './statements.js'
export { tokenize } from './lexer.js'
export { deparseExpr, deparseInsert, deparseItem, deparseOrder, deparseQuery, deparseType, quoteIdent, quoteLiteral } from './deparse.js'

const parser = new SqlParser()

/** Parse SQL text holding zero or more `;`-separated statements. Throws IsolaError 42601 on a syntax error. */
export function parse(sql: string): Statement[] {
  checkText(sql)
  const { tokens, error: lexicalError } = scan(sql)
  const ascii = /^[\x00-\x7f]*$/.test(sql)
  parser.setPositionMapper(ascii ? (o) => o + 1 : (o) => positionOf(sql, o))
  parser.input = tokens
  let result: Statement[]
  try {
    result = parser.script()
  } catch (e) {
    // Deep nesting (`((((…))))`) overflows the recursive-descent stack, as it does
    // PostgreSQL's; its code there is 54001, which common/sqlstate.ts does not list yet.
    if (e instanceof RangeError) throw dbError('statement_too_complex', 'stack depth limit exceeded', { cause: e })
    throw e
  }
  const error = parser.errors[0]
  // With a lexical error, the tokens before it were parsed as if the text ended
  // there: a syntax error among them comes first; one at their end does not count.
  if (error !== undefined && (lexicalError === undefined || !tokenMatcher(error.token, EOF))) throw syntaxError(sql, error, tokens)
  if (lexicalError !== undefined) throw lexicalError
  return result
}

/** One expression stored as text (a column default, a CHECK, an index expression), parsed back. */
export function parseExpression(text: string): Expr {
  const s = parse(`SELECT ${text}`)[0]
  if (s?.kind !== 'query' || s.body.kind !== 'select' || s.body.columns[0]?.kind !== 'expr') throw dbError('internal_error', `bad stored expression: ${text}`)
  return s.body.columns[0].expr
}

function syntaxError(sql: string, e: IRecognitionException, tokens: readonly IToken[]): IsolaError {
  const tok = e.token
  if (tokenMatcher(tok, EOF) || Number.isNaN(tok.startOffset)) {
    const last = tokens[tokens.length - 1]
    // PostgreSQL reports end of input at the character after the last one scanned.
    const end = last === undefined ? sql.length : Math.max(sql.length, (last.endOffset ?? 0) + 1)
    return dbError('syntax_error', 'syntax error at end of input', { position: positionOf(sql, end) })
  }
  return dbError('syntax_error', `syntax error at or near "${tok.image}"`, { position: positionOf(sql, tok.startOffset) })
}
