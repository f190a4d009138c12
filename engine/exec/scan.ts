/**
 * Table access: sequential scans of a table's tree (its primary-key order) and
 * index scans, of the primary key or of a secondary index followed by a lookup of
 * each entry's row.
 *
 * Scans stream: each step reads one batch of visible rows from the transaction
 * (txn/ `scan` with a limit) and resumes after its last key, so `LIMIT 10` over a
 * large table reads little, and SERIALIZABLE's SIREAD lock covers only what was
 * read. An index access becomes key ranges: the encoded equality prefix, narrowed
 * by a range on the next key column; IN-list alternatives are scanned in key order.
 * Values that cannot be keys of the column (an int8 beyond an int4 column's range)
 * pin nothing; a bound that cannot be encoded is dropped, which only widens the
 * range: the scan's filter still checks every predicate.
 */
import { compareBytes } from '../../common/key-encoding.js'
import { successorKey } from '../../txn/index.js'
import type { IndexInfo, TableInfo } from '../catalog/schema.js'
import { decodeRow, rowLayout } from '../rows/row-codec.js'
import { KeyShape, prefixEnd } from '../rows/keys.js'
import type { BExpr } from '../plan/bound.js'
import type { PhysicalPlan } from '../plan/physical.js'
import type { SqlType, SqlValue } from '../values/index.js'
import { compile, EMPTY_LAYOUT } from './compile.js'
import { interruptPoint, type ExecContext, type Row } from './context.js'
import { BATCH, compiledOf, filterBatch, layoutOf, value } from './run.js'

type Scan = PhysicalPlan & { kind: 'seq-scan' | 'index-scan' }

/** Turns stored (key, row bytes) pairs into output rows: the scanned columns, then the row key if asked for. */
function rowMaker(p: Scan): (key: Buffer, bytes: Buffer) => Row {
  const layout = rowLayout(p.table)
  const slots = p.columns.map((c) => c.attnum - 1)
  const withKey = p.rowKey !== undefined
  return (key, bytes) => {
    const stored = decodeRow(layout, bytes)
    const row: Row = new Array(slots.length + (withKey ? 1 : 0))
    for (let i = 0; i < slots.length; i++) row[i] = stored[slots[i]!]!
    if (withKey) row[slots.length] = key
    return row
  }
}

export async function* seqScan(p: Scan & { kind: 'seq-scan' }, ctx: ExecContext): AsyncGenerator<Row[]> {
  yield* scanRange(p, ctx, p.table.tree, undefined, undefined, p.reverse, rowMaker(p))
}

async function* scanRange(
  p: Scan,
  ctx: ExecContext,
  tree: TableInfo['tree'],
  from: Uint8Array | undefined,
  to: Uint8Array | undefined,
  reverse: boolean,
  make: (key: Buffer, bytes: Buffer) => Row,
): AsyncGenerator<Row[]> {
  const filter = p.filter === undefined ? undefined : compiledOf(p, 'filter', () => compile(p.filter!, layoutOf(p)))
  for (;;) {
    await interruptPoint(ctx)
    const kvs: [Buffer, Buffer][] = await ctx.txn.scan(tree, { from, to, reverse, limit: BATCH })
    if (kvs.length > 0) {
      const rows = kvs.map(([k, v]) => make(k, v))
      const out = filter === undefined ? rows : await filterBatch(filter, rows, ctx)
      if (out.length > 0) yield out
    }
    if (kvs.length < BATCH) return
    const last = kvs[kvs.length - 1]![0]
    if (reverse) to = last
    else from = successorKey(last)
  }
}

interface KeyRange {
  readonly from: Uint8Array | undefined
  readonly to: Uint8Array | undefined
  /** The whole primary key is pinned: one `get`. */
  readonly point: Uint8Array | undefined
}

const shapes = new WeakMap<IndexInfo, KeyShape>()

export function indexShape(index: IndexInfo): KeyShape {
  let s = shapes.get(index)
  if (s === undefined) {
    s = new KeyShape(index.keys.map((k) => k.type), index.keys.map((k) => k.desc))
    shapes.set(index, s)
  }
  return s
}

const INT_RANGE = { int2: [-32768n, 32767n], int4: [-2147483648n, 2147483647n], int8: [-(2n ** 63n), 2n ** 63n - 1n] } as const

/** A value as a key of column type `col`, or undefined when it cannot be one (out of the column's range). */
function asKeyValue(v: SqlValue, col: SqlType): SqlValue | undefined {
  if (col.kind === 'int2' || col.kind === 'int4' || col.kind === 'int8') {
    const n = BigInt(v as number | bigint)
    const [lo, hi] = INT_RANGE[col.kind]
    if (n < lo || n > hi) return undefined
    return col.kind === 'int8' ? n : Number(n)
  }
  return v
}

