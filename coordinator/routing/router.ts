/**
 * The router: a parsed statement and the distribution metadata in, a
 * DistributedPlan out (plan.ts). Pure: it reads no shard and keeps no state, so a
 * plan can be cached with the statement (a parameter pin is resolved per execution,
 * resolve.ts).
 *
 *     statement ──► reads only reference tables? ──yes──► single (any shard)
 *        │ no                                              (writes: broadcast)
 *        ▼
 *     distributed tables co-located (joined on their distribution columns)?
 *        │ no ──► pull (reads) / refused 0A000 (writes)
 *        ▼
 *     a conjunct pins a distribution column? ──yes──► single (the pin's shard)
 *        │ no
 *        ▼
 *     scatter (reads: merge spec, scatter.ts) · broadcast (UPDATE/DELETE)
 *
 * `sql` is the text of this one statement: plans that send a statement whole send
 * it as the client wrote it. Writes the shards cannot do correctly on their own
 * (INSERT … SELECT into a distributed table, changing a row's distribution value,
 * joins of writes with non-co-located tables, subqueries over distributed tables in a
 * write) are refused with 0A000 rather than done wrongly.
 */
import { dbError } from '../../common/errors.js'
import { deparseExpr, deparseQuery, type Expr, type FromItem, type Query, type Statement, type StatementKind } from '../../parser/index.js'
import { analyzeFrom, coLocationClasses, findPin, findPins, pinOf, readsDistributed, resolveColumn, type FoundPin, type FoundPins, type TableRef } from './analyze.js'
import { distributionOf, type DistributionCatalog, type Sequenced, type TableDistribution } from './distribution.js'
import { explainMerge } from './explain.js'
import { partitionOf } from './hash.js'
import type { DistributedPlan, Pin, Shards } from './plan.js'
import { checkDdl } from './metadata-ddl.js'
import { pullPlan } from './pull.js'
import { scatterQuery } from './scatter.js'

type Handler<K extends StatementKind> = (s: Statement & { kind: K }, sql: string, catalog: DistributionCatalog) => DistributedPlan
const ALL: Shards = { kind: 'all' }
const notSupported = (message: string): Error => dbError('feature_not_supported', message)

export function route(statement: Statement, sql: string, catalog: DistributionCatalog): DistributedPlan {
  return (ROUTES[statement.kind] as Handler<StatementKind>)(statement, sql, catalog)
}

const pinReason = (p: Pick<FoundPin, 'pin' | 'text'>): string =>
  p.pin.kind === 'value' ? `pinned: ${p.text} → partition ${p.pin.partition} → shard ${p.pin.shard}` : `pinned: ${p.text} → the shard of $${p.pin.index}'s partition, at execute time`

/** The target of a statement that a multi-shard IN narrows, and the words that say so. */
function subset(p: FoundPins | undefined): { target: Shards; why: string | undefined } {
  if (p === undefined) return { target: ALL, why: undefined }
  const values = p.pins.flatMap((x) => (x.kind === 'value' ? [x] : []))
  const params = p.pins.flatMap((x) => (x.kind === 'param' ? [`$${x.index}`] : []))
  const parts: string[] = []
  if (values.length > 0) parts.push(`partitions ${values.map((v) => v.partition).join(', ')} → shards ${[...new Set(values.map((v) => v.shard))].sort((a, b) => a - b).join(', ')}`)
  if (params.length > 0) parts.push(`the shards of ${params.join(', ')} at execute time`)
  return { target: { kind: 'pins', pins: p.pins }, why: `${p.text} → ${parts.join(' and ')}` }
}

const tableList = (refs: readonly TableRef[]): string => refs.map((r) => (r.ref === r.name ? r.name : `${r.name} ${r.ref}`)).join(', ')
const distCol = (r: TableRef): string => `${r.ref}.${(r.dist as TableDistribution & { kind: 'distributed' }).column}`

