/**
 * Hash keys: a string per value tuple such that two tuples get the same key exactly
 * when SQL's `=` says they are equal (GROUP BY, DISTINCT, hash joins, set
 * operations, IN lists of subqueries). So 1.0 and 1.00 (numeric), 0 and -0
 * (float), 'a' and 'a  ' (char(n)) share a key, an int4 5 and an int8 5 share a
 * key, and NaN equals NaN, as PostgreSQL's hash opclasses do. Callers compare
 * only values of one type family (the planner checks that for joins).
 */
import { Decimal, type SqlValue } from '../values/index.js'

export function valueKey(v: SqlValue): string {
  if (v === null) return '\u0000'
  switch (typeof v) {
    case 'number':
      return v === 0 ? 'n0' : `n${v}`
    case 'bigint':
      return `n${v}`
    case 'boolean':
      return v ? 't' : 'f'
    case 'string':
      return `s${v.length}:${v}`
    default:
      if (v instanceof Decimal) return `d${v.isFinite ? v.trimScale().toString() : v.toString()}`
      if (Array.isArray(v)) return `a${v.length}:${(v as readonly SqlValue[]).map(valueKey).join(',')}`
      v = v as Uint8Array
      return `b${Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('hex')}`
  }
}

/** `bpchar` values compare without trailing blanks. */
export function valueKeyOf(v: SqlValue, trimBlanks: boolean): string {
  return trimBlanks && typeof v === 'string' ? valueKey(v.replace(/ +$/, '')) : valueKey(v)
}

export function rowKey(values: readonly SqlValue[], trim?: readonly boolean[]): string {
  if (values.length === 1) return valueKeyOf(values[0]!, trim?.[0] ?? false)
  let k = ''
  for (let i = 0; i < values.length; i++) k += valueKeyOf(values[i]!, trim?.[i] ?? false) + '\u0001'
  return k
}
