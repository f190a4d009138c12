/**
 * Object ids and names, both ways, as the reg* types read and print them
 * (regclassin/regclassout, regtypein/out, regnamespacein/out): relations (tables,
 * views, sequences, indexes, the system views), types and schemas.
 *
 * Names print bare when the search path (pg_catalog, public) finds them, and
 * schema-qualified otherwise (information_schema.tables), as PostgreSQL prints them.
 */
import { quoteIdent } from '../../parser/index.js'
import { baseTypeName, typeOfOid, type SqlType, type TypeKind } from '../values/index.js'
import type { Catalog } from './catalog.js'
import type { IndexInfo, Oid, Relation, TableInfo } from './schema.js'
import type { VirtualTable } from './virtual-table.js'

export const NAMESPACES = { pg_catalog: 11, public: 2200, information_schema: 13183 } as const
/** Roles: the bootstrap superuser (the session's user) and the owner of schema public. */
export const ROLE_OIDS = { superuser: 10, pg_database_owner: 6171 } as const

export type RelationRef =
  | { readonly kind: 'relation'; readonly rel: Relation }
  | { readonly kind: 'index'; readonly table: TableInfo; readonly index: IndexInfo }
  | { readonly kind: 'system'; readonly view: VirtualTable }

/** Lookups the reg* types need: the catalog plus the system views. */
export interface ObjectNames {
  readonly catalog: Catalog
  readonly systemViews: readonly VirtualTable[]
}

export function relationByOid(n: ObjectNames, oid: Oid): RelationRef | undefined {
  const rel = n.catalog.get(oid)
  if (rel !== undefined) return { kind: 'relation', rel }
  for (const t of n.catalog.tables()) {
    const index = t.indexes.find((i) => i.oid === oid)
    if (index !== undefined) return { kind: 'index', table: t, index }
  }
  const view = n.systemViews.find((v) => v.oid === oid)
  return view === undefined ? undefined : { kind: 'system', view }
}

/** A relation's name as regclassout prints it. */
function relationName(n: ObjectNames, oid: Oid): string | undefined {
  const r = relationByOid(n, oid)
  if (r === undefined) return undefined
  if (r.kind === 'system') return r.view.schema === 'information_schema' ? `information_schema.${quoteIdent(r.view.name)}` : quoteIdent(r.view.name)
  return quoteIdent(r.kind === 'index' ? r.index.name : r.rel.name)
}

/** Splits `a.b` / `"A".b` into (schema, name), folding unquoted parts as the parser does. */
function splitQualified(text: string): { schema: string | undefined; name: string } | undefined {
  const parts: string[] = []
  const re = /\s*(?:"((?:[^"]|"")*)"|([^".\s]+))\s*(\.|$)/y
  let m: RegExpExecArray | null
  let last = 0
  while (last < text.length && (m = re.exec(text)) !== null) {
    parts.push(m[1] !== undefined ? m[1].replaceAll('""', '"') : m[2]!.toLowerCase())
    last = re.lastIndex
    if (m[3] === '') break
  }
  if (last !== text.length || parts.length === 0 || parts.length > 2) return undefined
  return parts.length === 2 ? { schema: parts[0], name: parts[1]! } : { schema: undefined, name: parts[0]! }
}

/** regclassin for a name: the relation's oid, or undefined. */
export function relationOid(n: ObjectNames, text: string): Oid | undefined {
  const q = splitQualified(text)
  if (q === undefined) return undefined
  const { schema, name } = q
  if (schema === undefined || schema === 'public') {
    const rel = n.catalog.byName(name)
    if (rel !== undefined) return rel.oid
    const index = n.catalog.index(name)
    if (index !== undefined) return index.index.oid
    if (schema === 'public') return undefined
  }
  return n.systemViews.find((v) => v.name === name && v.schema === (schema ?? 'pg_catalog'))?.oid
}

/** The type an oid names (without modifiers). */
export const typeByOid = (oid: number): SqlType | undefined => typeOfOid(oid)

/** regtypeout: format_type without modifiers. */
export const typeName = (oid: number): string | undefined => {
  const t = typeByOid(oid)
  return t === undefined ? undefined : baseTypeName(t)
}

function namespaceName(oid: number): string | undefined {
  return Object.entries(NAMESPACES).find(([, o]) => o === oid)?.[0]
}

/** The name a reg* value prints as; its number when nothing has that oid (as PostgreSQL prints an unknown oid). */
export function regName(n: ObjectNames, kind: TypeKind, oid: number): string {
  const name = kind === 'regclass' ? relationName(n, oid) : kind === 'regtype' ? typeName(oid) : kind === 'regnamespace' ? namespaceName(oid) : undefined
  return name ?? String(oid)
}
