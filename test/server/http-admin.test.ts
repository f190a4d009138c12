/** The HTTP admin: health, activity (one row per connection, with its state), databases and roles without passwords. */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import pg from 'pg'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { Cluster } from '../../server/cluster/index.js'
import { startHttpAdmin } from '../../server/http-admin.js'
import { WireServer } from '../../server/server.js'

let dir: string
let cluster: Cluster
let server: WireServer
let http: Awaited<ReturnType<typeof startHttpAdmin>>
let base: string

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'isola-http-'))
  cluster = await Cluster.open({ dir })
  server = await WireServer.listen({ port: 0, session: (o) => cluster.session(o) })
  http = await startHttpAdmin({ host: '127.0.0.1', port: 0, server, cluster })
  const a = http.server.address()
  base = `http://127.0.0.1:${typeof a === 'object' && a !== null ? a.port : 0}`
})
afterAll(async () => {
  await http.close()
  await server.close()
  await cluster.close()
  fs.rmSync(dir, { recursive: true, force: true })
})

it('reports health, each connection and its state, databases and roles', async () => {
  const c = new pg.Client({ host: '127.0.0.1', port: server.port, user: 'postgres', database: 'postgres', application_name: 'admin-test' })
  await c.connect()
  await c.query("CREATE ROLE app LOGIN PASSWORD 'secret'")
  await c.query('BEGIN')
  expect(await (await fetch(`${base}/health`)).json()).toEqual({ status: 'ok', connections: 1 })
  const activity = (await (await fetch(`${base}/activity`)).json()) as { user: string; applicationName: string; state: string; pid: number }[]
  expect(activity).toHaveLength(1)
  expect(activity[0]).toMatchObject({ user: 'postgres', database: 'postgres', applicationName: 'admin-test', state: 'idle in transaction' })
  expect(activity[0]!.pid).toBe((c as unknown as { processID: number }).processID)
  await c.query('ROLLBACK')
  expect(((await (await fetch(`${base}/activity`)).json()) as { state: string }[])[0]!.state).toBe('idle')
  expect(await (await fetch(`${base}/databases`)).json()).toEqual([{ oid: 5, name: 'postgres', owner: 10 }])
  const roles = await (await fetch(`${base}/roles`)).text()
  expect(roles).toContain('"name":"app"')
  expect(roles).not.toContain('SCRAM')
  expect(roles).not.toContain('secret')
  await c.end()
})
