/**
 * Keys of table rows and index entries, built with the order-preserving key
 * encoding (common/key-encoding.ts), so the B+trees compare bytes only.
 *
 *     tree            key                                       value
 *     table (pk)      enc(pk columns)                           row (row-codec.ts)
 *     table (no pk)   enc(int8 hidden row id)                   row
 *     index           enc(index keys) · enc(row key columns)    row key bytes
 *     unique index    enc(index keys)   (· enc(row key) when    row key bytes
 *                     a key is NULL: NULLs never conflict)
 *
 * An index entry carries the row key as its value, so a lookup is entry → row
 * key → table get. Entries are MVCC versions like rows: an UPDATE that changes an
 * indexed value deletes the old entry and inserts the new one in the same
 * transaction, so an entry is visible exactly when its row version is.
 */
import { encodeKey, type KeyColumn, type KeyColumnType, type KeyValue } from '../../common/key-encoding.js'
import type { Decimal, SqlType, SqlValue } from '../values/index.js'

const KEY_TYPES: Record<SqlType['kind'], KeyColumnType['kind'] | undefined> = {
  int2: 'int16', int4: 'int32', int8: 'int64', float4: 'float32', float8: 'float64', numeric: 'decimal',
  text: 'text', varchar: 'text', bpchar: 'text', bool: 'boolean', date: 'date', timestamp: 'timestamp',
  timestamptz: 'timestamptz', bytea: 'bytes', unknown: undefined,
  // Oids are unsigned 32-bit: int64 keeps their order. Arrays are never keys (no column has one).
  oid: 'int64', regclass: 'int64', regtype: 'int64', regnamespace: 'int64', regproc: 'int64', array: undefined,
}

export function keyColumn(type: SqlType, descending = false): KeyColumn {
  const kind = KEY_TYPES[type.kind] ?? 'text'
  return { type: { kind } as KeyColumnType, descending }
}

/** A SQL value as the key encoding takes it: numeric as text, char(n) without its padding. */
export function keyValue(type: SqlType, v: SqlValue): KeyValue {
  if (v === null) return null
  if (type.kind === 'numeric') return (v as Decimal).toString()
  if (type.kind === 'bpchar') return (v as string).replace(/ +$/, '')
  if (type.kind === 'float4') return Math.fround(v as number)
  return v as KeyValue
}

/** Encodes keys of one shape (a fixed list of column types). */
export class KeyShape {
  readonly columns: readonly KeyColumn[]

  constructor(readonly types: readonly SqlType[], descending: readonly boolean[] = []) {
    this.columns = types.map((t, i) => keyColumn(t, descending[i] ?? false))
  }

  encode(values: readonly SqlValue[]): Uint8Array {
    const kv: KeyValue[] = new Array(values.length)
    for (let i = 0; i < values.length; i++) kv[i] = keyValue(this.types[i]!, values[i]!)
    return encodeKey(this.columns, kv)
  }

  /** The key of the first `n` columns only (a prefix for range scans). */
  encodePrefix(values: readonly SqlValue[], n: number): Uint8Array {
    const kv: KeyValue[] = new Array(n)
    for (let i = 0; i < n; i++) kv[i] = keyValue(this.types[i]!, values[i]!)
    return encodeKey(this.prefixColumns(n), kv)
  }

  /** The first `n` key columns (kept: index scans encode a prefix at every execution). */
  private prefixColumns(n: number): readonly KeyColumn[] {
    if (n === this.columns.length) return this.columns
    const cached = (this.prefixes ??= [])[n]
    if (cached !== undefined) return cached
    return (this.prefixes[n] = this.columns.slice(0, n))
  }
  private prefixes: (readonly KeyColumn[])[] | undefined
}

/** The smallest byte string above every key that starts with `prefix` (no key byte is 0xFF first). */
export function prefixEnd(prefix: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(prefix.length + 1)
  out.set(prefix, 0)
  out[prefix.length] = 0xff
  return out
}

export function concatKeys(a: Uint8Array, b: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(a.length + b.length)
  out.set(a, 0)
  out.set(b, a.length)
  return out
}
