/**
 * The embedded API as a Node program uses it: parameters and results as JavaScript
 * values, result metadata, prepared statements, the error class, `transaction()`
 * with retries, and a session that queues calls made without awaiting.
 */
import { describe, expect, it } from 'vitest'
import { IsolaError } from '../../../index.js'
import { codeOf, database } from './helpers.js'

describe('values in and out', () => {
  it('converts parameters to the inferred types and results to lossless JavaScript values', async () => {
    const db = await database()
    const s = db.session()
    await s.query('CREATE TABLE v (i int, b bigint, n numeric(10,3), f float8, t text, d date, ts timestamptz, ok bool, raw bytea)')
    const when = new Date('2024-05-06T07:08:09.123Z')
    await s.query('INSERT INTO v VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)', [41, 9007199254740993n, '12.5', 0.25, 'héllo', '2024-02-29', when, true, Buffer.from([0, 255])])
    await s.query('INSERT INTO v VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)', [null, 7, 1, '1e3', 5, new Date('2024-03-01T00:00:00Z'), '2024-01-01 00:00:00+00', 'false', '\\x0a'])
    const r = await s.query('SELECT * FROM v ORDER BY i NULLS LAST')
    expect(r.rows).toEqual([
      { i: 41, b: 9007199254740993n, n: '12.500', f: 0.25, t: 'héllo', d: '2024-02-29', ts: when, ok: true, raw: Buffer.from([0, 255]) },
      { i: null, b: 7n, n: '1.000', f: 1000, t: '5', d: '2024-03-01', ts: new Date('2024-01-01T00:00:00Z'), ok: false, raw: Buffer.from([10]) },
    ])
    expect(r.command).toBe('SELECT')
    expect(r.rowCount).toBe(2)
    expect(r.fields.map((f) => f.dataType)).toEqual(['integer', 'bigint', 'numeric(10,3)', 'double precision', 'text', 'date', 'timestamp with time zone', 'boolean', 'bytea'])
    expect((await s.query('SELECT $1::int + 1 AS x', [41])).rows).toEqual([{ x: 42 }])
    expect((await s.query('SELECT 1 AS a, 2 AS a', [], { rowMode: 'array' })).rows).toEqual([[1, 2]])
  })

  it('rejects a parameter that does not fit its type with the type input error', async () => {
    const db = await database()
    const s = db.session()
    expect(await codeOf(s.query('SELECT $1::int', ['abc']))).toBe('22P02')
    expect(await codeOf(s.query('SELECT $1::int', [2 ** 40]))).toBe('22003')
    expect(await codeOf(s.query('SELECT $1::int', [1.5]))).toBe('22P02')
    expect(await codeOf(s.query('SELECT $1::int, $2::int', [1]))).toBe('08P01')
  })
})

describe('errors', () => {
  it('are IsolaError with code, message, detail, hint and position', async () => {
    const db = await database()
    const s = db.session()
    await s.query('CREATE TABLE t (id int PRIMARY KEY)')
    await s.query('INSERT INTO t VALUES (1)')
    const e = await s.query('INSERT INTO t VALUES (1)').catch((x: unknown) => x)
    expect(e).toBeInstanceOf(IsolaError)
    expect(e).toMatchObject({ code: '23505', message: 'duplicate key value violates unique constraint "t_pkey"', detail: 'Key (id)=(1) already exists.', constraint: 't_pkey', table: 't' })
    const p = await s.query('SELECT nosuch FROM t').catch((x: unknown) => x)
    expect(p).toMatchObject({ code: '42703', position: 8 })
  })
})

describe('prepared statements', () => {
  it('describe parameters and columns, then run with many parameter sets', async () => {
    const db = await database()
    const s = db.session()
    await s.query('CREATE TABLE kv (k int PRIMARY KEY, v text)')
    const ins = await s.prepare('INSERT INTO kv VALUES ($1, $2)')
    expect(ins.paramTypes.map((t) => t.kind)).toEqual(['int4', 'text'])
    expect(ins.columns).toBeUndefined()
    for (let k = 0; k < 50; k++) await s.executePrepared(ins, [k, `v${k}`])
    const get = await s.prepare('SELECT v, k * 2 AS twice FROM kv WHERE k = $1')
    expect(get.columns?.map((c) => [c.name, c.type.kind])).toEqual([['v', 'text'], ['twice', 'int4']])
    const r = await s.executePrepared(get, [21])
    expect(r.rows).toEqual([['v21', 42]])
    expect(r.tag).toBe('SELECT 1')
  })
})

describe('transaction()', () => {
  it('commits what the function did and rolls back when it throws', async () => {
    const db = await database()
    const s = db.session()
    await s.query('CREATE TABLE t (id int PRIMARY KEY)')
    await db.transaction(async (tx) => {
      await tx.query('INSERT INTO t VALUES (1)')
    })
    await expect(
      db.transaction(async (tx) => {
        await tx.query('INSERT INTO t VALUES (2)')
        throw new Error('changed my mind')
      }),
    ).rejects.toThrow('changed my mind')
    expect((await s.query('SELECT id FROM t')).rows).toEqual([{ id: 1 }])
  })

  it('retries a serializable transaction that lost a write-skew race', async () => {
    const db = await database()
    const s = db.session()
    await s.query('CREATE TABLE oncall (doctor text PRIMARY KEY, on_duty bool)')
    await s.query("INSERT INTO oncall VALUES ('alice', true), ('bob', true)")
    let attempts = 0
    // Two doctors each take themselves off duty if someone else stays on: only one may win.
    const leave = (who: string) =>
      db.transaction(
        async (tx) => {
          attempts++
          const n = await tx.query<{ n: bigint }>('SELECT count(*) AS n FROM oncall WHERE on_duty')
          await new Promise((r) => setTimeout(r, 5))
          if (n.rows[0]!.n > 1n) await tx.query('UPDATE oncall SET on_duty = false WHERE doctor = $1', [who])
        },
        { isolation: 'serializable', retries: 5 },
      )
    await Promise.all([leave('alice'), leave('bob')])
    expect(attempts).toBeGreaterThan(2)
    expect((await s.query('SELECT count(*) AS n FROM oncall WHERE on_duty')).rows).toEqual([{ n: 1n }])
  })
})

describe('a session', () => {
  it('queues statements called without awaiting, in call order', async () => {
    const db = await database()
    const s = db.session()
    await s.query('CREATE TABLE q (n int)')
    const all = Array.from({ length: 20 }, (_, i) => s.query('INSERT INTO q VALUES ($1) RETURNING n', [i]))
    expect((await Promise.all(all)).map((r) => r.rows[0]!.n)).toEqual(Array.from({ length: 20 }, (_, i) => i))
    await s.close()
    expect(await codeOf(s.query('SELECT 1'))).toBe('57P01')
  })
})
