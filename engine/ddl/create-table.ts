/**
 * CREATE TABLE, and the constraint builders ALTER TABLE shares: the primary key
 * (the table's clustered key), UNIQUE constraints (unique indexes), CHECK
 * constraints and foreign keys, validated as PostgreSQL validates them.
 */
import { dbError } from '../../common/errors.js'
import { deparseExpr, type Expr, type References, type Statement } from '../../parser/index.js'
import { bindOverTable } from '../bind/table-exprs.js'
import { toBool } from '../bind/expr.js'
import type { CheckInfo, ColumnInfo, ForeignKeyInfo, IndexInfo, Oid, SequenceInfo, TableInfo } from '../catalog/schema.js'
import { some } from '../plan/bound.js'
import { canCast, resolveBinaryOperator, baseTypeName } from '../values/index.js'
import { addTableConstraint, chooseName, columnFromDef, emptyConstraints, storageOptions, type Constraints } from './columns.js'
import type { DdlContext } from './context.js'

export async function createTable(ctx: DdlContext, s: Statement & { kind: 'create-table' }): Promise<void> {
  const catalog = ctx.catalog()
  if (catalog.nameTaken(s.name)) {
    if (s.ifNotExists) {
      ctx.notice(`relation "${s.name}" already exists, skipping`)
      return
    }
    throw dbError('duplicate_table', `relation "${s.name}" already exists`)
  }
  if (s.columns.length > 1600) throw dbError('too_many_arguments', 'tables can have at most 1600 columns')
  const oid = await ctx.engine.oids.allocate()
  const cons = emptyConstraints()
  const taken = new Set<string>([s.name])
  const columns: ColumnInfo[] = []
  const sequences: SequenceInfo[] = []
  for (const def of s.columns) {
    if (columns.some((c) => c.name === def.name)) throw dbError('duplicate_column', `column "${def.name}" specified more than once`)
    const { column, sequence } = await columnFromDef(ctx, s.name, oid, def, columns.length + 1, cons, taken)
    columns.push(column)
    if (sequence) sequences.push(sequence)
  }
  for (const c of s.constraints) addTableConstraint(cons, c, s.name)
  const tree = await ctx.engine.createTree()
  ctx.tc.createdTrees.push(tree)
  let table: TableInfo = {
    kind: 'table', oid, name: s.name, columns, slots: columns.length, tree, primaryKey: [], indexes: [], checks: [], foreignKeys: [],
    options: storageOptions(s.options), stats: undefined, ...declaredDistribution(s, columns),
  }
  table = await addConstraints(ctx, table, cons, taken)
  await ctx.engine.store.claimName(ctx.txn, table.name, oid)
  for (const i of table.indexes) await ctx.engine.store.claimName(ctx.txn, i.name, i.oid)
  await ctx.engine.store.putRelation(ctx.txn, table)
  ctx.tc.put(table)
  for (const seq of sequences) {
    await ctx.engine.store.claimName(ctx.txn, seq.name, seq.oid)
    await ctx.engine.store.putRelation(ctx.txn, seq)
    ctx.tc.put(seq)
  }
}

/**
 * Adds gathered constraints to a table definition (new trees for unique indexes).
 * Existing rows are not checked here: ALTER TABLE validates them (alter-table.ts).
 */
export async function addConstraints(ctx: DdlContext, table: TableInfo, cons: Constraints, taken: Set<string>): Promise<TableInfo> {
  const attnumOf = (name: string, what: string): number => {
    const c = table.columns.find((x) => x.name === name)
    if (c === undefined) throw dbError('undefined_column', `column "${name}" named in ${what} does not exist`)
    return c.attnum
  }
  let t = table
  const indexes: IndexInfo[] = [...t.indexes]
  const name = (given: string | undefined, base: string) => {
    if (given !== undefined) {
      if (ctx.catalog().nameTaken(given) || taken.has(given)) throw dbError('duplicate_table', `relation "${given}" already exists`)
      taken.add(given)
      return given
    }
    const n = chooseName(ctx.catalog(), base, taken)
    taken.add(n)
    return n
  }
  if (cons.primaryKey !== undefined) {
    if (t.primaryKey.length > 0) throw dbError('invalid_table_definition', `multiple primary keys for table "${t.name}" are not allowed`)
    const attnums = cons.primaryKey.columns.map((c) => attnumOf(c, 'key'))
    if (new Set(attnums).size !== attnums.length) throw dbError('duplicate_column', `column "${cons.primaryKey.columns[0]}" appears twice in primary key constraint`)
    const pkName = name(cons.primaryKey.name, `${t.name}_pkey`)
    t = { ...t, primaryKey: attnums, columns: t.columns.map((c) => (attnums.includes(c.attnum) ? { ...c, notNull: true } : c)) }
    indexes.unshift({
      oid: await ctx.engine.oids.allocate(), name: pkName, tree: t.tree, unique: true, primary: true, predicate: undefined, constraint: pkName,
      keys: attnums.map((a) => ({ attnum: a, expr: undefined, desc: false, nullsFirst: false, type: t.columns.find((c) => c.attnum === a)!.type })),
    })
  }
  for (const u of cons.uniques) {
    const attnums = u.columns.map((c) => attnumOf(c, 'key'))
    const uname = name(u.name, `${t.name}_${u.columns.join('_')}_key`)
    const tree = await ctx.engine.createTree()
    ctx.tc.createdTrees.push(tree)
    indexes.push({
      oid: await ctx.engine.oids.allocate(), name: uname, tree, unique: true, primary: false, predicate: undefined, constraint: uname,
      keys: attnums.map((a) => ({ attnum: a, expr: undefined, desc: false, nullsFirst: false, type: t.columns.find((c) => c.attnum === a)!.type })),
    })
  }
  t = { ...t, indexes }
  const checks: CheckInfo[] = [...t.checks]
  for (const c of cons.checks) {
    const text = deparseExpr(c.expr)
    const { expr, binder } = bindOverTable(ctx.catalog(), t, text, 'check constraints')
    toBool(binder, expr, 'CHECK')
    if (some(expr, (n) => n.kind === 'aggregate')) throw dbError('grouping_error', 'aggregate functions are not allowed in check constraints')
    const firstCol = c.column ?? columnIn(c.expr, t.columns)
    const cname = c.name ?? chooseCheckName(t, checks, firstCol)
    if (checks.some((x) => x.name === cname)) throw dbError('duplicate_object', `constraint "${cname}" for relation "${t.name}" already exists`)
    checks.push({ oid: await ctx.engine.oids.allocate(), name: cname, expr: text })
  }
  t = { ...t, checks }
  const fks: ForeignKeyInfo[] = [...t.foreignKeys]
  for (const f of cons.foreignKeys) fks.push(await foreignKey(ctx, t, f, fks))
  return { ...t, foreignKeys: fks }
}

