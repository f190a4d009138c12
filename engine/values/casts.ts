/**
 * Casts between the value layer's types, with PostgreSQL's pg_cast contexts:
 *
 *     implicit    int2 → int4 → int8 → numeric → float4 → float8 (each to every later),
 *                 string types among themselves, date → timestamp → timestamptz,
 *                 unknown → anything (through the input function)
 *     assignment  the reverse numeric narrowings, timestamptz → timestamp,
 *                 timestamp[tz] → date, anything → a string type (output function)
 *     explicit    bool ↔ int4, a string type → anything (input function)
 *     oids        integers → oid and reg* implicitly, oid ↔ reg* implicitly (the same
 *                 number), oid and reg* → integers by assignment
 *     arrays      element by element, in the context the element cast needs
 *
 * A cast a context does not allow is 42846 (cannot_coerce). Conversions round as
 * PostgreSQL does: float → int with rint (half to even), numeric → int and
 * numeric(p,s) half away from zero, float → numeric through %.15g / %.6g.
 */
import { dbError } from '../../common/errors.js'
import { castDateToTimestamp, timestampToDate } from './datetime.js'
import { Decimal } from './decimal.js'
import { applyNumericTypmod, coerceString, formatValue, parseValue } from './text-io.js'
import { baseTypeName, isOidLike, sameType, typeCategory, type SqlArray, type SqlType, type SqlValue, type TypeKind } from './types.js'

export const CAST_CONTEXTS = ['implicit', 'assignment', 'explicit'] as const
export type CastContext = (typeof CAST_CONTEXTS)[number]

const NUMERIC_ORDER: readonly TypeKind[] = ['int2', 'int4', 'int8', 'numeric', 'float4', 'float8']
const STRINGS: ReadonlySet<TypeKind> = new Set(['text', 'varchar', 'bpchar'])
const DATETIMES: readonly TypeKind[] = ['date', 'timestamp', 'timestamptz']
const INTEGERS: ReadonlySet<TypeKind> = new Set(['int2', 'int4', 'int8'])

/** The weakest context in which `from` casts to `to`, or undefined if no cast exists. */
export function castContext(from: SqlType, to: SqlType): CastContext | undefined {
  const f = from.kind
  const t = to.kind
  if (from.kind === 'array' && to.kind === 'array') return castContext(from.element, to.element)
  if (f === t) return 'implicit' // length coercion or identity
  if (isOidLike(to) && (INTEGERS.has(f) || (f === 'oid' && t !== 'oid') || (t === 'oid' && isOidLike(from)))) return 'implicit'
  if (isOidLike(from) && (t === 'int4' || t === 'int8')) return 'assignment'
  if (f === 'unknown') return 'implicit'
  if (t === 'unknown') return undefined
  if (STRINGS.has(f) && STRINGS.has(t)) return 'implicit'
  const nf = NUMERIC_ORDER.indexOf(f)
  const nt = NUMERIC_ORDER.indexOf(t)
  if (nf >= 0 && nt >= 0) return nf < nt ? 'implicit' : 'assignment'
  const df = DATETIMES.indexOf(f)
  const dt = DATETIMES.indexOf(t)
  if (df >= 0 && dt >= 0) return df < dt ? 'implicit' : 'assignment'
  if (STRINGS.has(t)) return 'assignment'
  if (STRINGS.has(f)) return 'explicit'
  if ((f === 'bool' && t === 'int4') || (f === 'int4' && t === 'bool')) return 'explicit'
  return undefined
}

const RANK: Record<CastContext, number> = { implicit: 0, assignment: 1, explicit: 2 }

/** True if `from` may be cast to `to` in `context`. */
export function canCast(from: SqlType, to: SqlType, context: CastContext): boolean {
  const c = castContext(from, to)
  return c !== undefined && RANK[c] <= RANK[context]
}

const INT_LIMITS = { int2: [-32768, 32767, 'smallint'], int4: [-2147483648, 2147483647, 'integer'], int8: [-(2 ** 63), 2 ** 63, 'bigint'] } as const

export function intOutOfRange(kind: 'int2' | 'int4' | 'int8') {
  return dbError('numeric_value_out_of_range', `${INT_LIMITS[kind][2]} out of range`)
}

/** A number or bigint checked into an integer kind's range and representation. */
export function toIntKind(n: number | bigint, kind: 'int2' | 'int4' | 'int8'): number | bigint {
  if (kind === 'int8') {
    const b = BigInt(n)
    if (b < -(2n ** 63n) || b >= 2n ** 63n) throw intOutOfRange(kind)
    return b
  }
  const x = Number(n)
  if (x < INT_LIMITS[kind][0] || x > INT_LIMITS[kind][1]) throw intOutOfRange(kind)
  return x
}

