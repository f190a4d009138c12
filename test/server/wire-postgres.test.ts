/**
 * The bytes on the wire against PostgreSQL 15's: the same queries through
 * node-postgres to Isola and to a private PostgreSQL, results in text and in binary
 * format taken raw (no client-side parsing), binary parameters sent both ways, and
 * the fields of RowDescription (names, type oids, sizes, typmods).
 */
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { postgresBinaries, startPostgres, type PostgresServer } from '../helpers/postgres-server.js'
import { startServer, type TestServer } from './helpers.js'

const have = postgresBinaries() !== undefined
const raw = { getTypeParser: () => (v: unknown) => (Buffer.isBuffer(v) ? v.toString('hex') : v) }
const state: { pg?: PostgresServer; isola?: TestServer; a?: pg.Client; b?: pg.Client } = {}

const SCHEMA = [
  'CREATE TABLE w (id int PRIMARY KEY, s smallint, b bigint, r real, f double precision, n numeric(20,6), n2 numeric, t text, vc varchar(10), c char(4), flag boolean, d date, ts timestamp, tz timestamptz, by bytea)',
  `INSERT INTO w VALUES
    (1, -7, 9007199254740993, 1.5, 0.1, 123.456, 1e-10, 'héllo', 'abc', 'ab', true, '2024-02-29', '2024-03-01 12:34:56.789', '2024-03-01 12:34:56.789+00', '\\x00ff10'),
    (2, 32767, -9223372036854775808, -0, 'NaN', -0.000001, 'NaN', '', '', '', false, '0001-01-01', '1999-12-31 23:59:59.999999', '2000-01-01 00:00:00+00', ''),
    (3, NULL, NULL, 'Infinity', '-Infinity', 99999999999999.999999, 10000, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
    (4, 0, 0, 3.4e38, 1e308, 0, 0.00012345, 'x', 'y', 'z', true, '2000-01-01', '2000-01-01', '1970-01-01 00:00:00+00', '\\x')`,
]

describe.skipIf(!have)('wire format against PostgreSQL 15', () => {
  beforeAll(async () => {
    state.pg = await startPostgres()
    state.isola = await startServer()
    state.a = new pg.Client({ connectionString: state.pg.url, types: raw })
    state.b = new pg.Client({ connectionString: state.isola.url, types: raw })
    await state.a.connect()
    await state.b.connect()
    for (const sql of SCHEMA) {
      await state.a.query(sql)
      await state.b.query(sql)
    }
  })
  afterAll(async () => {
    await state.a?.end()
    await state.b?.end()
    await state.isola?.close()
    await state.pg?.stop()
  })

  const both = async (q: pg.QueryConfig) => {
    const [x, y] = [await state.a!.query(q), await state.b!.query(q)]
    return { pg: x, isola: y }
  }
  const fields = (r: pg.QueryResult) => r.fields.map((f) => ({ name: f.name, oid: f.dataTypeID, size: f.dataTypeSize, mod: f.dataTypeModifier, format: f.format }))

  for (const binary of [false, true]) {
    it(`every column type in ${binary ? 'binary' : 'text'} format, byte for byte`, async () => {
      const r = await both({ text: 'SELECT * FROM w ORDER BY id', binary, queryMode: 'extended' } as pg.QueryConfig)
      expect(fields(r.isola)).toEqual(fields(r.pg))
      expect(r.isola.rows).toEqual(r.pg.rows)
    })
  }

  it('expressions: names, types and values', async () => {
    const sql = "SELECT 1 AS a, 1::int8 + 1, 2.5 * 2, 'x' || 'y', count(*), sum(id), avg(n), max(t), now() > '2000-01-01', NULL, CAST(1 AS numeric(5,2)), 'abc'::varchar(5), 1.0::float4 / 3 FROM w"
    const r = await both({ text: sql, binary: true, queryMode: 'extended' } as pg.QueryConfig)
    expect(fields(r.isola)).toEqual(fields(r.pg))
    expect(r.isola.rows).toEqual(r.pg.rows)
  })

  it('binary parameters of each type arrive as the same values', async () => {
    // node-postgres sends Buffers as binary parameters; other values as text.
    const cases: [string, Buffer][] = [
      ['int2', Buffer.from('fff9', 'hex')],
      ['int4', Buffer.from('7fffffff', 'hex')],
      ['int8', Buffer.from('8000000000000000', 'hex')],
      ['float4', Buffer.from('3fc00000', 'hex')],
      ['float8', Buffer.from('3fb999999999999a', 'hex')],
      ['bool', Buffer.from('01', 'hex')],
      ['text', Buffer.from('héllo', 'utf8')],
      ['bytea', Buffer.from('00ff10', 'hex')],
      ['date', Buffer.from('fffffe5d', 'hex')],
      ['timestamp', Buffer.from('0002a4a6f5c0f340', 'hex')],
      ['timestamptz', Buffer.from('fffc9c4d4dd0a000', 'hex')],
      // numeric 123.4560 (ndigits 2, weight 0, sign +, dscale 4, digits 123, 4560) and -0.000001
      ['numeric', Buffer.from('0002000000000004007b11d0', 'hex')],
      ['numeric', Buffer.from('0001fffe400000060064', 'hex')],
    ]
    for (const [type, bytes] of cases) {
      const q = { text: `SELECT $1::${type}::text AS v`, values: [bytes] }
      const r = await both(q)
      expect(r.isola.rows, `${type} ${bytes.toString('hex')}`).toEqual(r.pg.rows)
    }
  })
})
