/**
 * System information and catalog functions (PostgreSQL 15 §9.26) that psql's
 * backslash commands call: object names and visibility, the definitions psql
 * prints for \d (pg_get_indexdef, pg_get_constraintdef, pg_get_expr, format_type),
 * comments (none are stored: NULL), and the array functions those queries use.
 *
 * They read the catalog the statement runs against (FunctionContext.objects), so
 * they are stable, never folded at plan time.
 */
import { relationByOid, regName, typeByOid, ROLE_OIDS, type ObjectNames } from '../catalog/object-names.js'
import { conditionText, defaultText, indexExpressionText, viewDefinition } from '../catalog/pg-expr.js'
import type { IndexInfo, TableInfo } from '../catalog/schema.js'
import { quoteIdent } from '../../parser/index.js'
import { T, arrayOf, compareValues, formatValue, typeName, type SqlArray, type SqlType, type SqlValue } from '../values/index.js'
import { scalar } from './define.js'
import type { ScalarFunction } from './types.js'

const stable = { volatility: 'stable' } as const

/** Role names by oid: the session's user is the bootstrap superuser (oid 10). */
function roleName(oid: number, user: string): string {
  if (oid === ROLE_OIDS.superuser) return user
  if (oid === ROLE_OIDS.pg_database_owner) return 'pg_database_owner'
  return `unknown (OID=${oid})`
}

/** format_type(type oid, typmod): the type's name with its modifier, as \d's Type column. */
export function formatType(oid: number, typmod: number | null): string {
  const t = typeByOid(oid)
  if (t === undefined) return '???'
  if (typmod === null || typmod < 0) return t.kind === 'bpchar' && typmod !== null ? 'character' : typeName(t)
  switch (t.kind) {
    case 'varchar':
    case 'bpchar':
      return typeName({ kind: t.kind, length: typmod - 4 })
    case 'numeric':
      return typeName({ kind: 'numeric', precision: (typmod - 4) >> 16, scale: (typmod - 4) & 0xffff })
    default:
      return typeName(t)
  }
}

const ACTIONS: Readonly<Record<string, string>> = { restrict: 'RESTRICT', cascade: 'CASCADE', 'set null': 'SET NULL', 'set default': 'SET DEFAULT' }

const columnName = (t: TableInfo, attnum: number): string => quoteIdent(t.columns.find((c) => c.attnum === attnum)?.name ?? `........pg.dropped.${attnum}........`)

function indexKey(t: TableInfo, k: IndexInfo['keys'][number]): string {
  const col = k.attnum !== undefined ? columnName(t, k.attnum) : indexExpressionText(t, k.expr!, false)
  return `${col}${k.desc ? ' DESC' : ''}${k.nullsFirst !== k.desc ? (k.nullsFirst ? ' NULLS FIRST' : ' NULLS LAST') : ''}`
}

/**
 * pg_get_indexdef. `pretty` omits the schema of a table the search path finds (psql's
 * \d passes true); with a column number, only that key column.
 */
export function indexDefinition(t: TableInfo, i: IndexInfo, pretty: boolean, column = 0): string {
  if (column > 0) {
    const k = i.keys[column - 1]
    return k === undefined ? '' : k.attnum !== undefined ? columnName(t, k.attnum) : indexExpressionText(t, k.expr!, true)
  }
  const where = i.predicate === undefined ? '' : ` WHERE ${conditionText(t, i.predicate, pretty)}`
  return `CREATE ${i.unique ? 'UNIQUE ' : ''}INDEX ${quoteIdent(i.name)} ON ${pretty ? '' : 'public.'}${quoteIdent(t.name)} USING btree (${i.keys.map((k) => indexKey(t, k)).join(', ')})${where}`
}

