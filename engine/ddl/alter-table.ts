/**
 * ALTER TABLE: ADD COLUMN, DROP COLUMN, ADD CONSTRAINT (PRIMARY KEY, UNIQUE, CHECK,
 * FOREIGN KEY), RENAME COLUMN, RENAME TO. Actions apply in order to a working
 * definition, which is stored once at the end.
 *
 * - ADD COLUMN with a constant (or stable) default rewrites nothing: rows written
 *   before read the value stored as the column's `missing` (PostgreSQL 11's
 *   attmissingval). A volatile default (nextval of a serial column, random())
 *   is evaluated for every row in a table rewrite.
 * - ADD PRIMARY KEY re-keys the table: every row is written into a new tree keyed by
 *   the new key (pgbench -i does this after loading).
 * - Dropping a primary-key column re-keys the table by hidden row ids.
 * - Existing rows are validated against new constraints (23502, 23505, 23514, 23503).
 *
 * Shortcut: renaming a column or a table updates CHECK, DEFAULT and index texts of
 * the table itself but not views that mention the old name (their text is re-bound
 * when read, and then fails with 42703 / 42P01).
 */
import { dbError } from '../../common/errors.js'
import { deparseExpr, parseExpression, type AlterAction, type Expr, type Statement } from '../../parser/index.js'
import { columnDefaults } from '../bind/table-exprs.js'
import type { ColumnInfo, TableInfo } from '../catalog/schema.js'
import { TableWriter } from '../exec/table-writer.js'
import { compile, EMPTY_LAYOUT } from '../exec/compile.js'
import { some } from '../plan/bound.js'
import { formatValue, type SqlValue } from '../values/index.js'
import { addTableConstraint, columnFromDef, emptyConstraints, type Constraints } from './columns.js'
import type { DdlContext } from './context.js'
import { addConstraints } from './create-table.js'
import { backfill, forEachRow, freshTrees, hasRows, rewriteTable } from './rows.js'
import { Binder } from '../bind/binder.js'
import { defaultExpr } from '../bind/dml.js'

export async function alterTable(ctx: DdlContext, s: Statement & { kind: 'alter-table' }): Promise<void> {
  const rel = ctx.catalog().byName(s.name)
  if (rel === undefined) throw dbError('undefined_table', `relation "${s.name}" does not exist`, { position: s.position })
  if (rel.kind !== 'table') throw dbError('wrong_object_type', `"${s.name}" is not a table`)
  await ctx.lockForDdl(rel.oid)
  let t = ctx.catalog().table(rel.oid)!
  for (const a of s.actions) t = await apply(ctx, t, a)
  await ctx.engine.store.putRelation(ctx.txn, t)
  ctx.tc.put(t)
}

async function apply(ctx: DdlContext, t: TableInfo, a: AlterAction): Promise<TableInfo> {
  switch (a.kind) {
    case 'add-column':
      return addColumn(ctx, t, a)
    case 'drop-column':
      return dropColumn(ctx, t, a)
    case 'add-constraint': {
      const cons = emptyConstraints()
      addTableConstraint(cons, a.constraint, t.name)
      return addValidated(ctx, t, cons)
    }
    case 'rename-column': {
      const c = t.columns.find((x) => x.name === a.from)
      if (c === undefined) throw dbError('undefined_column', `column "${a.from}" does not exist`)
      if (t.columns.some((x) => x.name === a.to)) throw dbError('duplicate_column', `column "${a.to}" of relation "${t.name}" already exists`)
      const rename = (text: string) => renameIn(text, a.from, a.to)
      return {
        ...t,
        columns: t.columns.map((x) => (x === c ? { ...x, name: a.to } : x.default === undefined ? x : { ...x, default: rename(x.default) })),
        checks: t.checks.map((k) => ({ ...k, expr: rename(k.expr) })),
        indexes: t.indexes.map((i) => ({
          ...i,
          predicate: i.predicate === undefined ? undefined : rename(i.predicate),
          keys: i.keys.map((k) => (k.expr === undefined ? k : { ...k, expr: rename(k.expr) })),
        })),
      }
    }
    case 'rename-table': {
      if (ctx.catalog().nameTaken(a.to)) throw dbError('duplicate_table', `relation "${a.to}" already exists`)
      await ctx.engine.store.releaseName(ctx.txn, t.name)
      await ctx.engine.store.claimName(ctx.txn, a.to, t.oid)
      return { ...t, name: a.to }
    }
  }
}

/** Rewrites unqualified references to column `from` in stored expression text. */
function renameIn(text: string, from: string, to: string): string {
  const rename = (e: Expr): Expr => {
    const walk = (x: unknown): unknown => {
      if (Array.isArray(x)) return x.map(walk)
      if (x === null || typeof x !== 'object') return x
      const o = x as Record<string, unknown>
      if (o.kind === 'column' && o.name === from) return { ...o, name: to }
      return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, walk(v)]))
    }
    return walk(e) as Expr
  }
  return deparseExpr(rename(parseExpression(text)))
}

