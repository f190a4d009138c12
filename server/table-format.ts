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

/** An error as psql shows it: the message, DETAIL and HINT, and the line of the statement it points at. */
export function formatError(e: { message: string; detail?: string | undefined; hint?: string | undefined; position?: number | undefined }, sql: string): string {
  let out = `ERROR:  ${e.message}\n`
  if (e.position !== undefined) {
    const chars = [...sql]
    const before = chars.slice(0, e.position - 1).join('')
    const lineNo = before.split('\n').length
    const lineStart = before.lastIndexOf('\n') + 1
    const line = sql.slice(lineStart).split('\n')[0]!
    const prefix = `LINE ${lineNo}: `
    out += `${prefix}${line}\n${' '.repeat(width(prefix) + width(before.slice(lineStart)))}^\n`
  }
  if (e.detail) out += `DETAIL:  ${e.detail}\n`
  if (e.hint) out += `HINT:  ${e.hint}\n`
  return out
}
