/**
 * The text of each statement of a simple-query string, for plans that send a
 * statement whole (the router takes one statement and its own text). Split at the
 * lexer's `;` tokens, so semicolons in strings, quoted names, dollar quotes and
 * comments stay where they are; empty statements (`;;`) are dropped, as the parser
 * drops them, so the i-th text is the i-th statement `parse` returns.
 */
import { tokenize } from '../../parser/index.js'

export function statementTexts(sql: string): string[] {
  const out: string[] = []
  let start = 0
  let tokens = 0
  const flush = (end: number): void => {
    if (tokens > 0) out.push(sql.slice(start, end).trim())
    tokens = 0
  }
  for (const t of tokenize(sql)) {
    if (t.tokenType.name === 'Semicolon') {
      flush(t.startOffset)
      start = t.startOffset + 1
    } else tokens++
  }
  flush(sql.length)
  return out
}
