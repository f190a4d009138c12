/**
 * Databases and roles: objects of the whole cluster, not of one database. An
 * engine `Database` knows nothing of its siblings, so the program that embeds it
 * (the server, server/cluster/) supplies a `ClusterAdmin` through
 * `OpenOptions.cluster`; CREATE/DROP DATABASE and CREATE/ALTER/DROP ROLE go to it.
 * Without one (a plain embedded `open()`), they are 0A000.
 *
 * The engine checks what needs the session — the current user's privileges (no
 * GRANT system: superuser, CREATEDB, CREATEROLE as PostgreSQL 15's user.c and
 * dbcommands.c check them), the transaction block, the currently open database, IF
 * EXISTS — and the cluster checks what needs its records (existence, duplicates,
 * sessions using a database, dependencies) and stores passwords encrypted.
 *
 * Shortcut we admit: role changes are not transactional. They take effect at
 * once, even inside a transaction block, and ROLLBACK does not undo them.
 */
import { dbError, type IsolaError } from '../common/errors.js'
import type { RoleOption, Statement } from '../parser/index.js'
import { ROLE_OIDS } from './catalog/object-names.js'

export interface RoleInfo {
  readonly oid: number
  readonly name: string
  readonly superuser: boolean
  readonly login: boolean
  readonly createdb: boolean
  readonly createrole: boolean
}

export interface DatabaseInfo {
  readonly oid: number
  readonly name: string
  /** The owning role's oid (pg_database.datdba). */
  readonly owner: number
}

/** Attributes to set; absent ones are left as they are (ALTER) or take their defaults (CREATE: all false). */
export interface RoleAttributes {
  readonly superuser?: boolean
  readonly login?: boolean
  readonly createdb?: boolean
  readonly createrole?: boolean
  /** A password to store (encrypted by the cluster unless already an md5 hash or SCRAM verifier); null removes it. */
  readonly password?: string | null
  /** How to encrypt `password` (the session's password_encryption); the cluster's default when absent. */
  readonly encryption?: 'scram-sha-256' | 'md5'
}

export interface ClusterAdmin {
  roles(): readonly RoleInfo[]
  databases(): readonly DatabaseInfo[]
  /** 42P04 if it exists, 42704 if the owner does not. */
  createDatabase(name: string, owner: string): Promise<void>
  /** 3D000 if missing; 55006 while sessions use it, unless `force` ends them first. */
  dropDatabase(name: string, force: boolean): Promise<void>
  /** 42710 if it exists. */
  createRole(name: string, attributes: RoleAttributes): Promise<void>
  /** 42704 if missing. */
  alterRole(name: string, attributes: RoleAttributes): Promise<void>
  /** 42704 if missing, 42710 if `to` exists. An md5 password is salted with the name, so it is cleared: returns whether it was. */
  renameRole(name: string, to: string): Promise<{ readonly passwordCleared: boolean }>
  /** 3D000 if missing, 42P04 if `to` exists, 55006 while sessions use it. */
  renameDatabase(name: string, to: string): Promise<void>
  /** 3D000 / 42704 if either is missing. */
  setDatabaseOwner(name: string, owner: string): Promise<void>
  /** All or none: 42704 if one is missing; 2BP01 for the bootstrap superuser or a database's owner. */
  dropRoles(names: readonly string[]): Promise<void>
}

export type ClusterStatement = Statement & { kind: 'create-database' | 'alter-database' | 'drop-database' | 'create-role' | 'alter-role' | 'rename-role' | 'drop-role' }

/** What a cluster statement needs from the session that runs it. */
export interface ClusterStatementContext {
  readonly cluster: ClusterAdmin | undefined
  readonly user: string
  readonly database: string
  readonly inTransactionBlock: boolean
  readonly passwordEncryption: string
  notice(message: string): void
}

const TAGS = {
  'create-database': 'CREATE DATABASE', 'alter-database': 'ALTER DATABASE', 'drop-database': 'DROP DATABASE',
  'create-role': 'CREATE ROLE', 'alter-role': 'ALTER ROLE', 'rename-role': 'ALTER ROLE', 'drop-role': 'DROP ROLE',
} as const

/** CREATE DATABASE options PostgreSQL 15 knows; all but OWNER and TEMPLATE are accepted and ignored (one encoding, one locale, no tablespaces). */
const CREATEDB_OPTIONS = new Set([
  'owner', 'template', 'encoding', 'strategy', 'locale', 'lc_collate', 'lc_ctype', 'icu_locale', 'locale_provider',
  'collation_version', 'tablespace', 'allow_connections', 'connection limit', 'is_template', 'oid',
])

