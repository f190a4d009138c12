/**
 * node-postgres and postgres.js against the server: parameters, prepared
 * statements, binary values, transactions, errors with their SQLSTATE and position,
 * notices, cancel, and a connection dropped mid-transaction.
 */
import net from 'node:net'
import pg from 'pg'
import postgres from 'postgres'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startServer, type TestServer } from './helpers.js'

let srv: TestServer

beforeAll(async () => {
  srv = await startServer()
  const c = new pg.Client({ connectionString: srv.url })
  await c.connect()
  await c.query('CREATE TABLE accounts (id int PRIMARY KEY, owner text NOT NULL, balance numeric(12,2) NOT NULL, opened date, seen timestamptz, flag boolean, photo bytea, ratio float8, small smallint, big bigint)')
  await c.query(`INSERT INTO accounts VALUES (1, 'ann', 100.50, '2024-02-29', '2024-03-01 12:34:56.789+00', true, '\\x00ff', 0.25, 7, 9007199254740993), (2, 'bob', -3.25, NULL, NULL, false, NULL, NULL, NULL, NULL)`)
  await c.end()
})
afterAll(async () => {
  await srv.close()
})

describe('node-postgres', () => {
  const client = async () => {
    const c = new pg.Client({ connectionString: srv.url })
    c.on('error', () => undefined) // a test that fails leaves its client to the server's shutdown
    await c.connect()
    return c
  }

  it('runs parameterised and named prepared statements', async () => {
    const c = await client()
    expect((await c.query('SELECT $1::int + 1 AS x, $2::text AS t', [41, 'hi'])).rows).toEqual([{ x: 42, t: 'hi' }])
    for (const id of [1, 2]) {
      const r = await c.query({ name: 'by-id', text: 'SELECT owner, balance FROM accounts WHERE id = $1', values: [id] })
      expect(r.rows).toEqual([{ owner: id === 1 ? 'ann' : 'bob', balance: id === 1 ? '100.50' : '-3.25' }])
    }
    expect((await c.query('SELECT count(*) FROM accounts WHERE owner = ANY_VALUE_NOT_A_FUNCTION($1)', ['x']).catch((e) => e)).code).toBe('42883')
    await c.end()
  })

  it('reads every type in text and in binary format alike', async () => {
    const c = await client()
    const sql = 'SELECT id, owner, balance, opened, seen, flag, photo, ratio, small, big FROM accounts ORDER BY id'
    const text = await c.query(sql)
    const binary = await c.query({ text: sql, binary: true, queryMode: 'extended' } as pg.QueryConfig)
    expect(text.rows[0]).toMatchObject({ id: 1, owner: 'ann', balance: '100.50', flag: true, ratio: 0.25, small: 7, big: '9007199254740993' })
    expect(text.rows[0].photo).toEqual(Buffer.from([0, 255]))
    expect((text.rows[0].seen as Date).toISOString()).toBe('2024-03-01T12:34:56.789Z')
    expect(binary.fields.map((f) => f.format)).toEqual(Array(10).fill('binary'))
    // node-postgres's binary parsers of float, numeric, date, timestamp and bytea are its own (wrong for PostgreSQL too):
    // wire-postgres.test.ts compares those bytes with PostgreSQL's instead.
    expect(binary.rows[0].id).toBe(1)
    expect(binary.rows[0].owner).toBe('ann')
    expect(binary.rows[0].flag).toBe(true)
    expect(binary.rows[0].small).toBe(7)
    expect(binary.rows[1].photo).toBeNull()
    await c.end()
  })

  it('reports errors with SQLSTATE, position and detail, and a failed block with 25P02 until ROLLBACK', async () => {
    const c = await client()
    const e1 = await c.query('SELECT * FROM nope').catch((e) => e)
    expect(e1).toMatchObject({ code: '42P01', position: '15', message: 'relation "nope" does not exist' })
    const e2 = await c.query("INSERT INTO accounts VALUES (1, 'dup', 0)").catch((e) => e)
    expect(e2).toMatchObject({ code: '23505', constraint: 'accounts_pkey', detail: 'Key (id)=(1) already exists.' })
    expect((await c.query('SELEC 1').catch((e) => e)).code).toBe('42601')
    await c.query('BEGIN')
    expect((await c.query('SELECT 1/0').catch((e) => e)).code).toBe('22012')
    expect((await c.query('SELECT 1').catch((e) => e)).code).toBe('25P02')
    const r = await c.query('COMMIT')
    expect(r.command).toBe('ROLLBACK')
    expect((await c.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }])
    await c.end()
  })

  it('delivers notices', async () => {
    const c = await client()
    const notices: string[] = []
    c.on('notice', (n) => notices.push(`${n.code}: ${n.message}`))
    await c.query('DROP TABLE IF EXISTS not_there')
    expect(notices).toEqual(['00000: table "not_there" does not exist, skipping'])
    await c.end()
  })

  it('commits and rolls back transactions seen by another connection', async () => {
    const a = await client()
    const b = await client()
    await a.query('CREATE TABLE tx_t (k int PRIMARY KEY)')
    await a.query('BEGIN')
    await a.query('INSERT INTO tx_t VALUES (1)')
    expect((await b.query('SELECT count(*)::int AS n FROM tx_t')).rows[0].n).toBe(0)
    await a.query('COMMIT')
    expect((await b.query('SELECT count(*)::int AS n FROM tx_t')).rows[0].n).toBe(1)
    // Several statements in one simple query are one implicit transaction: an error undoes them all.
    expect((await a.query('INSERT INTO tx_t VALUES (10); SELECT 1/0').catch((e) => e)).code).toBe('22012')
    expect((await b.query('SELECT count(*)::int AS n FROM tx_t WHERE k = 10')).rows[0].n).toBe(0)
    await a.query('BEGIN ISOLATION LEVEL SERIALIZABLE')
    await a.query('INSERT INTO tx_t VALUES (2)')
    await a.query('ROLLBACK')
    expect((await b.query('SELECT count(*)::int AS n FROM tx_t')).rows[0].n).toBe(1)
    await a.end()
    await b.end()
  })

  it('rolls back the transaction of a client that drops mid-transaction and frees its locks', async () => {
    const a = await client()
    await a.query('CREATE TABLE drop_t (k int PRIMARY KEY, v int)')
    await a.query('INSERT INTO drop_t VALUES (1, 0)')
    a.on('error', () => undefined) // the client hears its own socket die
    await a.query('BEGIN')
    await a.query('UPDATE drop_t SET v = 1 WHERE k = 1')
    // The socket goes away without a Terminate message.
    ;(a as unknown as { connection: { stream: net.Socket } }).connection.stream.destroy()
    const b = await client()
    await b.query("SET lock_timeout = '5s'")
    await b.query('UPDATE drop_t SET v = 2 WHERE k = 1')
    expect((await b.query('SELECT v FROM drop_t')).rows).toEqual([{ v: 2 }])
    await b.end()
  })
})

