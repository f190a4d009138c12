/**
 * SQL types of the value layer and their runtime representations.
 *
 * A `SqlType` is a readonly union discriminated on `kind`; only varchar, char and
 * numeric carry a modifier (PostgreSQL's typmod). The runtime value of each kind
 * reuses the key encoding's representations (common/key-encoding.ts) except numeric,
 * which is an exact `Decimal` here (the key layer takes its canonical text):
 *
 *     kind                    value
 *     int2, int4, float4/8    number        (float4 holds a Math.fround'ed number)
 *     int8                    bigint
 *     numeric                 Decimal       (bigint mantissa + scale, or NaN/±Infinity)
 *     text, varchar, bpchar   string        (bpchar stored blank-padded, as PostgreSQL)
 *     bool                    boolean
 *     date                    number        days since 2000-01-01 (±2^31-1: ±infinity)
 *     timestamp, timestamptz  bigint        µs since 2000-01-01 00:00 UTC (int64 min/max: ±infinity)
 *     bytea                   Uint8Array
 *     oid, regclass, regtype,
 *     regnamespace, regproc   number        an object id (reg* print as the object's name:
 *                                           the session resolves them in results, see regNames)
 *     array                   SqlValue[]    one-dimensional, 1-based, elements of `element`
 *     unknown                 string        an untyped literal, not yet resolved
 *     any type                null          SQL NULL
 */
import type { Decimal } from './decimal.js'

export const TYPE_KINDS = [
  'int2', 'int4', 'int8', 'float4', 'float8', 'numeric',
  'text', 'varchar', 'bpchar', 'bool', 'date', 'timestamp', 'timestamptz', 'bytea', 'unknown',
  'oid', 'regclass', 'regtype', 'regnamespace', 'regproc', 'array',
] as const
export type TypeKind = (typeof TYPE_KINDS)[number]

type Plain = Exclude<TypeKind, 'varchar' | 'bpchar' | 'numeric' | 'array'>
export type SqlType =
  | { readonly [K in Plain]: { readonly kind: K } }[Plain]
  /** varchar(n); `length` undefined is unbounded varchar. */
  | { readonly kind: 'varchar'; readonly length?: number | undefined }
  /** char(n); `length` undefined is bare bpchar (no padding, no limit). */
  | { readonly kind: 'bpchar'; readonly length?: number | undefined }
  /** numeric(p,s); both undefined is unconstrained numeric. */
  | { readonly kind: 'numeric'; readonly precision?: number | undefined; readonly scale?: number | undefined }
  /** A one-dimensional array (PostgreSQL's arrays of one dimension, lower bound 1). */
  | { readonly kind: 'array'; readonly element: SqlType }

export type SqlValue = null | boolean | number | bigint | string | Uint8Array | Decimal | SqlArray
/** An array's value: its elements (NULL elements are null). */
export type SqlArray = readonly SqlValue[]

/** The reg* types: oids that print (and are written) as the name of what they identify. */
export const REG_TYPES: ReadonlySet<TypeKind> = new Set(['regclass', 'regtype', 'regnamespace', 'regproc'])
export const isOidLike = (t: SqlType): boolean => t.kind === 'oid' || REG_TYPES.has(t.kind)

/** Shorthands for the types without modifiers, and constructors for the others. */
export const T = {
  int2: { kind: 'int2' },
  int4: { kind: 'int4' },
  int8: { kind: 'int8' },
  float4: { kind: 'float4' },
  float8: { kind: 'float8' },
  numeric: { kind: 'numeric' },
  text: { kind: 'text' },
  varchar: { kind: 'varchar' },
  bpchar: { kind: 'bpchar' },
  bool: { kind: 'bool' },
  date: { kind: 'date' },
  timestamp: { kind: 'timestamp' },
  timestamptz: { kind: 'timestamptz' },
  bytea: { kind: 'bytea' },
  unknown: { kind: 'unknown' },
  oid: { kind: 'oid' },
  regclass: { kind: 'regclass' },
  regtype: { kind: 'regtype' },
  regnamespace: { kind: 'regnamespace' },
  regproc: { kind: 'regproc' },
} as const satisfies Record<Exclude<TypeKind, 'array'>, SqlType>

export const arrayOf = (element: SqlType): SqlType => ({ kind: 'array', element })

/** The type of a kind without modifiers; an array kind alone is an array of text (never declared so in a catalog). */
export const plainType = (k: TypeKind): SqlType => (k === 'array' ? arrayOf(T.text) : T[k])

