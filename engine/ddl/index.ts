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
export type Ddl = Statement & { kind: DdlKind }

export const isDdl = (s: Statement): s is Ddl => (DDL_KINDS as readonly string[]).includes(s.kind)

/** Each statement's command tag. */
export const DDL_TAGS: { readonly [K in DdlKind]: string } = {
  'create-table': 'CREATE TABLE', 'drop-table': 'DROP TABLE', truncate: 'TRUNCATE TABLE', 'alter-table': 'ALTER TABLE',
  'create-index': 'CREATE INDEX', 'drop-index': 'DROP INDEX', 'create-view': 'CREATE VIEW', 'drop-view': 'DROP VIEW',
  'create-sequence': 'CREATE SEQUENCE',
}

const HANDLERS: { readonly [K in DdlKind]: (ctx: DdlContext, s: Ddl & { kind: K }, env: BindEnvironment) => Promise<void> } = {
  'create-table': createTable,
  'drop-table': dropRelations,
  truncate,
  'alter-table': alterTable,
  'create-index': createIndex,
  'drop-index': dropIndex,
  'create-view': createView,
  'drop-view': dropRelations,
  'create-sequence': createSequence,
}

/** Runs a DDL statement; resolves with its command tag. */
export async function runDdl(ctx: DdlContext, s: Ddl, env: BindEnvironment): Promise<string> {
  const h = HANDLERS[s.kind] as (ctx: DdlContext, s: Ddl, env: BindEnvironment) => Promise<void>
  await h(ctx, s, env)
  return DDL_TAGS[s.kind]
}
