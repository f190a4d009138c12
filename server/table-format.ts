/**
 * Results as psql prints them in its default aligned format: a centred header, a
 * rule, numbers right-aligned and everything else left-aligned, a value with line
 * breaks on several lines (each but the last marked `+`), and a row count.
 *
 *      id | name
 *     ----+------
 *       1 | ann +
 *         | smith
 *     (1 row)
 */
import type { StatementResult } from '../engine/index.js'
import { formatValue, typeCategory } from '../engine/values/index.js'

const width = (s: string): number => [...s].length

export function formatResult(r: StatementResult): string {
  const notices = r.notices.map((n) => `${n.severity}:  ${n.message}\n`).join('')
  if (r.columns === undefined) return `${notices}${r.tag}\n`
  const cols = r.columns
  const count = `(${r.rows.length} row${r.rows.length === 1 ? '' : 's'})`
  // No columns (SELECT FROM t): psql prints a bare rule and the count.
  if (cols.length === 0) return `${notices}--\n${count}\n`
  const cells = r.rows.map((row) => row.map((v, i) => formatValue(cols[i]!.type, v) ?? ''))
  const widths = cols.map((c, i) => Math.max(width(c.name), ...cells.map((row) => Math.max(...row[i]!.split('\n').map(width)))))
  const numeric = cols.map((c) => typeCategory(c.type) === 'N')
  const last = cols.length - 1
  // The header is centred and padded out to the last column; data lines are not.
  const header = cols
    .map((c, i) => {
      const space = widths[i]! - width(c.name)
      const left = Math.floor(space / 2)
      return ` ${' '.repeat(left)}${c.name}${' '.repeat(space - left)} `
    })
    .join('|')
  const rule = widths.map((w) => '-'.repeat(w + 2)).join('+')
  const lines = cells.flatMap((row) => {
    const parts = row.map((v) => v.split('\n'))
    const height = Math.max(1, ...parts.map((p) => p.length))
    return Array.from({ length: height }, (_, k) =>
      parts
        .map((p, i) => {
          const text = p[k]
          const more = k < p.length - 1
          // A cell with no line here is blank: padded inside the table, nothing at its end.
          if (text === undefined) return i === last ? ' ' : ' '.repeat(widths[i]! + 2)
          const fill = ' '.repeat(widths[i]! - width(text))
          const cell = more ? text + fill : numeric[i] ? fill + text : i === last ? text : text + fill
          return ` ${cell}${more ? '+' : i === last ? '' : ' '}`
        })
        .join('|'),
    )
  })
  return `${notices}${header}\n${rule}\n${lines.map((l) => `${l}\n`).join('')}${count}\n`
}

/** An error as psql shows it: the message, the line of the statement it points at, DETAIL and HINT. */
export function formatError(e: { message: string; detail?: string | undefined; hint?: string | undefined; position?: number | undefined }, sql: string): string {
  let out = `ERROR:  ${e.message}\n`
  if (e.position !== undefined) out += errorLine(sql, e.position - 1)
  if (e.detail) out += `DETAIL:  ${e.detail}\n`
  if (e.hint) out += `HINT:  ${e.hint}\n`
  return out
}

/** libpq's display is at most this many columns of the statement … */
const DISPLAY_SIZE = 60
/** … cut at least this far right of the error where it must cut. */
const MIN_RIGHT_CUT = 10

/**
 * The `LINE n:` display and caret under character `loc` (0-based), as libpq's
 * reportErrorPosition builds them: the statement's line holding it, tabs as spaces,
 * cut to 60 columns with `...` where a long line is shortened. (Every character
 * counts as one column here; libpq gives East Asian wide characters two.)
 */
function errorLine(sql: string, loc: number): string {
  const chars = [...sql].map((c) => (c === '\t' ? ' ' : c))
  let line = 1
  let begin = 0
  let end = chars.length
  for (let i = 0; i < chars.length; i++) {
    const c = chars[i]!
    if (c !== '\r' && c !== '\n') continue
    if (i < loc) {
      if (c === '\r' || i === 0 || chars[i - 1] !== '\r') line++
      begin = i + 1
    } else {
      end = i
      break
    }
  }
  if (loc > chars.length) return ''
  let cutLeft = false
  let cutRight = false
  if (end - begin > DISPLAY_SIZE) {
    if (begin + DISPLAY_SIZE >= loc + MIN_RIGHT_CUT) {
      end = begin + DISPLAY_SIZE
      cutRight = true
    } else {
      if (loc + MIN_RIGHT_CUT < end) {
        end = loc + MIN_RIGHT_CUT
        cutRight = true
      }
      if (end - begin > DISPLAY_SIZE) {
        begin = end - DISPLAY_SIZE
        cutLeft = true
      }
    }
  }
  const prefix = `LINE ${line}: ${cutLeft ? '...' : ''}`
  return `${prefix}${chars.slice(begin, end).join('')}${cutRight ? '...' : ''}\n${' '.repeat(prefix.length + loc - begin)}^\n`
}
