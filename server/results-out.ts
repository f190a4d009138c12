/**
 * A statement's result as protocol messages: RowDescription, DataRows in the
 * formats asked for, notices, and the command tag. Shared by the simple and the
 * extended query paths.
 */
import type { ResultColumn, StatementResult } from '../engine/index.js'
import { formatOf, type BackendWriter } from './protocol/backend.js'
import { noticeFields } from './protocol/error-fields.js'
import { binaryValue, textValue, wireField } from './wire-values.js'

export function sendRowDescription(out: BackendWriter, columns: readonly ResultColumn[], formats: readonly number[] = []): void {
  out.rowDescription(columns.map(wireField), formats)
}

/** DataRows for rows [from, to) of a result. */
export function sendRows(out: BackendWriter, r: StatementResult, from: number, to: number, formats: readonly number[] = []): void {
  const cols = r.columns ?? []
  const binary = formats.some((f) => f === 1)
  const values: (string | Buffer | null)[] = new Array(cols.length)
  for (let i = from; i < to; i++) {
    const row = r.rows[i]!
    for (let c = 0; c < cols.length; c++) {
      const t = cols[c]!.type
      const v = row[c] ?? null
      values[c] = binary && formatOf(formats, c) === 1 ? binaryValue(t, v) : textValue(t, v)
    }
    out.dataRow(values)
  }
}

export function sendNotices(out: BackendWriter, r: StatementResult): void {
  for (const n of r.notices) out.errorOrNotice('N', noticeFields(n))
}
