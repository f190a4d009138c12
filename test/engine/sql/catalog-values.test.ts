/**
 * oid, reg* and array values through the embedded API and the statement results a
 * wire server sends: reg* results are names (the session resolves them), arrays
 * are JavaScript arrays both ways, result types carry the array type oids.
 */
import { describe, expect, it } from 'vitest'
import { typeOid } from '../../../engine/values/index.js'
import { codeOf, database } from './helpers.js'

describe('catalog values in results', () => {
  it('reg* results are names, arrays are arrays, oids are numbers', async () => {
    const s = (await database()).session()
    await s.query('CREATE TABLE t (a int PRIMARY KEY)')
    const r = await s.query("SELECT 't'::regclass AS r, 't_pkey'::regclass AS i, 'pg_class'::regclass AS p, 23::regtype AS ty, 'public'::regnamespace AS n, 't'::regclass::oid > 16383 AS user_oid, ARRAY[1, NULL] AS a, 26::oid AS o")
    expect(r.rows).toEqual([{ r: 't', i: 't_pkey', p: 'pg_class', ty: 'integer', n: 'public', user_oid: true, a: [1, null], o: 26 }])
    expect(r.fields.map((f) => f.dataType)).toEqual(['regclass', 'regclass', 'regclass', 'regtype', 'regnamespace', 'boolean', 'integer[]', 'oid'])
    // A relation dropped after its oid was taken prints as the number, as in PostgreSQL.
    const oid = (await s.query("SELECT 't'::regclass::oid AS o")).rows[0]!.o as number
    await s.query('DROP TABLE t')
    expect((await s.query('SELECT $1::oid::regclass AS r', [oid])).rows).toEqual([{ r: String(oid) }])
    expect(await codeOf(s.query("SELECT 't'::regclass"))).toBe('42P01')
    expect(await codeOf(s.query("SELECT 'nope'::regnamespace"))).toBe('3F000')
  })

  it('array parameters from JavaScript arrays; result column types are array type oids', async () => {
    const db = await database()
    const s = db.session()
    expect((await s.query('SELECT $1::int4[] AS a, 2 = ANY ($1::int4[]) AS has', [[1, 2, 3]])).rows).toEqual([{ a: [1, 2, 3], has: true }])
    expect((await s.query('SELECT array_to_string($1::text[], \'/\') AS s', [['a', null, 'c']])).rows).toEqual([{ s: 'a/c' }])
    const [res] = await s.execute('SELECT ARRAY[1]::int8[] AS a, ARRAY[\'x\'] AS b, ARRAY[1.5] AS c')
    expect(res!.columns!.map((c) => typeOid(c.type))).toEqual([1016, 1009, 1231])
  })
})
