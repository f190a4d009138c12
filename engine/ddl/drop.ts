/**
 * DROP TABLE, DROP VIEW and TRUNCATE, with PostgreSQL's dependency rules: views
 * that read a table, and foreign keys that reference it, stop a plain DROP (2BP01)
 * and go with it under CASCADE (the referencing *constraint* goes, not the
 * referencing table). Sequences a table's columns own are dropped with it.
 */
import { dbError } from '../../common/errors.js'
import type { Statement } from '../../parser/index.js'
import type { Oid, Relation, TableInfo, ViewInfo } from '../catalog/schema.js'
import type { DdlContext } from './context.js'
import { freshTrees } from './rows.js'

/** Removes a relation's catalog rows, names and (after commit) trees. */
async function removeRelation(ctx: DdlContext, rel: Relation): Promise<void> {
  await ctx.engine.store.deleteRelation(ctx.txn, rel.oid)
  await ctx.engine.store.releaseName(ctx.txn, rel.name)
  if (rel.kind === 'table') {
    for (const i of rel.indexes) {
      await ctx.engine.store.releaseName(ctx.txn, i.name)
      if (!i.primary) ctx.tc.droppedTrees.push(i.tree)
    }
    ctx.tc.droppedTrees.push(rel.tree)
  }
  ctx.tc.remove(rel.oid)
}

interface Dependents {
  readonly views: ViewInfo[]
  readonly foreignKeys: { readonly table: TableInfo; readonly name: string }[]
}

/** Views (transitively) and other tables' foreign keys that depend on `oid`, except those being dropped too. */
function dependents(ctx: DdlContext, oid: Oid, dropping: ReadonlySet<Oid>): Dependents {
  const views: ViewInfo[] = []
  const queue = [oid]
  while (queue.length > 0) {
    const o = queue.shift()!
    for (const r of ctx.catalog().relations.values()) {
      if (r.kind === 'view' && r.dependsOn.includes(o) && !dropping.has(r.oid) && !views.includes(r)) {
        views.push(r)
        queue.push(r.oid)
      }
    }
  }
  const foreignKeys = ctx
    .catalog()
    .referencing(oid)
    .filter((r) => r.table.oid !== oid && !dropping.has(r.table.oid))
    .map((r) => ({ table: r.table, name: r.fk.name }))
  return { views, foreignKeys }
}

function describe(d: Dependents, what: string): string[] {
  return [...d.views.map((v) => `view ${v.name} depends on ${what}`), ...d.foreignKeys.map((f) => `constraint ${f.name} on table ${f.table.name} depends on ${what}`)]
}

async function dropDependents(ctx: DdlContext, d: Dependents): Promise<void> {
  const lines = [...d.views.map((v) => `drop cascades to view ${v.name}`), ...d.foreignKeys.map((f) => `drop cascades to constraint ${f.name} on table ${f.table.name}`)]
  if (lines.length === 1) ctx.notice(lines[0]!)
  else if (lines.length > 1) ctx.notice(`drop cascades to ${lines.length} other objects`, lines.join('\n'))
  for (const v of d.views) {
    await ctx.lockForDdl(v.oid)
    await removeRelation(ctx, v)
  }
  for (const f of d.foreignKeys) {
    await ctx.lockForDdl(f.table.oid)
    const t = ctx.catalog().table(f.table.oid)!
    const next: TableInfo = { ...t, foreignKeys: t.foreignKeys.filter((k) => k.name !== f.name) }
    await ctx.engine.store.putRelation(ctx.txn, next)
    ctx.tc.put(next)
  }
}

export async function dropRelations(ctx: DdlContext, s: Statement & { kind: 'drop-table' | 'drop-view' }): Promise<void> {
  const kind = s.kind === 'drop-table' ? 'table' : 'view'
  const targets: Relation[] = []
  for (const name of s.names) {
    const rel = ctx.catalog().byName(name)
    // An index shares the relations' names but is not among them: it is there, of the wrong kind.
    if (rel === undefined && ctx.catalog().index(name) !== undefined) {
      throw dbError('wrong_object_type', `"${name}" is not a ${kind}`, { hint: 'Use DROP INDEX to remove an index.' })
    }
    if (rel === undefined) {
      if (s.ifExists) {
        ctx.notice(`${kind} "${name}" does not exist, skipping`)
        continue
      }
      throw dbError('undefined_table', `${kind} "${name}" does not exist`)
    }
    if (rel.kind !== kind) {
      throw dbError('wrong_object_type', `"${name}" is not a ${kind}`, { hint: `Use DROP ${rel.kind.toUpperCase()} to remove a ${rel.kind}.` })
    }
    targets.push(rel)
  }
  const dropping = new Set(targets.map((t) => t.oid))
  const cascade = 'behavior' in s && s.behavior === 'cascade'
  for (const target of targets) {
    await ctx.lockForDdl(target.oid)
    const rel = ctx.catalog().get(target.oid)
    if (rel === undefined) continue
    const d = dependents(ctx, rel.oid, dropping)
    if (d.views.length + d.foreignKeys.length > 0) {
      if (!cascade) {
        throw dbError('dependent_objects_still_exist', `cannot drop ${kind} ${rel.name} because other objects depend on it`, {
          detail: describe(d, `${kind} ${rel.name}`).join('\n'),
          hint: 'Use DROP ... CASCADE to drop the dependent objects too.',
        })
      }
      await dropDependents(ctx, d)
    }
    await removeRelation(ctx, rel)
    if (rel.kind === 'table') {
      for (const r of ctx.catalog().relations.values()) {
        if (r.kind === 'sequence' && r.ownedBy?.table === rel.oid) await removeRelation(ctx, r)
      }
    }
  }
}

export async function truncate(ctx: DdlContext, s: Statement & { kind: 'truncate' }): Promise<void> {
  const tables: TableInfo[] = []
  for (const name of s.names) {
    const rel = ctx.catalog().byName(name)
    if (rel === undefined) throw dbError('undefined_table', `relation "${name}" does not exist`)
    if (rel.kind !== 'table') throw dbError('wrong_object_type', `"${name}" is not a table`)
    tables.push(rel)
  }
  const names = new Set(tables.map((t) => t.oid))
  for (const t of tables) {
    const ref = ctx.catalog().referencing(t.oid).find((r) => !names.has(r.table.oid))
    if (ref !== undefined) {
      throw dbError('feature_not_supported', 'cannot truncate a table referenced in a foreign key constraint', {
        detail: `Table "${ref.table.name}" references "${t.name}".`,
        hint: `Truncate table "${ref.table.name}" at the same time, or use TRUNCATE ... CASCADE.`,
      })
    }
  }
  for (const t of tables) {
    await ctx.lockForDdl(t.oid)
    const current = ctx.catalog().table(t.oid)!
    const next = await freshTrees(ctx, current)
    ctx.tc.droppedTrees.push(current.tree, ...current.indexes.filter((i) => !i.primary).map((i) => i.tree))
    await ctx.engine.store.putRelation(ctx.txn, next)
    ctx.tc.put(next)
  }
}
