/**
 * The hash of a distribution value, which decides its virtual partition.
 *
 *     partition(v) = fmix32(fnv1a32(enc(v))) mod PARTITION_COUNT
 *
 * - `enc` is the engine's order-preserving key encoding (common/key-encoding.ts) of
 *   the value in its *hash class*: the integers (int2, int4, int8, oid) are encoded as
 *   int64, the floats as float64, the character types as text (char(n) without its
 *   padding, as it compares), numeric as its canonical decimal key. So values that
 *   SQL calls equal across those types (`1::int2 = 1::int8`, `'a'::char(3) = 'a'`)
 *   hash alike, whatever their JavaScript representation (number or bigint), and an
 *   int4 column co-locates with an int8 one. Types of different classes (numeric and
 *   int, date and timestamp) never co-locate: their tables are not joined on shards.
 * - fnv1a32 is FNV-1a over the bytes (offset basis 2166136261, prime 16777619);
 *   fmix32 is MurmurHash3's finaliser, so the low bits the modulo keeps depend on
 *   every input bit. Both are fixed forever: a row's partition is part of the data
 *   layout of every shard.
 * - NULL is a value like any other here (its key byte 0xF0): rows with a NULL
 *   distribution value all live in one partition; `col = NULL` never pins anything.
 */
import { encodeKey, type KeyColumnType, type KeyValue } from '../../common/key-encoding.js'
import { Decimal, type SqlType, type SqlValue } from '../../engine/values/index.js'

/** Virtual partitions per cluster; fixed, so moving a partition never rehashes a row. */
export const PARTITION_COUNT = 64

/** The hash class of a type: types whose equal values must hash alike share one. */
export function hashClass(type: SqlType): KeyColumnType['kind'] | undefined {
  switch (type.kind) {
    case 'int2': case 'int4': case 'int8': case 'oid': case 'regclass': case 'regtype': case 'regnamespace': case 'regproc':
      return 'int64'
    case 'float4': case 'float8': return 'float64'
    case 'numeric': return 'decimal'
    case 'text': case 'varchar': case 'bpchar': case 'unknown': return 'text'
    case 'bool': return 'boolean'
    case 'date': return 'date'
    case 'timestamp': return 'timestamp'
    case 'timestamptz': return 'timestamptz'
    case 'bytea': return 'bytes'
    case 'array': return undefined
  }
}

function keyValueOf(type: SqlType, v: SqlValue): KeyValue {
  if (v === null) return null
  switch (type.kind) {
    case 'int2': case 'int4': case 'oid': case 'regclass': case 'regtype': case 'regnamespace': case 'regproc':
      return BigInt(v as number)
    case 'numeric': return (v as Decimal).toString()
    case 'bpchar': return (v as string).replace(/ +$/, '')
    default: return v as KeyValue
  }
}

/** fnv1a32 then MurmurHash3's fmix32 (see the module doc); an unsigned 32-bit number. */
export function hashBytes(bytes: Uint8Array): number {
  let h = 2166136261
  for (const b of bytes) h = Math.imul(h ^ b, 16777619)
  h ^= h >>> 16
  h = Math.imul(h, 0x85ebca6b)
  h ^= h >>> 13
  h = Math.imul(h, 0xc2b2ae35)
  h ^= h >>> 16
  return h >>> 0
}

/** The hash of a distribution value of `type` (a SQL value, as the engine holds it). */
export function hashValue(type: SqlType, v: SqlValue): number {
  const kind = hashClass(type)
  if (kind === undefined) throw new Error(`type ${type.kind} cannot be a distribution column`)
  return hashBytes(encodeKey([{ type: { kind } as KeyColumnType }], [keyValueOf(type, v)]))
}

/** The virtual partition of a distribution value. */
export function partitionOf(type: SqlType, v: SqlValue): number {
  return hashValue(type, v) % PARTITION_COUNT
}