function routeQuery(q: Query, sql: string, catalog: DistributionCatalog): DistributedPlan {
  if (!readsDistributed(q, catalog)) {
    const write = q.locking !== undefined
    return { kind: 'single', sql, target: { kind: 'any' }, write, reason: 'reads no distributed table: any one shard' }
  }
  if (q.with.length > 0) return pullPlan(q, sql, catalog, 'WITH over a distributed table')
  const sel = q.body
  if (sel.kind !== 'select') return pullPlan(q, sql, catalog, `${sel.kind === 'set-op' ? sel.op.toUpperCase() : sel.kind.toUpperCase()} over a distributed table`)
  const a = analyzeFrom(sel.from, sel.where, catalog)
  if (a.problem !== undefined) return pullPlan(q, sql, catalog, a.problem)
  if (readsDistributed([sel.columns, sel.where, sel.having, sel.groupBy, q.orderBy, sel.distinctOn], catalog)) {
    return pullPlan(q, sql, catalog, 'a subquery reads a distributed table')
  }
  const classes = coLocationClasses(a)
  if (classes.length === 0) return pullPlan(q, sql, catalog, 'a distributed table is read outside FROM')
  if (classes.length > 1) {
    return pullPlan(q, sql, catalog, `${classes.map((c) => tableList(c)).join(' and ')} are not joined on their distribution columns`)
  }
  const cls = classes[0]!
  const joined = cls.length > 1 ? `co-located join of ${tableList(cls)} on ${cls.map(distCol).join(' = ')}; ` : ''
  const pin = findPin(a, cls, catalog)
  if (pin !== undefined) return { kind: 'single', sql, target: { kind: 'pin', pin: pin.pin }, write: q.locking !== undefined, reason: `${joined}${pinReason(pin)}` }
  const grouped = sel.groupBy.some((g) => {
    const e = g.kind === 'number' && /^\d+$/.test(g.text) ? (sel.columns[Number(g.text) - 1] as { expr?: Expr } | undefined)?.expr : g
    const r = e === undefined ? undefined : resolveColumn(e, a.refs)
    return r?.isDistribution === true && cls.includes(r.ref)
  })
  const inputColumns = new Set(a.refs.flatMap((r) => r.dist?.columns.map((c) => c.name) ?? []))
  const sq = scatterQuery(q, sel, grouped, inputColumns)
  if ('problem' in sq) return pullPlan(q, sql, catalog, sq.problem)
  const { target, why } = subset(findPins(a, cls, catalog))
  const where = why ?? `no condition on ${cls.map(distCol).join(' or ')}`
  return { kind: 'scatter', sql: sq.sql, target, merge: sq.merge, reason: `scatter: ${joined}${where}; ${explainMerge(sq.merge, grouped)}` }
}

function targetOf(name: string, schema: string | undefined, catalog: DistributionCatalog): TableDistribution {
  const t = schema === undefined || schema === 'public' ? catalog.tables.get(name) : undefined
  if (t === undefined) throw dbError('undefined_table', `relation "${schema === undefined ? '' : `${schema}.`}${name}" is not a table the coordinator knows`)
  return t
}

/** The pin of one VALUES row's distribution value when it is a constant or a parameter (else the coordinator computes it: insert-select). */
function rowPin(e: Expr, t: TableDistribution & { kind: 'distributed' }, catalog: DistributionCatalog): Pin | undefined {
  const col: Expr = { kind: 'column', table: t.name, name: t.column, position: 0 }
  const p = pinOf({ kind: 'binary', op: '=', left: col, right: e, position: 0 }, [{ ref: t.name, name: t.name, dist: t }], catalog)
  if (p !== undefined) return p.pin
  if (e.kind === 'null') return nullPin(t, catalog)
  return undefined
}

/**
 * An INSERT the coordinator carries out (insert-select.ts): its source (a query, or
 * VALUES whose distribution value is an expression) runs as a read, and the columns
 * it leaves to a sequence (`fill`) take their values from the sequence's home shard.
 */
function insertSelect(s: Statement & { kind: 'insert' }, t: TableDistribution, given: readonly string[], fill: readonly Sequenced[], catalog: DistributionCatalog): DistributedPlan {
  const source = s.source === 'default-values' ? undefined : routeQuery(s.source, deparseQuery(s.source), catalog)
  const into = t.kind === 'distributed' ? `split by ${t.column}` : 'on every shard'
  const filled = fill.length === 0 ? '' : `; ${fill.map((q) => `${q.column} from ${q.nextval}`).join(', ')} on the sequences' shard`
  return {
    kind: 'insert-select', statement: { ...s, columns: [...fill.map((q) => q.column), ...given] }, source, fill,
    reason: `${source === undefined ? 'INSERT … DEFAULT VALUES' : 'INSERT … SELECT'} into ${t.kind} table ${t.name}: the coordinator runs the source, then inserts its rows ${into}${filled}`,
  }
}

function nullPin(t: TableDistribution & { kind: 'distributed' }, catalog: DistributionCatalog): Pin {
  // NULL is a value of its own partition (hash.ts); the shard then checks NOT NULL.
  const partition = partitionOf(t.columnType, null)
  return { kind: 'value', value: null, type: t.columnType, partition, shard: catalog.partitions.shards[partition]! }
}