/** Runs one cluster statement; returns its command tag. */
export async function runClusterStatement(stmt: ClusterStatement, ctx: ClusterStatementContext): Promise<string> {
  const tag = TAGS[stmt.kind]
  const cluster = ctx.cluster
  if (cluster === undefined) {
    throw dbError('feature_not_supported', `${tag} needs a server cluster: an embedded database opened alone has no other databases or roles`, {
      hint: 'Open databases through the server\'s cluster (server/cluster) to manage databases and roles.',
    })
  }
  const me = cluster.roles().find((r) => r.name === ctx.user)
  const superuser = me?.superuser === true
  switch (stmt.kind) {
    case 'create-database': {
      if (ctx.inTransactionBlock) throw dbError('active_sql_transaction', 'CREATE DATABASE cannot run inside a transaction block')
      if (!superuser && me?.createdb !== true) throw dbError('insufficient_privilege', 'permission denied to create database')
      const seen = new Set<string>()
      let owner = ctx.user
      for (const o of stmt.options) {
        if (!CREATEDB_OPTIONS.has(o.name)) throw dbError('syntax_error', `option "${o.name}" not recognized`)
        if (seen.has(o.name)) throw redundant()
        seen.add(o.name)
        if (o.name === 'owner' && o.value !== undefined) owner = o.value
        if (o.name === 'template' && o.value !== undefined && !['template0', 'template1'].includes(o.value) && !cluster.databases().some((d) => d.name === o.value)) {
          throw dbError('invalid_catalog_name', `template database "${o.value}" does not exist`)
        }
      }
      if (owner !== ctx.user && !superuser) throw dbError('insufficient_privilege', `must be member of role "${owner}"`)
      await cluster.createDatabase(stmt.name, owner)
      return tag
    }
    case 'drop-database': {
      if (ctx.inTransactionBlock) throw dbError('active_sql_transaction', 'DROP DATABASE cannot run inside a transaction block')
      const db = cluster.databases().find((d) => d.name === stmt.name)
      if (db === undefined && stmt.ifExists) {
        ctx.notice(`database "${stmt.name}" does not exist, skipping`)
        return tag
      }
      if (db !== undefined && !superuser && db.owner !== me?.oid) throw dbError('insufficient_privilege', `must be owner of database ${stmt.name}`)
      if (stmt.name === ctx.database) throw dbError('object_in_use', 'cannot drop the currently open database')
      await cluster.dropDatabase(stmt.name, stmt.force)
      return tag
    }
    case 'alter-database': {
      const db = cluster.databases().find((d) => d.name === stmt.name)
      if (db === undefined) throw dbError('invalid_catalog_name', `database "${stmt.name}" does not exist`)
      if (!superuser && db.owner !== me?.oid) throw dbError('insufficient_privilege', `must be owner of database ${stmt.name}`)
      if (stmt.action.kind === 'rename') {
        if (!superuser && me?.createdb !== true) throw dbError('insufficient_privilege', 'permission denied to rename database')
        if (stmt.name === ctx.database) throw dbError('feature_not_supported', 'current database cannot be renamed')
        await cluster.renameDatabase(stmt.name, stmt.action.to)
      } else {
        if (stmt.action.owner !== ctx.user && !superuser) throw dbError('insufficient_privilege', `must be member of role "${stmt.action.owner}"`)
        if (!superuser && me?.createdb !== true) throw dbError('insufficient_privilege', 'permission denied to change owner of database')
        await cluster.setDatabaseOwner(stmt.name, stmt.action.owner)
      }
      return tag
    }
    case 'rename-role': {
      const target = cluster.roles().find((r) => r.name === stmt.name)
      if (target === undefined) throw dbError('undefined_object', `role "${stmt.name}" does not exist`)
      checkRoleName(stmt.to)
      if (target.oid === me?.oid) throw dbError('feature_not_supported', 'session user cannot be renamed')
      if (target.superuser && !superuser) throw dbError('insufficient_privilege', 'must be superuser to rename superusers')
      if (!superuser && me?.createrole !== true) throw dbError('insufficient_privilege', 'permission denied to rename role')
      const { passwordCleared } = await cluster.renameRole(stmt.name, stmt.to)
      if (passwordCleared) ctx.notice('MD5 password cleared because of role rename')
      return tag
    }
    case 'create-role': {
      checkRoleName(stmt.name)
      const attributes = roleAttributes(stmt.options, ctx)
      if (attributes.superuser === true && !superuser) throw dbError('insufficient_privilege', 'must be superuser to create superusers')
      if (!superuser && me?.createrole !== true) throw dbError('insufficient_privilege', 'permission denied to create role')
      await cluster.createRole(stmt.name, { login: stmt.user, ...attributes })
      return tag
    }
    case 'alter-role': {
      const attributes = roleAttributes(stmt.options, ctx)
      const target = cluster.roles().find((r) => r.name === stmt.name)
      if (target === undefined) throw dbError('undefined_object', `role "${stmt.name}" does not exist`)
      if (target.superuser || attributes.superuser !== undefined) {
        if (!superuser) throw dbError('insufficient_privilege', 'must be superuser to alter superuser roles or change superuser attribute')
      } else if (me?.createrole !== true && !superuser) {
        // Without CREATEROLE a role may change only its own password (and must change it).
        const onlyPassword = attributes.password !== undefined && Object.keys(attributes).every((k) => k === 'password' || k === 'encryption')
        if (target.oid !== me?.oid || !onlyPassword) throw dbError('insufficient_privilege', 'permission denied')
      }
      // PostgreSQL 16's rule (15 allows it, and only single-user mode can undo it; Isola has no such mode).
      if (attributes.superuser === false && target.oid === BOOTSTRAP_SUPERUSER) throw dbError('insufficient_privilege', 'permission denied: bootstrap user must be superuser')
      await cluster.alterRole(stmt.name, attributes)
      return tag
    }
    case 'drop-role': {
      if (!superuser && me?.createrole !== true) throw dbError('insufficient_privilege', 'permission denied to drop role')
      // Every name is checked before any is dropped: PostgreSQL's DROP ROLE is one transaction.
      const drop: string[] = []
      for (const name of stmt.names) {
        const target = cluster.roles().find((r) => r.name === name)
        if (target === undefined) {
          if (!stmt.ifExists) throw dbError('undefined_object', `role "${name}" does not exist`)
          ctx.notice(`role "${name}" does not exist, skipping`)
          continue
        }
        if (target.oid === me?.oid) throw dbError('object_in_use', 'current user cannot be dropped')
        if (target.superuser && !superuser) throw dbError('insufficient_privilege', 'must be superuser to drop superusers')
        drop.push(name)
      }
      if (drop.length > 0) await cluster.dropRoles(drop)
      return tag
    }
  }
}