/** pg_get_constraintdef for the oids pg_constraint gives Isola's constraints (system-views.ts). */
export function constraintDefinition(n: ObjectNames, oid: number, pretty: boolean): string | null {
  for (const t of n.catalog.tables()) {
    const cols = (attnums: readonly number[]) => attnums.map((a) => columnName(t, a)).join(', ')
    for (const i of t.indexes) {
      if (i.constraint !== undefined && constraintOid(i) === oid) return `${i.primary ? 'PRIMARY KEY' : 'UNIQUE'} (${i.keys.map((k) => (k.attnum === undefined ? k.expr! : columnName(t, k.attnum))).join(', ')})`
    }
    const check = t.checks.find((c) => c.oid === oid)
    if (check !== undefined) return `CHECK (${conditionText(t, check.expr, pretty)})`
    const fk = t.foreignKeys.find((f) => f.oid === oid)
    if (fk !== undefined) {
      const ref = n.catalog.table(fk.refTable)
      const refCols = ref === undefined ? '' : fk.refColumns.map((a) => columnName(ref, a)).join(', ')
      const onUpdate = ACTIONS[fk.onUpdate] === undefined ? '' : ` ON UPDATE ${ACTIONS[fk.onUpdate]}`
      const onDelete = ACTIONS[fk.onDelete] === undefined ? '' : ` ON DELETE ${ACTIONS[fk.onDelete]}`
      return `FOREIGN KEY (${cols(fk.columns)}) REFERENCES ${quoteIdent(ref?.name ?? String(fk.refTable))}(${refCols})${onUpdate}${onDelete}`
    }
  }
  return null
}

/**
 * A UNIQUE or PRIMARY KEY constraint's oid. Isola gives such a constraint no oid of
 * its own (it is its index), so pg_constraint shows the index's oid in a range the
 * oid allocator does not reach before 2^30 oids (CHECKs and foreign keys have real ones).
 */
export const constraintOid = (i: IndexInfo): number => i.oid + 0x4000_0000

/**
 * pg_get_expr over the node-tree text pg_attrdef.adbin and pg_index.indpred hold:
 * `{DEFAULT :attnum N} text` or `{EXPR} text` (system-views.ts writes them so).
 */
export const nodeTree = (what: { attnum: number } | 'expr', text: string): string => `${what === 'expr' ? '{EXPR}' : `{DEFAULT :attnum ${what.attnum}}`} ${text}`

function expressionText(n: ObjectNames, tree: string, relid: number, pretty: boolean): string | null {
  const m = /^\{(DEFAULT :attnum (\d+)|EXPR)\} ([\s\S]*)$/.exec(tree)
  const t = n.catalog.table(relid)
  if (m === null || t === undefined) return null
  if (m[2] !== undefined) {
    const col = t.columns.find((c) => c.attnum === Number(m[2]))
    return col === undefined ? null : defaultText(t, m[3]!, col.type)
  }
  return conditionText(t, m[3]!, pretty)
}

const arrayOrNull = (v: SqlValue): SqlArray => v as SqlArray
const elementType = (types: readonly SqlType[]): SqlType => (types[0]!.kind === 'array' ? types[0]!.element : T.text)

