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
 * pin nothing, and such a bound is clamped to the column's range; a range open on
 * one side stops short of the column's NULLs. So integer comparisons are answered
 * exactly by the key range, and the planner leaves them out of the scan's filter
 * (access-path.ts); the filter checks every other predicate.
 */
import { compareBytes } from '../../common/key-encoding.js'
import { successorKey, type VisibleRow } from '../../txn/index.js'
import type { IndexInfo, TableInfo } from '../catalog/schema.js'
import { columnPicker, decodeColumns, decodeRow, rowLayout } from '../rows/row-codec.js'
import { KeyShape, prefixEnd } from '../rows/keys.js'
import type { BExpr } from '../plan/bound.js'
import type { PhysicalPlan } from '../plan/physical.js'
import type { SqlType, SqlValue } from '../values/index.js'
import { compile, EMPTY_LAYOUT, type Compiled } from './compile.js'
import { interruptPoint, type ExecContext, type Row } from './context.js'
import { BATCH, compiledOf, filterBatch, layoutOf } from './run.js'

type Scan = PhysicalPlan & { kind: 'seq-scan' | 'index-scan' }

/** Makes an output row from a stored row, `bytes[start…end)`, whose key is `key` (or the scan row that knows it). */
type RowMaker = (bytes: Uint8Array, start: number, end: number, key: Buffer | VisibleRow) => Row

const makers = new WeakMap<Scan, RowMaker>()

/**
 * Turns stored rows into output rows: the scanned columns, then the row key if
 * asked for. Made once per plan node; it decodes only the scanned columns (a scan
 * of one int column skips the bytes of a long text column), and the key is copied
 * out only when the plan uses it (UPDATE and DELETE do).
 */
function rowMaker(p: Scan): RowMaker {
  let make = makers.get(p)
  if (make !== undefined) return make
  const layout = rowLayout(p.table)
  const slots = p.columns.map((c) => c.attnum - 1)
  const n = slots.length
  const withKey = p.rowKey !== undefined
  const keyOf = (key: Buffer | VisibleRow): Buffer => (key instanceof Uint8Array ? key : key.key())
  const picker = columnPicker(layout, slots, n + (withKey ? 1 : 0))
  if (picker !== undefined) {
    make = withKey
      ? (bytes, start, end, key) => {
          const row = decodeColumns(picker, bytes, start, end)
          row[n] = keyOf(key)
          return row
        }
      : (bytes, start, end) => decodeColumns(picker, bytes, start, end)
  } else {
    // A column scanned twice: decode the whole row and pick.
    make = (bytes, start, end, key) => {
      const stored = decodeRow(layout, bytes, start, end)
      const row: Row = new Array(n + (withKey ? 1 : 0))
      for (let i = 0; i < n; i++) row[i] = stored[slots[i]!]!
      if (withKey) row[n] = keyOf(key)
      return row
    }
  }
  makers.set(p, make)
  return make
}

/** A scan's filter (the predicates its access does not answer, and those it does: see the module doc). */
const scanFilter = (p: Scan): Compiled | undefined => (p.filter === undefined ? undefined : compiledOf(p, 'filter', () => compile(p.filter!, layoutOf(p))))

export async function* seqScan(p: Scan & { kind: 'seq-scan' }, ctx: ExecContext): AsyncGenerator<Row[]> {
  yield* scanRange(p, ctx, p.table.tree, undefined, undefined, p.reverse, rowMaker(p))
}