const routeInsert: Handler<'insert'> = (s, sql, catalog) => {
  const t = targetOf(s.table, s.schema, catalog)
  const source = s.source
  if (readsDistributed([s.onConflict, s.returning], catalog)) throw notSupported(`a subquery reading a distributed table in INSERT's ON CONFLICT or RETURNING, into table "${t.name}"`)
  if (t.kind === 'distributed' && s.onConflict?.action === 'update' && s.onConflict.set.some((a) => a.column === t.column)) {
    throw notSupported(`modifying the distribution column "${t.column}" of a row is not supported`)
  }
  const given = source === 'default-values' ? [] : s.columns.length > 0 ? s.columns : t.columns.map((c) => c.name)
  const fill = (t.sequenced ?? []).filter((q) => !given.includes(q.column))
  if (t.kind === 'distributed' && !given.includes(t.column) && !fill.some((q) => q.column === t.column)) {
    throw notSupported(`INSERT into distributed table "${t.name}" must give its distribution column "${t.column}"`)
  }
  const at = t.kind === 'distributed' ? given.indexOf(t.column) : -1
  const plainValues = source !== 'default-values' && source.body.kind === 'values' && source.with.length === 0 && source.orderBy.length === 0 && source.limit === undefined && source.offset === undefined
  const pinned = plainValues && t.kind === 'distributed' && (source.body as { rows: readonly (readonly Expr[])[] }).rows.every((r) => r[at] !== undefined && rowPin(r[at]!, t, catalog) !== undefined)
  if (fill.length > 0 || (source !== 'default-values' && (readsDistributed(source, catalog) || (t.kind === 'distributed' && !pinned)))) {
    return insertSelect(s, t, given, fill, catalog)
  }
  if (t.kind === 'reference') return { kind: 'broadcast', sql, target: ALL, write: true, result: 'one', reason: `reference table ${t.name}: written on every shard` }
  if (source === 'default-values' || source.body.kind !== 'values') throw new Error('unreachable: a distributed INSERT without pinned VALUES is an insert-select')
  const rows = source.body.rows.map((values) => ({ pin: rowPin(values[at]!, t, catalog)!, values }))
  const first = rows[0]!.pin
  const shardsOf = rows.map((r) => (r.pin.kind === 'value' ? r.pin.shard : -1))
  if (rows.length === 1 || (first.kind === 'value' && shardsOf.every((x) => x === shardsOf[0]))) {
    const text = rows.length === 1 ? `${t.name}.${t.column} = ${deparseExpr(rows[0]!.values[at]!)}` : `${rows.length} rows of ${t.name}, all`
    const reason = pinReason({ pin: first, text })
    return { kind: 'single', sql, target: { kind: 'pin', pin: first }, write: true, reason }
  }
  const known = rows.flatMap((r) => (r.pin.kind === 'value' ? [r.pin.shard] : []))
  const params = rows.length - known.length
  return {
    kind: 'split-insert', statement: s, rows,
    reason: `split: ${rows.length} rows of ${t.name} by ${t.column}${known.length > 0 ? ` → shards ${[...new Set(known)].sort((x, y) => x - y).join(', ')}` : ''}${params > 0 ? `; ${params} by a parameter's value at execute time` : ''}`,
  }
}

function routeModify(kind: 'UPDATE' | 'DELETE', s: { readonly schema: string | undefined; readonly table: string; readonly alias: string | undefined; readonly where: Expr | undefined; readonly position: number }, others: readonly FromItem[], rest: unknown, sql: string, catalog: DistributionCatalog): DistributedPlan {
  const t = targetOf(s.table, s.schema, catalog)
  const targetItem: FromItem = { kind: 'table', schema: s.schema, name: s.table, alias: s.alias === undefined ? undefined : { name: s.alias, columns: [] }, position: s.position }
  if (readsDistributed([s.where, rest], catalog)) throw notSupported(`a subquery reading a distributed table in ${kind}`)
  if (t.kind === 'reference') {
    if (readsDistributed(others, catalog)) throw notSupported(`${kind} of reference table "${t.name}" joined with a distributed table`)
    return { kind: 'broadcast', sql, target: ALL, write: true, result: 'one', reason: `reference table ${t.name}: written on every shard` }
  }
  const a = analyzeFrom([targetItem, ...others], s.where, catalog)
  if (a.problem !== undefined) throw notSupported(`${kind}: ${a.problem}`)
  const classes = coLocationClasses(a)
  if (classes.length > 1) throw notSupported(`${kind} joined with distributed tables not joined on their distribution columns (${classes.map((c) => tableList(c)).join(' and ')})`)
  const cls = classes[0]!
  const pin = findPin(a, cls, catalog)
  if (pin !== undefined) return { kind: 'single', sql, target: { kind: 'pin', pin: pin.pin }, write: true, reason: pinReason(pin) }
  const { target, why } = subset(findPins(a, cls, catalog))
  return { kind: 'broadcast', sql, target, write: true, result: 'concat', reason: `broadcast: ${why ?? `no condition on ${cls.map(distCol).join(' or ')}`}` }
}