function columnIn(e: Expr, columns: readonly ColumnInfo[]): string | undefined {
  const text = deparseExpr(e)
  return columns.find((c) => new RegExp(`(^|[^a-z0-9_"])"?${c.name}"?([^a-z0-9_"]|$)`).test(text))?.name
}

function chooseCheckName(t: TableInfo, checks: readonly CheckInfo[], column: string | undefined): string {
  const base = column === undefined ? `${t.name}_check` : `${t.name}_${column}_check`
  for (let i = 0; ; i++) {
    const n = i === 0 ? base : `${base}${i}`
    if (!checks.some((c) => c.name === n)) return n
  }
}

async function foreignKey(ctx: DdlContext, t: TableInfo, f: { name: string | undefined; columns: readonly string[]; references: References }, existing: readonly ForeignKeyInfo[]): Promise<ForeignKeyInfo> {
  const self = f.references.table === t.name
  const rel = self ? t : ctx.catalog().byName(f.references.table)
  if (rel === undefined) throw dbError('undefined_table', `relation "${f.references.table}" does not exist`)
  if (rel.kind !== 'table') throw dbError('wrong_object_type', `referenced relation "${rel.name}" is not a table`)
  if (!self) await ctx.lockShared(rel.oid)
  const parent = rel
  const columns = f.columns.map((n) => {
    const c = t.columns.find((x) => x.name === n)
    if (c === undefined) throw dbError('undefined_column', `column "${n}" referenced in foreign key constraint does not exist`)
    return c
  })
  let refAttnums: number[]
  if (f.references.columns.length === 0) {
    if (parent.primaryKey.length === 0) throw dbError('invalid_foreign_key', `there is no primary key for referenced table "${parent.name}"`)
    refAttnums = [...parent.primaryKey]
  } else {
    refAttnums = f.references.columns.map((n) => {
      const c = parent.columns.find((x) => x.name === n)
      if (c === undefined) throw dbError('undefined_column', `column "${n}" referenced in foreign key constraint does not exist`)
      return c.attnum
    })
  }
  if (refAttnums.length !== columns.length) throw dbError('invalid_foreign_key', 'number of referencing and referenced columns for foreign key disagree')
  const unique = parent.indexes.some((i) => i.unique && i.predicate === undefined && i.keys.length === refAttnums.length && i.keys.every((k) => k.attnum !== undefined && refAttnums.includes(k.attnum)))
  if (!unique) throw dbError('invalid_foreign_key', `there is no unique constraint matching given keys for referenced table "${parent.name}"`)
  columns.forEach((c, i) => {
    const ref = parent.columns.find((x) => x.attnum === refAttnums[i])!
    let ok = canCast(c.type, ref.type, 'implicit') || canCast(ref.type, c.type, 'implicit')
    if (ok) {
      try {
        resolveBinaryOperator('=', c.type, ref.type)
      } catch {
        ok = false
      }
    }
    if (!ok) {
      throw dbError('datatype_mismatch', `foreign key constraint "${f.name ?? `${t.name}_${c.name}_fkey`}" cannot be implemented`, {
        detail: `Key columns "${c.name}" and "${ref.name}" are of incompatible types: ${baseTypeName(c.type)} and ${baseTypeName(ref.type)}.`,
      })
    }
  })
  const base = `${t.name}_${f.columns.join('_')}_fkey`
  let name = f.name ?? base
  for (let i = 1; f.name === undefined && existing.some((x) => x.name === name); i++) name = `${base}${i}`
  return {
    oid: await ctx.engine.oids.allocate(),
    name,
    columns: columns.map((c) => c.attnum),
    refTable: parent.oid as Oid,
    refColumns: refAttnums,
    onDelete: f.references.onDelete ?? 'no action',
    onUpdate: f.references.onUpdate ?? 'no action',
  }
}

/** The DISTRIBUTED clause, kept for a coordinator (an unknown column is the router's error to report, not a node's). */
function declaredDistribution(s: Statement & { kind: 'create-table' }, columns: readonly ColumnInfo[]): Pick<TableInfo, 'distribution'> {
  const d = s.distribution
  if (d === undefined) return {}
  if (d.kind === 'replicated') return { distribution: { kind: 'replicated' } }
  const column = d.columns.length === 1 ? columns.find((c) => c.name === d.columns[0]) : undefined
  return column === undefined ? {} : { distribution: { kind: 'hash', attnum: column.attnum } }
}
