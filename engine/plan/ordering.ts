/**
 * Sort elimination: an ORDER BY that a scan's key order already provides needs no
 * sort. A table is clustered on its primary key, so a plain scan returns rows in
 * key order; an index scan returns them in index order; scanning backwards
 * reverses both. Key columns pinned by equality do not disturb the order of the
 * columns after them (`WHERE a = 1 ORDER BY b` on an index (a, b)).
 *
 * The key encoding places NULLs after every value in an ascending column and
 * before them in a descending one, which is PostgreSQL's default NULLS LAST for
 * ASC and NULLS FIRST for DESC; an ORDER BY asking for the other placement sorts.
 *
 * With a LIMIT above, a scan may switch to an index whose order matches: reading
 * the first rows of `ORDER BY k LIMIT 10` from an index on k beats sorting the table.
 * A join keeps the order of its left (outer) input, so ordering by the outer
 * table's key needs no sort above a join either.
 */
import type { IndexInfo } from '../catalog/schema.js'
import type { ColumnId } from './bound.js'
import type { SortKey } from './logical.js'
import { indexColumns } from './access-path.js'
import type { PhysicalPlan } from './physical.js'

type Scan = PhysicalPlan & { kind: 'seq-scan' | 'index-scan' }

/** `input` rearranged to produce rows in `keys` order, or undefined if it cannot without sorting. */
export function provideOrder(input: PhysicalPlan, keys: readonly SortKey[], limited: boolean): PhysicalPlan | undefined {
  const ids: { id: ColumnId; desc: boolean; nullsFirst: boolean }[] = []
  for (const k of keys) {
    if (k.expr.kind !== 'column') return undefined
    ids.push({ id: k.expr.id, desc: k.desc, nullsFirst: k.nullsFirst })
  }
  return ordered(input, ids, limited)
}

function ordered(p: PhysicalPlan, keys: { id: ColumnId; desc: boolean; nullsFirst: boolean }[], limited: boolean): PhysicalPlan | undefined {
  switch (p.kind) {
    case 'filter': {
      const inner = ordered(p.input, keys, limited)
      return inner && { ...p, input: inner }
    }
    case 'project': {
      const mapped = []
      for (const k of keys) {
        const item = p.items.find((i) => i.id === k.id)
        if (item === undefined || item.expr.kind !== 'column') return undefined
        mapped.push({ ...k, id: item.expr.id })
      }
      const inner = ordered(p.input, mapped, limited)
      return inner && { ...p, input: inner }
    }
    case 'seq-scan':
    case 'index-scan':
      return orderScan(p, keys, limited)
    case 'nested-loop':
    case 'hash-join': {
      // Both emit rows in their left input's order (each left row with its matches),
      // except that full and right joins add the unmatched right rows at the end.
      if (p.type === 'full' || p.type === 'right') return undefined
      const left = ordered(p.left, keys, limited)
      return left && { ...p, left }
    }
    default:
      return undefined
  }
}

/** Does scanning `index` (forwards or backwards) give `keys` order? Returns the direction, or undefined. */
function matches(scan: Scan, index: IndexInfo, pinned: number, keys: readonly { id: ColumnId; desc: boolean; nullsFirst: boolean }[]): boolean | undefined {
  const cols = indexColumns(scan, index)
  if (cols === undefined) return undefined
  let reverse: boolean | undefined
  let i = 0
  for (const k of keys) {
    // Equality-pinned leading columns are constant: skip them (and an ORDER BY on them).
    while (i < pinned && cols[i] !== k.id) i++
    if (i < pinned && cols[i] === k.id) continue
    const col = cols[i]
    if (col !== k.id) return undefined
    const keyDesc = index.keys[i]!.desc
    const r = k.desc !== keyDesc
    if (k.nullsFirst !== k.desc) return undefined
    if (reverse !== undefined && reverse !== r) return undefined
    reverse = r
    i++
  }
  return reverse ?? false
}

function orderScan(scan: Scan, keys: { id: ColumnId; desc: boolean; nullsFirst: boolean }[], limited: boolean): PhysicalPlan | undefined {
  if (scan.kind === 'index-scan') {
    const single = scan.access.prefixes.length === 1
    const pinned = single ? scan.access.prefixes[0]!.length : 0
    // Several IN alternatives are scanned in key order (the executor sorts them), so they keep the index order.
    const r = matches(scan, scan.index, pinned, keys)
    return r === undefined ? undefined : { ...scan, reverse: r }
  }
  const pk = scan.table.indexes.find((i) => i.primary)
  if (pk !== undefined) {
    const r = matches(scan, pk, 0, keys)
    if (r !== undefined) return { ...scan, reverse: r }
  }
  if (!limited) return undefined
  for (const index of scan.table.indexes) {
    if (index.primary || index.predicate !== undefined) continue
    const r = matches(scan, index, 0, keys)
    if (r !== undefined) {
      return { ...scan, kind: 'index-scan', index, access: { prefixes: [[]], lower: undefined, upper: undefined, conditions: [] }, reverse: r }
    }
  }
  return undefined
}
