/**
 * CREATE INDEX and DROP INDEX. An index is a tree of entries (rows/keys.ts);
 * creating one writes an entry for every existing row inside the creating
 * transaction, so the index appears, filled, when it commits. Keys may be columns
 * or immutable expressions, ascending or descending; a WHERE makes a partial index.
 */
import { dbError } from '../../common/errors.js'
import { deparseExpr, type Statement } from '../../parser/index.js'
import { bindOverTable } from '../bind/table-exprs.js'
import type { IndexInfo, IndexKey, TableInfo } from '../catalog/schema.js'
import { some } from '../plan/bound.js'
import { chooseName } from './columns.js'
import type { DdlContext } from './context.js'
import { backfill } from './rows.js'

const METHODS = new Set(['btree', 'hash'])

export async function createIndex(ctx: DdlContext, s: Statement & { kind: 'create-index' }): Promise<void> {
  const rel = ctx.catalog().byName(s.table)
  if (rel === undefined) throw dbError('undefined_table', `relation "${s.table}" does not exist`)
  if (rel.kind !== 'table') throw dbError('wrong_object_type', `cannot create index on relation "${s.table}"`, { detail: `This operation is not supported for ${rel.kind}s.` })
  if (s.method !== undefined && !METHODS.has(s.method)) throw dbError('undefined_object', `access method "${s.method}" does not exist`)
  if (s.name !== undefined && ctx.catalog().nameTaken(s.name)) {
    if (s.ifNotExists) {
      ctx.notice(`relation "${s.name}" already exists, skipping`)
      return
    }
    throw dbError('duplicate_table', `relation "${s.name}" already exists`)
  }
  await ctx.lockForDdl(rel.oid)
  const table = ctx.catalog().table(rel.oid)!
  const keys: IndexKey[] = s.columns.map((ic) => {
    const desc = ic.direction === 'desc'
    const nullsFirst = ic.nulls === undefined ? desc : ic.nulls === 'first'
    if (ic.expr.kind === 'column' && (ic.expr.table === undefined || ic.expr.table === table.name)) {
      const c = table.columns.find((x) => x.name === (ic.expr as { name: string }).name)
      if (c === undefined) throw dbError('undefined_column', `column "${ic.expr.name}" does not exist`)
      return { attnum: c.attnum, expr: undefined, desc, nullsFirst, type: c.type }
    }
    const text = deparseExpr(ic.expr)
    const { expr } = bindOverTable(ctx.catalog(), table, text, 'index expressions')
    if (some(expr, (n) => n.kind === 'aggregate')) throw dbError('grouping_error', 'aggregate functions are not allowed in index expressions')
    if (some(expr, (n) => n.kind === 'call' && n.fn.volatility !== 'immutable')) {
      throw dbError('invalid_object_definition', 'functions in index expression must be marked IMMUTABLE')
    }
    return { attnum: undefined, expr: text, desc, nullsFirst, type: expr.type }
  })
  let predicate: string | undefined
  if (s.where !== undefined) {
    predicate = deparseExpr(s.where)
    const { expr } = bindOverTable(ctx.catalog(), table, predicate, 'index predicates')
    if (expr.type.kind !== 'bool') throw dbError('datatype_mismatch', `argument of WHERE must be type boolean, not type ${expr.type.kind}`)
  }
  const cols = s.columns.map((ic) => (ic.expr.kind === 'column' ? ic.expr.name : 'expr'))
  const name = s.name ?? chooseName(ctx.catalog(), `${table.name}_${cols.join('_')}_idx`)
  const tree = await ctx.engine.createTree()
  ctx.tc.createdTrees.push(tree)
  const index: IndexInfo = { oid: await ctx.engine.oids.allocate(), name, tree, unique: s.unique, primary: false, keys, predicate, constraint: undefined }
  const next: TableInfo = { ...table, indexes: [...table.indexes, index] }
  await backfill(ctx, next, [index])
  await ctx.engine.store.claimName(ctx.txn, name, index.oid)
  await ctx.engine.store.putRelation(ctx.txn, next)
  ctx.tc.put(next)
}

export async function dropIndex(ctx: DdlContext, s: Statement & { kind: 'drop-index' }): Promise<void> {
  for (const name of s.names) {
    const found = ctx.catalog().index(name)
    if (found === undefined) {
      const rel = ctx.catalog().byName(name)
      if (rel !== undefined) throw dbError('wrong_object_type', `"${name}" is not an index`, { hint: `Use DROP ${rel.kind.toUpperCase()} to remove a ${rel.kind}.` })
      if (s.ifExists) {
        ctx.notice(`index "${name}" does not exist, skipping`)
        continue
      }
      throw dbError('undefined_object', `index "${name}" does not exist`)
    }
    await ctx.lockForDdl(found.table)
    const table = ctx.catalog().table(found.table)!
    const index = table.indexes.find((i) => i.name === name)!
    if (index.constraint !== undefined) {
      throw dbError('dependent_objects_still_exist', `cannot drop index ${name} because constraint ${index.constraint} on table ${table.name} requires it`, {
        hint: `You can drop constraint ${index.constraint} on table ${table.name} instead.`,
      })
    }
    const next: TableInfo = { ...table, indexes: table.indexes.filter((i) => i !== index) }
    await ctx.engine.store.releaseName(ctx.txn, name)
    await ctx.engine.store.putRelation(ctx.txn, next)
    ctx.tc.put(next)
    ctx.tc.droppedTrees.push(index.tree)
  }
}
