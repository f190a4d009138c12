/**
 * TLS: with a certificate and key configured, SSLRequest is answered 'S' and the
 * session runs encrypted (node-postgres with ssl, psql with sslmode=require);
 * without one it is 'N', and sslmode=require fails as it does against PostgreSQL.
 */
import { execFile, spawnSync } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import type { TLSSocket } from 'node:tls'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { pgTool, startServer, type TestServer } from './helpers.js'

const haveOpenssl = spawnSync('openssl', ['version']).status === 0
let dir: string
let srv: TestServer

describe.skipIf(!haveOpenssl)('TLS', () => {
  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'isola-tls-'))
    const r = spawnSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', path.join(dir, 'key.pem'), '-out', path.join(dir, 'cert.pem'), '-days', '1', '-subj', '/CN=localhost'], { encoding: 'utf8' })
    expect(r.status, r.stderr).toBe(0)
    srv = await startServer({ tls: { cert: fs.readFileSync(path.join(dir, 'cert.pem')), key: fs.readFileSync(path.join(dir, 'key.pem')) } })
  })
  afterAll(async () => {
    await srv?.close()
    fs.rmSync(dir, { recursive: true, force: true })
  })

  it('node-postgres with ssl runs its session over TLS', async () => {
    const c = new pg.Client({ connectionString: srv.url, ssl: { rejectUnauthorized: false } })
    await c.connect()
    expect((await c.query('SELECT 6 * 7 AS x')).rows).toEqual([{ x: 42 }])
    const stream = (c as unknown as { connection: { stream: TLSSocket } }).connection.stream
    expect(stream.encrypted).toBe(true)
    expect(stream.getPeerCertificate().subject?.CN).toBe('localhost')
    await c.end()
    // A client that does not ask for TLS still gets in, in the clear.
    const plain = new pg.Client({ connectionString: srv.url })
    await plain.connect()
    expect((await plain.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }])
    await plain.end()
  })

  it.skipIf(pgTool('psql') === undefined)('psql with sslmode=require connects, and reports the TLS session', async () => {
    const out = await new Promise<string>((resolve) => {
      execFile(pgTool('psql')!, ['-X', '-c', '\\conninfo', `${srv.url}?sslmode=require`], { encoding: 'utf8', timeout: 20_000 }, (_e, stdout, stderr) => resolve(stdout + stderr))
    })
    expect(out).toMatch(/SSL connection \(protocol: TLSv1\.[23]/)
  })

  it('without a certificate, sslmode=require is refused as PostgreSQL refuses it', async () => {
    const plainServer = await startServer()
    try {
      const c = new pg.Client({ connectionString: plainServer.url, ssl: { rejectUnauthorized: false } })
      const e = await c.connect().catch((err) => err)
      expect(String(e?.message)).toMatch(/does not support SSL/)
    } finally {
      await plainServer.close()
    }
  })
})
