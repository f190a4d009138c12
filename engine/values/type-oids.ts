/**
 * PostgreSQL's type oids (pg_type.oid) and typmods for the value layer's types:
 * what pg_attribute, pg_type and the wire protocol's RowDescription report, so
 * drivers pick the right parser for a column.
 */
import type { SqlType, TypeKind } from './types.js'

export const TYPE_OIDS: Readonly<Record<TypeKind, number>> = {
  bool: 16, bytea: 17, int8: 20, int2: 21, int4: 23, text: 25, float4: 700, float8: 701, unknown: 705,
  bpchar: 1042, varchar: 1043, date: 1082, timestamp: 1114, timestamptz: 1184, numeric: 1700,
}

/** pg_type.typname of each kind. */
export const TYPE_NAMES_INTERNAL: Readonly<Record<TypeKind, string>> = {
  bool: 'bool', bytea: 'bytea', int8: 'int8', int2: 'int2', int4: 'int4', text: 'text', float4: 'float4', float8: 'float8',
  unknown: 'unknown', bpchar: 'bpchar', varchar: 'varchar', date: 'date', timestamp: 'timestamp', timestamptz: 'timestamptz', numeric: 'numeric',
}

/** pg_type.typlen: fixed sizes, -1 for variable length. */
export const TYPE_LENGTHS: Readonly<Record<TypeKind, number>> = {
  bool: 1, bytea: -1, int8: 8, int2: 2, int4: 4, text: -1, float4: 4, float8: 8, unknown: -2,
  bpchar: -1, varchar: -1, date: 4, timestamp: 8, timestamptz: 8, numeric: -1,
}

/** The atttypmod PostgreSQL stores: length + 4 for char types, ((p << 16) | s) + 4 for numeric, -1 otherwise. */
export function typmod(t: SqlType): number {
  if ((t.kind === 'varchar' || t.kind === 'bpchar') && t.length !== undefined) return t.length + 4
  if (t.kind === 'numeric' && t.precision !== undefined) return ((t.precision << 16) | (t.scale ?? 0)) + 4
  return -1
}

export const typeOid = (t: SqlType): number => TYPE_OIDS[t.kind]
