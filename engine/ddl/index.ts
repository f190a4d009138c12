/**
 * DDL statements: dispatch by kind to the module that runs each, returning the
 * command tag. (`Record<kind, handler>`: a new DDL statement kind without a handler
 * does not compile.)
 */
import type { Statement } from '../../parser/index.js'
import type { BindEnvironment } from '../bind/binder.js'
import { alterTable } from './alter-table.js'
import type { DdlContext } from './context.js'
import { createTable } from './create-table.js'
import { dropRelations, truncate } from './drop.js'
import { createIndex, dropIndex } from './indexes.js'
import { createSequence, createView } from './views.js'

export const DDL_KINDS = ['create-table', 'drop-table', 'truncate', 'alter-table', 'create-index', 'drop-index', 'create-view', 'drop-view', 'create-sequence'] as const
export type DdlKind = (typeof DDL_KINDS)[number]
type Ddl = Statement & { kind: DdlKind }

export const isDdl = (s: Statement): s is Ddl => (DDL_KINDS as readonly string[]).includes(s.kind)

const HANDLERS: { readonly [K in DdlKind]: (ctx: DdlContext, s: Ddl & { kind: K }, env: BindEnvironment) => Promise<string> } = {
  'create-table': async (ctx, s) => (await createTable(ctx, s), 'CREATE TABLE'),
  'drop-table': async (ctx, s) => (await dropRelations(ctx, s), 'DROP TABLE'),
  truncate: async (ctx, s) => (await truncate(ctx, s), 'TRUNCATE TABLE'),
  'alter-table': async (ctx, s) => (await alterTable(ctx, s), 'ALTER TABLE'),
  'create-index': async (ctx, s) => (await createIndex(ctx, s), 'CREATE INDEX'),
  'drop-index': async (ctx, s) => (await dropIndex(ctx, s), 'DROP INDEX'),
  'create-view': async (ctx, s, env) => (await createView(ctx, s, env), 'CREATE VIEW'),
  'drop-view': async (ctx, s) => (await dropRelations(ctx, s), 'DROP VIEW'),
  'create-sequence': async (ctx, s) => (await createSequence(ctx, s), 'CREATE SEQUENCE'),
}

export function runDdl(ctx: DdlContext, s: Statement, env: BindEnvironment): Promise<string> {
  if (!isDdl(s)) throw new Error(`not DDL: ${s.kind}`)
  const h = HANDLERS[s.kind] as (ctx: DdlContext, s: Ddl, env: BindEnvironment) => Promise<string>
  return h(ctx, s, env)
}