describe('postgres.js', () => {
  const connect = () => postgres(srv.url, { max: 2, onnotice: () => undefined })

  it('runs tagged queries with parameters, transactions and errors', async () => {
    const sql = connect()
    expect(await sql`SELECT ${5}::int * 2 AS y, ${'a'} AS s`).toEqual([{ y: 10, s: 'a' }])
    expect(await sql`SELECT owner FROM accounts WHERE id = ${1}`).toEqual([{ owner: 'ann' }])
    // Statements that are not planned but return rows are described before they run.
    expect(await sql`SHOW transaction_isolation`).toEqual([{ transaction_isolation: 'read committed' }])
    expect((await sql`EXPLAIN SELECT * FROM accounts WHERE id = 1`)[0]).toEqual({ 'QUERY PLAN': 'Index Scan using accounts_pkey on accounts  (rows=1)' })
    const e = await sql`INSERT INTO accounts (id, owner, balance) VALUES (1, 'x', 0)`.catch((err) => err)
    expect(e.code).toBe('23505')
    await sql`CREATE TABLE pj (k int PRIMARY KEY)`
    await sql.begin(async (tx) => {
      await tx`INSERT INTO pj VALUES (1)`
      await tx`INSERT INTO pj VALUES (2)`
    })
    const failed = await sql
      .begin(async (tx) => {
        await tx`INSERT INTO pj VALUES (3)`
        await tx`INSERT INTO pj VALUES (1)`
      })
      .catch((err) => err)
    expect(failed.code).toBe('23505')
    expect(await sql`SELECT k FROM pj ORDER BY k`).toEqual([{ k: 1 }, { k: 2 }])
    await sql.end()
  })

  it('cancels a running statement with 57014 through a CancelRequest', async () => {
    const sql = connect()
    const q = sql`SELECT count(*) FROM generate_series(1, 2000000000)`
    setTimeout(() => q.cancel(), 300)
    const e = await q.catch((err) => err)
    expect(e.code).toBe('57014')
    expect(await sql`SELECT 1 AS one`).toEqual([{ one: 1 }])
    await sql.end()
  })
})