/** Rows of a key range of the table, a batch per call into the transaction, decoded straight from the pages (scanEach). */
async function* scanRange(
  p: Scan,
  ctx: ExecContext,
  tree: TableInfo['tree'],
  from: Uint8Array | undefined,
  to: Uint8Array | undefined,
  reverse: boolean,
  make: RowMaker,
): AsyncGenerator<Row[]> {
  const filter = scanFilter(p)
  for (;;) {
    const turn = interruptPoint(ctx)
    if (turn !== undefined) await turn
    const rows: Row[] = []
    const last = await ctx.txn.scanEach(tree, { from, to, reverse, limit: BATCH }, (v) => {
      rows.push(make(v.bytes, v.start, v.end, v))
    })
    if (rows.length > 0) {
      const out = filter === undefined ? rows : await filterBatch(filter, rows, ctx)
      if (out.length > 0) yield out
    }
    if (last === undefined) return
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

const INT_RANGE = { int2: [-32768, 32767], int4: [-2147483648, 2147483647], int8: [-(2n ** 63n), 2n ** 63n - 1n] } as const

/** A value as a key of column type `col`, or undefined when it cannot be one (out of the column's range). */
function asKeyValue(v: SqlValue, col: SqlType): SqlValue | undefined {
  if (col.kind === 'int2' || col.kind === 'int4') {
    // int2/int4 values are numbers; an int8 value (bigint) compared with the column is checked as a bigint.
    const [lo, hi] = INT_RANGE[col.kind]
    if (typeof v === 'number') return v < lo || v > hi ? undefined : v
    const n = BigInt(v as bigint)
    return n < BigInt(lo) || n > BigInt(hi) ? undefined : Number(n)
  }
  if (col.kind === 'int8') {
    const n = BigInt(v as number | bigint)
    const [lo, hi] = INT_RANGE.int8
    return n < lo || n > hi ? undefined : n
  }
  return v
}

/** A range bound as a key value of its column; null: no row can satisfy it. */
interface KeyBound {
  readonly value: SqlValue
  readonly inclusive: boolean
}

/**
 * `col > v` (`greater`; `>=` when `inclusive`) or `col < v` as a bound on the key
 * values of column type `col`. An integer beyond the column's range is clamped, so
 * the key range answers the comparison exactly (access-path.ts leaves integer
 * comparisons out of the scan's filter): `int4col <= 2^40` is `int4col <= 2^31-1`,
 * `int4col >= 2^40` matches nothing.
 */
function keyBound(v: SqlValue, inclusive: boolean, col: SqlType, greater: boolean): KeyBound | null {
  const k = asKeyValue(v, col)
  if (k !== undefined) return { value: k, inclusive }
  const [lo, hi] = INT_RANGE[col.kind as 'int2' | 'int4']
  const above = BigInt(v as number | bigint) > BigInt(hi)
  if (greater) return above ? null : { value: lo, inclusive: true }
  return above ? { value: hi, inclusive: true } : null
}

/** The NULL tag of the key encoding, and its inverse in a descending column (common/key-encoding.ts). */
const NULL_TAG = 0xf0
const NULL_TAG_DESC = 0x0f

/** `prefix ‖ byte` (an empty prefix: the byte alone). */
function withByte(prefix: Uint8Array | undefined, byte: number): Buffer {
  const n = prefix?.length ?? 0
  const out = Buffer.allocUnsafe(n + 1)
  if (prefix !== undefined) out.set(prefix, 0)
  out[n] = byte
  return out
}

/** An index scan's bound expressions, compiled once per plan node. */
interface AccessExprs {
  readonly lower: Compiled | undefined
  readonly upper: Compiled | undefined
  readonly prefixes: readonly (readonly Compiled[])[]
  /** Some bound holds a subquery (the planner makes none such today: see keyRanges). */
  readonly async: boolean
}

const accessExprs = new WeakMap<Scan, AccessExprs>()

function accessOf(p: Scan & { kind: 'index-scan' }): AccessExprs {
  let a = accessExprs.get(p)
  if (a === undefined) {
    const c = (e: BExpr) => compile(e, EMPTY_LAYOUT)
    const lower = p.access.lower === undefined ? undefined : c(p.access.lower.expr)
    const upper = p.access.upper === undefined ? undefined : c(p.access.upper.expr)
    const prefixes = p.access.prefixes.map((alt) => alt.map(c))
    const async = [lower, upper, ...prefixes.flat()].some((x) => x?.async === true)
    a = { lower, upper, prefixes, async }
    accessExprs.set(p, a)
  }
  return a
}

const NO_ROW: Row = []

/** The key passed to a row maker that puts no key in its rows. */
const NO_KEY = Buffer.alloc(0)

/**
 * The key ranges an index scan reads, in key order. Bounds are constants,
 * parameters and outer columns: synchronous, so the ranges are made without an
 * await. Should a bound ever hold a subquery, all bounds are evaluated first.
 */
function keyRanges(p: Scan & { kind: 'index-scan' }, ctx: ExecContext, shape: KeyShape): KeyRange[] | Promise<KeyRange[]> {
  const exprs = accessOf(p)
  if (!exprs.async) return rangesOf(p, exprs, shape, (c) => c.fn(NO_ROW, ctx) as SqlValue)
  return (async () => {
    const values = new Map<Compiled, SqlValue>()
    for (const c of [exprs.lower, exprs.upper, ...exprs.prefixes.flat()]) if (c !== undefined) values.set(c, await c.fn(NO_ROW, ctx))
    return rangesOf(p, exprs, shape, (c) => values.get(c)!)
  })()
}

function rangesOf(p: Scan & { kind: 'index-scan' }, exprs: AccessExprs, shape: KeyShape, valueOf: (c: Compiled) => SqlValue): KeyRange[] {
  const a = p.access
  const lower = exprs.lower === undefined ? undefined : valueOf(exprs.lower)
  const upper = exprs.upper === undefined ? undefined : valueOf(exprs.upper)
  // A NULL bound matches nothing (col > NULL is never true).
  if (lower === null || upper === null) return []
  const ranges: KeyRange[] = []
  const full = p.index.primary && a.lower === undefined && a.upper === undefined
  alternatives: for (let i = 0; i < exprs.prefixes.length; i++) {
    const alt = exprs.prefixes[i]!
    const vals: SqlValue[] = []
    for (let j = 0; j < alt.length; j++) {
      const v = valueOf(alt[j]!)
      if (v === null) continue alternatives
      const k = asKeyValue(v, shape.types[j]!)
      if (k === undefined) continue alternatives
      vals.push(k)
    }
    const n = vals.length
    const prefix = n > 0 ? shape.encodePrefix(vals, n) : undefined
    if (full && n === shape.types.length) {
      // A point: read with one `get` (its `to` is never used).
      ranges.push({ from: prefix, to: undefined, point: prefix })
      continue
    }
    let from = prefix
    let to: Uint8Array | undefined = prefix === undefined ? undefined : prefixEnd(prefix)
    if (lower !== undefined || upper !== undefined) {
      const col = shape.types[n]!
      const desc = shape.columns[n]!.descending === true
      // A bound below the index order is a SQL `>`/`>=` on an ascending column, a `<`/`<=` on a descending one.
      const lo = lower === undefined ? undefined : keyBound(lower, a.lower!.inclusive, col, !desc)
      const hi = upper === undefined ? undefined : keyBound(upper, a.upper!.inclusive, col, desc)
      if (lo === null || hi === null) continue
      const at = (b: KeyBound) => shape.encodePrefix([...vals, b.value], n + 1)
      // A range open on one side still stops short of the column's NULLs (NULLS LAST
      // ascending, first descending), which no comparison matches.
      if (lo !== undefined) from = lo.inclusive ? at(lo) : prefixEnd(at(lo))
      else if (desc) from = withByte(prefix, NULL_TAG_DESC + 1)
      if (hi !== undefined) to = hi.inclusive ? prefixEnd(at(hi)) : at(hi)
      else if (!desc) to = withByte(prefix, NULL_TAG)
    }
    if (from !== undefined && to !== undefined && compareBytes(from, to) >= 0) continue
    ranges.push({ from, to, point: undefined })
  }
  if (ranges.length <= 1) return ranges
  ranges.sort((x, y) => (x.from === undefined ? -1 : y.from === undefined ? 1 : compareBytes(x.from, y.from)))
  return ranges.filter((r, i) => i === 0 || r.from === undefined || ranges[i - 1]!.from === undefined || compareBytes(r.from, ranges[i - 1]!.from!) !== 0)
}

/** An index scan: of the primary key (the table's own order) or of a secondary index. */
export function indexScan(p: Scan & { kind: 'index-scan' }, ctx: ExecContext): AsyncGenerator<Row[]> {
  return p.index.primary ? primaryIndexScan(p, ctx) : secondaryIndexScan(p, ctx)
}

/** The ranges in the order the scan reads them; ready at once unless a bound holds a subquery. */
function rangesFor(p: Scan & { kind: 'index-scan' }, ctx: ExecContext): KeyRange[] | Promise<KeyRange[]> {
  const found = keyRanges(p, ctx, indexShape(p.index))
  if (!Array.isArray(found)) return found.then((r) => (p.reverse ? r.reverse() : r))
  return p.reverse ? found.reverse() : found
}

async function* primaryIndexScan(p: Scan & { kind: 'index-scan' }, ctx: ExecContext): AsyncGenerator<Row[]> {
  const found = rangesFor(p, ctx)
  const ranges = Array.isArray(found) ? found : await found
  const make = rowMaker(p)
  const filter = scanFilter(p)
  for (const r of ranges) {
    if (r.point !== undefined) {
      const read = ctx.txn.getNow(p.table.tree, r.point)
      const bytes = read instanceof Promise ? await read : read
      if (bytes === undefined) continue
      const row = make(bytes, 0, bytes.length, p.rowKey === undefined ? NO_KEY : Buffer.from(r.point))
      if (filter === undefined || (filter.async ? await filter.fn(row, ctx) : filter.fn(row, ctx)) === true) yield [row]
      continue
    }
    yield* scanRange(p, ctx, p.table.tree, r.from, r.to, p.reverse, make)
  }
}

/**
 * All rows of an index scan, as `collect` wants them: primary-key points and
 * secondary-index lookups are read without a generator (a nested loop's inner side
 * is such a scan, run once per outer row); primary-key ranges run the operator.
 * Primary-key points come back without a promise when no read has to wait (the
 * usual case), so an index nested loop pays no await per outer row.
 */
export function indexScanRows(p: Scan & { kind: 'index-scan' }, ctx: ExecContext): Row[] | Promise<Row[]> {
  const found = rangesFor(p, ctx)
  if (!Array.isArray(found)) return found.then((ranges) => rowsOfRanges(p, ctx, ranges))
  return rowsOfRanges(p, ctx, found)
}

function rowsOfRanges(p: Scan & { kind: 'index-scan' }, ctx: ExecContext, ranges: KeyRange[]): Row[] | Promise<Row[]> {
  if (!p.index.primary) return secondaryIndexRows(p, ctx, ranges)
  if (ranges.some((r) => r.point === undefined)) return collectScan(indexScan(p, ctx))
  const filter = scanFilter(p)
  if (filter?.async === true) return pointRowsAfter(p, ctx, ranges, 0, [], undefined)
  const make = rowMaker(p)
  const rows: Row[] = []
  for (let i = 0; i < ranges.length; i++) {
    const point = ranges[i]!.point!
    const read = ctx.txn.getNow(p.table.tree, point)
    // A read that must wait: the rest goes on asynchronously, from this point (and this very read).
    if (read instanceof Promise) return pointRowsAfter(p, ctx, ranges, i, rows, read)
    if (read === undefined) continue
    const row = make(read, 0, read.length, p.rowKey === undefined ? NO_KEY : Buffer.from(point))
    if (filter === undefined || filter.fn(row, ctx) === true) rows.push(row)
  }
  return rows
}

/**
 * Primary-key points from `ranges[from]` on, added to `rows`, awaiting what must be
 * awaited; `pending` is the read of `ranges[from]` already begun (it may be the one
 * that waits for a safe snapshot: it is awaited, not made again).
 */
async function pointRowsAfter(p: Scan & { kind: 'index-scan' }, ctx: ExecContext, ranges: readonly KeyRange[], from: number, rows: Row[], pending: Promise<Buffer | undefined> | undefined): Promise<Row[]> {
  const make = rowMaker(p)
  const filter = scanFilter(p)
  for (let i = from; i < ranges.length; i++) {
    const point = ranges[i]!.point!
    const bytes = await (i === from && pending !== undefined ? pending : ctx.txn.getNow(p.table.tree, point))
    if (bytes === undefined) continue
    const row = make(bytes, 0, bytes.length, p.rowKey === undefined ? NO_KEY : Buffer.from(point))
    if (filter === undefined || (filter.async ? await filter.fn(row, ctx) : filter.fn(row, ctx)) === true) rows.push(row)
  }
  return rows
}

async function collectScan(scan: AsyncGenerator<Row[]>): Promise<Row[]> {
  const rows: Row[] = []
  for await (const batch of scan) for (const r of batch) rows.push(r)
  return rows
}

/** A secondary index's entries in key order, each followed to its row (an entry's value is its row's key). */
async function* secondaryIndexScan(p: Scan & { kind: 'index-scan' }, ctx: ExecContext): AsyncGenerator<Row[]> {
  const found = rangesFor(p, ctx)
  for (const r of Array.isArray(found) ? found : await found) {
    let at: KeyRange | undefined = r
    while (at !== undefined) {
      const batch = await secondaryBatch(p, ctx, at)
      if (batch.rows.length > 0) yield batch.rows
      at = batch.next
    }
  }
}

/** The rows of a secondary index scan, without a generator (a lookup is mostly one batch). */
async function secondaryIndexRows(p: Scan & { kind: 'index-scan' }, ctx: ExecContext, ranges: readonly KeyRange[]): Promise<Row[]> {
  let rows: Row[] | undefined
  for (const r of ranges) {
    let at: KeyRange | undefined = r
    while (at !== undefined) {
      const batch = await secondaryBatch(p, ctx, at)
      if (rows === undefined) rows = batch.rows
      else for (const row of batch.rows) rows.push(row)
      at = batch.next
    }
  }
  return rows ?? []
}

/**
 * Up to BATCH entries of a secondary index range followed to their rows (filtered),
 * and the rest of the range to read next (undefined when it is done).
 */
async function secondaryBatch(p: Scan & { kind: 'index-scan' }, ctx: ExecContext, range: KeyRange): Promise<{ rows: Row[]; next: KeyRange | undefined }> {
  const turn = interruptPoint(ctx)
  if (turn !== undefined) await turn
  const rowKeys: Buffer[] = []
  const last = await ctx.txn.scanEach(p.index.tree, { from: range.from, to: range.to, reverse: p.reverse, limit: BATCH }, (e) => rowKeys.push(copyOf(e.bytes, e.start, e.end)))
  const make = rowMaker(p)
  const rows: Row[] = []
  for (const rowKey of rowKeys) {
    const read = ctx.txn.getNow(p.table.tree, rowKey)
    const bytes = read instanceof Promise ? await read : read
    if (bytes !== undefined) rows.push(make(bytes, 0, bytes.length, rowKey))
  }
  const filter = scanFilter(p)
  const out = filter === undefined ? rows : await filterBatch(filter, rows, ctx)
  const next = last === undefined ? undefined : p.reverse ? { from: range.from, to: last, point: undefined } : { from: successorKey(last), to: range.to, point: undefined }
  return { rows: out, next }
}

/** A copy of `bytes[start…end)` (Buffer's pool, no view made first). */
function copyOf(bytes: Uint8Array, start: number, end: number): Buffer {
  const out = Buffer.allocUnsafe(end - start)
  for (let i = start; i < end; i++) out[i - start] = bytes[i]!
  return out
}
