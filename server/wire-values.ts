/**
 * SQL values on the wire: a result column in text or binary format, and a Bind
 * parameter in binary format turned into its text form (the engine's parameters
 * take a type's text form, as a text-format parameter arrives). Type oids both
 * ways are the value layer's (`typeOid`, `typeOfOid`).
 *
 * Binary formats are PostgreSQL's `*send`/`*recv` layouts, big-endian:
 *
 *     bool            1 byte (0/1)          date         int32 days since 2000-01-01
 *     int2/int4/int8  2/4/8 bytes           timestamp[tz] int64 µs since 2000-01-01 UTC
 *     float4/float8   IEEE 754              text, varchar, char, unknown: UTF-8 bytes
 *     bytea           the bytes             numeric: ndigits, weight, sign, dscale (int16
 *                                           each), then ndigits base-10000 int16 digits
 */
import { dbError } from '../common/errors.js'
import { Decimal, formatDate, formatValue, formatTimestamp, TYPE_LENGTHS, typeOid, typmod, type ResultColumn, type SqlType, type SqlValue } from '../engine/index.js'
import type { WireField } from './protocol/backend.js'

export function wireField(c: ResultColumn): WireField {
  return { name: c.name, tableOid: c.tableOid, attnum: c.attnum, typeOid: typeOid(c.type), typeLen: TYPE_LENGTHS[c.type.kind], typmod: typmod(c.type) }
}

/** A value in text format (null for SQL NULL). */
export function textValue(t: SqlType, v: SqlValue): string | null {
  return formatValue(t, v)
}

/** A value in binary format. */
export function binaryValue(t: SqlType, v: SqlValue): Buffer | null {
  if (v === null) return null
  switch (t.kind) {
    case 'bool':
      return Buffer.from([v === true ? 1 : 0])
    case 'int2': {
      const b = Buffer.allocUnsafe(2)
      b.writeInt16BE(v as number)
      return b
    }
    case 'int4':
    case 'date': {
      const b = Buffer.allocUnsafe(4)
      b.writeInt32BE(v as number)
      return b
    }
    case 'int8':
    case 'timestamp':
    case 'timestamptz': {
      const b = Buffer.allocUnsafe(8)
      b.writeBigInt64BE(v as bigint)
      return b
    }
    case 'float4': {
      const b = Buffer.allocUnsafe(4)
      b.writeFloatBE(v as number)
      return b
    }
    case 'float8': {
      const b = Buffer.allocUnsafe(8)
      b.writeDoubleBE(v as number)
      return b
    }
    case 'bytea':
      return Buffer.from(v as Uint8Array)
    case 'numeric':
      return numericSend(v as Decimal)
    default:
      return Buffer.from(formatValue(t, v) ?? '', 'utf8')
  }
}

/** A binary-format parameter as its type's text form (the engine parses it as it would a text parameter). */
export function binaryParamText(t: SqlType, b: Buffer): string {
  const need = (n: number) => {
    if (b.length !== n) throw dbError('invalid_binary_representation', `incorrect binary data format in bind parameter of type ${t.kind}`)
  }
  switch (t.kind) {
    case 'bool':
      need(1)
      return b[0] !== 0 ? 't' : 'f'
    case 'int2':
      need(2)
      return String(b.readInt16BE())
    case 'int4':
      need(4)
      return String(b.readInt32BE())
    case 'int8':
      need(8)
      return String(b.readBigInt64BE())
    case 'float4':
      need(4)
      return floatText(b.readFloatBE())
    case 'float8':
      need(8)
      return floatText(b.readDoubleBE())
    case 'date':
      need(4)
      return formatDate(b.readInt32BE())
    case 'timestamp':
    case 'timestamptz':
      need(8)
      return formatTimestamp(b.readBigInt64BE(), t.kind === 'timestamptz')
    case 'bytea':
      return `\\x${b.toString('hex')}`
    case 'numeric':
      return numericRecv(b)
    default:
      return b.toString('utf8')
  }
}

