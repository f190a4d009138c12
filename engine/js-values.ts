/**
 * JavaScript values in and out of the embedded API.
 *
 * Parameters: a JS value is converted to the parameter's SQL type (inferred by the
 * binder): numbers, bigints, strings (parsed by the type's input function, as a
 * driver's text parameter would be), booleans, Dates and Buffers.
 *
 * Results, chosen to lose nothing:
 *
 *     smallint, integer, real, double precision   number
 *     bigint                                       bigint
 *     numeric                                      string (exact: '1.50')
 *     text, varchar, char                          string
 *     boolean                                      boolean
 *     date                                         string ('2024-02-29')
 *     timestamp, timestamptz                       Date (milliseconds; the µs are dropped)
 *     bytea                                        Buffer
 *     NULL                                         null
 */
import { dbError } from '../common/errors.js'
import { checkText } from '../common/text.js'
import { Decimal, formatValue, parseValue, castValue, T, type SqlArray, type SqlType, type SqlValue } from './values/index.js'

const PG_EPOCH_MS = 946_684_800_000

function typeError(v: unknown, t: SqlType): Error {
  return dbError('datatype_mismatch', `cannot use a JavaScript ${v === null ? 'null' : typeof v} as a parameter of type ${t.kind}`)
}

export function fromJs(v: unknown, t: SqlType): SqlValue {
  if (v === null || v === undefined) return null
  // The commonest parameters take a shortcut past the text round trip below; the
  // result is the same (an integer in range prints as plain digits, -0 as '0').
  if (typeof v === 'number' && Number.isInteger(v)) {
    if (t.kind === 'int4' && v >= -2147483648 && v <= 2147483647) return v === 0 ? 0 : v
    if (t.kind === 'int8' && Number.isSafeInteger(v)) return BigInt(v)
  }
  if (typeof v === 'string') {
    checkText(v)
    return t.kind === 'text' ? v : parseValue(t, v)
  }
  if (v instanceof Date && Number.isNaN(v.getTime())) throw dbError('invalid_datetime_format', `invalid Date object as a parameter of type ${t.kind}`)
  switch (t.kind) {
    case 'int2':
    case 'int4':
    case 'int8':
    case 'float4':
    case 'float8':
    case 'numeric':
      if (typeof v === 'number' || typeof v === 'bigint') {
        if (typeof v === 'number' && !Number.isFinite(v) && t.kind !== 'float4' && t.kind !== 'float8' && t.kind !== 'numeric') throw typeError(v, t)
        return parseValue(t, typeof v === 'number' && Number.isInteger(v) && Math.abs(v) >= 1e21 ? BigInt(v).toString() : String(v))
      }
      if (v instanceof Decimal) return castValue(v, T.numeric, t, 'assignment')
      throw typeError(v, t)
    case 'bool':
      if (typeof v === 'boolean') return v
      throw typeError(v, t)
    case 'date':
    case 'timestamp':
    case 'timestamptz':
      if (v instanceof Date) {
        const us = BigInt(Math.round(v.getTime() - PG_EPOCH_MS)) * 1000n
        return t.kind === 'date' ? castValue(us, T.timestamp, T.date, 'assignment') : us
      }
      throw typeError(v, t)
    case 'bytea':
      if (v instanceof Uint8Array) return v
      throw typeError(v, t)
    case 'array':
      // A JavaScript array is an array parameter, element by element (as node-postgres sends them).
      if (Array.isArray(v)) return v.map((x) => fromJs(x, t.element))
      throw typeError(v, t)
    default:
      // Text types take any scalar's text, as drivers send it.
      if (typeof v === 'number' || typeof v === 'bigint' || typeof v === 'boolean') return parseValue(t, String(v))
      if (v instanceof Date) return parseValue(t, v.toISOString())
      if (v instanceof Uint8Array) return parseValue(t, `\\x${Buffer.from(v).toString('hex')}`)
      throw typeError(v, t)
  }
}

export function toJs(v: SqlValue, t: SqlType): unknown {
  if (v === null) return null
  switch (t.kind) {
    case 'int8':
      return v as bigint
    case 'numeric':
    case 'date':
      return formatValue(t, v)
    case 'timestamp':
    case 'timestamptz':
      return new Date(Number((v as bigint) / 1000n) + PG_EPOCH_MS)
    case 'bytea':
      return Buffer.from(v as Uint8Array)
    case 'array':
      return (v as SqlArray).map((x) => toJs(x, t.element))
    default:
      return v
  }
}
