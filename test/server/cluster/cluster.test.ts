import fs from 'node:fs'
import path from 'node:path'
import { describe, expect, test } from 'vitest'
import { open } from '../../../index.js'
import { parseUserSpec } from '../../../server/cluster/index.js'
import { authExchange } from '../../../server/auth/index.js'
import { cluster, failure, tempDir } from './helpers.js'

const globalJson = (dir: string) => JSON.parse(fs.readFileSync(path.join(dir, 'global.json'), 'utf8'))

describe('a new data directory', () => {
  test('is as initdb leaves one: superuser postgres (oid 10, no password) and database postgres', async () => {
    const dir = tempDir()
    const c = await cluster(dir)
    expect(c.role('postgres')).toEqual({ oid: 10, name: 'postgres', superuser: true, login: true, createdb: true, createrole: true, password: null })
    expect(c.databases()).toEqual([{ oid: 5, name: 'postgres', owner: 10 }])
    expect(globalJson(dir)).toMatchObject({ version: 1, nextOid: 16384, roles: [{ name: 'postgres' }], databases: [{ name: 'postgres' }] })
    const s = await c.session({ user: 'postgres', database: 'postgres' })
    expect((await s.query('SELECT current_database() AS d, current_user AS u')).rows).toEqual([{ d: 'postgres', u: 'postgres' }])
    expect(fs.existsSync(path.join(dir, 'base', '5'))).toBe(true)
  })

  test('one process per directory; a single-database directory is not taken for a cluster', async () => {
    const dir = tempDir()
    const c = await cluster(dir)
    expect(await failure(cluster(dir))).toMatchObject({ code: '55000', message: expect.stringContaining('is in use by process') })
    await c.close()
    await (await cluster(dir)).close()
    const single = tempDir()
    const db = await open({ dir: single })
    await db.close()
    expect(await failure(cluster(single))).toMatchObject({ code: '55000', message: `directory "${single}" holds a single database, not a server's data directory` })
    expect(fs.readdirSync(single).sort()).toEqual(['data.isola', 'wal'])
  })

  test('connecting: unknown database 3D000, unknown role and NOLOGIN 28000', async () => {
    const c = await cluster()
    expect(await failure(c.session({ user: 'postgres', database: 'nope' }))).toEqual({ code: '3D000', message: 'database "nope" does not exist' })
    expect(await failure(c.session({ user: 'nobody', database: 'postgres' }))).toEqual({ code: '28000', message: 'role "nobody" does not exist' })
    await c.createRole('nl', {})
    expect(await failure(c.session({ user: 'nl', database: 'postgres' }))).toEqual({ code: '28000', message: 'role "nl" is not permitted to log in' })
  })
})

describe('databases', () => {
  test('created, used, reopened with their data, dropped with their directory', async () => {
    const dir = tempDir()
    let c = await cluster(dir)
    await c.createDatabase('app', 'postgres')
    const oid = c.database('app')!.oid
    expect(oid).toBe(16384)
    let s = await c.session({ user: 'postgres', database: 'app' })
    await s.query('CREATE TABLE t (a int)')
    await s.query('INSERT INTO t VALUES (1), (2)')
    await c.close()

    c = await cluster(dir)
    expect(c.databases().map((d) => d.name)).toEqual(['postgres', 'app'])
    s = await c.session({ user: 'postgres', database: 'app' })
    expect((await s.query('SELECT count(*)::int AS n FROM t')).rows).toEqual([{ n: 2 }])
    const p = await c.session({ user: 'postgres', database: 'postgres' })
    expect(await failure(p.query('SELECT * FROM t'))).toMatchObject({ code: '42P01' })
    await s.close()
    await c.dropDatabase('app', false)
    expect(fs.existsSync(path.join(dir, 'base', String(oid)))).toBe(false)
    await c.close()

    c = await cluster(dir)
    expect(c.database('app')).toBeUndefined()
    // Oids are not reused: a new database never meets an old one's leftovers.
    await c.createDatabase('app', 'postgres')
    expect(c.database('app')!.oid).toBe(16385)
    s = await c.session({ user: 'postgres', database: 'app' })
    expect(await failure(s.query('SELECT * FROM t'))).toMatchObject({ code: '42P01' })
  })

  test('errors: duplicate 42P04, unknown 3D000, unknown owner 42704, in use 55006', async () => {
    const c = await cluster()
    await c.createDatabase('app', 'postgres')
    expect(await failure(c.createDatabase('app', 'postgres'))).toEqual({ code: '42P04', message: 'database "app" already exists' })
    expect(await failure(c.createDatabase('x', 'nobody'))).toEqual({ code: '42704', message: 'role "nobody" does not exist' })
    expect(await failure(c.dropDatabase('nope', false))).toEqual({ code: '3D000', message: 'database "nope" does not exist' })
    const s1 = await c.session({ user: 'postgres', database: 'app' })
    expect(await failure(c.dropDatabase('app', false))).toEqual({ code: '55006', message: 'database "app" is being accessed by other users', detail: 'There is 1 other session using the database.' })
    const s2 = await c.session({ user: 'postgres', database: 'app' })
    expect(await failure(c.dropDatabase('app', false))).toMatchObject({ detail: 'There are 2 other sessions using the database.' })
    await s2.close()
    expect(c.database('app')).toBeDefined()
    // FORCE ends the sessions.
    await c.dropDatabase('app', true)
    expect(await failure(s1.query('SELECT 1'))).toMatchObject({ code: '57P01' })
    expect(await failure(c.session({ user: 'postgres', database: 'app' }))).toMatchObject({ code: '3D000' })
  })

  test('an orphan directory (a crash after the record was dropped) is removed at open', async () => {
    const dir = tempDir()
    await (await cluster(dir)).close()
    fs.mkdirSync(path.join(dir, 'base', '99999'))
    fs.writeFileSync(path.join(dir, 'base', '99999', 'x'), 'left over')
    await cluster(dir)
    expect(fs.existsSync(path.join(dir, 'base', '99999'))).toBe(false)
    expect(fs.existsSync(path.join(dir, 'base', '5'))).toBe(true)
  })
})

