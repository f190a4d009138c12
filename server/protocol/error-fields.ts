/**
 * ErrorResponse and NoticeResponse bodies: PostgreSQL's field codes, from an error.
 *
 * Only the wire layer turns errors into messages (DESIGN.md §8). An IsolaError
 * carries its SQLSTATE and fields; anything else that reaches a connection is a bug
 * and goes out as XX000 with its message, never as a crash of the process.
 */
import { IsolaError } from '../../common/errors.js'
import type { Notice } from '../../engine/index.js'

/** [field code, value] pairs in PostgreSQL's order. */
export type ErrorFields = readonly (readonly [string, string])[]

export type Severity = 'ERROR' | 'FATAL' | 'PANIC' | 'WARNING' | 'NOTICE' | 'INFO' | 'LOG' | 'DEBUG'

export function errorFields(e: unknown, severity: Severity = 'ERROR'): ErrorFields {
  const err = e instanceof IsolaError ? e : undefined
  const fields: [string, string][] = [
    ['S', severity],
    ['V', severity],
    ['C', err?.code ?? 'XX000'],
    ['M', err?.message ?? `internal error: ${e instanceof Error ? e.message : String(e)}`],
  ]
  if (err?.detail !== undefined) fields.push(['D', err.detail])
  if (err?.hint !== undefined) fields.push(['H', err.hint])
  if (err?.position !== undefined) fields.push(['P', String(err.position)])
  if (err?.table !== undefined) fields.push(['t', err.table])
  if (err?.column !== undefined) fields.push(['c', err.column])
  if (err?.constraint !== undefined) fields.push(['n', err.constraint])
  return fields
}

export function noticeFields(n: Notice): ErrorFields {
  const fields: [string, string][] = [
    ['S', n.severity],
    ['V', n.severity],
    ['C', n.code],
    ['M', n.message],
  ]
  if (n.detail !== undefined) fields.push(['D', n.detail])
  return fields
}
