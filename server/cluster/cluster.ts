/**
 * A server's data directory: the cluster's roles and databases, and each
 * database's own engine, as a PostgreSQL data directory holds them.
 *
 *     DIR/global.json        roles and databases (global-file.ts), rewritten durably
 *     DIR/base/<oid>/        one Isola database per database, opened at first use
 *
 * A new directory starts as initdb leaves one: the superuser `postgres` (oid 10,
 * no password) and the database `postgres` (oid 5). The server authenticates a
 * connection against `role(name)` (server/auth) and then takes `session({ user,
 * database })`. Each engine database gets this cluster as its `ClusterAdmin`, so
 * CREATE/DROP DATABASE and CREATE/ALTER/DROP ROLE reach it through SQL.
 *
 * Changes are serialised (one at a time) and each is durable before it returns.
 * A database's directory is created with it and removed after its record is gone,
 * so a crash in between leaves an orphan directory, removed at the next open.
 */
import crypto from 'node:crypto'
import fs from 'node:fs/promises'
import path from 'node:path'
import { dbError, ioError } from '../../common/errors.js'
import type { ClusterAdmin, DatabaseInfo, RoleAttributes, RoleInfo } from '../../engine/cluster-admin.js'
import { BOOTSTRAP_SUPERUSER } from '../../engine/cluster-admin.js'
import { open, type Database, type OpenOptions, type Session } from '../../index.js'
import { lockDirectory, type DirLock } from '../../storage/dir-lock.js'
import { nodeFileSystem } from '../../storage/file-system.js'
import { encryptPassword, storedPasswordKind, type PasswordEncryption } from '../auth/passwords.js'
import { readGlobal, syncDir, writeGlobal } from './global-file.js'
import { initialState, type DatabaseRecord, type GlobalState, type RoleRecord } from './records.js'

export interface ClusterOptions {
  readonly dir: string
  /** How CREATE/ALTER ROLE … PASSWORD and bootstrap users store passwords unless the session's password_encryption says otherwise. Default scram-sha-256 (PostgreSQL 15's). */
  readonly passwordEncryption?: PasswordEncryption
  /** The bootstrap superuser's name in a new directory (initdb -U). Default postgres. */
  readonly superuser?: string
  /** Engine options for every database (fsync, caches …). */
  readonly databaseOptions?: Omit<OpenOptions, 'dir' | 'memory' | 'user' | 'database' | 'cluster'>
  /** Random bytes for salts (tests make them deterministic). */
  readonly random?: (n: number) => Buffer
}

export interface ConnectOptions {
  readonly user: string
  readonly database: string
  readonly applicationName?: string
}

export class Cluster implements ClusterAdmin {
  private readonly opened = new Map<number, Promise<Database>>()
  private queue: Promise<unknown> = Promise.resolve()
  private closed = false

  private constructor(
    readonly dir: string,
    private state: GlobalState,
    private readonly options: ClusterOptions,
    private readonly lock: DirLock,
  ) {}

  /**
   * Opens a data directory, creating it (initdb) if it has no global.json. One
   * process per directory (DIR/LOCK, as each database's own directory has): 55000
   * while another holds it.
   */
  static async open(options: ClusterOptions): Promise<Cluster> {
    const dir = path.resolve(options.dir)
    await fs.mkdir(dir, { recursive: true }).catch((e: unknown) => { throw ioError(`create directory "${dir}"`, e) })
    const lock = lockDirectory(nodeFileSystem, dir)
    try {
      let state = await readGlobal(dir)
      if (state === undefined) {
        if (await exists(path.join(dir, 'data.isola'))) {
          throw dbError('object_not_in_prerequisite_state', `directory "${dir}" holds a single database, not a server's data directory`, {
            hint: 'Open it with open({ dir }) (isola sql), or give the server a new directory.',
          })
        }
        state = initialState(options.superuser)
        for (const d of state.databases) await fs.mkdir(path.join(dir, 'base', String(d.oid)), { recursive: true })
        await writeGlobal(dir, state)
      }
      await fs.mkdir(path.join(dir, 'base'), { recursive: true })
      const cluster = new Cluster(dir, state, options, lock)
      await cluster.removeOrphans()
      return cluster
    } catch (e) {
      lock.release()
      throw e
    }
  }

  private baseDir(oid: number): string {
    return path.join(this.dir, 'base', String(oid))
  }

  /** Directories of dropped databases whose removal a crash interrupted. */
  private async removeOrphans(): Promise<void> {
    const live = new Set(this.state.databases.map((d) => String(d.oid)))
    for (const entry of await fs.readdir(path.join(this.dir, 'base'))) {
      if (!live.has(entry)) await fs.rm(path.join(this.dir, 'base', entry), { recursive: true, force: true })
    }
  }

  // ── lookups (authentication, the server) ─────────────────────────────────────

  /** A role with its stored password, for authentication; undefined if there is none. */
  role(name: string): RoleRecord | undefined {
    return this.state.roles.find((r) => r.name === name)
  }

  database(name: string): DatabaseRecord | undefined {
    return this.state.databases.find((d) => d.name === name)
  }

