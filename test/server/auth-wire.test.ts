/**
 * Authentication over the wire with real clients: roles made by CREATE ROLE …
 * PASSWORD log in with cleartext, md5 and SCRAM-SHA-256 (node-postgres and
 * postgres.js do the client side), a wrong password is 28P01, CREATE DATABASE makes
 * a database a new connection can name, and an unknown one is 3D000.
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import pg from 'pg'
import postgres from 'postgres'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { authExchange, type AuthMethod } from '../../server/auth/index.js'
import { Cluster } from '../../server/cluster/index.js'
import { WireServer } from '../../server/server.js'

let dir: string
let cluster: Cluster
let server: WireServer
let method: AuthMethod = 'trust'

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'isola-auth-'))
  cluster = await Cluster.open({ dir })
  server = await WireServer.listen({
    port: 0,
    session: (o) => cluster.session(o),
    authenticate: (user) => authExchange(method, user, cluster.role(user)),
  })
  const c = new pg.Client({ host: '127.0.0.1', port: server.port, user: 'postgres', database: 'postgres' })
  await c.connect()
  await c.query("CREATE ROLE alice LOGIN PASSWORD 'wonderland'")
  await c.query("SET password_encryption = 'md5'")
  await c.query("CREATE ROLE bob LOGIN PASSWORD 'builder'")
  await c.query('CREATE DATABASE shop')
  await c.end()
})
afterAll(async () => {
  await server.close()
  await cluster.close()
  fs.rmSync(dir, { recursive: true, force: true })
})

const connect = async (user: string, password: string, database = 'postgres') => {
  const c = new pg.Client({ host: '127.0.0.1', port: server.port, user, password, database })
  c.on('error', () => undefined)
  await c.connect()
  const r = await c.query('SELECT current_user AS u, current_database() AS d')
  await c.end()
  return r.rows[0]
}

describe('authentication over the wire', () => {
  for (const m of ['scram-sha-256', 'md5', 'password'] as const) {
    it(`${m}: the right password logs in, a wrong one or an unknown user is 28P01`, async () => {
      method = m
      // alice's password is stored as a SCRAM verifier (md5 then runs SCRAM, as PostgreSQL does); bob's as md5.
      expect(await connect('alice', 'wonderland')).toEqual({ u: 'alice', d: 'postgres' })
      if (m !== 'scram-sha-256') expect(await connect('bob', 'builder')).toEqual({ u: 'bob', d: 'postgres' })
      for (const [user, password] of [['alice', 'nope'], ['mallory', 'x']]) {
        const e = await connect(user!, password!).catch((err) => err)
        expect(e.code).toBe('28P01')
        expect(e.message).toBe(`password authentication failed for user "${user}"`)
      }
    })
  }

  it('postgres.js logs in with SCRAM-SHA-256', async () => {
    method = 'scram-sha-256'
    const sql = postgres({ host: '127.0.0.1', port: server.port, user: 'alice', password: 'wonderland', database: 'postgres', fetch_types: false, max: 1 })
    expect(await sql`SELECT current_user AS u`).toEqual([{ u: 'alice' }])
    await sql.end()
  })

  it('a database made by CREATE DATABASE can be connected to, its tables its own; an unknown one is 3D000', async () => {
    method = 'trust'
    const c = new pg.Client({ host: '127.0.0.1', port: server.port, user: 'postgres', database: 'shop' })
    await c.connect()
    await c.query('CREATE TABLE items (id int PRIMARY KEY)')
    expect((await c.query('SELECT current_database() AS d')).rows).toEqual([{ d: 'shop' }])
    await c.end()
    const other = new pg.Client({ host: '127.0.0.1', port: server.port, user: 'postgres', database: 'postgres' })
    await other.connect()
    expect((await other.query('SELECT * FROM items').catch((e) => e)).code).toBe('42P01')
    expect((await other.query('SELECT datname FROM pg_database ORDER BY datname')).rows).toEqual([{ datname: 'postgres' }, { datname: 'shop' }])
    await other.end()
    const e = await connect('postgres', '', 'nowhere').catch((err) => err)
    expect(e.code).toBe('3D000')
  })
})
