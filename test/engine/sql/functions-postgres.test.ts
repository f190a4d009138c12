/**
 * Built-in functions, operators and special forms, each evaluated by Isola's SQL
 * engine and by a private PostgreSQL 15: the text of the result, its type
 * (pg_typeof), or the error's SQLSTATE and message must agree.
 */
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { open, type Database } from '../../../index.js'
import { formatValue } from '../../../engine/values/index.js'
import { postgresBinaries, startPostgres, type PostgresServer } from '../../helpers/postgres-server.js'

const RAW = { getTypeParser: () => (v: string) => v }

const CASES: readonly string[] = [
  // math
  'abs(-5)', 'abs(-5::int8)', 'abs(-2.5)', 'abs(-2.5::float8)', 'abs(-32768::int2)', 'abs((-2147483647 - 1)::int4)', 'sign(-2.5)', 'sign(0::float8)',
  'round(2.5)', 'round(-2.5)', 'round(2.5::float8)', 'round(3.5::float8)', 'round(1234.5678, 2)', 'round(1234.5678, -2)', 'round(5)',
  'trunc(-2.7)', 'trunc(2.789, 1)', 'trunc(-2.7::float8)', 'ceil(2.1)', 'ceil(-2.1)', 'ceiling(2.0)', 'floor(-2.1)', 'floor(2.9::float8)',
  'mod(7, 3)', 'mod(-7, 3)', 'mod(7.5, 2)', 'mod(5, 0)', 'div(7, 2)', 'div(-7.5, 2)', 'sqrt(16)', 'sqrt(2)', 'sqrt(-1)',
  'power(2, 10)', 'power(2::float8, 0.5::float8)', 'power(2.0, 0.5)', '2.5 ^ 2', '2.5 ^ -2', '(-8.0) ^ 3', '0.5 ^ 10', 'power(1.1, 100)', '(-2.0) ^ 0.5', '0.0 ^ -1', '10.0 ^ 0.5', 'power(2.0, 0.3333)', '1.000001 ^ 1000000', '0.0 ^ 0', 'power(3.5, 2.5)', 'power(0.001, 0.5)', 'power(123456.789, 3.2)', 'power(0, -1)', 'power(-8, 1.0/3)', '2 ^ 3', '1 ^ 1e400', '(-1.0) ^ 1e400', '2.0 ^ 1e400', '0.5 ^ -1e400', '1.00000000000000000001 ^ 1e400', '1 ^ 1.5e10', 'exp(1)', 'ln(10)', 'ln(0)', 'ln(-1)', 'log(1000)', 'pi()',
  'degrees(pi())', 'radians(180)', 'width_bucket(5.35, 0.024, 10.06, 5)', 'gcd(12, 18)', '7 & 3', '7 | 8', '5 # 1', '1 << 4', '256 >> 2', '~5',
  '|/ 25', '@ -4.5',
  // strings
  "length('héllo')", "char_length('abc')", "octet_length('héllo')", "length('ab '::char(4))", "lower('ÀBC Déf')", "upper('àbc déf')",
  "initcap('hello wORLD-foo bar_baz')", "substring('hello', 2)", "substring('hello', 2, 3)", "substring('hello', 0, 3)", "substring('hello', -1, 3)",
  "substring('hello', 2, -1)", "substr('hello', 3)", "left('hello', 2)", "left('hello', -2)", "right('hello', 2)", "right('hello', -2)",
  "btrim('  x  ')", "btrim('xxhixx', 'x')", "ltrim('  x ')", "rtrim(' x  ')", "trim('  both  ')", "ltrim('zzyhiy', 'yz')", "replace('abcabc', 'b', 'XY')",
  "replace('abc', '', 'x')", "repeat('ab', 3)", "repeat('ab', 0)", "reverse('abc')", "lpad('7', 3, '0')", "lpad('hello', 3)", "rpad('ab', 5, 'xy')",
  "lpad('ab', 5, '')", "strpos('hello', 'll')", "strpos('hello', 'z')", "position('ll' in 'hello')", "starts_with('hello', 'he')", "split_part('a,b,c', ',', 2)",
  "split_part('a,b,c', ',', 5)", "split_part('a,b,c', ',', -1)", "split_part('a,b', ',', 0)", "concat('a', 1, NULL, true, 2.50)", "concat_ws('-', 'a', NULL, 'b', 3)",
  "concat_ws(NULL, 'a')", "ascii('A')", "ascii('')", "chr(65)", "chr(0)", "md5('abc')", "to_hex(255)", "to_hex(-1)", "to_hex(4294967296::int8)",
  "quote_ident('Hello')", "quote_ident('ok')", "quote_literal('it''s')", "translate('hello', 'el', 'ip')", "'abc' || 'def'", "'abc' ~ 'b.'",
  "'abc' ~* 'B'", "'abc' !~ '^a'", "'abc' ~~ 'a%'", "'abc' LIKE 'A%'", "'abc' ILIKE 'A%'", "'a_c' LIKE 'a\\_c'", "'abc' LIKE '%'", "'' LIKE ''",
  "'50%' LIKE '50!%' ESCAPE '!'", "substring('hello' from 2 for 3)", "substring('hello' for 2)", "substring('hello' from 3)",
  "trim(both 'x' from 'xxaxx')", "trim(leading 'x' from 'xxaxx')", "trim(trailing from '  a  ')", "trim('x' from 'xax')",
  // special forms
  'coalesce(NULL, NULL, 3)', "coalesce(NULL, 'x')", 'coalesce(1, 2.5)', 'nullif(1, 1)', 'nullif(1, 2)', "nullif('a', 'b')", 'greatest(1, 3, 2)',
  'greatest(1, NULL, 2.5)', "least('b', 'a', 'c')", 'least(NULL, NULL::int)', "CASE 1 WHEN 2 THEN 'x' WHEN 1 THEN 'y' END", 'CASE WHEN NULL THEN 1 ELSE 2 END',
  'CASE 1.0 WHEN 1 THEN true END', '1 BETWEEN 0 AND 2', '5 NOT BETWEEN 1 AND 3', '2 BETWEEN SYMMETRIC 3 AND 1', '1 IN (1, 2)', '3 IN (1, NULL)',
  '3 NOT IN (1, NULL)', '1 IS DISTINCT FROM NULL', 'NULL IS NOT DISTINCT FROM NULL', 'true IS TRUE', 'NULL IS UNKNOWN', 'false IS NOT FALSE',
  'NOT NULL', 'true AND NULL', 'false AND NULL', 'true OR NULL', 'NULL::int IS NULL',
  // dates and times
  "date_part('year', DATE '2024-02-29')", "date_part('dow', DATE '2024-02-29')", "date_part('doy', DATE '2024-12-31')", "date_part('epoch', TIMESTAMP '2000-01-01 00:00:01.5')",
  "date_part('hour', TIMESTAMP '2024-01-01 13:45:10')", "date_part('second', TIMESTAMP '2024-01-01 13:45:10.25')", "date_part('century', DATE '2000-12-31')",
  "date_part('quarter', DATE '2024-08-01')", "date_part('millennium', DATE '2001-01-01')", "date_part('isodow', DATE '2024-03-03')", "date_part('nosuch', DATE '2024-01-01')",
  "date_trunc('month', TIMESTAMP '2024-02-29 13:45:10')", "date_trunc('year', TIMESTAMP '2024-02-29 13:45:10')", "date_trunc('week', TIMESTAMP '2024-02-29 13:45:10')",
  "date_trunc('hour', TIMESTAMP '2024-02-29 13:45:10')", "date_trunc('quarter', TIMESTAMP '2024-11-29 13:45:10')", "date_trunc('decade', TIMESTAMP '2024-11-29')",
  "date_trunc('day', TIMESTAMPTZ '2024-02-29 13:45:10+00')", "make_date(2024, 2, 29)", "make_date(2023, 2, 29)", "DATE '2024-02-28' + 2",
  "DATE '2024-03-01' - DATE '2024-02-01'", 'now() = current_timestamp', 'current_date = now()::date',
  "extract(year from DATE '2024-02-29')", "extract(second from TIMESTAMP '2024-01-01 13:45:10.25')", "extract(milliseconds from TIMESTAMP '2024-01-01 13:45:10.25')",
  "extract(epoch from TIMESTAMP '2024-01-01 00:00:00.5')", "extract(epoch from DATE '2024-01-01')", "extract(hour from DATE '2024-01-01')", "extract(dow from TIMESTAMPTZ '2024-03-03 10:00+00')",
  "extract(nosuch from DATE '2024-01-01')", "date_part('hours', TIMESTAMP '2024-01-01 13:45:10')", "date_trunc('mon', DATE '2024-05-17')",
  // aggregates over VALUES
  'count(*)', 'sum(1)', 'avg(2)', 'max(1.5)', "string_agg('a', ',')", 'bool_and(true)', 'every(false)',
]

