/**
 * The executor: one operator per physical plan kind, each an async generator of
 * row batches (`Row[]`). Batches amortise the cost of `await` across many rows; the
 * per-row work inside a batch is synchronous whenever the expressions are.
 *
 *     limit ◄── project ◄── hash-join ◄── seq-scan (probe)
 *                                  └──── index-scan (build)
 *
 * Rows are arrays laid out as `outputs(plan)` lists; expressions are
 * compiled once per plan node (plans are cached and reused, so compiled closures
 * are kept in a WeakMap keyed by the node).
 */
import { dbError } from '../../common/errors.js'
import { outputs } from '../plan/logical.js'
import type { PhysicalPlan } from '../plan/physical.js'
import type { SqlValue } from '../values/index.js'
import { compile, EMPTY_LAYOUT, type Compiled, type Layout } from './compile.js'
import { interruptPoint, type ExecContext, type NodeStats, type Row } from './context.js'
import { rowKey } from './hash-key.js'
import { indexScan, indexScanRows, seqScan } from './scan.js'
import { aggregate } from './aggregate.js'
import { hashJoin, nestedLoop } from './join.js'
import { compareKeys } from './compare-keys.js'

export const BATCH = 256

type Operator<K extends PhysicalPlan['kind']> = (p: PhysicalPlan & { kind: K }, ctx: ExecContext) => AsyncGenerator<Row[]>

const layouts = new WeakMap<PhysicalPlan, Layout>()

export function layoutOf(p: PhysicalPlan): Layout {
  let l = layouts.get(p)
  if (l === undefined) {
    l = new Map(outputs(p).map((c, i) => [c.id, i]))
    layouts.set(p, l)
  }
  return l
}

const compiled = new WeakMap<object, Map<string, Compiled>>()

/** The compiled form of an expression held by `owner` under `name`, compiled on first use. */
export function compiledOf(owner: object, name: string, make: () => Compiled): Compiled {
  let m = compiled.get(owner)
  if (m === undefined) {
    m = new Map()
    compiled.set(owner, m)
  }
  let c = m.get(name)
  if (c === undefined) {
    c = make()
    m.set(name, c)
  }
  return c
}

const NO_ROW: Row = []
const valuesCompiled = new WeakMap<PhysicalPlan, readonly (readonly Compiled[])[]>()

/** A VALUES list's expressions, compiled once per plan node (INSERT … VALUES runs this for every statement). */
function valuesExprs(p: PhysicalPlan & { kind: 'values' }): readonly (readonly Compiled[])[] {
  let c = valuesCompiled.get(p)
  if (c === undefined) {
    c = p.rows.map((r) => r.map((e) => compile(e, EMPTY_LAYOUT)))
    valuesCompiled.set(p, c)
  }
  return c
}

/** Evaluates an expression that is usually synchronous. */
export async function value(c: Compiled, row: Row, ctx: ExecContext): Promise<SqlValue> {
  return c.async ? await c.fn(row, ctx) : c.fn(row, ctx)
}

/** Keeps the rows of a batch for which `c` is true. */
export async function filterBatch(c: Compiled, batch: Row[], ctx: ExecContext): Promise<Row[]> {
  const out: Row[] = []
  if (!c.async) {
    for (const r of batch) if (c.fn(r, ctx) === true) out.push(r)
    return out
  }
  for (const r of batch) if ((await c.fn(r, ctx)) === true) out.push(r)
  return out
}

/**
 * A plan node's rows. Not a generator itself: it hands out the operator's own
 * generator, so a plan of n nodes runs n generators, not 2n (each layer of
 * `yield*` costs promises at every step). The interrupt points (interruptPoint:
 * the event loop's turn, cancel, statement_timeout) are in the operators that make
 * batches in a loop — scans, function scans, sorts, aggregates, joins — so every
 * batch of every pipeline passes one.
 */
export function run(p: PhysicalPlan, ctx: ExecContext): AsyncGenerator<Row[]> {
  const op = OPERATORS[p.kind] as Operator<typeof p.kind>
  return ctx.stats === undefined ? op(p, ctx) : measured(op(p, ctx), p, ctx.stats, ctx)
}

/** EXPLAIN ANALYZE: counts a node's loops, rows and time around its operator. */
async function* measured(it: AsyncGenerator<Row[]>, p: PhysicalPlan, stats: Map<PhysicalPlan, NodeStats>, ctx: ExecContext): AsyncGenerator<Row[]> {
  let s = stats.get(p)
  if (s === undefined) stats.set(p, (s = { rows: 0, loops: 0, time: 0 }))
  s.loops++
  for (;;) {
    const t0 = performance.now()
    const r = await it.next()
    s.time += performance.now() - t0
    if (r.done) return
    s.rows += r.value.length
    await interruptPoint(ctx)
    yield r.value
  }
}