async function keyRanges(p: Scan & { kind: 'index-scan' }, ctx: ExecContext, shape: KeyShape): Promise<KeyRange[]> {
  const a = p.access
  const eval0 = (e: BExpr, name: string) => value(compiledOf(p, name, () => compile(e, EMPTY_LAYOUT)), [], ctx)
  const lower = a.lower === undefined ? undefined : await eval0(a.lower.expr, 'lower')
  const upper = a.upper === undefined ? undefined : await eval0(a.upper.expr, 'upper')
  // A NULL bound matches nothing (col > NULL is never true).
  if (lower === null || upper === null) return []
  const ranges: KeyRange[] = []
  const full = p.index.primary && a.lower === undefined && a.upper === undefined
  alternatives: for (let i = 0; i < a.prefixes.length; i++) {
    const alt = a.prefixes[i]!
    const vals: SqlValue[] = []
    for (let j = 0; j < alt.length; j++) {
      const v = await eval0(alt[j]!, `p${i}.${j}`)
      if (v === null) continue alternatives
      const k = asKeyValue(v, shape.types[j]!)
      if (k === undefined) continue alternatives
      vals.push(k)
    }
    const n = vals.length
    const prefix = n > 0 ? shape.encodePrefix(vals, n) : undefined
    if (full && n === shape.types.length) {
      ranges.push({ from: prefix, to: prefixEnd(prefix!), point: prefix })
      continue
    }
    let from = prefix
    let to: Uint8Array | undefined = prefix === undefined ? undefined : prefixEnd(prefix)
    const bound = (v: SqlValue | undefined) => {
      if (v === undefined) return undefined
      const k = asKeyValue(v, shape.types[n]!)
      return k === undefined ? undefined : shape.encodePrefix([...vals, k], n + 1)
    }
    const lo = bound(lower)
    if (lo !== undefined) from = a.lower!.inclusive ? lo : prefixEnd(lo)
    const hi = bound(upper)
    if (hi !== undefined) to = a.upper!.inclusive ? prefixEnd(hi) : hi
    if (from !== undefined && to !== undefined && compareBytes(from, to) >= 0) continue
    ranges.push({ from, to, point: undefined })
  }
  ranges.sort((x, y) => (x.from === undefined ? -1 : y.from === undefined ? 1 : compareBytes(x.from, y.from)))
  return ranges.filter((r, i) => i === 0 || r.from === undefined || ranges[i - 1]!.from === undefined || compareBytes(r.from, ranges[i - 1]!.from!) !== 0)
}

export async function* indexScan(p: Scan & { kind: 'index-scan' }, ctx: ExecContext): AsyncGenerator<Row[]> {
  const shape = indexShape(p.index)
  const ranges = await keyRanges(p, ctx, shape)
  if (p.reverse) ranges.reverse()
  const make = rowMaker(p)
  if (p.index.primary) {
    const filter = p.filter === undefined ? undefined : compiledOf(p, 'filter', () => compile(p.filter!, layoutOf(p)))
    for (const r of ranges) {
      if (r.point !== undefined) {
        const bytes = await ctx.txn.get(p.table.tree, r.point)
        if (bytes === undefined) continue
        const row = make(Buffer.from(r.point), bytes)
        const out = filter === undefined ? [row] : await filterBatch(filter, [row], ctx)
        if (out.length > 0) yield out
        continue
      }
      yield* scanRange(p, ctx, p.table.tree, r.from, r.to, p.reverse, make)
    }
    return
  }
  // A secondary index: each entry's value is its row's key.
  const filter = p.filter === undefined ? undefined : compiledOf(p, 'filter', () => compile(p.filter!, layoutOf(p)))
  for (const r of ranges) {
    let from: Uint8Array | undefined = r.from
    let to: Uint8Array | undefined = r.to
    for (;;) {
      await interruptPoint(ctx)
      const entries = await ctx.txn.scan(p.index.tree, { from, to, reverse: p.reverse, limit: BATCH })
      const rows: Row[] = []
      for (const [, rowKey] of entries) {
        const bytes = await ctx.txn.get(p.table.tree, rowKey)
        if (bytes !== undefined) rows.push(make(rowKey, bytes))
      }
      const out = filter === undefined ? rows : await filterBatch(filter, rows, ctx)
      if (out.length > 0) yield out
      if (entries.length < BATCH) break
      const last = entries[entries.length - 1]![0]
      if (p.reverse) to = last
      else from = successorKey(last)
    }
  }
}
