/**
 * PostgreSQL's type oids (pg_type.oid) and typmods for the value layer's types:
 * what pg_attribute, pg_type and the wire protocol's RowDescription report, so
 * drivers pick the right parser for a column.
 */
import { arrayOf, plainType, TYPE_KINDS, type SqlType, type TypeKind } from './types.js'

export const TYPE_OIDS: Readonly<Record<TypeKind, number>> = {
  bool: 16, bytea: 17, int8: 20, int2: 21, int4: 23, text: 25, float4: 700, float8: 701, unknown: 705,
  bpchar: 1042, varchar: 1043, date: 1082, timestamp: 1114, timestamptz: 1184, numeric: 1700,
  oid: 26, regclass: 2205, regtype: 2206, regnamespace: 4089, regproc: 24, array: 2277,
}

/** The array type of each element kind (pg_type.typarray). */
export const ARRAY_TYPE_OIDS: Readonly<Partial<Record<TypeKind, number>>> = {
  bool: 1000, bytea: 1001, int8: 1016, int2: 1005, int4: 1007, text: 1009, float4: 1021, float8: 1022,
  bpchar: 1014, varchar: 1015, date: 1182, timestamp: 1115, timestamptz: 1185, numeric: 1231,
  oid: 1028, regclass: 2210, regtype: 2211, regnamespace: 4090, regproc: 1008,
}

/** pg_type.typname of each kind. */
export const TYPE_NAMES_INTERNAL: Readonly<Record<TypeKind, string>> = {
  bool: 'bool', bytea: 'bytea', int8: 'int8', int2: 'int2', int4: 'int4', text: 'text', float4: 'float4', float8: 'float8',
  unknown: 'unknown', bpchar: 'bpchar', varchar: 'varchar', date: 'date', timestamp: 'timestamp', timestamptz: 'timestamptz', numeric: 'numeric',
  oid: 'oid', regclass: 'regclass', regtype: 'regtype', regnamespace: 'regnamespace', regproc: 'regproc', array: 'anyarray',
}

/** pg_type.typlen: fixed sizes, -1 for variable length. */
export const TYPE_LENGTHS: Readonly<Record<TypeKind, number>> = {
  bool: 1, bytea: -1, int8: 8, int2: 2, int4: 4, text: -1, float4: 4, float8: 8, unknown: -2,
  bpchar: -1, varchar: -1, date: 4, timestamp: 8, timestamptz: 8, numeric: -1,
  oid: 4, regclass: 4, regtype: 4, regnamespace: 4, regproc: 4, array: -1,
}

/** The atttypmod PostgreSQL stores: length + 4 for char types, ((p << 16) | s) + 4 for numeric, -1 otherwise. */
export function typmod(t: SqlType): number {
  if ((t.kind === 'varchar' || t.kind === 'bpchar') && t.length !== undefined) return t.length + 4
  if (t.kind === 'numeric' && t.precision !== undefined) return ((t.precision << 16) | (t.scale ?? 0)) + 4
  return -1
}

export const typeOid = (t: SqlType): number => (t.kind === 'array' ? (ARRAY_TYPE_OIDS[t.element.kind] ?? TYPE_OIDS.array) : TYPE_OIDS[t.kind])

const KIND_OF_OID = new Map<number, TypeKind>(TYPE_KINDS.map((k) => [TYPE_OIDS[k], k]))
const ELEMENT_OF_ARRAY_OID = new Map<number, TypeKind>(Object.entries(ARRAY_TYPE_OIDS).map(([k, oid]) => [oid, k as TypeKind]))

/**
 * The type a RowDescription names by oid and typmod, the inverse of `typeOid` and
 * `typmod` (a client of Isola's wire protocol, such as the remote participant,
 * decodes text values with it). Undefined for an oid the value layer lacks.
 */
export function typeOfOid(oid: number, mod = -1): SqlType | undefined {
  const element = ELEMENT_OF_ARRAY_OID.get(oid)
  if (element !== undefined) return arrayOf(plainType(element))
  const kind = KIND_OF_OID.get(oid)
  if (kind === undefined) return undefined
  if ((kind === 'varchar' || kind === 'bpchar') && mod >= 4) return { kind, length: mod - 4 }
  if (kind === 'numeric' && mod >= 4) return { kind, precision: (mod - 4) >> 16, scale: (mod - 4) & 0xffff }
  return plainType(kind)
}