describe.skipIf(postgresBinaries() === undefined)('functions and operators against PostgreSQL 15', () => {
  let server: PostgresServer
  let client: pg.Client
  let db: Database
  beforeAll(async () => {
    server = await startPostgres()
    client = new pg.Client({ connectionString: server.url })
    await client.connect()
    db = await open({ memory: true })
  })
  afterAll(async () => {
    await client?.end()
    await server?.stop()
    await db?.close()
  })

  it(`agrees on ${CASES.length} expressions`, async () => {
    const s = db.session()
    const diffs: string[] = []
    for (const e of CASES) {
      const sql = `SELECT ${e}, pg_typeof(${e})::text`
      let want: string
      try {
        const r = await client.query({ text: sql, rowMode: 'array', types: RAW })
        const row = r.rows[0] as (string | null)[]
        want = `${row[0] ?? 'NULL'} :: ${row[1]}`
      } catch (err) {
        const x = err as { code: string; message: string }
        want = `ERROR ${x.code}: ${x.message}`
      }
      let got: string
      try {
        const r = (await s.execute(sql))[0]!
        const row = r.rows[0]!
        got = `${formatValue(r.columns![0]!.type, row[0]!) ?? 'NULL'} :: ${formatValue(r.columns![1]!.type, row[1]!)}`
      } catch (err) {
        const x = err as { code?: string; message: string }
        if (x.code === undefined) throw err
        got = `ERROR ${x.code}: ${x.message}`
      }
      if (got !== want) diffs.push(`${e}\n    PostgreSQL: ${want}\n    Isola:      ${got}`)
    }
    expect(diffs.join('\n')).toBe('')
  })
})