async function addColumn(ctx: DdlContext, t: TableInfo, a: AlterAction & { kind: 'add-column' }): Promise<TableInfo> {
  if (t.columns.some((c) => c.name === a.column.name)) {
    if (a.ifNotExists) {
      ctx.notice(`column "${a.column.name}" of relation "${t.name}" already exists, skipping`)
      return t
    }
    throw dbError('duplicate_column', `column "${a.column.name}" of relation "${t.name}" already exists`)
  }
  const cons = emptyConstraints()
  const taken = new Set<string>()
  const attnum = t.slots + 1
  const { column, sequence } = await columnFromDef(ctx, t.name, t.oid, a.column, attnum, cons, taken)
  if (sequence !== undefined) {
    await ctx.engine.store.claimName(ctx.txn, sequence.name, sequence.oid)
    await ctx.engine.store.putRelation(ctx.txn, sequence)
    ctx.tc.put(sequence)
  }
  let next: TableInfo = { ...t, columns: [...t.columns, column], slots: attnum }
  const volatile = column.default !== undefined && isVolatile(ctx, column)
  if (column.default !== undefined && !volatile) {
    // Evaluated once now; rows stored before read it (no rewrite).
    const b = new Binder({ catalog: ctx.catalog(), virtualTable: () => undefined })
    const v = compile(defaultExpr(b, column), EMPTY_LAYOUT)
    const value: SqlValue = v.async ? await v.fn([], ctx.exec) : v.fn([], ctx.exec)
    next = { ...next, columns: next.columns.map((c) => (c === column ? { ...c, missing: formatValue(c.type, value) } : c)) }
  }
  if (volatile && (await hasRows(ctx, t))) {
    const moved = await freshTrees(ctx, next)
    const d = columnDefaults(ctx.catalog(), next).get(attnum)!
    await rewriteTable(ctx, t, moved, async (slots) => {
      const row = [...slots]
      row[attnum - 1] = d.async ? await d.fn([], ctx.exec) : d.fn([], ctx.exec)
      return row
    })
    next = moved
  } else if (column.notNull && column.default === undefined && (await hasRows(ctx, t))) {
    throw dbError('not_null_violation', `column "${column.name}" of relation "${t.name}" contains null values`, { table: t.name, column: column.name })
  }
  return addValidated(ctx, next, cons)
}

function isVolatile(ctx: DdlContext, c: ColumnInfo): boolean {
  const b = new Binder({ catalog: ctx.catalog(), virtualTable: () => undefined })
  return some(defaultExpr(b, c), (n) => n.kind === 'call' && n.fn.volatility === 'volatile')
}

/** Adds constraints and checks the rows already there. */
async function addValidated(ctx: DdlContext, t: TableInfo, cons: Constraints): Promise<TableInfo> {
  const taken = new Set<string>()
  let next = await addConstraints(ctx, t, cons, taken)
  for (const i of next.indexes) if (!t.indexes.some((x) => x.oid === i.oid)) await ctx.engine.store.claimName(ctx.txn, i.name, i.oid)
  if (cons.primaryKey !== undefined) {
    // PostgreSQL builds the key's index first (a duplicate is 23505), then sets NOT NULL
    // (23502). One pass does both: the re-keyed rows go into the new tree, whose insert
    // finds a duplicate (rewriteTable words it as the index build's error); rows with a
    // NULL key are left out and reported once no duplicate has turned up.
    let nullIn: number | undefined
    const moved = await freshTrees(ctx, next)
    await rewriteTable(ctx, t, moved, (slots) => {
      for (const a of next.primaryKey) {
        if ((slots[a - 1] ?? null) === null) {
          nullIn ??= a
          return undefined
        }
      }
      return [...slots]
    })
    if (nullIn !== undefined) {
      const col = next.columns.find((c) => c.attnum === nullIn)!
      throw dbError('not_null_violation', `column "${col.name}" of relation "${t.name}" contains null values`, { table: t.name, column: col.name })
    }
    return moved
  }
  const added = next.indexes.filter((i) => !t.indexes.some((x) => x.oid === i.oid))
  if (added.length > 0) await backfill(ctx, next, added)
  const checks = next.checks.filter((c) => !t.checks.some((x) => x.oid === c.oid))
  const fks = next.foreignKeys.filter((f) => !t.foreignKeys.some((x) => x.oid === f.oid))
  if (checks.length > 0 || fks.length > 0) {
    const probe: TableInfo = { ...next, checks, foreignKeys: fks }
    const env = ctx.writeEnv()
    const writer = new TableWriter(probe, env)
    await forEachRow(ctx, t, async (_k, slots) => {
      const row = [...slots]
      while (row.length < probe.slots) row.push(null)
      const failed = writer.failedCheck(row)
      if (failed !== undefined) {
        throw dbError('check_violation', `check constraint "${failed}" of relation "${t.name}" is violated by some row`, { table: t.name, constraint: failed })
      }
      writer.checkReferences(row)
    })
    while (env.deferred.length > 0) await env.deferred.shift()!()
  }
  return next
}

