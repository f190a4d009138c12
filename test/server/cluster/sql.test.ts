/** CREATE/DROP DATABASE and CREATE/ALTER/DROP ROLE through SQL, on sessions of an embedded cluster. */
import { describe, expect, test } from 'vitest'
import { open } from '../../../index.js'
import { authExchange } from '../../../server/auth/index.js'
import { cluster, failure } from './helpers.js'

async function superuserSession() {
  const c = await cluster()
  return { c, s: await c.session({ user: 'postgres', database: 'postgres' }) }
}

describe('databases through SQL', () => {
  test('CREATE DATABASE, pg_database, DROP DATABASE [IF EXISTS]', async () => {
    const { c, s } = await superuserSession()
    expect((await s.query("CREATE DATABASE app WITH OWNER = postgres ENCODING 'UTF8' TEMPLATE template0")).command).toBe('CREATE DATABASE')
    expect((await s.query('SELECT datname, datdba FROM pg_database ORDER BY oid')).rows).toEqual([{ datname: 'postgres', datdba: 10 }, { datname: 'app', datdba: 10 }])
    const a = await c.session({ user: 'postgres', database: 'app' })
    expect((await a.query('SELECT current_database() AS d')).rows).toEqual([{ d: 'app' }])
    expect(await failure(s.query('DROP DATABASE app'))).toEqual({ code: '55006', message: 'database "app" is being accessed by other users', detail: 'There is 1 other session using the database.' })
    await a.close()
    expect((await s.query('DROP DATABASE app')).command).toBe('DROP DATABASE')
    const r = await s.query('DROP DATABASE IF EXISTS app')
    expect(r.command).toBe('DROP DATABASE')
    expect(r.notices).toEqual([{ severity: 'NOTICE', code: '00000', message: 'database "app" does not exist, skipping' }])
    expect(await failure(s.query('DROP DATABASE app'))).toEqual({ code: '3D000', message: 'database "app" does not exist' })
  })

  test('DROP DATABASE … WITH (FORCE) ends the sessions on it', async () => {
    const { c, s } = await superuserSession()
    await s.query('CREATE DATABASE app')
    const a = await c.session({ user: 'postgres', database: 'app' })
    await s.query('DROP DATABASE app WITH (FORCE)')
    expect(await failure(a.query('SELECT 1'))).toMatchObject({ code: '57P01' })
  })

  test('errors: duplicate, the current database, inside a transaction block, unknown options and template', async () => {
    const { s } = await superuserSession()
    await s.query('CREATE DATABASE app')
    expect(await failure(s.query('CREATE DATABASE app'))).toEqual({ code: '42P04', message: 'database "app" already exists' })
    expect(await failure(s.query('DROP DATABASE postgres'))).toEqual({ code: '55006', message: 'cannot drop the currently open database' })
    await s.query('BEGIN')
    expect(await failure(s.query('CREATE DATABASE b'))).toEqual({ code: '25001', message: 'CREATE DATABASE cannot run inside a transaction block' })
    // The error fails the block, as any error in one does.
    expect(await failure(s.query('SELECT 1'))).toMatchObject({ code: '25P02' })
    await s.query('ROLLBACK')
    expect(await failure(s.execute('SELECT 1; DROP DATABASE app'))).toEqual({ code: '25001', message: 'DROP DATABASE cannot run inside a transaction block' })
    expect(await failure(s.query('CREATE DATABASE b WITH colour = red'))).toEqual({ code: '42601', message: 'option "colour" not recognized' })
    expect(await failure(s.query('CREATE DATABASE b OWNER a OWNER b'))).toEqual({ code: '42601', message: 'conflicting or redundant options' })
    expect(await failure(s.query('CREATE DATABASE b TEMPLATE nope'))).toEqual({ code: '3D000', message: 'template database "nope" does not exist' })
    expect(await failure(s.query('CREATE DATABASE b OWNER nobody'))).toEqual({ code: '42704', message: 'role "nobody" does not exist' })
    await s.query('CREATE DATABASE b TEMPLATE app')
  })
})

