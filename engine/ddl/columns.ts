/**
 * Column definitions and constraints of CREATE TABLE and ALTER TABLE ADD COLUMN:
 * types (serial types and identity columns make an owned sequence), NOT NULL,
 * DEFAULT (checked against the column type), and the constraints a column or
 * table declares, gathered for the caller to build indexes and keys from.
 *
 * Constraint names follow PostgreSQL's ChooseConstraintName: `t_pkey`,
 * `t_a_b_key`, `t_a_check`, `t_a_fkey`, with a number appended on a clash.
 */
import { dbError } from '../../common/errors.js'
import { deparseExpr, type ColumnDef, type Expr, type References, type TableConstraint } from '../../parser/index.js'
import { Binder } from '../bind/binder.js'
import { coerce, resolveType } from '../bind/coerce.js'
import { bindExpr } from '../bind/expr.js'
import { Scope } from '../bind/scope.js'
import type { Catalog } from '../catalog/catalog.js'
import type { ColumnInfo, Oid, SequenceInfo } from '../catalog/schema.js'
import { baseTypeName, isOidLike, T, type SqlType } from '../values/index.js'
import type { DdlContext } from './context.js'

/** Constraints gathered from column and table definitions, by column name. */
export interface Constraints {
  primaryKey: { readonly name: string | undefined; readonly columns: readonly string[] } | undefined
  readonly uniques: { readonly name: string | undefined; readonly columns: readonly string[] }[]
  readonly checks: { readonly name: string | undefined; readonly expr: Expr; readonly column: string | undefined }[]
  readonly foreignKeys: { readonly name: string | undefined; readonly columns: readonly string[]; readonly references: References }[]
}

export const emptyConstraints = (): Constraints => ({ primaryKey: undefined, uniques: [], checks: [], foreignKeys: [] })

const SERIAL: Readonly<Record<string, SqlType>> = { serial: T.int4, bigserial: T.int8, smallserial: T.int2 }
const INT_MAX: Readonly<Record<string, bigint>> = { int2: 32767n, int4: 2147483647n, int8: 9223372036854775807n }

/** A name not yet used by any relation, index or `taken` (base, base1, base2 …), truncated as PostgreSQL does (63 bytes). */
export function chooseName(catalog: Catalog, base: string, taken: ReadonlySet<string> = new Set()): string {
  const trimmed = base.slice(0, 63)
  for (let i = 0; ; i++) {
    const name = i === 0 ? trimmed : `${trimmed.slice(0, 63 - String(i).length)}${i}`
    if (!catalog.nameTaken(name) && !taken.has(name)) return name
  }
}

export function addTableConstraint(into: Constraints, c: TableConstraint, table: string): void {
  switch (c.kind) {
    case 'primary-key':
      if (into.primaryKey !== undefined) throw dbError('invalid_table_definition', `multiple primary keys for table "${table}" are not allowed`)
      into.primaryKey = { name: c.name, columns: c.columns }
      break
    case 'unique':
      into.uniques.push({ name: c.name, columns: c.columns })
      break
    case 'check':
      into.checks.push({ name: c.name, expr: c.expr, column: undefined })
      break
    case 'foreign-key':
      into.foreignKeys.push({ name: c.name, columns: c.columns, references: c.references })
      break
  }
}

/** A new sequence owned by a column (serial, identity). */
export async function ownedSequence(ctx: DdlContext, table: string, tableOid: Oid, column: string, attnum: number, type: SqlType, taken: Set<string>): Promise<SequenceInfo> {
  const name = chooseName(ctx.catalog(), `${table}_${column}_seq`, taken)
  taken.add(name)
  return {
    kind: 'sequence',
    oid: await ctx.engine.oids.allocate(),
    name,
    start: 1n,
    increment: 1n,
    min: 1n,
    max: INT_MAX[type.kind] ?? INT_MAX.int8!,
    ownedBy: { table: tableOid, attnum },
  }
}