  roles(): readonly RoleInfo[] {
    return this.state.roles.map(({ password: _, ...info }) => info)
  }

  databases(): readonly DatabaseInfo[] {
    return this.state.databases
  }

  // ── connections ──────────────────────────────────────────────────────────────

  /**
   * A session for an authenticated connection: 3D000 `database "x" does not exist`
   * (PostgreSQL's FATAL at connection), 28000 for an unknown role or one that may
   * not log in (checked again: authentication may have been trust).
   */
  async session(options: ConnectOptions): Promise<Session> {
    const role = this.role(options.user)
    if (role === undefined) throw dbError('invalid_authorization_specification', `role "${options.user}" does not exist`)
    if (!role.login) throw dbError('invalid_authorization_specification', `role "${options.user}" is not permitted to log in`)
    const db = await this.openDatabase(options.database)
    return db.session({ user: options.user, database: options.database, ...(options.applicationName === undefined ? {} : { applicationName: options.applicationName }) })
  }

  /** The engine database of a database by name, opened at first use and kept open until it is dropped or the cluster closes. */
  async openDatabase(name: string): Promise<Database> {
    if (this.closed) throw dbError('admin_shutdown', 'the server is shutting down')
    const record = this.database(name)
    if (record === undefined) throw dbError('invalid_catalog_name', `database "${name}" does not exist`)
    let opening = this.opened.get(record.oid)
    if (opening === undefined) {
      opening = open({ ...this.options.databaseOptions, dir: this.baseDir(record.oid), user: this.superuserName(), database: name, cluster: this })
      this.opened.set(record.oid, opening)
      opening.catch(() => this.opened.delete(record.oid))
    }
    const db = await opening
    // Dropped while it opened: the database is gone.
    if (this.database(name)?.oid !== record.oid) throw dbError('invalid_catalog_name', `database "${name}" does not exist`)
    return db
  }

  private superuserName(): string {
    return this.state.roles.find((r) => r.oid === BOOTSTRAP_SUPERUSER)?.name ?? 'postgres'
  }

  // ── changes (ClusterAdmin) ───────────────────────────────────────────────────

  /** Runs changes one at a time; each writes global.json before it returns. */
  private exclusive<T>(work: () => Promise<T>): Promise<T> {
    const next = this.queue.then(work, work)
    this.queue = next.catch(() => undefined)
    return next
  }

  private async commit(state: GlobalState): Promise<void> {
    await writeGlobal(this.dir, state)
    this.state = state
  }

  createDatabase(name: string, owner: string): Promise<void> {
    return this.exclusive(async () => {
      if (this.database(name) !== undefined) throw dbError('duplicate_database', `database "${name}" already exists`)
      const role = this.role(owner)
      if (role === undefined) throw dbError('undefined_object', `role "${owner}" does not exist`)
      const oid = this.state.nextOid
      const dir = this.baseDir(oid)
      await fs.mkdir(dir, { recursive: true }).then(() => syncDir(path.dirname(dir))).catch((e: unknown) => { throw ioError(`create directory "${dir}"`, e) })
      await this.commit({ ...this.state, nextOid: oid + 1, databases: [...this.state.databases, { oid, name, owner: role.oid }] })
    })
  }

  renameDatabase(name: string, to: string): Promise<void> {
    return this.exclusive(async () => {
      const record = this.database(name)
      if (record === undefined) throw dbError('invalid_catalog_name', `database "${name}" does not exist`)
      if (this.database(to) !== undefined) throw dbError('duplicate_database', `database "${to}" already exists`)
      // An open engine database carries its name (current_database()): close it, to reopen under the new one.
      await this.closeUnused(record)
      await this.commit({ ...this.state, databases: this.state.databases.map((d) => (d.oid === record.oid ? { ...d, name: to } : d)) })
    })
  }

  setDatabaseOwner(name: string, owner: string): Promise<void> {
    return this.exclusive(async () => {
      const record = this.database(name)
      if (record === undefined) throw dbError('invalid_catalog_name', `database "${name}" does not exist`)
      const role = this.role(owner)
      if (role === undefined) throw dbError('undefined_object', `role "${owner}" does not exist`)
      await this.commit({ ...this.state, databases: this.state.databases.map((d) => (d.oid === record.oid ? { ...d, owner: role.oid } : d)) })
    })
  }

  /** Closes a database's engine unless sessions use it (55006, PostgreSQL's message); with `force`, ends them. */
  private async closeUnused(record: DatabaseRecord, force = false): Promise<void> {
    const opening = this.opened.get(record.oid)
    const db = opening === undefined ? undefined : await opening.catch(() => undefined)
    if (db === undefined) return
    const n = db.sessionCount
    if (n > 0 && !force) {
      throw dbError('object_in_use', `database "${record.name}" is being accessed by other users`, {
        detail: n === 1 ? 'There is 1 other session using the database.' : `There are ${n} other sessions using the database.`,
      })
    }
    // close() marks the database closed at once: no session can start on it from here.
    this.opened.delete(record.oid)
    await db.close()
  }

