/**
 * The SQL lexer: text → chevrotain tokens, following PostgreSQL's scan.l.
 *
 * Hand-written rather than chevrotain's regex lexer because the hard parts of SQL
 * lexing are not regular: nested block comments, dollar-quoted strings whose tag
 * must repeat, and operator tokens whose end depends on the characters inside
 * them. A token's `payload` carries its value: the folded or unquoted name of an
 * identifier, the cooked text of a string.
 *
 * Lexical errors are 42601 with PostgreSQL's message and position (the start of
 * the offending token), e.g. `unterminated quoted string at or near "'abc"`.
 */
import { createTokenInstance, type IToken, type TokenType } from 'chevrotain'
import { dbError, IsolaError } from '../common/errors.js'
import { decodeUtf8 } from '../common/text.js'
import * as T from './tokens.js'

const OP_CHARS = '+-*/<>=~!@#%^&|`?'
/** Characters that let a multi-character operator end in + or - (scan.l's rule). */
const OP_SPECIAL = '~!@#%^&|`?'

function isIdentStart(c: string): boolean {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c === '_' || c > '\x7f'
}
function isIdentChar(c: string): boolean {
  return isIdentStart(c) || (c >= '0' && c <= '9') || c === '$'
}
function isDigit(c: string | undefined): boolean {
  return c !== undefined && c >= '0' && c <= '9'
}

/** 1-based character (code point) position of a UTF-16 offset, as PostgreSQL counts. */
export function positionOf(sql: string, offset: number): number {
  let pos = 1
  for (let i = 0; i < offset && i < sql.length; i++) {
    const code = sql.charCodeAt(i)
    if (code >= 0xd800 && code <= 0xdbff) i++
    pos++
  }
  return pos
}

/** `end` defaults to the end of the text: an unterminated literal runs to it. */
function lexError(sql: string, what: string, start: number, end = sql.length): IsolaError {
  return dbError('syntax_error', `${what} at or near "${sql.slice(start, end)}"`, { position: positionOf(sql, start) })
}

function identEnd(sql: string, i: number): number {
  while (i < sql.length && isIdentChar(sql[i] as string)) i++
  return i
}

const OPERATOR_TOKENS: ReadonlyMap<string, TokenType> = new Map([
  ['+', T.Plus], ['-', T.Minus], ['*', T.Star], ['/', T.Slash], ['%', T.Percent], ['^', T.Caret],
  ['=', T.Equals], ['<>', T.CompareOp], ['!=', T.CompareOp], ['<', T.CompareOp], ['<=', T.CompareOp],
  ['>', T.CompareOp], ['>=', T.CompareOp],
])

const PUNCTUATION: ReadonlyMap<string, TokenType> = new Map([
  [',', T.Comma], ['.', T.Dot], [';', T.Semicolon], ['(', T.LParen], [')', T.RParen], ['[', T.LBracket],
  [']', T.RBracket],
])