/** Builds a column from its definition; its constraints go into `into`; an owned sequence, if any, is returned. */
export async function columnFromDef(
  ctx: DdlContext,
  table: string,
  tableOid: Oid,
  def: ColumnDef,
  attnum: number,
  into: Constraints,
  taken: Set<string>,
): Promise<{ column: ColumnInfo; sequence: SequenceInfo | undefined }> {
  const serial = SERIAL[def.type.name]
  const type = serial ?? resolveType(def.type, def.position)
  // Arrays and oids live in queries (the system catalog's columns, psql's queries), not yet in tables' rows and keys.
  if (type.kind === 'array' || isOidLike(type)) throw dbError('feature_not_supported', `columns of type ${baseTypeName(type)} are not supported yet`, { position: def.type.position ?? def.position })
  let notNull = serial !== undefined
  let explicitNull = false
  let defaultText: string | undefined
  let identity: ColumnInfo['identity']
  let sequence: SequenceInfo | undefined
  for (const c of def.constraints) {
    switch (c.kind) {
      case 'not-null':
        if (explicitNull) throw dbError('syntax_error', `conflicting NULL/NOT NULL declarations for column "${def.name}" of table "${table}"`)
        notNull = true
        break
      case 'null':
        if (notNull && serial === undefined) throw dbError('syntax_error', `conflicting NULL/NOT NULL declarations for column "${def.name}" of table "${table}"`)
        explicitNull = true
        break
      case 'default':
        if (defaultText !== undefined) throw dbError('syntax_error', `multiple default values specified for column "${def.name}" of table "${table}"`)
        checkDefault(ctx.catalog(), def.name, type, c.expr)
        defaultText = deparseExpr(c.expr)
        break
      case 'primary-key':
        if (into.primaryKey !== undefined) throw dbError('invalid_table_definition', `multiple primary keys for table "${table}" are not allowed`, { position: c.position })
        into.primaryKey = { name: c.name, columns: [def.name] }
        break
      case 'unique':
        into.uniques.push({ name: c.name, columns: [def.name] })
        break
      case 'check':
        into.checks.push({ name: c.name, expr: c.expr, column: def.name })
        break
      case 'references':
        into.foreignKeys.push({ name: c.name, columns: [def.name], references: c.references })
        break
      case 'identity':
        if (!['int2', 'int4', 'int8'].includes(type.kind)) throw dbError('invalid_parameter_value', 'identity column type must be smallint, integer, or bigint')
        identity = c.always ? 'always' : 'by-default'
        notNull = true
        break
    }
  }
  if ((serial !== undefined || identity !== undefined) && defaultText !== undefined) {
    throw dbError('syntax_error', `multiple default values specified for column "${def.name}" of table "${table}"`)
  }
  if (serial !== undefined || identity !== undefined) {
    sequence = await ownedSequence(ctx, table, tableOid, def.name, attnum, type, taken)
    defaultText = `nextval('${sequence.name.replaceAll("'", "''")}')`
  }
  return { column: { name: def.name, attnum, type, notNull, default: defaultText, identity, missing: null }, sequence }
}

/** A DEFAULT must bind without column references and convert to the column's type. */
function checkDefault(catalog: Catalog, column: string, type: SqlType, e: Expr): void {
  const b = new Binder({ catalog, virtualTable: () => undefined })
  const v = bindExpr(b, e, { scope: Scope.empty(), clause: 'DEFAULT expressions', aggregates: false })
  coerce(b, v, type, 'assignment', 'position' in e ? e.position : undefined, () =>
    dbError('datatype_mismatch', `column "${column}" is of type ${baseTypeName(type)} but default expression is of type ${baseTypeName(v.type)}`, {
      hint: 'You will need to rewrite or cast the expression.',
    }),
  )
}

/** `fillfactor` and other storage parameters of WITH (…): checked, kept for show. */
export function storageOptions(options: readonly { readonly name: string; readonly value: string }[]): Record<string, string> {
  const out: Record<string, string> = {}
  for (const o of options) {
    if (o.name === 'fillfactor') {
      const n = Number(o.value)
      if (!Number.isInteger(n) || n < 10 || n > 100) throw dbError('invalid_parameter_value', `value ${o.value} out of bounds for option "fillfactor"`, { detail: 'Valid values are between "10" and "100".' })
    } else if (!['autovacuum_enabled', 'toast_tuple_target', 'parallel_workers'].includes(o.name)) {
      throw dbError('invalid_parameter_value', `unrecognized parameter "${o.name}"`)
    }
    out[o.name] = o.value
  }
  return out
}