/**
 * All rows of a plan. Two shapes skip the generators, since a statement's result
 * and a nested loop's inner side are collected whole anyway: a projection of
 * synchronous expressions maps its input's rows in place (one row out per row in,
 * so this holds no more rows than the result), and an index scan reads its rows
 * directly (scan.ts), for primary-key points even without a promise (collectNow).
 * Elsewhere, and under EXPLAIN ANALYZE, the operators run.
 */
export function collect(p: PhysicalPlan, ctx: ExecContext): Promise<Row[]> {
  const rows = collectNow(p, ctx)
  return Array.isArray(rows) ? Promise.resolve(rows) : rows
}

/** `collect`, without a promise when the rows are there at once (an index scan's points that did not wait). */
export function collectNow(p: PhysicalPlan, ctx: ExecContext): Row[] | Promise<Row[]> {
  if (ctx.stats === undefined) {
    if (p.kind === 'project') {
      const items = projectItems(p)
      if (!items.some((c) => c.async)) {
        const rows = collectNow(p.input, ctx)
        return Array.isArray(rows) ? projectInPlace(items, rows, ctx) : rows.then((r) => projectInPlace(items, r, ctx))
      }
    }
    if (p.kind === 'index-scan') return indexScanRows(p, ctx)
  }
  return collectBatches(p, ctx)
}

const projections = new WeakMap<PhysicalPlan, readonly Compiled[]>()

/** A projection's items, compiled once per plan node. */
function projectItems(p: PhysicalPlan & { kind: 'project' }): readonly Compiled[] {
  let items = projections.get(p)
  if (items === undefined) {
    const layout = layoutOf(p.input)
    items = p.items.map((it) => compile(it.expr, layout))
    projections.set(p, items)
  }
  return items
}

/** Replaces each row by its projection (the rows are collect's own). */
function projectInPlace(items: readonly Compiled[], rows: Row[], ctx: ExecContext): Row[] {
  for (let r = 0; r < rows.length; r++) {
    const src = rows[r]!
    const row: Row = new Array(items.length)
    for (let i = 0; i < items.length; i++) row[i] = items[i]!.fn(src, ctx) as SqlValue
    rows[r] = row
  }
  return rows
}

async function collectBatches(p: PhysicalPlan, ctx: ExecContext): Promise<Row[]> {
  let out: Row[] | undefined
  for await (const b of run(p, ctx)) {
    // The first batch is kept as it is (a batch is never reused by its producer); most results are one batch.
    if (out === undefined) out = b
    else for (const r of b) out.push(r)
  }
  return out ?? []
}