const E_ESCAPES: Readonly<Record<string, string>> = { b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' }

/** Split SQL text into tokens; throws a 42601 IsolaError on an unterminated literal or a stray character. */
export function tokenize(sql: string): IToken[] {
  const { tokens, error } = scan(sql)
  if (error !== undefined) throw error
  return tokens
}

/**
 * Scan as far as possible: the tokens before a lexical error, and the error. The
 * parser uses the prefix to report a syntax error that comes earlier in the text
 * (PostgreSQL lexes on demand, so the first error in text order wins).
 */
export function scan(sql: string): { readonly tokens: IToken[]; readonly error: IsolaError | undefined } {
  const out: IToken[] = []
  try {
    scanInto(sql, out)
    return { tokens: out, error: undefined }
  } catch (e) {
    if (e instanceof IsolaError) return { tokens: out, error: e }
    throw e
  }
}

function scanInto(sql: string, out: IToken[]): void {
  const n = sql.length
  let i = 0
  const push = (type: TokenType, start: number, end: number, payload?: unknown): void => {
    const tok = createTokenInstance(type, sql.slice(start, end), start, end - 1, NaN, NaN, NaN, NaN)
    if (payload !== undefined) tok.payload = payload
    out.push(tok)
  }
  while (i < n) {
    const c = sql[i] as string
    const next = sql[i + 1]
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r' || c === '\f' || c === '\v') {
      i++
    } else if (c === '-' && next === '-') {
      while (i < n && sql[i] !== '\n' && sql[i] !== '\r') i++
    } else if (c === '/' && next === '*') {
      // Block comments nest, as in PostgreSQL (and unlike the SQL standard's reading of C).
      const start = i
      let depth = 0
      do {
        if (sql.startsWith('/*', i)) { depth++; i += 2 }
        else if (sql.startsWith('*/', i)) { depth--; i += 2 }
        else i++
      } while (depth > 0 && i < n)
      if (depth > 0) throw lexError(sql, 'unterminated /* comment', start)
    } else if ((c === 'e' || c === 'E') && next === "'") {
      i = lexString(sql, i + 1, true, (s, e, v) => push(T.StringLit, s - 1, e, v))
    } else if (c === "'") {
      i = lexString(sql, i, false, (s, e, v) => push(T.StringLit, s, e, v))
    } else if (c === '"') {
      const start = i
      let value = ''
      i++
      for (;;) {
        if (i >= n) throw lexError(sql, 'unterminated quoted identifier', start)
        if (sql[i] === '"') {
          if (sql[i + 1] === '"') { value += '"'; i += 2; continue }
          i++
          break
        }
        value += sql[i]
        i++
      }
      if (value === '') throw dbError('syntax_error', 'zero-length delimited identifier at or near """"', { position: positionOf(sql, start) })
      push(T.QuotedIdentifier, start, i, value)
    } else if (c === '$' && isDigit(next)) {
      const start = i
      i++
      while (isDigit(sql[i])) i++
      if (i < n && isIdentChar(sql[i] as string)) throw lexError(sql, 'trailing junk after parameter', start, identEnd(sql, i))
      push(T.Param, start, i, Number(sql.slice(start + 1, i)))
    } else if (c === '$') {
      const tag = /^\$(?:[A-Za-z_\x80-\uffff][A-Za-z0-9_\x80-\uffff]*)?\$/.exec(sql.slice(i, i + 200))
      if (tag === null) throw lexError(sql, 'syntax error', i, i + 1)
      const start = i
      const close = sql.indexOf(tag[0], i + tag[0].length)
      if (close < 0) throw lexError(sql, 'unterminated dollar-quoted string', start)
      i = close + tag[0].length
      push(T.StringLit, start, i, sql.slice(start + tag[0].length, close))
    } else if (isDigit(c) || (c === '.' && isDigit(next))) {
      const start = i
      let integer = true
      while (isDigit(sql[i])) i++
      if (sql[i] === '.' && sql[i + 1] !== '.') {
        integer = false
        i++
        while (isDigit(sql[i])) i++
      }
      if (sql[i] === 'e' || sql[i] === 'E') {
        const signed = sql[i + 1] === '+' || sql[i + 1] === '-'
        if (isDigit(sql[i + (signed ? 2 : 1)])) {
          integer = false
          i += signed ? 2 : 1
          while (isDigit(sql[i])) i++
        }
      }
      if (i < n && isIdentStart(sql[i] as string)) throw lexError(sql, 'trailing junk after numeric literal', start, identEnd(sql, i))
      push(integer ? T.IntegerLit : T.NumericLit, start, i)
    } else if (isIdentStart(c)) {
      const start = i
      while (i < n && isIdentChar(sql[i] as string)) i++
      const word = sql.slice(start, i).toLowerCase()
      push(T.KEYWORDS.get(word) ?? T.Identifier, start, i, word)
    } else if (c === ':') {
      if (next === ':') { push(T.DoubleColon, i, i + 2); i += 2 } else { push(T.Colon, i, i + 1); i++ }
    } else if (PUNCTUATION.has(c)) {
      push(PUNCTUATION.get(c) as TokenType, i, i + 1)
      i++
    } else if (OP_CHARS.includes(c)) {
      const start = i
      while (i < n && OP_CHARS.includes(sql[i] as string)) {
        if (i > start && (sql.startsWith('--', i) || sql.startsWith('/*', i))) break
        i++
      }
      // A multi-character operator cannot end in + or - unless it holds one of ~!@#%^&|`?
      let op = sql.slice(start, i)
      if (op.length > 1 && (op.endsWith('+') || op.endsWith('-')) && ![...op].some((ch) => OP_SPECIAL.includes(ch))) {
        while (op.length > 1 && (op.endsWith('+') || op.endsWith('-'))) op = op.slice(0, -1)
        i = start + op.length
      }
      push(OPERATOR_TOKENS.get(op) ?? T.OtherOp, start, i, op === '!=' ? '<>' : op)
    } else {
      throw lexError(sql, 'syntax error', i, i + 1)
    }
  }
}

