/**
 * Token types of Isola's SQL dialect (PostgreSQL 15's words and symbols).
 *
 * The lexer (`lexer.ts`) is hand-written, so every token type here has no pattern;
 * chevrotain only uses them to match. Keywords come in two flavours, as in
 * PostgreSQL's kwlist.h: *reserved* ones can never name a column or table, the
 * others also belong to the `Identifier` category, so `CONSUME(Identifier)` accepts
 * `date`, `key` or `level` as ordinary names while the grammar can still ask for
 * the keyword itself.
 */
import { createToken, Lexer, type TokenType } from 'chevrotain'

export const Identifier = createToken({ name: 'Identifier', pattern: Lexer.NA })
export const QuotedIdentifier = createToken({ name: 'QuotedIdentifier', pattern: Lexer.NA, categories: [Identifier] })
export const IntegerLit = createToken({ name: 'IntegerLit', pattern: Lexer.NA })
export const NumericLit = createToken({ name: 'NumericLit', pattern: Lexer.NA })
export const StringLit = createToken({ name: 'StringLit', pattern: Lexer.NA })
export const Param = createToken({ name: 'Param', pattern: Lexer.NA })

/** A binary operator with no precedence of its own ("other" in gram.y): `||`, `~`, `@>` … */
export const OtherOp = createToken({ name: 'OtherOp', pattern: Lexer.NA })
/** The comparison operators: `=`, `<>`, `<`, `<=`, `>`, `>=` (non-associative). */
export const CompareOp = createToken({ name: 'CompareOp', pattern: Lexer.NA })
export const Equals = createToken({ name: 'Equals', pattern: Lexer.NA, categories: [CompareOp] })
export const Plus = createToken({ name: 'Plus', pattern: Lexer.NA })
export const Minus = createToken({ name: 'Minus', pattern: Lexer.NA })
export const Star = createToken({ name: 'Star', pattern: Lexer.NA })
export const Slash = createToken({ name: 'Slash', pattern: Lexer.NA })
export const Percent = createToken({ name: 'Percent', pattern: Lexer.NA })
export const Caret = createToken({ name: 'Caret', pattern: Lexer.NA })
export const DoubleColon = createToken({ name: 'DoubleColon', pattern: Lexer.NA })
export const Colon = createToken({ name: 'Colon', pattern: Lexer.NA })
export const Comma = createToken({ name: 'Comma', pattern: Lexer.NA })
export const Dot = createToken({ name: 'Dot', pattern: Lexer.NA })
export const Semicolon = createToken({ name: 'Semicolon', pattern: Lexer.NA })
export const LParen = createToken({ name: 'LParen', pattern: Lexer.NA })
export const RParen = createToken({ name: 'RParen', pattern: Lexer.NA })
export const LBracket = createToken({ name: 'LBracket', pattern: Lexer.NA })
export const RBracket = createToken({ name: 'RBracket', pattern: Lexer.NA })

/**
 * Words that can never be a bare column, table or alias name: kwlist.h's reserved
 * and type/function-name words we use, plus BETWEEN, EXISTS and VALUES. VALUES is
 * only a column-name keyword in PostgreSQL; reserving it keeps `(VALUES …)` apart
 * from `(expr)` within chevrotain's fixed lookahead (a deviation: a column named
 * values must be quoted).
 */
const RESERVED = [
  'all', 'and', 'any', 'as', 'asc', 'between', 'both', 'case', 'cast', 'check', 'column', 'constraint', 'create',
  'cross', 'default', 'deferrable', 'desc', 'distinct', 'do', 'else', 'end', 'except', 'exists', 'false', 'fetch',
  'for', 'foreign', 'from', 'full', 'group', 'having', 'ilike', 'in', 'inner', 'intersect', 'into', 'is', 'isnull', 'join',
  'leading', 'left', 'like', 'limit', 'natural', 'not', 'notnull', 'null', 'offset', 'on', 'only', 'or', 'order', 'outer', 'primary',
  'references', 'returning', 'right', 'select', 'some', 'symmetric', 'table', 'then', 'to', 'trailing', 'true', 'union',
  'unique', 'using', 'values', 'when', 'where', 'with',
] as const

/** Keywords that are also ordinary names. */
const UNRESERVED = [
  'abort', 'action', 'add', 'alter', 'always', 'analyze', 'begin', 'by', 'cascade', 'char', 'character',
  'commit', 'committed', 'conflict', 'copy', 'csv', 'current', 'date', 'delete', 'double', 'drop',
  'escape', 'explain', 'filter', 'first', 'format', 'generated', 'header', 'identity', 'if', 'increment', 'index', 'insert',
  'isolation', 'key', 'last', 'level', 'local', 'locked', 'next', 'no', 'nothing', 'nowait', 'nulls', 'precision',
  'prepare', 'prepared', 'read', 'recursive', 'release', 'rename', 'repeatable', 'replace', 'reset', 'restrict', 'rollback', 'row',
  'rows', 'savepoint', 'sequence', 'serializable', 'session', 'set', 'share', 'show', 'skip', 'start', 'stdin',
  'stdout', 'time', 'timestamp', 'transaction', 'truncate', 'uncommitted', 'unknown', 'update', 'vacuum',
  'varying', 'view', 'without', 'work', 'write', 'zone', 'asymmetric',
  'database', 'role', 'user', 'password', 'encrypted', 'connection', 'valid', 'until', 'owner',
  'distributed', 'replicated',
] as const

export type Keyword = (typeof RESERVED)[number] | (typeof UNRESERVED)[number]

function keyword(word: string, reserved: boolean): TokenType {
  return createToken({
    name: word.toUpperCase(),
    pattern: Lexer.NA,
    ...(reserved ? {} : { categories: [Identifier] }),
  })
}

/** Lower-case word → its keyword token type. */
export const KEYWORDS: ReadonlyMap<string, TokenType> = new Map([
  ...RESERVED.map((w) => [w, keyword(w, true)] as const),
  ...UNRESERVED.map((w) => [w, keyword(w, false)] as const),
])

/** The token type of a keyword; throws for a word that is not one (a bug in the grammar). */
export function kw(word: Keyword): TokenType {
  const t = KEYWORDS.get(word)
  if (t === undefined) throw new Error(`not a keyword: ${word}`)
  return t
}

export const ALL_TOKENS: readonly TokenType[] = [
  Identifier, QuotedIdentifier, IntegerLit, NumericLit, StringLit, Param, OtherOp, CompareOp, Equals, Plus, Minus,
  Star, Slash, Percent, Caret, DoubleColon, Colon, Comma, Dot, Semicolon, LParen, RParen, LBracket, RBracket,
  ...KEYWORDS.values(),
]
