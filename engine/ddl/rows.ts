/**
 * Reading and rewriting a whole table for DDL: index backfill, constraint
 * validation, and table rewrites (a new primary key re-keys every row; a volatile
 * DEFAULT of a new column is evaluated per row).
 *
 * DDL holds the table's exclusive lock while it reads, so no other transaction
 * writes it meanwhile; at READ COMMITTED the statement's snapshot is taken after the
 * lock, so it sees every committed row. (A REPEATABLE READ transaction running DDL
 * reads at its older snapshot: a shortcut, PostgreSQL reads the catalog's latest.)
 * Rows stream in batches: a million-row table never sits in one array.
 */
import { dbError, IsolaError } from '../../common/errors.js'
import { successorKey } from '../../txn/index.js'
import type { IndexInfo, TableInfo } from '../catalog/schema.js'
import { interruptPoint } from '../exec/context.js'
import { TableWriter } from '../exec/table-writer.js'
import { decodeRow, rowLayout, type Row } from '../rows/row-codec.js'
import { formatValue } from '../values/index.js'
import type { DdlContext } from './context.js'

const BATCH = 1024

/** Calls `f` with each row (key, values by slot) of `t` visible to the transaction. */
export async function forEachRow(ctx: DdlContext, t: TableInfo, f: (key: Buffer, slots: Row) => Promise<void> | void): Promise<void> {
  const layout = rowLayout(t)
  let from: Uint8Array | undefined
  for (;;) {
    await interruptPoint(ctx.exec)
    const batch = await ctx.txn.scan(t.tree, { from, limit: BATCH })
    for (const [k, v] of batch) await f(k, decodeRow(layout, v))
    if (batch.length < BATCH) return
    from = successorKey(batch[batch.length - 1]![0])
  }
}

export async function hasRows(ctx: DdlContext, t: TableInfo): Promise<boolean> {
  return (await ctx.txn.scan(t.tree, { limit: 1 })).length > 0
}

function indexColumns(t: TableInfo, index: IndexInfo): string {
  return index.keys.map((k) => (k.attnum !== undefined ? t.columns.find((c) => c.attnum === k.attnum)!.name : k.expr!)).join(', ')
}

/** Writes the entries of new indexes for every existing row; a duplicate in a unique one is 23505. */
export async function backfill(ctx: DdlContext, t: TableInfo, indexes: readonly IndexInfo[]): Promise<void> {
  const writer = new TableWriter(t, ctx.writeEnv())
  const seen = new Map<IndexInfo, Set<string>>(indexes.filter((i) => i.unique).map((i) => [i, new Set<string>()]))
  await forEachRow(ctx, t, async (key, slots) => {
    for (const index of indexes) {
      const e = await writer.entryFor(index, slots, key)
      if (e === undefined) continue
      const set = seen.get(index)
      if (set !== undefined && e.values.every((v) => v !== null)) {
        const k = Buffer.from(e.key).toString('latin1')
        if (set.has(k)) {
          const vals = index.keys.map((kk, i) => formatValue(kk.type, e.values[i] ?? null) ?? 'null')
          throw dbError('unique_violation', `could not create unique index "${index.name}"`, {
            detail: `Key (${indexColumns(t, index)})=(${vals.join(', ')}) is duplicated.`,
            table: t.name,
            constraint: index.name,
          })
        }
        set.add(k)
      }
      await ctx.txn.put(index.tree, e.key, key)
    }
  })
}

/**
 * Copies every row of `from` into the new trees of `to` (which differs in key, columns
 * or trees), through `transform` when given (undefined: leave the row out, for a
 * caller that reports it once the pass is over). The old trees go when the transaction
 * commits.
 */
export async function rewriteTable(ctx: DdlContext, from: TableInfo, to: TableInfo, transform?: (slots: Row) => Promise<Row | undefined> | Row | undefined): Promise<void> {
  const env = { ...ctx.writeEnv(), deferred: [] }
  const writer = new TableWriter(to, env)
  const pk = to.indexes.find((i) => i.primary)
  try {
    await forEachRow(ctx, from, async (_key, slots) => {
      const row = transform ? await transform(slots) : [...slots]
      if (row === undefined) return
      while (row.length < to.slots) row.push(null)
      await writer.insert(row)
    })
  } catch (e) {
    // PostgreSQL reports a duplicate while building a primary key as the index build's error.
    if (e instanceof IsolaError && e.code === '23505' && pk !== undefined && e.constraint === pk.name) {
      throw dbError('unique_violation', `could not create unique index "${pk.name}"`, {
        detail: e.detail?.replace('already exists', 'is duplicated'),
        table: to.name,
        constraint: pk.name,
      })
    }
    throw e
  }
  ctx.tc.droppedTrees.push(from.tree, ...from.indexes.filter((i) => !i.primary).map((i) => i.tree))
}

/** New storage trees for a table and its secondary indexes (TRUNCATE, rewrites). */
export async function freshTrees(ctx: DdlContext, t: TableInfo): Promise<TableInfo> {
  const tree = await ctx.engine.createTree()
  ctx.tc.createdTrees.push(tree)
  const indexes: IndexInfo[] = []
  for (const i of t.indexes) {
    if (i.primary) indexes.push({ ...i, tree })
    else {
      const it = await ctx.engine.createTree()
      ctx.tc.createdTrees.push(it)
      indexes.push({ ...i, tree: it })
    }
  }
  return { ...t, tree, indexes }
}