export const CATALOG_FUNCTIONS: readonly ScalarFunction[] = [
  scalar('pg_get_userbyid', ['oid'], T.text, (a, _t, ctx) => roleName(a[0] as number, ctx.session.user), stable),
  scalar('pg_table_is_visible', ['oid'], T.bool, (a, _t, ctx) => {
    const r = relationByOid(ctx.objects, a[0] as number)
    return r === undefined ? null : r.kind !== 'system' || r.view.schema === 'pg_catalog'
  }, stable),
  scalar('pg_type_is_visible', ['oid'], T.bool, (a) => (typeByOid(a[0] as number) === undefined ? null : true), stable),
  scalar('pg_encoding_to_char', ['int4'], T.text, (a) => ({ 0: 'SQL_ASCII', 6: 'UTF8' } as Record<number, string>)[a[0] as number] ?? ''),
  scalar('format_type', ['oid', 'int4'], T.text, (a) => (a[0] === null ? null : formatType(a[0] as number, a[1] as number | null)), { ...stable, strict: false }),
  ...[['pg_get_expr', ['text', 'oid']], ['pg_get_expr', ['text', 'oid', 'bool']]].map(([name, params]) =>
    scalar(name as string, params as ['text', 'oid'], T.text, (a, _t, ctx) => expressionText(ctx.objects, a[0] as string, a[1] as number, a[2] === true), stable)),
  ...[['oid'], ['oid', 'int4', 'bool']].map((params) =>
    scalar('pg_get_indexdef', params as ['oid'], T.text, (a, _t, ctx) => {
      const r = relationByOid(ctx.objects, a[0] as number)
      return r?.kind !== 'index' ? null : indexDefinition(r.table, r.index, a[2] === true, (a[1] as number | undefined) ?? 0)
    }, stable)),
  ...[['oid'], ['oid', 'bool']].map((params) =>
    scalar('pg_get_constraintdef', params as ['oid'], T.text, (a, _t, ctx) => constraintDefinition(ctx.objects, a[0] as number, a[1] === true), stable)),
  ...[['oid'], ['oid', 'bool']].map((params) =>
    scalar('pg_get_viewdef', params as ['oid'], T.text, (a, _t, ctx) => {
      const r = relationByOid(ctx.objects, a[0] as number)
      if (r?.kind !== 'relation' || r.rel.kind !== 'view') return null
      const catalog = ctx.objects.catalog
      return viewDefinition(r.rel.query, r.rel.columns, (name) => { const t = catalog.byName(name); return t?.kind === 'table' ? t : undefined }) ?? `${r.rel.query};`
    }, stable)),
  // No comments are stored (COMMENT ON is not built): every description is NULL, as for an object without one.
  scalar('obj_description', ['oid'], T.text, () => null, stable),
  scalar('obj_description', ['oid', 'text'], T.text, () => null, stable),
  scalar('shobj_description', ['oid', 'text'], T.text, () => null, stable),
  scalar('col_description', ['oid', 'int4'], T.text, () => null, stable),
  // No triggers, extended statistics or publications exist: their definitions are NULL, as for an unknown oid.
  ...[['oid'], ['oid', 'bool']].map((params) => scalar('pg_get_triggerdef', params as ['oid'], T.text, () => null, stable)),
  scalar('pg_get_statisticsobjdef_columns', ['oid'], T.text, () => null, stable),
  // A view's only rule is its _RETURN rule, which \d+ skips: no other rule has a definition.
  ...[['oid'], ['oid', 'bool']].map((params) => scalar('pg_get_ruledef', params as ['oid'], T.text, () => null, stable)),
  scalar('pg_relation_is_publishable', ['regclass'], T.bool, (a, _t, ctx) => {
    const r = relationByOid(ctx.objects, a[0] as number)
    return r === undefined ? null : r.kind === 'relation' && r.rel.kind === 'table'
  }, stable),
  scalar('current_schemas', ['bool'], arrayOf(T.text), (a) => (a[0] === true ? ['pg_catalog', 'public'] : ['public']), stable),
  scalar('array_to_string', ['anyarray', 'text'], T.text, (a, t) => arrayToString(arrayOrNull(a[0]!), elementType(t), a[1] as string, null)),
  scalar('array_to_string', ['anyarray', 'text', 'text'], T.text, (a, t) => arrayToString(arrayOrNull(a[0]!), elementType(t), a[1] as string, a[2] ?? null), { strict: false }),
  scalar('array_position', ['anyarray', 'anyelement'], T.int4, (a, t) => {
    if (a[0] === null) return null
    const i = (a[0] as SqlArray).findIndex((x) => (x === null ? a[1] === null : a[1] !== null && compareValues(elementType(t), x, a[1]!) === 0))
    return i < 0 ? null : i + 1
  }, { strict: false }),
  scalar('array_upper', ['anyarray', 'int4'], T.int4, (a) => ((a[1] as number) === 1 && (a[0] as SqlArray).length > 0 ? (a[0] as SqlArray).length : null)),
  scalar('array_lower', ['anyarray', 'int4'], T.int4, (a) => ((a[1] as number) === 1 && (a[0] as SqlArray).length > 0 ? 1 : null)),
  scalar('array_length', ['anyarray', 'int4'], T.int4, (a) => ((a[1] as number) === 1 && (a[0] as SqlArray).length > 0 ? (a[0] as SqlArray).length : null)),
  scalar('cardinality', ['anyarray'], T.int4, (a) => (a[0] as SqlArray).length),
]

/** array_to_string: elements in their text form, NULLs skipped or replaced. */
function arrayToString(arr: SqlArray, element: SqlType, sep: string, nullText: SqlValue): string {
  const parts: string[] = []
  for (const v of arr) {
    if (v === null) {
      if (nullText !== null) parts.push(nullText as string)
    } else parts.push(formatValue(element, v)!)
  }
  return parts.join(sep)
}

/** The reg* output functions (regclassout …): a reg* value cast to text. */
export const regOutput = (kind: 'regclass' | 'regtype' | 'regnamespace' | 'regproc'): ScalarFunction =>
  scalar(`${kind}out`, [kind], T.text, (a, _t, ctx) => regName(ctx.objects, kind, a[0] as number), stable)