const routeUpdate: Handler<'update'> = (s, sql, catalog) => {
  const t = targetOf(s.table, s.schema, catalog)
  if (t.kind === 'distributed' && s.set.some((a) => a.column === t.column)) throw notSupported(`modifying the distribution column "${t.column}" of a row is not supported`)
  return routeModify('UPDATE', s, s.from, [s.set, s.returning], sql, catalog)
}

const routeDelete: Handler<'delete'> = (s, sql, catalog) => routeModify('DELETE', s, s.using, s.returning, sql, catalog)

const ddl = (what: (s: never) => string): Handler<StatementKind> => (s, sql) => ({ kind: 'broadcast', sql, target: ALL, write: true, result: 'one', reason: `DDL on every shard: ${what(s as never)}` })
const everywhere = (why: string): Handler<StatementKind> => (_s, sql) => ({ kind: 'broadcast', sql, target: ALL, write: false, result: 'one', reason: why })
const coordinator = (why: string): Handler<StatementKind> => () => ({ kind: 'coordinator', reason: why })

const ROUTES: { readonly [K in StatementKind]: Handler<K> } = {
  query: (s, sql, c) => routeQuery(s, sql, c),
  insert: routeInsert,
  update: routeUpdate,
  delete: routeDelete,
  'create-table': (s, sql) => {
    const d = distributionOf(s) // refuses what cannot be distributed before any shard sees it (checkDdl)
    const how = d.kind === 'reference' ? 'a reference table' : `distributed by ${d.column}`
    return { kind: 'broadcast', sql, target: ALL, write: true, result: 'one', reason: `DDL on every shard: ${s.name}, ${how}` }
  },
  'drop-table': ddl((s: Statement & { kind: 'drop-table' }) => `drop ${s.names.join(', ')}`),
  truncate: ddl((s: Statement & { kind: 'truncate' }) => `truncate ${s.names.join(', ')}`),
  'alter-table': (s, sql, c) => {
    checkDdl(s, c)
    return { kind: 'broadcast', sql, target: ALL, write: true, result: 'one', reason: `DDL on every shard: alter ${s.name}` }
  },
  'create-index': (s, sql, c) => {
    checkDdl(s, c)
    return { kind: 'broadcast', sql, target: ALL, write: true, result: 'one', reason: `DDL on every shard: index on ${s.table}` }
  },
  'drop-index': ddl((s: Statement & { kind: 'drop-index' }) => `drop index ${s.names.join(', ')}`),
  'create-view': (s, sql, c) => {
    checkDdl(s, c)
    return { kind: 'broadcast', sql, target: ALL, write: true, result: 'one', reason: `DDL on every shard: view ${s.name}` }
  },
  'drop-view': ddl((s: Statement & { kind: 'drop-view' }) => `drop view ${s.names.join(', ')}`),
  'create-sequence': ddl((s: Statement & { kind: 'create-sequence' }) => `sequence ${s.name} (each shard counts on its own)`),
  vacuum: everywhere('maintenance on every shard'),
  analyze: everywhere('maintenance on every shard'),
  explain: (s, sql, c) => {
    // Positions count from the start of the text parsed, which `sql` is.
    const inner = s.statement.position > s.position ? sql.slice(s.statement.position - 1) : s.statement.kind === 'query' ? deparseQuery(s.statement) : sql
    const plan = route(s.statement, inner, c)
    return { kind: 'explain', analyze: s.analyze, plan, reason: plan.reason }
  },
  begin: coordinator('transaction control: the coordinator begins shard transactions as statements reach them'),
  'set-transaction': coordinator('transaction control'),
  commit: coordinator('transaction control: one-phase commit on one shard, two-phase on several'),
  rollback: coordinator('transaction control'),
  savepoint: coordinator('transaction control'),
  'rollback-to': coordinator('transaction control'),
  release: coordinator('transaction control'),
  'prepare-transaction': coordinator('transaction control'),
  'commit-prepared': coordinator('transaction control'),
  'rollback-prepared': coordinator('transaction control'),
  set: coordinator('a session setting: the coordinator keeps it and passes it to shard sessions'),
  show: coordinator('a session setting'),
  reset: coordinator('a session setting'),
  'create-database': coordinator('cluster administration'),
  'drop-database': coordinator('cluster administration'),
  'create-role': coordinator('cluster administration'),
  'alter-role': coordinator('cluster administration'),
  'rename-role': coordinator('cluster administration'),
  'alter-database': coordinator('cluster administration'),
  'drop-role': coordinator('cluster administration'),
  copy: coordinator('COPY: the coordinator routes its rows (not yet)'),
}
