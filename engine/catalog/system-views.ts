/**
 * The system catalog as virtual tables: pg_catalog and information_schema
 * relations computed from the catalog when scanned.
 *
 * Types follow PostgreSQL where the value layer has them: oid columns are oids,
 * arrays (reloptions, conkey, polroles …) arrays; `name` columns are text, `"char"`
 * columns one-letter text, node trees text (see nodeTree), and the vector columns
 * (indkey) their text form ('1 2').
 */
import type { SqlType, SqlValue } from '../values/index.js'
import { constraintOid, indexDefinition as pgIndexDefinition, nodeTree } from '../functions/index.js'
import { ARRAY_TYPE_OIDS, T, TYPE_LENGTHS, TYPE_NAMES_INTERNAL, TYPE_OIDS, arrayOf, plainType, typeOid, typmod, baseTypeName } from '../values/index.js'
import { NAMESPACES, ROLE_OIDS } from './object-names.js'
import { describeSetting } from '../settings.js'
import type { Relation, TableInfo } from './schema.js'
import type { VirtualContext, VirtualTable } from './virtual-table.js'

export { NAMESPACES }

type Col = readonly [string, SqlType]

let nextOid = 1300
function table(schema: VirtualTable['schema'], name: string, columns: readonly Col[], rows: (ctx: VirtualContext) => SqlValue[][]): VirtualTable {
  return { schema, name, oid: nextOid++, columns: columns.map(([n, type]) => ({ name: n, type })), rows }
}

/** A catalog of objects Isola does not have (triggers, policies, publications …): psql's queries join them, and find nothing. */
const none = (name: string, columns: readonly Col[]): VirtualTable => table('pg_catalog', name, columns, () => [])

const relkind = (r: Relation): string => (r.kind === 'table' ? 'r' : r.kind === 'view' ? 'v' : 'S')
const OID = T.oid
const TEXTS = arrayOf(T.text)
const INT2S = arrayOf(T.int2)
const OIDS = arrayOf(T.oid)
/** pg_am: the table and index access methods. */
const AM = { heap: 2, btree: 403 } as const
/** pg_collation's default collation: what a collatable type's typcollation and a text column's attcollation name. */
const DEFAULT_COLLATION = 100
const collatable = (t: SqlType) => t.kind === 'text' || t.kind === 'varchar' || t.kind === 'bpchar'
/** pg_type.typstorage: 'p' (plain) for fixed-size types, 'x' (extended: compressible, out of line) for variable-length ones, 'm' for numeric. */
const storage = (t: SqlType) => (t.kind === 'numeric' ? 'm' : t.kind === 'array' || TYPE_LENGTHS[t.kind] < 0 ? 'x' : 'p')

/** Does a table take part in a foreign key (PostgreSQL's relhastriggers: the FK's internal triggers)? */
const hasTriggers = (ctx: VirtualContext, t: TableInfo) => t.foreignKeys.length > 0 || ctx.catalog.referencing(t.oid).length > 0

/** "CREATE [UNIQUE] INDEX name ON public.t USING btree (a, b DESC)" as pg_get_indexdef prints it. */
export function indexDefinition(t: TableInfo, i: TableInfo['indexes'][number]): string {
  return pgIndexDefinition(t, i, false)
}

const TYPES = Object.keys(TYPE_OIDS) as (keyof typeof TYPE_OIDS)[]