describe('roles', () => {
  test('create, alter, drop; durable across reopen; passwords stored encrypted', async () => {
    const dir = tempDir()
    let c = await cluster(dir)
    await c.createRole('alice', { login: true, password: 'secret' })
    await c.createRole('bob', { createdb: true, password: 'pw', encryption: 'md5' })
    expect(c.role('alice')).toMatchObject({ oid: 16384, login: true, superuser: false, createdb: false })
    expect(c.role('alice')!.password).toMatch(/^SCRAM-SHA-256\$4096:/)
    expect(c.role('bob')!.password).toMatch(/^md5[0-9a-f]{32}$/)
    expect(JSON.stringify(c.roles())).not.toContain('SCRAM')
    await c.alterRole('bob', { login: true, password: null })
    expect(c.role('bob')).toMatchObject({ login: true, createdb: true, password: null })
    await c.close()

    c = await cluster(dir)
    expect(c.roles().map((r) => r.name)).toEqual(['postgres', 'alice', 'bob'])
    const x = authExchange('password', 'alice', c.role('alice'))
    x.start()
    expect(x.respond(Buffer.from('secret\0'))).toEqual({ kind: 'ok' })
    await c.dropRoles(['bob'])
    await c.close()
    c = await cluster(dir)
    expect(c.role('bob')).toBeUndefined()
  })

  test('errors: duplicate 42710, unknown 42704, bootstrap superuser and database owners 2BP01', async () => {
    const c = await cluster()
    await c.createRole('alice', {})
    expect(await failure(c.createRole('alice', {}))).toEqual({ code: '42710', message: 'role "alice" already exists' })
    expect(await failure(c.alterRole('nobody', {}))).toEqual({ code: '42704', message: 'role "nobody" does not exist' })
    expect(await failure(c.dropRoles(['nobody']))).toEqual({ code: '42704', message: 'role "nobody" does not exist' })
    expect(await failure(c.dropRoles(['postgres']))).toEqual({ code: '2BP01', message: 'cannot drop role postgres because it is required by the database system' })
    await c.createDatabase('a1', 'alice')
    await c.createDatabase('a2', 'alice')
    await c.createRole('carol', {})
    expect(await failure(c.dropRoles(['carol', 'alice']))).toMatchObject({ code: '2BP01' })
    expect(c.role('carol')).toBeDefined()
    expect(await failure(c.dropRoles(['alice']))).toEqual({ code: '2BP01', message: 'role "alice" cannot be dropped because some objects depend on it', detail: 'owner of database a1\nowner of database a2' })
  })

  test('bootstrap users from the command line: name:password', async () => {
    expect(parseUserSpec('app:s3:cret')).toEqual({ name: 'app', password: 's3:cret' })
    expect(parseUserSpec('app')).toEqual({ name: 'app', password: null })
    expect(() => parseUserSpec(':x')).toThrow(expect.objectContaining({ code: '22023' }))
    const c = await cluster(tempDir(), { passwordEncryption: 'md5' })
    await c.ensureUser('app', 'one')
    expect(c.role('app')).toMatchObject({ superuser: true, login: true, password: expect.stringMatching(/^md5/) })
    await c.ensureUser('app', 'two')
    const x = authExchange('md5', 'app', c.role('app'))
    expect(x.start().kind).toBe('md5')
    await c.ensureUser('postgres', 'pg')
    expect(c.role('postgres')!.password).toMatch(/^md5/)
  })

  test('concurrent changes are serialised: none is lost', async () => {
    const dir = tempDir()
    const c = await cluster(dir)
    await Promise.all(Array.from({ length: 20 }, (_, i) => c.createRole(`r${i}`, {})))
    await Promise.all([c.createDatabase('d1', 'r1'), c.createDatabase('d2', 'r2')])
    expect(new Set(c.roles().map((r) => r.oid)).size).toBe(21)
    expect(globalJson(dir).roles).toHaveLength(21)
    expect(globalJson(dir).databases).toHaveLength(3)
  })
})

describe('global.json', () => {
  test('written through a temporary file: a leftover .tmp is ignored, the file is whole JSON', async () => {
    const dir = tempDir()
    let c = await cluster(dir)
    await c.createRole('alice', {})
    await c.close()
    fs.writeFileSync(path.join(dir, 'global.json.tmp'), '{"half": ')
    c = await cluster(dir)
    expect(c.role('alice')).toBeDefined()
    await c.createRole('bob', {})
    expect(fs.existsSync(path.join(dir, 'global.json.tmp'))).toBe(false)
    expect(globalJson(dir).roles.map((r: { name: string }) => r.name)).toEqual(['postgres', 'alice', 'bob'])
  })

  test('a damaged file is XX001, not a fresh cluster', async () => {
    const dir = tempDir()
    await (await cluster(dir)).close()
    fs.writeFileSync(path.join(dir, 'global.json'), '{"version": 1, "roles": [')
    expect(await failure(cluster(dir))).toMatchObject({ code: 'XX001' })
    fs.writeFileSync(path.join(dir, 'global.json'), '{"version": 1, "roles": []}')
    expect(await failure(cluster(dir))).toMatchObject({ code: 'XX001' })
  })
})