describe('ALTER DATABASE … RENAME TO / OWNER TO', () => {
  test('renamed: reopened under the new name; refused while in use, for the current database, onto an existing name', async () => {
    const { c, s } = await superuserSession()
    await s.query('CREATE DATABASE app')
    let a = await c.session({ user: 'postgres', database: 'app' })
    await a.query('CREATE TABLE t (x int)')
    expect(await failure(s.query('ALTER DATABASE app RENAME TO app2'))).toMatchObject({ code: '55006', message: 'database "app" is being accessed by other users' })
    await a.close()
    expect((await s.query('ALTER DATABASE app RENAME TO app2')).command).toBe('ALTER DATABASE')
    expect(await failure(c.session({ user: 'postgres', database: 'app' }))).toMatchObject({ code: '3D000' })
    a = await c.session({ user: 'postgres', database: 'app2' })
    expect((await a.query('SELECT current_database() AS d, count(*)::int AS n FROM t')).rows).toEqual([{ d: 'app2', n: 0 }])
    expect(await failure(s.query('ALTER DATABASE postgres RENAME TO p'))).toEqual({ code: '0A000', message: 'current database cannot be renamed' })
    await s.query('CREATE DATABASE other')
    expect(await failure(s.query('ALTER DATABASE other RENAME TO app2'))).toEqual({ code: '42P04', message: 'database "app2" already exists' })
    expect(await failure(s.query('ALTER DATABASE nope RENAME TO x'))).toEqual({ code: '3D000', message: 'database "nope" does not exist' })
  })

  test('OWNER TO: the owner may then drop it; unknown role 42704; only owners (who are members of the new owner) may change it', async () => {
    const { c, s } = await superuserSession()
    await s.query('CREATE USER dba CREATEDB')
    await s.query('CREATE DATABASE app')
    expect(await failure(s.query('ALTER DATABASE app OWNER TO nobody'))).toEqual({ code: '42704', message: 'role "nobody" does not exist' })
    const d = await c.session({ user: 'dba', database: 'postgres' })
    expect(await failure(d.query('ALTER DATABASE app OWNER TO dba'))).toEqual({ code: '42501', message: 'must be owner of database app' })
    await s.query('ALTER DATABASE app OWNER TO dba')
    expect(c.database('app')!.owner).toBe(c.role('dba')!.oid)
    expect(await failure(d.query('ALTER DATABASE app OWNER TO postgres'))).toEqual({ code: '42501', message: 'must be member of role "postgres"' })
    await d.query('ALTER DATABASE app RENAME TO mine')
    await d.query('DROP DATABASE mine')
  })
})