/** rint: round half to even (JS Math.round rounds half up). */
export function rint(x: number): number {
  const r = Math.round(x)
  return r - x === 0.5 && r % 2 !== 0 ? r - 1 : r
}

export function toFloat4(x: number): number {
  const f = Math.fround(x)
  if (!Number.isFinite(f) && Number.isFinite(x)) throw dbError('numeric_value_out_of_range', 'value out of range: overflow')
  if (f === 0 && x !== 0) throw dbError('numeric_value_out_of_range', 'value out of range: underflow')
  return f
}

/** An integer as an oid: unsigned 32 bits, negative int4 values wrapping as PostgreSQL's int4 → oid does. */
function toOid(n: number | bigint): number {
  const x = Number(n)
  if (x < -2147483648 || x > 4294967295) throw dbError('numeric_value_out_of_range', 'OID out of range')
  return x < 0 ? x + 4294967296 : x
}

const isInt = (k: TypeKind): k is 'int2' | 'int4' | 'int8' => k === 'int2' || k === 'int4' || k === 'int8'

/** Convert a non-null value between numeric-category types. */
function castNumber(v: SqlValue, from: TypeKind, to: SqlType): SqlValue {
  const t = to.kind
  if (isInt(from)) {
    if (isInt(t)) return toIntKind(v as number | bigint, t)
    if (t === 'numeric') return applyNumericTypmod(Decimal.fromBigInt(v as number | bigint), to)
    return t === 'float4' ? Math.fround(Number(v)) : Number(v)
  }
  if (from === 'numeric') {
    const d = v as Decimal
    if (isInt(t)) {
      const name = INT_LIMITS[t][2]
      if (d.special === 'nan') throw dbError('feature_not_supported', `cannot convert NaN to ${name}`)
      if (d.special !== null) throw dbError('feature_not_supported', `cannot convert infinity to ${name}`)
      return toIntKind(d.round(0).mant, t)
    }
    if (t === 'numeric') return applyNumericTypmod(d, to)
    // numeric_float8/4 go through float8in/float4in of the text, range errors included.
    return parseValue(to, d.toString())
  }
  const x = v as number
  if (isInt(t)) {
    const r = rint(x)
    if (Number.isNaN(r) || !Number.isFinite(r)) throw intOutOfRange(t)
    if (t === 'int8') {
      if (r < -(2 ** 63) || r >= 2 ** 63) throw intOutOfRange(t)
      return BigInt(r)
    }
    return toIntKind(r, t)
  }
  if (t === 'numeric') return applyNumericTypmod(Decimal.fromFloat(x, from === 'float4' ? 6 : 15), to)
  return t === 'float4' ? toFloat4(x) : x
}

/**
 * Cast non-null or null `v` of type `from` to `to` in `context`; 42846 if that
 * context allows no such cast.
 */
export function castValue(v: SqlValue, from: SqlType, to: SqlType, context: CastContext = 'explicit'): SqlValue {
  if (!canCast(from, to, context)) {
    throw dbError('cannot_coerce', `cannot cast type ${baseTypeName(from)} to ${baseTypeName(to)}`)
  }
  if (v === null) return null
  const f = from.kind
  const t = to.kind
  const explicit = context === 'explicit'
  if (f === 'unknown') {
    // A literal cast explicitly to varchar(n)/char(n) truncates like any explicit cast.
    if (t === 'varchar' || t === 'bpchar') return coerceString(v as string, to as SqlType & { kind: 'varchar' | 'bpchar' }, explicit)
    return parseValue(to, v as string)
  }
  if (STRINGS.has(t)) {
    let s: string
    if (f === 'bpchar') s = (v as string).replace(/ +$/, '')
    else if (STRINGS.has(f)) s = v as string
    else if (f === 'bool') s = v === true ? 'true' : 'false'
    else s = formatValue(from, v)!
    return t === 'text' ? s : coerceString(s, to as SqlType & { kind: 'varchar' | 'bpchar' }, explicit)
  }
  // I/O conversion: the input function sees the output text, blank padding included.
  if (STRINGS.has(f)) return parseValue(to, v as string)
  if (f === t && sameType(from, to)) return v
  if (from.kind === 'array' && to.kind === 'array') return (v as SqlArray).map((x) => castValue(x, from.element, to.element, context))
  if (isOidLike(to)) return toOid(v as number | bigint)
  if (typeCategory(from) === 'N' && typeCategory(to) === 'N') return castNumber(v, f, to)
  if (f === 'bool') return v === true ? 1 : 0
  if (t === 'bool') return v !== 0
  if (f === 'date') return castDateToTimestamp(v as number)
  if (t === 'date') return timestampToDate(v as bigint)
  return v // timestamp ↔ timestamptz: the session zone is UTC, so the instant is the same
}
