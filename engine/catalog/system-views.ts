/**
 * The system catalog as virtual tables: pg_catalog and information_schema
 * relations computed from the catalog when scanned.
 *
 * Types follow PostgreSQL where the value layer has them; `oid` and `regclass`
 * columns are integers, `name` columns text, `"char"` columns one-letter text,
 * and array or vector columns their text form ('{1,2}', '1 2').
 */
import type { SqlType, SqlValue } from '../values/index.js'
import { T, TYPE_LENGTHS, TYPE_NAMES_INTERNAL, TYPE_OIDS, typmod, baseTypeName } from '../values/index.js'
import { describeSetting } from '../settings.js'
import type { Relation, TableInfo } from './schema.js'
import type { VirtualContext, VirtualTable } from './virtual-table.js'

export const NAMESPACES = { pg_catalog: 11, public: 2200, information_schema: 13183 } as const

type Col = readonly [string, SqlType]

let nextOid = 1300
function table(schema: VirtualTable['schema'], name: string, columns: readonly Col[], rows: (ctx: VirtualContext) => SqlValue[][]): VirtualTable {
  return { schema, name, oid: nextOid++, columns: columns.map(([n, type]) => ({ name: n, type })), rows }
}

const relkind = (r: Relation): string => (r.kind === 'table' ? 'r' : r.kind === 'view' ? 'v' : 'S')
const b = (x: boolean) => x

/** "CREATE [UNIQUE] INDEX name ON public.t USING btree (a, b DESC)" as pg_get_indexdef prints it. */
export function indexDefinition(t: TableInfo, i: TableInfo['indexes'][number]): string {
  const keys = i.keys.map((k) => {
    const col = k.attnum !== undefined ? t.columns.find((c) => c.attnum === k.attnum)!.name : `(${k.expr})`
    return `${col}${k.desc ? ' DESC' : ''}${k.nullsFirst !== k.desc ? (k.nullsFirst ? ' NULLS FIRST' : ' NULLS LAST') : ''}`
  })
  return `CREATE ${i.unique ? 'UNIQUE ' : ''}INDEX ${i.name} ON public.${t.name} USING btree (${keys.join(', ')})${i.predicate === undefined ? '' : ` WHERE ${i.predicate}`}`
}

const TYPES = Object.keys(TYPE_OIDS) as (keyof typeof TYPE_OIDS)[]