describe('roles through SQL', () => {
  test('CREATE USER … PASSWORD stores a SCRAM verifier that authenticates; pg_roles shows no hash', async () => {
    const { c, s } = await superuserSession()
    expect((await s.query("CREATE USER alice WITH PASSWORD 'secret' CREATEDB")).command).toBe('CREATE ROLE')
    expect(c.role('alice')).toMatchObject({ login: true, createdb: true, superuser: false, password: expect.stringMatching(/^SCRAM-SHA-256\$4096:/) })
    await s.query('CREATE ROLE nobody_logs_in')
    expect(c.role('nobody_logs_in')).toMatchObject({ login: false, password: null })
    // pg_roles also lists the predefined roles (pg_database_owner …), as PostgreSQL's does.
    const rows = (await s.query("SELECT rolname, rolsuper, rolcanlogin, rolcreatedb, rolpassword FROM pg_roles WHERE rolname NOT LIKE 'pg\\_%' ORDER BY oid")).rows
    expect(rows).toEqual([
      { rolname: 'postgres', rolsuper: true, rolcanlogin: true, rolcreatedb: true, rolpassword: '********' },
      { rolname: 'alice', rolsuper: false, rolcanlogin: true, rolcreatedb: true, rolpassword: '********' },
      { rolname: 'nobody_logs_in', rolsuper: false, rolcanlogin: false, rolcreatedb: false, rolpassword: '********' },
    ])
    const x = authExchange('scram-sha-256', 'alice', c.role('alice'))
    expect(x.start()).toEqual({ kind: 'sasl', mechanisms: ['SCRAM-SHA-256'] })
  })

  test("SET password_encryption = 'md5' stores md5(password || user); ALTER ROLE … PASSWORD NULL clears it", async () => {
    const { c, s } = await superuserSession()
    await s.query("SET password_encryption = 'md5'")
    await s.query("CREATE ROLE bob LOGIN PASSWORD 'pw'")
    expect(c.role('bob')!.password).toBe('md5' + (await import('node:crypto')).createHash('md5').update('pwbob').digest('hex'))
    await s.query('ALTER ROLE bob PASSWORD NULL')
    expect(c.role('bob')!.password).toBeNull()
    const r = await s.query("ALTER USER bob WITH PASSWORD ''")
    expect(r.notices.map((n) => n.message)).toEqual(['empty string is not a valid password, clearing password'])
    await s.query('ALTER ROLE bob NOLOGIN SUPERUSER')
    expect(c.role('bob')).toMatchObject({ login: false, superuser: true })
  })

  test('ALTER ROLE … RENAME TO: an md5 password is cleared (it is salted with the name), a SCRAM one kept', async () => {
    const { c, s } = await superuserSession()
    await s.query("SET password_encryption = 'md5'")
    await s.query("CREATE USER m PASSWORD 'x'")
    await s.query("SET password_encryption = 'scram-sha-256'")
    await s.query("CREATE USER sc PASSWORD 'x'")
    const r = await s.query('ALTER ROLE m RENAME TO m2')
    expect([r.command, r.notices.map((n) => n.message)]).toEqual(['ALTER ROLE', ['MD5 password cleared because of role rename']])
    expect(c.role('m2')).toMatchObject({ password: null, login: true })
    const before = c.role('sc')!.password
    expect((await s.query('ALTER USER sc RENAME TO sc2')).notices).toEqual([])
    expect(c.role('sc2')!.password).toBe(before)
    expect(await failure(s.query('ALTER ROLE sc2 RENAME TO m2'))).toEqual({ code: '42710', message: 'role "m2" already exists' })
    expect(await failure(s.query('ALTER ROLE postgres RENAME TO boss'))).toEqual({ code: '0A000', message: 'session user cannot be renamed' })
    expect(await failure(s.query('ALTER ROLE nope RENAME TO x'))).toEqual({ code: '42704', message: 'role "nope" does not exist' })
    const p = await c.session({ user: 'sc2', database: 'postgres' })
    expect(await failure(p.query('ALTER ROLE m2 RENAME TO m3'))).toEqual({ code: '42501', message: 'permission denied to rename role' })
  })

  test('DROP ROLE [IF EXISTS] a, b; errors', async () => {
    const { s } = await superuserSession()
    await s.query('CREATE ROLE a')
    await s.query('CREATE ROLE b')
    expect(await failure(s.query('CREATE ROLE a'))).toEqual({ code: '42710', message: 'role "a" already exists' })
    expect(await failure(s.query('CREATE ROLE pg_x'))).toEqual({ code: '42939', message: 'role name "pg_x" is reserved', detail: 'Role names starting with "pg_" are reserved.' })
    expect(await failure(s.query('ALTER ROLE zz LOGIN'))).toEqual({ code: '42704', message: 'role "zz" does not exist' })
    expect(await failure(s.query('DROP ROLE a, zz'))).toEqual({ code: '42704', message: 'role "zz" does not exist' })
    const r = await s.query('DROP ROLE IF EXISTS a, zz, b')
    expect(r.notices.map((n) => n.message)).toEqual(['role "zz" does not exist, skipping'])
    expect((await s.query("SELECT count(*)::int AS n FROM pg_roles WHERE rolname IN ('a', 'b')")).rows).toEqual([{ n: 0 }])
    expect(await failure(s.query('DROP ROLE postgres'))).toEqual({ code: '55006', message: 'current user cannot be dropped' })
    expect(await failure(s.query('ALTER ROLE postgres NOSUPERUSER'))).toEqual({ code: '42501', message: 'permission denied: bootstrap user must be superuser' })
    expect(await failure(s.query('CREATE ROLE c SUPERUSER NOSUPERUSER'))).toEqual({ code: '42601', message: 'conflicting or redundant options' })
  })

  test('role changes take effect at once, even in a transaction block (not transactional)', async () => {
    const { c, s } = await superuserSession()
    await s.query('BEGIN')
    await s.query('CREATE ROLE r')
    await s.query('ROLLBACK')
    expect(c.role('r')).toBeDefined()
  })
})