/**
 * Scan a '…' string starting at the quote; calls `emit(start, end, value)` and returns the end offset.
 *
 * In an E'…' string, \x and octal escapes are bytes, as in PostgreSQL: once one
 * appears the literal is built as UTF-8 and must decode (E'\303\251' is é; a lone
 * E'\377' or any NUL is 22021). \u and \U escapes are code points: a surrogate
 * must pair up, and 0 or one past U+10FFFF is 42601, with PostgreSQL's positions.
 */
function lexString(sql: string, quote: number, escapes: boolean, emit: (start: number, end: number, value: string) => void): number {
  const n = sql.length
  let value = ''
  let bytes: number[] | undefined
  const add = (s: string): void => {
    if (bytes === undefined) value += s
    else bytes.push(...UTF8.encode(s))
  }
  let i = quote + 1
  for (;;) {
    if (i >= n) throw lexError(sql, 'unterminated quoted string', escapes ? quote - 1 : quote)
    const c = sql[i] as string
    if (c === "'") {
      if (sql[i + 1] === "'") { add("'"); i += 2; continue }
      i++
      // 'a' 'b' separated by whitespace containing a newline is one string (SQL standard).
      const m = /^[ \t\f\r]*\n\s*'/.exec(sql.slice(i, i + 200))
      if (m !== null) { i += m[0].length; continue }
      break
    }
    if (escapes && c === '\\' && i + 1 < n) {
      const e = sql[i + 1] as string
      const hex = /^x([0-9A-Fa-f]{1,2})/.exec(sql.slice(i + 1, i + 4))
      const oct = /^[0-7]{1,3}/.exec(sql.slice(i + 1, i + 4))
      if (hex !== null || oct !== null) {
        bytes ??= [...UTF8.encode(value)]
        bytes.push(hex !== null ? parseInt(hex[1] as string, 16) : parseInt(oct![0], 8) & 0xff)
        i += 1 + (hex ?? oct)![0].length
        continue
      }
      const cp = unicodeEscape(sql, i)
      if (cp !== undefined) {
        const end = i + (sql[i + 1] === 'u' ? 6 : 10)
        if (cp === 0 || cp > 0x10ffff) throw lexError(sql, 'invalid Unicode escape value', i, end)
        if (cp >= 0xdc00 && cp <= 0xdfff) throw lexError(sql, 'invalid Unicode surrogate pair', i, end)
        if (cp >= 0xd800 && cp <= 0xdbff) {
          const low = unicodeEscape(sql, end)
          if (low === undefined || low < 0xdc00 || low > 0xdfff) {
            throw lexError(sql, 'invalid Unicode surrogate pair', end, low === undefined ? end + 1 : end + (sql[end + 1] === 'u' ? 6 : 10))
          }
          add(String.fromCharCode(cp, low))
          i = end + (sql[end + 1] === 'u' ? 6 : 10)
          continue
        }
        add(String.fromCodePoint(cp))
        i = end
        continue
      }
      add(E_ESCAPES[e] ?? e)
      i += 2
      continue
    }
    add(c)
    i++
  }
  emit(quote, i, bytes === undefined ? value : decodeUtf8(bytes))
  return i
}

const UTF8 = new TextEncoder()

/** The code point of a \uXXXX or \UXXXXXXXX escape at `i`, if there is one. */
function unicodeEscape(sql: string, i: number): number | undefined {
  if (sql[i] !== '\\') return undefined
  const m = /^(?:u([0-9A-Fa-f]{4})|U([0-9A-Fa-f]{8}))/.exec(sql.slice(i + 1, i + 10))
  return m === null ? undefined : parseInt((m[1] ?? m[2]) as string, 16)
}
