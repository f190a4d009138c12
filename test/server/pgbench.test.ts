/**
 * pgbench against the server: initialisation both ways (client-side COPY, and
 * server-side generate_series with -I dtGvp), then a 5-second TPC-B-like run in each
 * query mode with no failed transactions, and pgbench's own invariant afterwards:
 * the balances of accounts, tellers and branches each sum to the history's deltas.
 */
import { execFile } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { pgTool, startServer, type TestServer } from './helpers.js'

const PGBENCH = pgTool('pgbench')
const SECONDS = 5
let srv: TestServer
let dir: string

/** Runs pgbench (asynchronously: the server it talks to lives in this process). */
function pgbench(args: string[]): Promise<{ out: string; code: number | null }> {
  return new Promise((resolve) => {
    execFile(PGBENCH!, ['-h', '127.0.0.1', '-p', String(srv.port), '-U', 'postgres', ...args, 'postgres'], { timeout: 120_000 }, (err, stdout, stderr) => {
      resolve({ out: `${stdout}\n${stderr}`, code: err === null ? 0 : typeof err.code === 'number' ? err.code : null })
    })
  })
}

interface Balances {
  readonly a: number
  readonly t: number
  readonly b: number
  readonly h: number
  readonly n: number
}

async function balances(): Promise<Balances> {
  const c = new pg.Client({ connectionString: srv.url })
  await c.connect()
  const r = await c.query(`SELECT (SELECT sum(abalance) FROM pgbench_accounts)::int8 AS a, (SELECT sum(tbalance) FROM pgbench_tellers)::int8 AS t,
    (SELECT sum(bbalance) FROM pgbench_branches)::int8 AS b, (SELECT coalesce(sum(delta), 0) FROM pgbench_history)::int8 AS h, (SELECT count(*) FROM pgbench_accounts)::int AS n`)
  await c.end()
  const row = r.rows[0] as Record<keyof Balances, string | number>
  return { a: Number(row.a), t: Number(row.t), b: Number(row.b), h: Number(row.h), n: Number(row.n) }
}

describe.skipIf(PGBENCH === undefined)('pgbench', () => {
  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'isola-pgbench-'))
    srv = await startServer({ dir })
  })
  afterAll(async () => {
    await srv?.close()
    fs.rmSync(dir, { recursive: true, force: true })
  })

  it('initialises with server-side generation (-I dtGvp)', async () => {
    const r = await pgbench(['-i', '-s', '1', '-I', 'dtGvp'])
    expect(r.code, r.out).toBe(0)
    expect(r.out).toContain('generating data (server-side)')
    expect(r.out).toMatch(/done in/)
  })

  it('initialises with client-side COPY (the default steps), then runs in each mode with no failures and the balances agree', async () => {
    const init = await pgbench(['-i', '-s', '1'])
    expect(init.code, init.out).toBe(0)
    expect(init.out).toContain('100000 of 100000 tuples (100%) done')
    expect(await balances()).toEqual({ a: 0, t: 0, b: 0, h: 0, n: 100000 })
    for (const mode of ['simple', 'extended', 'prepared']) {
      // Without -n, pgbench VACUUMs the tables and TRUNCATEs pgbench_history first: the
      // history then holds this run's deltas, which must match how far the balances moved.
      const before = await balances()
      const r = await pgbench(['-M', mode, '-c', '4', '-j', '2', '-T', String(SECONDS)])
      expect(r.code, r.out).toBe(0)
      expect(r.out).toMatch(/number of failed transactions: 0 \(0\.000%\)/)
      // Nothing pgbench sent failed, its start-up catalog query (LATERAL, arrays) included.
      expect(r.out).not.toMatch(/ERROR|error:/)
      const tps = Number(/tps = ([\d.]+)/.exec(r.out)?.[1])
      expect(tps).toBeGreaterThan(0)
      const after = await balances()
      expect(after.h).not.toBe(0)
      expect({ a: after.a - before.a, t: after.t - before.t, b: after.b - before.b, n: after.n }).toEqual({ a: after.h, t: after.h, b: after.h, n: 100000 })
      const sel = await pgbench(['-M', mode, '-S', '-c', '4', '-j', '2', '-T', '1'])
      expect(sel.code, sel.out).toBe(0)
      expect(sel.out).toMatch(/number of failed transactions: 0 \(0\.000%\)/)
      console.log(`pgbench -M ${mode}: TPC-B-like ${tps.toFixed(0)} tps, select-only ${Number(/tps = ([\d.]+)/.exec(sel.out)?.[1]).toFixed(0)} tps`)
    }
  })
})