export const varchar = (length?: number): SqlType => ({ kind: 'varchar', length })
export const char = (length = 1): SqlType => ({ kind: 'bpchar', length })
export const numeric = (precision?: number, scale?: number): SqlType =>
  ({ kind: 'numeric', precision, scale: precision === undefined ? undefined : (scale ?? 0) })

/** PostgreSQL's format_type names (what error messages and pg_typeof print). */
const NAMES: Record<TypeKind, string> = {
  int2: 'smallint', int4: 'integer', int8: 'bigint', float4: 'real', float8: 'double precision',
  numeric: 'numeric', text: 'text', varchar: 'character varying', bpchar: 'character', bool: 'boolean',
  date: 'date', timestamp: 'timestamp without time zone', timestamptz: 'timestamp with time zone',
  bytea: 'bytea', unknown: 'unknown', oid: 'oid', regclass: 'regclass', regtype: 'regtype', regnamespace: 'regnamespace',
  regproc: 'regproc', array: 'anyarray',
}

/** The name input errors use ("invalid input syntax for type X"): timestamps are short there. */
const INPUT_NAMES: Partial<Record<TypeKind, string>> = { timestamp: 'timestamp', timestamptz: 'timestamp with time zone', bpchar: 'character' }

export function typeName(t: SqlType): string {
  if (t.kind === 'array') return `${typeName(t.element)}[]`
  if (t.kind === 'varchar' || t.kind === 'bpchar') {
    if (t.length === undefined) return t.kind === 'bpchar' ? 'bpchar' : NAMES.varchar
    return `${NAMES[t.kind]}(${t.length})`
  }
  if (t.kind === 'numeric' && t.precision !== undefined) return `numeric(${t.precision},${t.scale ?? 0})`
  return NAMES[t.kind]
}

/** The name without modifiers: what cast and operator errors print (format_type_be). */
export const baseTypeName = (t: SqlType): string => (t.kind === 'array' ? `${baseTypeName(t.element)}[]` : NAMES[t.kind])

export const inputTypeName = (t: SqlType): string => INPUT_NAMES[t.kind] ?? NAMES[t.kind]

/** PostgreSQL's type categories (pg_type.typcategory), which drive operator resolution. */
export type TypeCategory = 'N' | 'S' | 'B' | 'D' | 'U' | 'X' | 'A'
const CATEGORY: Record<TypeKind, TypeCategory> = {
  int2: 'N', int4: 'N', int8: 'N', float4: 'N', float8: 'N', numeric: 'N',
  text: 'S', varchar: 'S', bpchar: 'S', bool: 'B', date: 'D', timestamp: 'D', timestamptz: 'D',
  bytea: 'U', unknown: 'X', oid: 'N', regclass: 'N', regtype: 'N', regnamespace: 'N', regproc: 'N', array: 'A',
}
const PREFERRED: ReadonlySet<TypeKind> = new Set(['float8', 'text', 'bool', 'timestamptz'])

export const typeCategory = (t: SqlType): TypeCategory => CATEGORY[t.kind]
export const isPreferred = (t: SqlType): boolean => PREFERRED.has(t.kind)

/** The type without its modifiers (varchar(3) → varchar; int4[] stays int4[], its element's modifiers dropped). */
export const withoutModifiers = (t: SqlType): SqlType => (t.kind === 'array' ? { kind: 'array', element: withoutModifiers(t.element) } : ({ kind: t.kind } as SqlType))

/** Same type including modifiers. */
export function sameType(a: SqlType, b: SqlType): boolean {
  if (a.kind !== b.kind) return false
  if (a.kind === 'varchar' || a.kind === 'bpchar') return a.length === (b as typeof a).length
  if (a.kind === 'numeric') return a.precision === (b as typeof a).precision && a.scale === (b as typeof a).scale
  if (a.kind === 'array') return sameType(a.element, (b as typeof a).element)
  return true
}

/** Special values of date and timestamps (PostgreSQL's DATEVAL_NOBEGIN/NOEND, DT_NOBEGIN/NOEND). */
export const DATE_NEG_INFINITY = -0x8000_0000
export const DATE_POS_INFINITY = 0x7fff_ffff
export const TS_NEG_INFINITY = -(2n ** 63n)
export const TS_POS_INFINITY = 2n ** 63n - 1n