const OPERATORS: { readonly [K in PhysicalPlan['kind']]: Operator<K> } = {
  'seq-scan': seqScan,
  'index-scan': indexScan,
  'virtual-scan': async function* (p, ctx) {
    const filter = p.filter === undefined ? undefined : compiledOf(p, 'filter', () => compile(p.filter!, layoutOf(p)))
    const rows = p.table.rows(ctx.virtual)
    for (let i = 0; i < rows.length; i += BATCH) {
      const batch = rows.slice(i, i + BATCH)
      const out = filter === undefined ? batch : await filterBatch(filter, batch, ctx)
      if (out.length > 0) yield out
    }
  },
  values: async function* (p, ctx) {
    const exprs = valuesExprs(p)
    const out: Row[] = []
    for (const r of exprs) {
      const row: Row = []
      for (const c of r) row.push(c.async ? await c.fn(NO_ROW, ctx) : c.fn(NO_ROW, ctx))
      out.push(row)
      if (out.length >= BATCH) yield out.splice(0)
    }
    if (out.length > 0) yield out
  },
  'function-scan': async function* (p, ctx) {
    const args: SqlValue[] = []
    for (let i = 0; i < p.args.length; i++) args.push(await value(compiledOf(p, `arg${i}`, () => compile(p.args[i]!, EMPTY_LAYOUT)), [], ctx))
    if (args.some((a) => a === null)) return
    const filter = p.filter === undefined ? undefined : compiledOf(p, 'filter', () => compile(p.filter!, layoutOf(p)))
    let batch: Row[] = []
    for (const r of p.fn.rows(args, p.args.map((a) => a.type), ctx.fn)) {
      batch.push(r)
      if (batch.length >= BATCH) {
        await interruptPoint(ctx)
        const out = filter === undefined ? batch : await filterBatch(filter, batch, ctx)
        if (out.length > 0) yield out
        batch = []
      }
    }
    const out = filter === undefined ? batch : await filterBatch(filter, batch, ctx)
    if (out.length > 0) yield out
  },
  'one-row': async function* () {
    yield [[]]
  },
  filter: async function* (p, ctx) {
    const pred = compiledOf(p, 'pred', () => compile(p.predicate, layoutOf(p.input)))
    for await (const batch of run(p.input, ctx)) {
      const out = await filterBatch(pred, batch, ctx)
      if (out.length > 0) yield out
    }
  },
  project: async function* (p, ctx) {
    const items = projectItems(p)
    const anyAsync = items.some((c) => c.async)
    for await (const batch of run(p.input, ctx)) {
      const out: Row[] = new Array(batch.length)
      for (let r = 0; r < batch.length; r++) {
        const src = batch[r]!
        const row: Row = new Array(items.length)
        for (let i = 0; i < items.length; i++) {
          const c = items[i]!
          row[i] = anyAsync && c.async ? await c.fn(src, ctx) : (c.fn(src, ctx) as SqlValue)
        }
        out[r] = row
      }
      yield out
    }
  },
  'nested-loop': nestedLoop,
  'hash-join': hashJoin,
  aggregate,
  distinct: async function* (p, ctx) {
    const seen = new Set<string>()
    const trim = outputs(p).map((c) => c.type.kind === 'bpchar')
    for await (const batch of run(p.input, ctx)) {
      const out: Row[] = []
      for (const r of batch) {
        const k = rowKey(r, trim)
        if (seen.has(k)) continue
        seen.add(k)
        out.push(r)
      }
      if (out.length > 0) yield out
    }
  },
  /** DISTINCT ON: its input is sorted by the keys, so equal keys come in runs; the first row of each passes. */
  unique: async function* (p, ctx) {
    const layout = layoutOf(p.input)
    const keys = p.keys.map((k, i) => compiledOf(p, `key${i}`, () => compile(k, layout)))
    const trim = p.keys.map((k) => k.type.kind === 'bpchar')
    let last: string | undefined
    for await (const batch of run(p.input, ctx)) {
      const out: Row[] = []
      for (const r of batch) {
        const values: SqlValue[] = []
        for (const k of keys) values.push(await value(k, r, ctx))
        const key = rowKey(values, trim)
        if (key === last) continue
        last = key
        out.push(r)
      }
      if (out.length > 0) yield out
    }
  },
  sort: async function* (p, ctx) {
    const layout = layoutOf(p.input)
    const keys = p.keys.map((k, i) => ({ c: compiledOf(p, `key${i}`, () => compile(k.expr, layout)), type: k.expr.type, desc: k.desc, nullsFirst: k.nullsFirst }))
    const rows: { row: Row; keys: SqlValue[] }[] = []
    for await (const batch of run(p.input, ctx)) {
      await interruptPoint(ctx)
      for (const row of batch) {
        const ks: SqlValue[] = []
        for (const k of keys) ks.push(await value(k.c, row, ctx))
        rows.push({ row, keys: ks })
      }
    }
    rows.sort((a, b) => compareKeys(keys, a.keys, b.keys))
    for (let i = 0; i < rows.length; i += BATCH) yield rows.slice(i, i + BATCH).map((r) => r.row)
  },
  limit: async function* (p, ctx) {
    const count = async (e: typeof p.limit, name: string): Promise<number | undefined> => {
      if (e === undefined) return undefined
      const v = await value(compiledOf(p, name, () => compile(e, EMPTY_LAYOUT)), [], ctx)
      if (v === null) return undefined
      const n = Number(v as bigint)
      if (n < 0) {
        throw name === 'limit'
          ? dbError('invalid_row_count_in_limit_clause', 'LIMIT must not be negative')
          : dbError('invalid_row_count_in_result_offset_clause', 'OFFSET must not be negative')
      }
      return n
    }
    // OFFSET first, as recompute_limits: with both negative, OFFSET's is the error.
    let skip = (await count(p.offset, 'offset')) ?? 0
    let limit = await count(p.limit, 'limit')
    if (limit === 0) return
    for await (const batch of run(p.input, ctx)) {
      let b = batch
      if (skip > 0) {
        const n = Math.min(skip, b.length)
        skip -= n
        b = b.slice(n)
      }
      if (b.length === 0) continue
      if (limit !== undefined) {
        if (b.length >= limit) {
          yield b.slice(0, limit)
          return
        }
        limit -= b.length
      }
      yield b
    }
  },
  /**
   * WITH RECURSIVE: the left side's rows, then round after round of the right side
   * over the previous round's rows (its worktable scans read ctx.worktables) until a
   * round adds nothing. UNION without ALL drops rows seen in any earlier round, which
   * is what ends a recursion that revisits its rows; one that never ends runs until
   * cancelled or statement_timeout, as in PostgreSQL.
   */
  'recursive-union': async function* (p, ctx) {
    const trim = p.columns.map((c) => c.type.kind === 'bpchar')
    const seen = p.all ? undefined : new Set<string>()
    const fresh = (batch: readonly Row[]): Row[] => {
      if (seen === undefined) return [...batch]
      return batch.filter((r) => {
        const k = rowKey(r, trim)
        if (seen.has(k)) return false
        seen.add(k)
        return true
      })
    }
    let round: Row[] = []
    for await (const batch of run(p.left, ctx)) {
      const out = fresh(batch)
      round.push(...out)
      if (out.length > 0) yield out
    }
    try {
      while (round.length > 0) {
        ctx.worktables.set(p.worktable, round)
        const next: Row[] = []
        for await (const batch of run(p.right, ctx)) {
          await interruptPoint(ctx)
          const out = fresh(batch)
          next.push(...out)
          if (out.length > 0) yield out
        }
        round = next
      }
    } finally {
      ctx.worktables.delete(p.worktable)
    }
  },
  'worktable-scan': async function* (p, ctx) {
    const rows = ctx.worktables.get(p.worktable) ?? []
    for (let i = 0; i < rows.length; i += BATCH) yield rows.slice(i, i + BATCH)
  },
  'set-op': async function* (p, ctx) {
    const trim = p.columns.map((c) => c.type.kind === 'bpchar')
    if (p.op === 'union') {
      const seen = new Set<string>()
      for (const side of [p.left, p.right]) {
        for await (const batch of run(side, ctx)) {
          if (p.all) {
            yield batch
            continue
          }
          const out = batch.filter((r) => {
            const k = rowKey(r, trim)
            if (seen.has(k)) return false
            seen.add(k)
            return true
          })
          if (out.length > 0) yield out
        }
      }
      return
    }
    // INTERSECT / EXCEPT: count the right side's rows, then let left rows through against the counts.
    const counts = new Map<string, number>()
    for await (const batch of run(p.right, ctx)) for (const r of batch) counts.set(rowKey(r, trim), (counts.get(rowKey(r, trim)) ?? 0) + 1)
    const emitted = new Set<string>()
    for await (const batch of run(p.left, ctx)) {
      const out: Row[] = []
      for (const r of batch) {
        const k = rowKey(r, trim)
        const n = counts.get(k) ?? 0
        if (p.op === 'intersect') {
          if (n === 0) continue
          if (p.all) counts.set(k, n - 1)
          else {
            if (emitted.has(k)) continue
            emitted.add(k)
          }
          out.push(r)
        } else {
          if (p.all) {
            if (n > 0) {
              counts.set(k, n - 1)
              continue
            }
            out.push(r)
          } else {
            if (n > 0 || emitted.has(k)) continue
            emitted.add(k)
            out.push(r)
          }
        }
      }
      if (out.length > 0) yield out
    }
  },
  'lock-rows': async function* (p, ctx) {
    const layout = layoutOf(p)
    const targets = p.targets.map((t) => ({ table: t.table, at: layout.get(t.rowKey)! }))
    for await (const batch of run(p.input, ctx)) {
      const out: Row[] = []
      next: for (const r of batch) {
        for (const t of targets) {
          const key = r[t.at] as Buffer | null
          if (key === null) continue
          const locked = await ctx.txn.lockRow(t.table.tree, key, p.strength, p.wait)
          if (locked === 'changed') throw new StaleLockedRow()
          if (!locked) continue next
        }
        out.push(r)
      }
      if (out.length > 0) yield out
    }
  },
}

/**
 * Thrown by FOR UPDATE / FOR SHARE under READ COMMITTED when a row it locked was
 * changed by a transaction that committed after the statement's snapshot: what the
 * statement read of it is stale. The session runs the statement again with a new
 * snapshot (the locks it took stay), so it returns the rows' newest versions and
 * re-checks its conditions on them, as PostgreSQL's EvalPlanQual does row by row.
 */
export class StaleLockedRow extends Error {
  constructor() {
    super('a locked row changed after the statement snapshot')
  }
}