  dropDatabase(name: string, force: boolean): Promise<void> {
    return this.exclusive(async () => {
      const record = this.database(name)
      if (record === undefined) throw dbError('invalid_catalog_name', `database "${name}" does not exist`)
      await this.closeUnused(record, force)
      await this.commit({ ...this.state, databases: this.state.databases.filter((d) => d.oid !== record.oid) })
      await fs.rm(this.baseDir(record.oid), { recursive: true, force: true }).catch(() => undefined) // an orphan now: removed at the next open
    })
  }

  createRole(name: string, attributes: RoleAttributes): Promise<void> {
    return this.exclusive(async () => {
      if (this.role(name) !== undefined) throw dbError('duplicate_object', `role "${name}" already exists`)
      const oid = this.state.nextOid
      const role: RoleRecord = {
        oid, name,
        superuser: attributes.superuser ?? false, login: attributes.login ?? false,
        createdb: attributes.createdb ?? false, createrole: attributes.createrole ?? false,
        password: this.stored(name, attributes),
      }
      await this.commit({ ...this.state, nextOid: oid + 1, roles: [...this.state.roles, role] })
    })
  }

  alterRole(name: string, attributes: RoleAttributes): Promise<void> {
    return this.exclusive(async () => {
      const old = this.role(name)
      if (old === undefined) throw dbError('undefined_object', `role "${name}" does not exist`)
      const role: RoleRecord = {
        ...old,
        superuser: attributes.superuser ?? old.superuser, login: attributes.login ?? old.login,
        createdb: attributes.createdb ?? old.createdb, createrole: attributes.createrole ?? old.createrole,
        password: attributes.password === undefined ? old.password : this.stored(name, attributes),
      }
      await this.commit({ ...this.state, roles: this.state.roles.map((r) => (r.oid === old.oid ? role : r)) })
    })
  }

  renameRole(name: string, to: string): Promise<{ readonly passwordCleared: boolean }> {
    return this.exclusive(async () => {
      const old = this.role(name)
      if (old === undefined) throw dbError('undefined_object', `role "${name}" does not exist`)
      if (this.role(to) !== undefined) throw dbError('duplicate_object', `role "${to}" already exists`)
      const passwordCleared = old.password !== null && storedPasswordKind(old.password) === 'md5'
      const role: RoleRecord = { ...old, name: to, password: passwordCleared ? null : old.password }
      await this.commit({ ...this.state, roles: this.state.roles.map((r) => (r.oid === old.oid ? role : r)) })
      return { passwordCleared }
    })
  }

  dropRoles(names: readonly string[]): Promise<void> {
    return this.exclusive(async () => {
      const oids = new Set<number>()
      for (const name of names) {
        const role = this.role(name)
        if (role === undefined) throw dbError('undefined_object', `role "${name}" does not exist`)
        if (role.oid === BOOTSTRAP_SUPERUSER) throw dbError('dependent_objects_still_exist', `cannot drop role ${name} because it is required by the database system`)
        const owned = this.state.databases.filter((d) => d.owner === role.oid)
        if (owned.length > 0) {
          throw dbError('dependent_objects_still_exist', `role "${name}" cannot be dropped because some objects depend on it`, {
            detail: owned.map((d) => `owner of database ${d.name}`).join('\n'),
          })
        }
        oids.add(role.oid)
      }
      await this.commit({ ...this.state, roles: this.state.roles.filter((r) => !oids.has(r.oid)) })
    })
  }

  private stored(name: string, attributes: RoleAttributes): string | null {
    const p = attributes.password
    if (p === undefined || p === null) return null
    return encryptPassword(name, p, attributes.encryption ?? this.options.passwordEncryption ?? 'scram-sha-256', this.options.random ?? crypto.randomBytes)
  }

  /**
   * A user given on the command line (`--user name:password`): created as a
   * superuser that may log in, or, if it exists, given that password. For the CLI
   * and tests; the same as CREATE ROLE … SUPERUSER LOGIN PASSWORD through SQL.
   */
  async ensureUser(name: string, password: string | null): Promise<void> {
    if (this.role(name) === undefined) await this.createRole(name, { superuser: true, login: true, createdb: true, createrole: true, password })
    else await this.alterRole(name, { password, login: true })
  }

  /** Closes every open database (their sessions end). */
  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    await this.queue
    const dbs = [...this.opened.values()]
    this.opened.clear()
    try {
      for (const p of dbs) await (await p.catch(() => undefined))?.close()
    } finally {
      this.lock.release()
    }
  }
}

async function exists(file: string): Promise<boolean> {
  return fs.access(file).then(() => true, () => false)
}

/** `name:password` (the password may contain colons; `name` alone has none) → a bootstrap user, as `--user` takes it. */
export function parseUserSpec(spec: string): { readonly name: string; readonly password: string | null } {
  const i = spec.indexOf(':')
  const name = i < 0 ? spec : spec.slice(0, i)
  if (name === '') throw dbError('invalid_parameter_value', `invalid user "${spec}": expected name:password`)
  return { name, password: i < 0 ? null : spec.slice(i + 1) }
}
