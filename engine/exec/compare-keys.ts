/**
 * ORDER BY's comparison of two rows' sort keys: each key ascending or descending,
 * NULLs first or last, values by their type's order. One comparator for the Sort
 * node and for aggregates' own ORDER BY and DISTINCT.
 */
import { compareValues, type SqlType, type SqlValue } from '../values/index.js'

export interface SortKeyOrder {
  readonly type: SqlType
  readonly desc: boolean
  readonly nullsFirst: boolean
}

export function compareKeys(keys: readonly SortKeyOrder[], a: readonly SqlValue[], b: readonly SqlValue[]): number {
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i]!
    const x = a[i]!
    const y = b[i]!
    if (x === null || y === null) {
      if (x === y) continue
      return (x === null) === k.nullsFirst ? -1 : 1
    }
    const c = compareValues(k.type, x, y)
    if (c !== 0) return k.desc ? -c : c
  }
  return 0
}