describe('privileges (superuser, CREATEDB, CREATEROLE; no GRANT)', () => {
  test('a plain role may change only its own password', async () => {
    const { c, s } = await superuserSession()
    await s.query("CREATE USER plain PASSWORD 'a'")
    await s.query('CREATE USER other')
    const p = await c.session({ user: 'plain', database: 'postgres' })
    expect(await failure(p.query('CREATE DATABASE x'))).toEqual({ code: '42501', message: 'permission denied to create database' })
    expect(await failure(p.query('CREATE ROLE x'))).toEqual({ code: '42501', message: 'permission denied to create role' })
    expect(await failure(p.query('DROP ROLE other'))).toEqual({ code: '42501', message: 'permission denied to drop role' })
    expect(await failure(p.query("ALTER ROLE other PASSWORD 'x'"))).toEqual({ code: '42501', message: 'permission denied' })
    expect(await failure(p.query('ALTER ROLE plain CREATEDB'))).toEqual({ code: '42501', message: 'permission denied' })
    expect(await failure(p.query('ALTER ROLE plain'))).toEqual({ code: '42501', message: 'permission denied' })
    expect(await failure(p.query('ALTER ROLE postgres PASSWORD $$x$$'))).toEqual({ code: '42501', message: 'must be superuser to alter superuser roles or change superuser attribute' })
    const before = c.role('plain')!.password
    await p.query("ALTER ROLE plain PASSWORD 'b'")
    expect(c.role('plain')!.password).not.toBe(before)
  })

  test('CREATEDB may create databases and drop its own; CREATEROLE may manage non-superusers', async () => {
    const { c, s } = await superuserSession()
    await s.query('CREATE USER dba CREATEDB')
    await s.query('CREATE USER admin CREATEROLE')
    await s.query('CREATE DATABASE theirs')
    const d = await c.session({ user: 'dba', database: 'postgres' })
    await d.query('CREATE DATABASE mine')
    expect(c.database('mine')!.owner).toBe(c.role('dba')!.oid)
    expect(await failure(d.query('CREATE DATABASE x OWNER postgres'))).toEqual({ code: '42501', message: 'must be member of role "postgres"' })
    expect(await failure(d.query('DROP DATABASE theirs'))).toEqual({ code: '42501', message: 'must be owner of database theirs' })
    await d.query('DROP DATABASE mine')
    const a = await c.session({ user: 'admin', database: 'postgres' })
    await a.query("CREATE ROLE helper LOGIN PASSWORD 'x'")
    await a.query('ALTER ROLE helper CREATEDB')
    expect(await failure(a.query('CREATE ROLE boss SUPERUSER'))).toEqual({ code: '42501', message: 'must be superuser to create superusers' })
    expect(await failure(a.query('DROP ROLE postgres'))).toEqual({ code: '42501', message: 'must be superuser to drop superusers' })
    await a.query('DROP ROLE helper')
  })
})

test('a database opened alone (no cluster) refuses the statements with 0A000 and lists only itself', async () => {
  const db = await open({ memory: true, user: 'me', database: 'solo' })
  try {
    const s = db.session()
    for (const sql of ['CREATE DATABASE x', 'DROP DATABASE x', 'CREATE ROLE r', 'ALTER ROLE r LOGIN', 'DROP ROLE r']) {
      expect(await failure(s.query(sql))).toMatchObject({ code: '0A000', message: expect.stringContaining('needs a server cluster') })
    }
    expect((await s.query('SELECT datname FROM pg_database')).rows).toEqual([{ datname: 'solo' }])
    expect((await s.query("SELECT rolname, rolsuper FROM pg_roles WHERE rolname NOT LIKE 'pg\\_%'")).rows).toEqual([{ rolname: 'me', rolsuper: true }])
  } finally {
    await db.close()
  }
})