export const SYSTEM_VIEWS: readonly VirtualTable[] = [
  table('pg_catalog', 'pg_namespace', [['oid', T.int4], ['nspname', T.text], ['nspowner', T.int4], ['nspacl', T.text]], () =>
    Object.entries(NAMESPACES).map(([n, oid]) => [oid, n, 10, null]),
  ),
  table('pg_catalog', 'pg_class', [
    ['oid', T.int4], ['relname', T.text], ['relnamespace', T.int4], ['reltype', T.int4], ['relowner', T.int4], ['relam', T.int4],
    ['reltuples', T.float4], ['relhasindex', T.bool], ['relpersistence', T.text], ['relkind', T.text], ['relnatts', T.int2],
    ['relchecks', T.int2], ['relhasrules', T.bool], ['relhastriggers', T.bool], ['relrowsecurity', T.bool], ['relispartition', T.bool], ['reloptions', T.text],
  ], (ctx) => {
    const rows: SqlValue[][] = []
    for (const r of ctx.catalog.relations.values()) {
      const t = r.kind === 'table' ? r : undefined
      rows.push([r.oid, r.name, NAMESPACES.public, 0, 10, t ? 2 : 0, t?.stats?.rows ?? -1, b((t?.indexes.length ?? 0) > 0), 'p', relkind(r),
        t ? t.columns.length : r.kind === 'view' ? r.columns.length : 3, t?.checks.length ?? 0, false, false, false, false,
        t && Object.keys(t.options).length > 0 ? `{${Object.entries(t.options).map(([k, v]) => `${k}=${v}`).join(',')}}` : null])
      if (t) for (const i of t.indexes) rows.push([i.oid, i.name, NAMESPACES.public, 0, 10, 403, -1, false, 'p', 'i', i.keys.length, 0, false, false, false, false, null])
    }
    for (const v of SYSTEM_VIEWS) rows.push([v.oid, v.name, NAMESPACES[v.schema], 0, 10, 0, -1, false, 'p', 'v', v.columns.length, 0, false, false, false, false, null])
    return rows
  }),
  table('pg_catalog', 'pg_attribute', [
    ['attrelid', T.int4], ['attname', T.text], ['atttypid', T.int4], ['attlen', T.int2], ['attnum', T.int2], ['atttypmod', T.int4],
    ['attnotnull', T.bool], ['atthasdef', T.bool], ['atthasmissing', T.bool], ['attidentity', T.text], ['attgenerated', T.text], ['attisdropped', T.bool],
  ], (ctx) => ctx.catalog.tables().flatMap((t) => t.columns.map((c) => [
    t.oid, c.name, TYPE_OIDS[c.type.kind], TYPE_LENGTHS[c.type.kind], c.attnum, typmod(c.type), c.notNull, c.default !== undefined,
    c.missing !== null, c.identity === 'always' ? 'a' : c.identity === 'by-default' ? 'd' : '', '', false,
  ]))),
  table('pg_catalog', 'pg_attrdef', [['oid', T.int4], ['adrelid', T.int4], ['adnum', T.int2], ['adbin', T.text]], (ctx) =>
    ctx.catalog.tables().flatMap((t) => t.columns.filter((c) => c.default !== undefined).map((c) => [t.oid * 1000 + c.attnum, t.oid, c.attnum, c.default!])),
  ),
  table('pg_catalog', 'pg_type', [
    ['oid', T.int4], ['typname', T.text], ['typnamespace', T.int4], ['typlen', T.int2], ['typtype', T.text], ['typcategory', T.text], ['typrelid', T.int4], ['typelem', T.int4],
  ], () => TYPES.map((k) => [TYPE_OIDS[k], TYPE_NAMES_INTERNAL[k], NAMESPACES.pg_catalog, TYPE_LENGTHS[k], k === 'unknown' ? 'p' : 'b', CATEGORY[k], 0, 0])),
  table('pg_catalog', 'pg_index', [
    ['indexrelid', T.int4], ['indrelid', T.int4], ['indnatts', T.int2], ['indnkeyatts', T.int2], ['indisunique', T.bool], ['indisprimary', T.bool],
    ['indisexclusion', T.bool], ['indimmediate', T.bool], ['indisclustered', T.bool], ['indisvalid', T.bool], ['indisready', T.bool], ['indislive', T.bool],
    ['indkey', T.text], ['indexprs', T.text], ['indpred', T.text],
  ], (ctx) => ctx.catalog.tables().flatMap((t) => t.indexes.map((i) => [
    i.oid, t.oid, i.keys.length, i.keys.length, i.unique, i.primary, false, true, false, true, true, true,
    i.keys.map((k) => k.attnum ?? 0).join(' '), i.keys.some((k) => k.expr !== undefined) ? i.keys.filter((k) => k.expr !== undefined).map((k) => k.expr).join(', ') : null, i.predicate ?? null,
  ]))),
  table('pg_catalog', 'pg_constraint', [
    ['oid', T.int4], ['conname', T.text], ['connamespace', T.int4], ['contype', T.text], ['condeferrable', T.bool], ['condeferred', T.bool], ['convalidated', T.bool],
    ['conrelid', T.int4], ['conindid', T.int4], ['confrelid', T.int4], ['confupdtype', T.text], ['confdeltype', T.text], ['conkey', T.text], ['confkey', T.text], ['consrc', T.text],
  ], (ctx) => ctx.catalog.tables().flatMap((t) => {
    const rows: SqlValue[][] = []
    const arr = (xs: readonly number[]) => `{${xs.join(',')}}`
    const action = (a: string) => ({ 'no action': 'a', restrict: 'r', cascade: 'c', 'set null': 'n', 'set default': 'd' })[a] ?? 'a'
    for (const i of t.indexes) if (i.constraint !== undefined) rows.push([i.oid + 1, i.constraint, NAMESPACES.public, i.primary ? 'p' : 'u', false, false, true, t.oid, i.oid, 0, ' ', ' ', arr(i.keys.map((k) => k.attnum ?? 0)), null, null])
    for (const c of t.checks) rows.push([c.oid, c.name, NAMESPACES.public, 'c', false, false, true, t.oid, 0, 0, ' ', ' ', null, null, c.expr])
    for (const f of t.foreignKeys) rows.push([f.oid, f.name, NAMESPACES.public, 'f', false, false, true, t.oid, 0, f.refTable, action(f.onUpdate), action(f.onDelete), arr(f.columns), arr(f.refColumns), null])
    return rows
  })),
  table('pg_catalog', 'pg_tables', [['schemaname', T.text], ['tablename', T.text], ['tableowner', T.text], ['tablespace', T.text], ['hasindexes', T.bool], ['hasrules', T.bool], ['hastriggers', T.bool], ['rowsecurity', T.bool]], (ctx) =>
    ctx.catalog.tables().map((t) => ['public', t.name, ctx.user, null, t.indexes.length > 0, false, false, false]),
  ),
  table('pg_catalog', 'pg_indexes', [['schemaname', T.text], ['tablename', T.text], ['indexname', T.text], ['tablespace', T.text], ['indexdef', T.text]], (ctx) =>
    ctx.catalog.tables().flatMap((t) => t.indexes.map((i) => ['public', t.name, i.name, null, indexDefinition(t, i)])),
  ),
  table('pg_catalog', 'pg_views', [['schemaname', T.text], ['viewname', T.text], ['viewowner', T.text], ['definition', T.text]], (ctx) =>
    [...ctx.catalog.relations.values()].flatMap((r) => (r.kind === 'view' ? [['public', r.name, ctx.user, `${r.query};`]] : [])),
  ),
  table('pg_catalog', 'pg_sequences', [['schemaname', T.text], ['sequencename', T.text], ['sequenceowner', T.text], ['start_value', T.int8], ['min_value', T.int8], ['max_value', T.int8], ['increment_by', T.int8]], (ctx) =>
    [...ctx.catalog.relations.values()].flatMap((r) => (r.kind === 'sequence' ? [['public', r.name, ctx.user, r.start, r.min, r.max, r.increment]] : [])),
  ),
  table('pg_catalog', 'pg_database', [['oid', T.int4], ['datname', T.text], ['datdba', T.int4], ['encoding', T.int4], ['datcollate', T.text], ['datctype', T.text], ['datistemplate', T.bool], ['datallowconn', T.bool]], (ctx) =>
    [[5, ctx.database, 10, 6, 'C', 'C', false, true]],
  ),
  table('pg_catalog', 'pg_roles', [['oid', T.int4], ['rolname', T.text], ['rolsuper', T.bool], ['rolinherit', T.bool], ['rolcreaterole', T.bool], ['rolcreatedb', T.bool], ['rolcanlogin', T.bool]], (ctx) =>
    [[10, ctx.user, true, true, true, true, true]],
  ),
  table('pg_catalog', 'pg_settings', [['name', T.text], ['setting', T.text], ['unit', T.text], ['short_desc', T.text], ['context', T.text], ['vartype', T.text]], (ctx) =>
    [...ctx.settings].map(([name, v]) => [name, v, null, describeSetting(name) ?? null, 'user', 'string']),
  ),
  table('pg_catalog', 'pg_prepared_xacts', [['transaction', T.int8], ['gid', T.text], ['prepared', T.timestamptz], ['owner', T.text], ['database', T.text]], (ctx) =>
    ctx.prepared.map((p) => [BigInt(p.txn), p.gid, p.preparedAt, p.owner, ctx.database]),
  ),
  table('information_schema', 'schemata', [['catalog_name', T.text], ['schema_name', T.text], ['schema_owner', T.text]], (ctx) =>
    Object.keys(NAMESPACES).map((n) => [ctx.database, n, ctx.user]),
  ),
  table('information_schema', 'tables', [['table_catalog', T.text], ['table_schema', T.text], ['table_name', T.text], ['table_type', T.text], ['is_insertable_into', T.text]], (ctx) =>
    [...ctx.catalog.relations.values()].flatMap((r) => (r.kind === 'sequence' ? [] : [[ctx.database, 'public', r.name, r.kind === 'table' ? 'BASE TABLE' : 'VIEW', r.kind === 'table' ? 'YES' : 'NO']])),
  ),
  table('information_schema', 'columns', [
    ['table_catalog', T.text], ['table_schema', T.text], ['table_name', T.text], ['column_name', T.text], ['ordinal_position', T.int4], ['column_default', T.text],
    ['is_nullable', T.text], ['data_type', T.text], ['character_maximum_length', T.int4], ['numeric_precision', T.int4], ['numeric_scale', T.int4], ['is_identity', T.text],
  ], (ctx) => ctx.catalog.tables().flatMap((t) => t.columns.map((c) => [
    ctx.database, 'public', t.name, c.name, c.attnum, c.default ?? null, c.notNull ? 'NO' : 'YES', baseTypeName(c.type),
    (c.type.kind === 'varchar' || c.type.kind === 'bpchar') && c.type.length !== undefined ? c.type.length : null,
    c.type.kind === 'numeric' ? (c.type.precision ?? null) : ({ int2: 16, int4: 32, int8: 64, float4: 24, float8: 53 } as Record<string, number>)[c.type.kind] ?? null,
    c.type.kind === 'numeric' ? (c.type.scale ?? null) : ['int2', 'int4', 'int8'].includes(c.type.kind) ? 0 : null,
    c.identity !== undefined ? 'YES' : 'NO',
  ]))),
  table('information_schema', 'table_constraints', [['constraint_catalog', T.text], ['constraint_schema', T.text], ['constraint_name', T.text], ['table_schema', T.text], ['table_name', T.text], ['constraint_type', T.text]], (ctx) =>
    ctx.catalog.tables().flatMap((t) => [
      ...t.indexes.filter((i) => i.constraint !== undefined).map((i) => [ctx.database, 'public', i.constraint!, 'public', t.name, i.primary ? 'PRIMARY KEY' : 'UNIQUE']),
      ...t.checks.map((c) => [ctx.database, 'public', c.name, 'public', t.name, 'CHECK']),
      ...t.foreignKeys.map((f) => [ctx.database, 'public', f.name, 'public', t.name, 'FOREIGN KEY']),
    ]),
  ),
  table('information_schema', 'key_column_usage', [['constraint_catalog', T.text], ['constraint_schema', T.text], ['constraint_name', T.text], ['table_schema', T.text], ['table_name', T.text], ['column_name', T.text], ['ordinal_position', T.int4]], (ctx) =>
    ctx.catalog.tables().flatMap((t) => {
      const name = (a: number) => t.columns.find((c) => c.attnum === a)?.name ?? null
      return [
        ...t.indexes.filter((i) => i.constraint !== undefined).flatMap((i) => i.keys.map((k, n) => [ctx.database, 'public', i.constraint!, 'public', t.name, name(k.attnum ?? 0), n + 1])),
        ...t.foreignKeys.flatMap((f) => f.columns.map((a, n) => [ctx.database, 'public', f.name, 'public', t.name, name(a), n + 1])),
      ]
    }),
  ),
  table('information_schema', 'views', [['table_catalog', T.text], ['table_schema', T.text], ['table_name', T.text], ['view_definition', T.text]], (ctx) =>
    [...ctx.catalog.relations.values()].flatMap((r) => (r.kind === 'view' ? [[ctx.database, 'public', r.name, r.query]] : [])),
  ),
]

const CATEGORY: Record<keyof typeof TYPE_OIDS, string> = {
  bool: 'B', bytea: 'U', int8: 'N', int2: 'N', int4: 'N', text: 'S', float4: 'N', float8: 'N', unknown: 'X',
  bpchar: 'S', varchar: 'S', date: 'D', timestamp: 'D', timestamptz: 'D', numeric: 'N',
  oid: 'N', regclass: 'N', regtype: 'N', regnamespace: 'N', regproc: 'N', array: 'P',
}

const byName = new Map<string, VirtualTable>(SYSTEM_VIEWS.map((v) => [`${v.schema}.${v.name}`, v]))

/** A system view by (optional) schema and name; unqualified names search pg_catalog only, as search_path does. */
export function systemView(schema: string | undefined, name: string): VirtualTable | undefined {
  return byName.get(`${schema ?? 'pg_catalog'}.${name}`)
}