async function dropColumn(ctx: DdlContext, t: TableInfo, a: AlterAction & { kind: 'drop-column' }): Promise<TableInfo> {
  const c = t.columns.find((x) => x.name === a.name)
  if (c === undefined) {
    if (a.ifExists) {
      ctx.notice(`column "${a.name}" of relation "${t.name}" does not exist, skipping`)
      return t
    }
    throw dbError('undefined_column', `column "${a.name}" of relation "${t.name}" does not exist`)
  }
  if (t.columns.length === 1) {
    // PostgreSQL allows a table without columns; ours would have nothing to store.
    throw dbError('feature_not_supported', `cannot drop the only column of table "${t.name}"`)
  }
  const uses = (attnums: readonly (number | undefined)[]) => attnums.includes(c.attnum)
  const referencedBy = ctx.catalog().referencing(t.oid).filter((r) => r.table.oid !== t.oid && uses(r.fk.refColumns))
  const views = [...ctx.catalog().relations.values()].filter((r) => r.kind === 'view' && r.dependsOn.includes(t.oid))
  if ((referencedBy.length > 0 || views.length > 0) && a.behavior !== 'cascade') {
    const lines = [...views.map((v) => `view ${v.name} depends on table ${t.name}`), ...referencedBy.map((r) => `constraint ${r.fk.name} on table ${r.table.name} depends on column ${c.name} of table ${t.name}`)]
    throw dbError('dependent_objects_still_exist', `cannot drop column ${c.name} of table ${t.name} because other objects depend on it`, {
      detail: lines.join('\n'),
      hint: 'Use DROP ... CASCADE to drop the dependent objects too.',
    })
  }
  if (a.behavior === 'cascade') {
    for (const r of referencedBy) {
      await ctx.lockForDdl(r.table.oid)
      const other = ctx.catalog().table(r.table.oid)!
      const next = { ...other, foreignKeys: other.foreignKeys.filter((f) => f.oid !== r.fk.oid) }
      await ctx.engine.store.putRelation(ctx.txn, next)
      ctx.tc.put(next)
    }
    for (const v of views) {
      ctx.notice(`drop cascades to view ${v.name}`)
      await ctx.engine.store.deleteRelation(ctx.txn, v.oid)
      await ctx.engine.store.releaseName(ctx.txn, v.name)
      ctx.tc.remove(v.oid)
    }
  }
  // Indexes, CHECKs and foreign keys on the column go with it.
  const mentions = (text: string) => {
    let found = false
    const walk = (x: unknown): void => {
      if (Array.isArray(x)) return x.forEach(walk)
      if (x === null || typeof x !== 'object') return
      const o = x as Record<string, unknown>
      if (o.kind === 'column' && o.name === c.name) found = true
      Object.values(o).forEach(walk)
    }
    walk(parseExpression(text))
    return found
  }
  const droppedIndexes = t.indexes.filter((i) => !i.primary && (uses(i.keys.map((k) => k.attnum)) || i.keys.some((k) => k.expr !== undefined && mentions(k.expr)) || (i.predicate !== undefined && mentions(i.predicate))))
  for (const i of droppedIndexes) {
    await ctx.engine.store.releaseName(ctx.txn, i.name)
    ctx.tc.droppedTrees.push(i.tree)
  }
  const pkDropped = t.primaryKey.includes(c.attnum)
  let next: TableInfo = {
    ...t,
    columns: t.columns.filter((x) => x !== c),
    indexes: t.indexes.filter((i) => !droppedIndexes.includes(i) && !(i.primary && pkDropped)),
    checks: t.checks.filter((k) => !mentions(k.expr)),
    foreignKeys: t.foreignKeys.filter((f) => !uses(f.columns)),
    primaryKey: pkDropped ? [] : t.primaryKey,
  }
  if (pkDropped) {
    const pk = t.indexes.find((i) => i.primary)!
    await ctx.engine.store.releaseName(ctx.txn, pk.name)
    const moved = await freshTrees(ctx, next)
    await rewriteTable(ctx, t, moved, (slots) => {
      const row = [...slots]
      row[c.attnum - 1] = null
      return row
    })
    next = moved
  }
  for (const r of ctx.catalog().relations.values()) {
    if (r.kind === 'sequence' && r.ownedBy?.table === t.oid && r.ownedBy.attnum === c.attnum) {
      await ctx.engine.store.deleteRelation(ctx.txn, r.oid)
      await ctx.engine.store.releaseName(ctx.txn, r.name)
      ctx.tc.remove(r.oid)
    }
  }
  return next
}