/** The bootstrap superuser's oid (initdb's, PostgreSQL's BOOTSTRAP_SUPERUSERID). */
export const BOOTSTRAP_SUPERUSER = ROLE_OIDS.superuser

function redundant(): IsolaError {
  return dbError('syntax_error', 'conflicting or redundant options')
}

/** `public`, `none` and names starting with pg_ are reserved (42939), as in PostgreSQL. */
function checkRoleName(name: string): void {
  if (name === 'public' || name === 'none') throw dbError('reserved_name', `role name "${name}" is reserved`)
  if (name.startsWith('pg_')) throw dbError('reserved_name', `role name "${name}" is reserved`, { detail: 'Role names starting with "pg_" are reserved.' })
}

function roleAttributes(options: readonly RoleOption[], ctx: ClusterStatementContext): RoleAttributes {
  const out: { -readonly [K in keyof RoleAttributes]: RoleAttributes[K] } = {}
  const seen = new Set<string>()
  for (const o of options) {
    if (seen.has(o.kind)) throw redundant()
    seen.add(o.kind)
    switch (o.kind) {
      case 'superuser':
      case 'login':
      case 'createdb':
      case 'createrole':
        out[o.kind] = o.value
        break
      case 'password':
        if (o.value === '') {
          ctx.notice('empty string is not a valid password, clearing password')
          out.password = null
        } else out.password = o.value
        out.encryption = ctx.passwordEncryption === 'md5' ? 'md5' : 'scram-sha-256'
        break
      case 'inherit':
      case 'replication':
      case 'bypassrls':
      case 'connection-limit':
      case 'valid-until':
        // Accepted and ignored: no role membership, replication, row security or connection limits.
        break
    }
  }
  return out
}
