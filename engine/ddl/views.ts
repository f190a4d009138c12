/**
 * CREATE [OR REPLACE] VIEW and CREATE SEQUENCE. A view is its query's text
 * (deparsed, so it is canonical) plus its column names; it is bound afresh
 * wherever it is read (bind/from.ts). The tables and views it reads are recorded
 * so that dropping them can refuse or cascade.
 */
import { dbError } from '../../common/errors.js'
import { deparseQuery, type Statement } from '../../parser/index.js'
import { Binder, type BindEnvironment } from '../bind/binder.js'
import { bindQuery } from '../bind/query.js'
import type { SequenceInfo, ViewInfo } from '../catalog/schema.js'
import type { DdlContext } from './context.js'
import { T } from '../values/index.js'

export async function createView(ctx: DdlContext, s: Statement & { kind: 'create-view' }, env: BindEnvironment): Promise<void> {
  const existing = ctx.catalog().byName(s.name)
  if (existing !== undefined && !(s.orReplace && existing.kind === 'view')) {
    if (s.orReplace) throw dbError('wrong_object_type', `"${s.name}" is not a view`)
    throw dbError('duplicate_table', `relation "${s.name}" already exists`)
  }
  const b = new Binder({ catalog: ctx.catalog(), virtualTable: (schema, name) => env.virtualTable(schema, name) })
  const q = bindQuery(b, s.query, undefined)
  if (s.columns.length > q.columns.length) throw dbError('syntax_error', 'CREATE VIEW specifies more column names than columns')
  const columns = q.columns.map((c, i) => s.columns[i] ?? c.name)
  const dup = columns.find((c, i) => columns.indexOf(c) !== i)
  if (dup !== undefined) throw dbError('duplicate_column', `column "${dup}" specified more than once`)
  if (existing?.kind === 'view') {
    if (columns.length < existing.columns.length) throw dbError('invalid_table_definition', 'cannot drop columns from view')
    existing.columns.forEach((c, i) => {
      if (columns[i] !== c) throw dbError('invalid_table_definition', `cannot change name of view column "${c}" to "${columns[i]}"`)
    })
    await ctx.lockForDdl(existing.oid)
  }
  for (const oid of [...b.tablesRead, ...b.viewsRead]) await ctx.lockShared(oid)
  const view: ViewInfo = {
    kind: 'view',
    oid: existing?.oid ?? (await ctx.engine.oids.allocate()),
    name: s.name,
    columns,
    columnTypes: q.columns.map((c) => (c.type.kind === 'unknown' ? T.text : c.type)),
    query: deparseQuery(s.query),
    dependsOn: [...new Set([...b.tablesRead, ...b.viewsRead])],
  }
  if (existing === undefined) await ctx.engine.store.claimName(ctx.txn, view.name, view.oid)
  await ctx.engine.store.putRelation(ctx.txn, view)
  ctx.tc.put(view)
}

const MAX = 9223372036854775807n

export async function createSequence(ctx: DdlContext, s: Statement & { kind: 'create-sequence' }): Promise<void> {
  if (ctx.catalog().nameTaken(s.name)) throw dbError('duplicate_table', `relation "${s.name}" already exists`)
  for (const v of [s.start, s.increment]) {
    if (v !== undefined && (v > MAX || v < -MAX - 1n)) throw dbError('numeric_value_out_of_range', `value "${v}" is out of range for type bigint`)
  }
  const increment = s.increment ?? 1n
  if (increment === 0n) throw dbError('invalid_parameter_value', 'INCREMENT must not be zero')
  const min = increment > 0n ? 1n : -MAX
  const max = increment > 0n ? MAX : -1n
  const start = s.start ?? (increment > 0n ? min : max)
  if (start < min) throw dbError('invalid_parameter_value', `START value (${start}) cannot be less than MINVALUE (${min})`)
  if (start > max) throw dbError('invalid_parameter_value', `START value (${start}) cannot be greater than MAXVALUE (${max})`)
  const seq: SequenceInfo = { kind: 'sequence', oid: await ctx.engine.oids.allocate(), name: s.name, start, increment, min, max, ownedBy: undefined }
  await ctx.engine.store.claimName(ctx.txn, seq.name, seq.oid)
  await ctx.engine.store.putRelation(ctx.txn, seq)
  ctx.tc.put(seq)
}