function floatText(x: number): string {
  if (Number.isNaN(x)) return 'NaN'
  if (x === Infinity) return 'Infinity'
  if (x === -Infinity) return '-Infinity'
  return Object.is(x, -0) ? '-0' : String(x)
}

const NUMERIC_POS = 0x0000
const NUMERIC_NEG = 0x4000
const NUMERIC_NAN = 0xc000
const NUMERIC_PINF = 0xd000
const NUMERIC_NINF = 0xf000

/** numeric_send: base-10000 digits around the decimal point. */
export function numericSend(d: Decimal): Buffer {
  const head = (n: number, weight: number, sign: number, dscale: number) => {
    const b = Buffer.alloc(8 + 2 * n)
    b.writeInt16BE(n, 0)
    b.writeInt16BE(weight, 2)
    b.writeUInt16BE(sign, 4)
    b.writeInt16BE(dscale, 6)
    return b
  }
  if (d.special === 'nan') return head(0, 0, NUMERIC_NAN, 0)
  if (d.special === 'inf') return head(0, 0, NUMERIC_PINF, 0)
  if (d.special === '-inf') return head(0, 0, NUMERIC_NINF, 0)
  let mant = d.mant < 0n ? -d.mant : d.mant
  let scale = d.scale
  if (scale < 0) {
    mant *= 10n ** BigInt(-scale)
    scale = 0
  }
  const digits = mant.toString().padStart(scale + 1, '0')
  const intPart = digits.slice(0, digits.length - scale)
  const fracPart = digits.slice(digits.length - scale)
  const intPadded = intPart.padStart(Math.ceil(intPart.length / 4) * 4, '0')
  const fracPadded = fracPart.padEnd(Math.ceil(fracPart.length / 4) * 4, '0')
  const groups: number[] = []
  for (let i = 0; i < intPadded.length; i += 4) groups.push(Number(intPadded.slice(i, i + 4)))
  let weight = groups.length - 1
  for (let i = 0; i < fracPadded.length; i += 4) groups.push(Number(fracPadded.slice(i, i + 4)))
  while (groups.length > 0 && groups[0] === 0) {
    groups.shift()
    weight--
  }
  while (groups.length > 0 && groups[groups.length - 1] === 0) groups.pop()
  if (groups.length === 0) weight = 0
  const b = head(groups.length, weight, d.mant < 0n ? NUMERIC_NEG : NUMERIC_POS, scale)
  groups.forEach((g, i) => b.writeInt16BE(g, 8 + 2 * i))
  return b
}

/** numeric_recv, to numeric's text form. */
export function numericRecv(b: Buffer): string {
  const bad = () => dbError('invalid_binary_representation', 'invalid binary data format for numeric')
  if (b.length < 8) throw bad()
  const n = b.readInt16BE(0)
  const weight = b.readInt16BE(2)
  const sign = b.readUInt16BE(4)
  const dscale = b.readInt16BE(6)
  if (n < 0 || dscale < 0 || b.length !== 8 + 2 * n) throw bad()
  if (sign === NUMERIC_NAN) return 'NaN'
  if (sign === NUMERIC_PINF) return 'Infinity'
  if (sign === NUMERIC_NINF) return '-Infinity'
  if (sign !== NUMERIC_POS && sign !== NUMERIC_NEG) throw bad()
  const groups: number[] = []
  for (let i = 0; i < n; i++) {
    const g = b.readInt16BE(8 + 2 * i)
    if (g < 0 || g > 9999) throw bad()
    groups.push(g)
  }
  let int = ''
  for (let w = weight, i = 0; w >= 0; w--, i++) int += String(groups[i] ?? 0).padStart(4, '0')
  int = int.replace(/^0+/, '') || '0'
  let frac = ''
  for (let w = -1, i = weight + 1; w >= -Math.ceil(dscale / 4); w--, i++) frac += String(i >= 0 ? (groups[i] ?? 0) : 0).padStart(4, '0')
  frac = frac.slice(0, dscale)
  return (sign === NUMERIC_NEG ? '-' : '') + int + (dscale > 0 ? `.${frac}` : '')
}
