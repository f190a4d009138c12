/**
 * The coordinator's wire client against a shard server: typed results decoded into
 * the engine's values, errors rebuilt with their SQLSTATE and fields, pipelined
 * requests answered in order, a batch stopped at its first error, and the pool.
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { WireConnection, WirePool } from '../../coordinator/wire-client.js'
import { Decimal, formatValue, T } from '../../engine/index.js'
import { ShardServer } from '../../server/shard.js'

let dir: string
let server: ShardServer
const options = () => ({ host: server.host, port: server.port, params: { 'isola.coordinator': 'c1' } })

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'isola-wire-'))
  server = await ShardServer.open({ dir, port: 0 })
})
afterAll(async () => {
  await server.close()
  fs.rmSync(dir, { recursive: true, force: true })
})

describe('the wire client', () => {
  it('decodes result columns by type oid into the engine’s values, and command tags into counts', async () => {
    const c = await WireConnection.connect(options())
    try {
      const [create, insert, select] = await c.query(
        "CREATE TABLE v (k int8 PRIMARY KEY, n numeric(6,2), b bool, d date, y bytea, s varchar(5)); INSERT INTO v VALUES (9007199254740993, 12.5, true, '2024-02-29', '\\xff00', 'abc'), (1, NULL, NULL, NULL, NULL, NULL); SELECT *, CASE WHEN b THEN ARRAY['a', NULL] END AS t FROM v ORDER BY k DESC",
      )
      expect(create).toMatchObject({ command: 'CREATE TABLE', rowCount: undefined, columns: undefined })
      expect(insert).toMatchObject({ command: 'INSERT', tag: 'INSERT 0 2', rowCount: 2 })
      expect(select!.columns!.map((x) => x.type)).toEqual([{ kind: 'int8' }, { kind: 'numeric', precision: 6, scale: 2 }, { kind: 'bool' }, { kind: 'date' }, { kind: 'bytea' }, { kind: 'varchar', length: 5 }, { kind: 'array', element: { kind: 'text' } }])
      expect(select!.columns![0]!.tableOid).toBeGreaterThan(0)
      const [row, nulls] = select!.rows
      expect(row![0]).toBe(9007199254740993n)
      expect(row![1]).toBeInstanceOf(Decimal)
      expect(String(row![1])).toBe('12.50')
      expect(row![2]).toBe(true)
      expect(formatValue(T.date, row![3]!)).toBe('2024-02-29')
      expect(Buffer.from(row![4] as Uint8Array).toString('hex')).toBe('ff00')
      expect(row![5]).toBe('abc')
      expect(row![6]).toEqual(['a', null])
      expect(nulls!.slice(1)).toEqual([null, null, null, null, null, null])
      // reg* values are names the shard's catalog knows: they stay text.
      const [reg] = await c.query("SELECT 'v'::regclass AS r")
      expect(reg!.rows).toEqual([['v']])
      // Parameters in text form through the extended protocol.
      const [p] = await c.batch([{ sql: 'SELECT k, s FROM v WHERE k = $1 AND b = $2', params: [9007199254740993n, true] }])
      expect(p!.rows).toEqual([[9007199254740993n, 'abc']])
    } finally {
      await c.close()
    }
  })

  it('rebuilds errors with their SQLSTATE and fields; a batch stops at its first error; pipelined requests are answered in order', async () => {
    const c = await WireConnection.connect(options())
    try {
      await c.query('CREATE TABLE u (k int PRIMARY KEY)')
      await c.query('INSERT INTO u VALUES (1)')
      await expect(c.query('INSERT INTO u VALUES (1)')).rejects.toMatchObject({ name: 'IsolaError', code: '23505', constraint: 'u_pkey', detail: 'Key (k)=(1) already exists.' })
      await expect(c.batch([{ sql: 'INSERT INTO u VALUES ($1)', params: [2] }, { sql: 'SELECT 1/0' }, { sql: 'INSERT INTO u VALUES ($1)', params: [3] }])).rejects.toMatchObject({ code: '22012' })
      // Three requests written at once: each gets its own answer.
      const [a, b, d] = await Promise.allSettled([c.query('SELECT count(*) FROM u'), c.query('SELECT nope'), c.batch([{ sql: 'SELECT $1::int + 1 AS x', params: [41] }])])
      // The first batch ran its statements one by one before the error (see ARCHITECTURE.md §8.0's shortcut): 2 is in, 3 is not.
      expect(a).toMatchObject({ status: 'fulfilled', value: [{ rows: [[2n]] }] })
      expect(b).toMatchObject({ status: 'rejected', reason: { code: '42703' } })
      expect(d).toMatchObject({ status: 'fulfilled', value: [{ rows: [[42]] }] })
      expect(c.status).toBe('I')
    } finally {
      await c.close()
    }
  })

  it('pools connections: an idle one is reused, one left in a block is closed, and an unreachable port is 08006', async () => {
    const pool = new WirePool(options(), 2)
    const a = await pool.acquire()
    pool.release(a)
    expect(await pool.acquire()).toBe(a)
    await a.query('BEGIN')
    pool.release(a) // still in a block: not reused
    const b = await pool.acquire()
    expect(b).not.toBe(a)
    expect(a.isBroken).toBe(true)
    pool.release(b)
    await pool.close()
    await expect(WireConnection.connect({ host: '127.0.0.1', port: 1 })).rejects.toMatchObject({ code: '08006' })
  })
})