export const SYSTEM_VIEWS: readonly VirtualTable[] = [
  table('pg_catalog', 'pg_namespace', [['oid', OID], ['nspname', T.text], ['nspowner', OID], ['nspacl', TEXTS]], () =>
    Object.entries(NAMESPACES).map(([n, oid]) => [oid, n, n === 'public' ? ROLE_OIDS.pg_database_owner : ROLE_OIDS.superuser, null]),
  ),
  table('pg_catalog', 'pg_class', [
    ['oid', OID], ['relname', T.text], ['relnamespace', OID], ['reltype', OID], ['reloftype', OID], ['relowner', OID], ['relam', OID],
    ['relfilenode', OID], ['reltablespace', OID], ['reltuples', T.float4], ['reltoastrelid', OID], ['relhasindex', T.bool], ['relpersistence', T.text],
    ['relkind', T.text], ['relnatts', T.int2], ['relchecks', T.int2], ['relhasrules', T.bool], ['relhastriggers', T.bool], ['relrowsecurity', T.bool],
    ['relforcerowsecurity', T.bool], ['relispartition', T.bool], ['relreplident', T.text], ['reloptions', TEXTS], ['relpartbound', T.text],
    // No privileges are granted or revoked (there is one user): every ACL is NULL, the owner's default, as in a new PostgreSQL database.
    ['relacl', TEXTS],
  ], (ctx) => {
    const rows: SqlValue[][] = []
    // A view has rules (its _RETURN rule); nothing else does.
    const row = (oid: number, name: string, ns: number, am: number, tuples: number, hasIndex: boolean, kind: string, natts: number, checks: number, triggers: boolean, replident: string, options: SqlValue) =>
      rows.push([oid, name, ns, 0, 0, ROLE_OIDS.superuser, am, oid, 0, tuples, 0, hasIndex, 'p', kind, natts, checks, kind === 'v', triggers, false, false, false, replident, options, null, null])
    for (const r of ctx.catalog.relations.values()) {
      const t = r.kind === 'table' ? r : undefined
      const options = t && Object.keys(t.options).length > 0 ? Object.entries(t.options).map(([k, v]) => `${k}=${v}`) : null
      row(r.oid, r.name, NAMESPACES.public, t ? AM.heap : 0, t?.stats?.rows ?? -1, (t?.indexes.length ?? 0) > 0, relkind(r),
        t ? t.columns.length : r.kind === 'view' ? r.columns.length : 3, t?.checks.length ?? 0, t !== undefined && hasTriggers(ctx, t), t ? 'd' : 'n', options)
      if (t) for (const i of t.indexes) row(i.oid, i.name, NAMESPACES.public, AM.btree, -1, false, 'i', i.keys.length, 0, false, 'n', null)
    }
    for (const v of SYSTEM_VIEWS) row(v.oid, v.name, NAMESPACES[v.schema], 0, -1, false, 'v', v.columns.length, 0, false, 'n', null)
    return rows
  }),
  table('pg_catalog', 'pg_am', [['oid', OID], ['amname', T.text], ['amhandler', T.text], ['amtype', T.text]], () => [
    [AM.heap, 'heap', 'heap_tableam_handler', 't'], [AM.btree, 'btree', 'bthandler', 'i'],
  ]),
  table('pg_catalog', 'pg_attribute', [
    ['attrelid', OID], ['attname', T.text], ['atttypid', OID], ['attlen', T.int2], ['attnum', T.int2], ['atttypmod', T.int4],
    ['attnotnull', T.bool], ['atthasdef', T.bool], ['atthasmissing', T.bool], ['attidentity', T.text], ['attgenerated', T.text], ['attisdropped', T.bool],
    ['attcollation', OID], ['attstattarget', T.int4], ['attislocal', T.bool], ['attinhcount', T.int4], ['attstorage', T.text], ['attcompression', T.text], ['attacl', TEXTS],
  ], (ctx) => {
    const rows: SqlValue[][] = []
    const row = (rel: number, name: string, type: SqlType, attnum: number, notNull: boolean, hasDef: boolean, hasMissing: boolean, identity: string) =>
      rows.push([rel, name, typeOid(type), type.kind === 'array' ? -1 : TYPE_LENGTHS[type.kind], attnum, typmod(type), notNull, hasDef, hasMissing, identity, '', false,
        collatable(type) ? DEFAULT_COLLATION : 0, -1, true, 0, storage(type), '', null])
    for (const r of ctx.catalog.relations.values()) {
      if (r.kind === 'table') {
        // An identity column's sequence is not a default in PostgreSQL (no pg_attrdef row).
        for (const c of r.columns) row(r.oid, c.name, c.type, c.attnum, c.notNull, c.default !== undefined && c.identity === undefined, c.missing !== null, c.identity === 'always' ? 'a' : c.identity === 'by-default' ? 'd' : '')
        for (const i of r.indexes) i.keys.forEach((k, n) => row(i.oid, k.attnum !== undefined ? r.columns.find((c) => c.attnum === k.attnum)!.name : 'expr', k.type, n + 1, false, false, false, ''))
      } else if (r.kind === 'view') r.columns.forEach((c, n) => row(r.oid, c, r.columnTypes?.[n] ?? T.text, n + 1, false, false, false, ''))
    }
    return rows
  }),
  table('pg_catalog', 'pg_attrdef', [['oid', OID], ['adrelid', OID], ['adnum', T.int2], ['adbin', T.text]], (ctx) =>
    ctx.catalog.tables().flatMap((t) => t.columns.filter((c) => c.default !== undefined && c.identity === undefined).map((c) => [t.oid * 1000 + c.attnum, t.oid, c.attnum, nodeTree({ attnum: c.attnum }, c.default!)])),
  ),
  table('pg_catalog', 'pg_type', [
    ['oid', OID], ['typname', T.text], ['typnamespace', OID], ['typlen', T.int2], ['typtype', T.text], ['typcategory', T.text], ['typrelid', OID], ['typelem', OID],
    ['typarray', OID], ['typcollation', OID],
  ], () => [
    ...TYPES.filter((k) => k !== 'array').map((k) => [TYPE_OIDS[k], TYPE_NAMES_INTERNAL[k], NAMESPACES.pg_catalog, TYPE_LENGTHS[k], k === 'unknown' ? 'p' : 'b', CATEGORY[k], 0, 0,
      ARRAY_TYPE_OIDS[k] ?? 0, collatable(plainType(k)) ? DEFAULT_COLLATION : 0]),
    ...TYPES.flatMap((k) => (ARRAY_TYPE_OIDS[k] === undefined ? [] : [[ARRAY_TYPE_OIDS[k]!, `_${TYPE_NAMES_INTERNAL[k]}`, NAMESPACES.pg_catalog, -1, 'b', 'A', 0, TYPE_OIDS[k], 0, collatable(plainType(k)) ? DEFAULT_COLLATION : 0]])),
  ]),
  table('pg_catalog', 'pg_collation', [['oid', OID], ['collname', T.text], ['collnamespace', OID], ['collowner', OID], ['collprovider', T.text], ['collencoding', T.int4], ['collcollate', T.text], ['collctype', T.text]], () => [
    [DEFAULT_COLLATION, 'default', NAMESPACES.pg_catalog, ROLE_OIDS.superuser, 'd', -1, null, null],
    [950, 'C', NAMESPACES.pg_catalog, ROLE_OIDS.superuser, 'c', -1, 'C', 'C'],
    [951, 'POSIX', NAMESPACES.pg_catalog, ROLE_OIDS.superuser, 'c', -1, 'POSIX', 'POSIX'],
  ]),
  table('pg_catalog', 'pg_index', [
    ['indexrelid', OID], ['indrelid', OID], ['indnatts', T.int2], ['indnkeyatts', T.int2], ['indisunique', T.bool], ['indnullsnotdistinct', T.bool], ['indisprimary', T.bool],
    ['indisexclusion', T.bool], ['indimmediate', T.bool], ['indisclustered', T.bool], ['indisvalid', T.bool], ['indisready', T.bool], ['indislive', T.bool],
    ['indisreplident', T.bool], ['indkey', T.text], ['indexprs', T.text], ['indpred', T.text],
  ], (ctx) => ctx.catalog.tables().flatMap((t) => t.indexes.map((i) => [
    i.oid, t.oid, i.keys.length, i.keys.length, i.unique, false, i.primary, false, true, false, true, true, true, false,
    i.keys.map((k) => k.attnum ?? 0).join(' '), i.keys.some((k) => k.expr !== undefined) ? i.keys.filter((k) => k.expr !== undefined).map((k) => k.expr).join(', ') : null,
    i.predicate === undefined ? null : nodeTree('expr', i.predicate),
  ]))),
  table('pg_catalog', 'pg_constraint', [
    ['oid', OID], ['conname', T.text], ['connamespace', OID], ['contype', T.text], ['condeferrable', T.bool], ['condeferred', T.bool], ['convalidated', T.bool],
    ['conrelid', OID], ['conindid', OID], ['conparentid', OID], ['confrelid', OID], ['confupdtype', T.text], ['confdeltype', T.text], ['confmatchtype', T.text],
    ['conkey', INT2S], ['confkey', INT2S], ['conbin', T.text], ['consrc', T.text],
  ], (ctx) => ctx.catalog.tables().flatMap((t) => {
    const rows: SqlValue[][] = []
    const action = (a: string) => ({ 'no action': 'a', restrict: 'r', cascade: 'c', 'set null': 'n', 'set default': 'd' })[a] ?? 'a'
    for (const i of t.indexes) if (i.constraint !== undefined) rows.push([constraintOid(i), i.constraint, NAMESPACES.public, i.primary ? 'p' : 'u', false, false, true, t.oid, i.oid, 0, 0, ' ', ' ', ' ', i.keys.map((k) => k.attnum ?? 0), null, null, null])
    for (const c of t.checks) rows.push([c.oid, c.name, NAMESPACES.public, 'c', false, false, true, t.oid, 0, 0, 0, ' ', ' ', ' ', null, null, nodeTree('expr', c.expr), c.expr])
    for (const f of t.foreignKeys) {
      const index = ctx.catalog.table(f.refTable)?.indexes.find((i) => i.unique && i.keys.length === f.refColumns.length && i.keys.every((k, n) => k.attnum === f.refColumns[n]))
      rows.push([f.oid, f.name, NAMESPACES.public, 'f', false, false, true, t.oid, index?.oid ?? 0, 0, f.refTable, action(f.onUpdate), action(f.onDelete), 's', f.columns, f.refColumns, null, null])
    }
    return rows
  })),
  table('pg_catalog', 'pg_sequence', [['seqrelid', OID], ['seqtypid', OID], ['seqstart', T.int8], ['seqincrement', T.int8], ['seqmax', T.int8], ['seqmin', T.int8], ['seqcache', T.int8], ['seqcycle', T.bool]], (ctx) =>
    [...ctx.catalog.relations.values()].flatMap((r) => (r.kind === 'sequence' ? [[r.oid, TYPE_OIDS.int8, r.start, r.increment, r.max, r.min, 1n, false]] : [])),
  ),
  table('pg_catalog', 'pg_depend', [['classid', OID], ['objid', OID], ['objsubid', T.int4], ['refclassid', OID], ['refobjid', OID], ['refobjsubid', T.int4], ['deptype', T.text]], (ctx) => {
    // A sequence owned by a column (serial, identity, OWNED BY): 'a' (auto), or 'i' (internal) for identity.
    const pgClass = SYSTEM_VIEWS.find((v) => v.name === 'pg_class')!.oid
    return [...ctx.catalog.relations.values()].flatMap((r) => {
      if (r.kind !== 'sequence' || r.ownedBy === undefined) return []
      const identity = ctx.catalog.table(r.ownedBy.table)?.columns.find((c) => c.attnum === r.ownedBy!.attnum)?.identity !== undefined
      return [[pgClass, r.oid, 0, pgClass, r.ownedBy.table, r.ownedBy.attnum, identity ? 'i' : 'a']]
    })
  }),
  table('pg_catalog', 'pg_tablespace', [['oid', OID], ['spcname', T.text], ['spcowner', OID]], () => [[1663, 'pg_default', ROLE_OIDS.superuser], [1664, 'pg_global', ROLE_OIDS.superuser]]),
  // Each view's _RETURN rule (the rule that makes it a view); its oid is the view's plus 2^30, as for index-backed constraints.
  table('pg_catalog', 'pg_rewrite', [['oid', OID], ['rulename', T.text], ['ev_class', OID], ['ev_type', T.text], ['ev_enabled', T.text], ['is_instead', T.bool]], (ctx) =>
    [...ctx.catalog.relations.values()].flatMap((r) => (r.kind === 'view' ? [[r.oid + 0x4000_0000, '_RETURN', r.oid, '1', 'O', true]] : [])),
  ),
  none('pg_description', [['objoid', OID], ['classoid', OID], ['objsubid', T.int4], ['description', T.text]]),
  none('pg_inherits', [['inhrelid', OID], ['inhparent', OID], ['inhseqno', T.int4], ['inhdetachpending', T.bool]]),
  none('pg_partitioned_table', [['partrelid', OID], ['partstrat', T.text], ['partnatts', T.int2]]),
  none('pg_trigger', [['oid', OID], ['tgrelid', OID], ['tgparentid', OID], ['tgname', T.text], ['tgfoid', OID], ['tgenabled', T.text], ['tgisinternal', T.bool], ['tgconstraint', OID]]),
  none('pg_policy', [['oid', OID], ['polname', T.text], ['polrelid', OID], ['polcmd', T.text], ['polpermissive', T.bool], ['polroles', OIDS], ['polqual', T.text], ['polwithcheck', T.text]]),
  none('pg_statistic_ext', [['oid', OID], ['stxrelid', OID], ['stxname', T.text], ['stxnamespace', OID], ['stxowner', OID], ['stxstattarget', T.int4], ['stxkeys', T.text], ['stxkind', TEXTS]]),
  none('pg_publication', [['oid', OID], ['pubname', T.text], ['pubowner', OID], ['puballtables', T.bool], ['pubinsert', T.bool], ['pubupdate', T.bool], ['pubdelete', T.bool], ['pubtruncate', T.bool], ['pubviaroot', T.bool]]),
  none('pg_publication_rel', [['oid', OID], ['prpubid', OID], ['prrelid', OID], ['prqual', T.text], ['prattrs', INT2S]]),
  none('pg_publication_namespace', [['oid', OID], ['pnpubid', OID], ['pnnspid', OID]]),
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
  table('pg_catalog', 'pg_database', [
    ['oid', OID], ['datname', T.text], ['datdba', OID], ['encoding', T.int4], ['datlocprovider', T.text], ['datistemplate', T.bool], ['datallowconn', T.bool],
    ['datconnlimit', T.int4], ['dattablespace', OID], ['datcollate', T.text], ['datctype', T.text], ['daticulocale', T.text], ['datacl', TEXTS],
  ], (ctx) =>
    (ctx.cluster?.databases() ?? [{ oid: 5, name: ctx.database, owner: ROLE_OIDS.superuser }]).map((d) => [d.oid, d.name, d.owner, 6, 'c', false, true, -1, 1663, 'C', 'C', null, null]),
  ),
  table('pg_catalog', 'pg_roles', [
    ['oid', OID], ['rolname', T.text], ['rolsuper', T.bool], ['rolinherit', T.bool], ['rolcreaterole', T.bool], ['rolcreatedb', T.bool], ['rolcanlogin', T.bool],
    ['rolreplication', T.bool], ['rolconnlimit', T.int4], ['rolpassword', T.text], ['rolvaliduntil', T.timestamptz], ['rolbypassrls', T.bool],
  ], (ctx) => [
    // Never a password hash: PostgreSQL's view shows '********' (we show it for every role, as the engine is not told which have one).
    ...(ctx.cluster?.roles() ?? [{ oid: ROLE_OIDS.superuser, name: ctx.user, superuser: true, login: true, createdb: true, createrole: true }]).map((r) =>
      [r.oid, r.name, r.superuser, true, r.createrole, r.createdb, r.login, r.superuser, -1, '********', null, r.superuser]),
    [ROLE_OIDS.pg_database_owner, 'pg_database_owner', false, true, false, false, false, false, -1, null, null, false],
  ]),
  none('pg_auth_members', [['roleid', OID], ['member', OID], ['grantor', OID], ['admin_option', T.bool]]),
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
  /**
   * What a coordinator reads after PREPARE TRANSACTION (ARCHITECTURE.md §9.6): the
   * prepare timestamp as a number, and the conflict-info slot of cross-shard SSI
   * (no shard reports rw-edges yet: false, false, '[]').
   */
  table('pg_catalog', 'isola_prepared_xacts', [['gid', T.text], ['prepare_ts', T.int8], ['owner', T.text], ['in_conflict', T.bool], ['out_conflict', T.bool], ['rw_edges', T.text]], (ctx) =>
    ctx.prepared.map((p) => [p.gid, p.preparedAt, p.owner, p.conflicts.ins.length > 0, p.conflicts.outs.length > 0, JSON.stringify(p.conflicts)]),
  ),
  /**
   * The node's wait-for graph, one row per edge (ARCHITECTURE.md §9.10): transaction
   * `waiter` waits for `holder` (which holds `lock`, or is queued ahead for it).
   * `_pid` columns are the sessions' pg_backend_pid() (a prepared holder has none);
   * `_gid` columns the distributed transactions (a branch's isola.global_xid, a
   * prepared one's gid). A coordinator merges every shard's rows into one graph by
   * gid, finds the cycles no shard sees, and hands `wait_id` to isola_reject_lock_wait.
   */
  table('pg_catalog', 'isola_lock_waits', [
    ['wait_id', T.int8], ['waiter', T.int8], ['waiter_pid', T.int4], ['waiter_gid', T.text], ['holder', T.int8], ['holder_pid', T.int4], ['holder_gid', T.text], ['lock', T.text], ['mode', T.text], ['waited_ms', T.int8],
  ], (ctx) => {
    const now = Date.now()
    return ctx.lockWaits.map((w) => [BigInt(w.waitId), BigInt(w.waiter), w.waiterPid ?? null, w.waiterGid ?? null, BigInt(w.holder), w.holderPid ?? null, w.holderGid ?? null, w.lockName, w.mode, BigInt(now - w.since)])
  }),
  /**
   * Where each table's rows live in a cluster, as CREATE TABLE declared it (DISTRIBUTED
   * BY / REPLICATED; else the first primary-key column): how a coordinator in another
   * process rebuilds its routing metadata from a shard (ARCHITECTURE.md §9.9).
   * `kind` is 'hash' (with the column's attnum) or 'replicated'; a table with neither
   * a clause nor a primary key is not listed.
   */
  table('pg_catalog', 'isola_distribution', [['relid', OID], ['relname', T.text], ['kind', T.text], ['attnum', T.int2]], (ctx) => {
    const rows: SqlValue[][] = []
    for (const r of ctx.catalog.relations.values()) {
      if (r.kind !== 'table') continue
      if (r.distribution?.kind === 'replicated') rows.push([r.oid, r.name, 'replicated', null])
      else {
        const attnum = r.distribution?.attnum ?? r.primaryKey[0]
        if (attnum !== undefined) rows.push([r.oid, r.name, 'hash', attnum])
      }
    }
    return rows
  }),
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
