/**
 * The syntax psql's and pgbench's catalog queries use: qualified operators, COLLATE,
 * arrays, subscripts, op ANY (array), qualified and array type names, LATERAL and
 * WITH ORDINALITY; and that the words they are recognised by stay usable as names.
 */
import { describe, expect, test } from 'vitest'
import { deparseExpr, deparseQuery, parse, type Query, type SelectCore } from '../../parser/index.js'
import { expr, one, show, strip } from './helpers.js'

const core = (sql: string): SelectCore => {
  const q = strip(one(sql) as Query)
  if (q.body.kind !== 'select') throw new Error('not a simple select')
  return q.body
}

describe('psql catalog syntax', () => {
  test('OPERATOR(schema.op) binds as an "other" operator', () => {
    expect(show(expr("c.relname OPERATOR(pg_catalog.~) '^(t)$'"))).toBe("(c.relname ~ '^(t)$')")
    expect(show(expr('a OPERATOR(+) b * c'))).toBe('(a + (b * c))')
    expect(show(expr('a OPERATOR(pg_catalog.=) b AND c'))).toBe('((a = b) AND c)')
  })

  test('COLLATE names, qualified and quoted, also pg_catalog.default', () => {
    expect(show(expr("x COLLATE pg_catalog.default"))).toBe('(x COLLATE pg_catalog.default)')
    expect(show(expr('x COLLATE "C" < y'))).toBe('((x COLLATE C) < y)')
  })

  test('ARRAY[…], ARRAY(query), subscripts, op ANY (array), array and qualified type names', () => {
    expect(show(expr('ARRAY[1, a]'))).toBe('ARRAY[1, a]')
    expect(show(expr('ARRAY[]'))).toBe('ARRAY[]')
    expect(show(expr('array(select 1)'))).toBe('ARRAY(SELECT 1)')
    expect(show(expr('prattrs[s]'))).toBe('(prattrs)[s]')
    expect(show(expr("'d' = any(stxkind)"))).toBe("('d' = ANY (stxkind))")
    expect(show(expr('x <> ALL (ARRAY[1])'))).toBe('(x <> ALL (ARRAY[1]))')
    expect(show(expr('x = ANY (SELECT 1)'))).toBe('(x = ANY (SELECT 1))')
    expect(show(expr("pr.prattrs::pg_catalog.int2[]"))).toBe('CAST(pr.prattrs AS int2[])')
    expect(show(expr("c.oid::pg_catalog.regclass::pg_catalog.text"))).toBe('CAST(CAST(c.oid AS regclass) AS text)')
  })

  test('LATERAL subqueries and WITH ORDINALITY', () => {
    const f = core('SELECT 1 FROM c CROSS JOIN LATERAL (SELECT 1) AS o(n), f(1) WITH ORDINALITY AS a(relid, depth)').from
    expect(f[0]).toMatchObject({ kind: 'join', right: { kind: 'subquery', lateral: true, alias: { name: 'o', columns: ['n'] } } })
    expect(f[1]).toMatchObject({ kind: 'function', ordinality: true, alias: { name: 'a', columns: ['relid', 'depth'] } })
  })

  test('the words stay names: columns and tables called operator, collate, array, lateral', () => {
    expect(core('SELECT operator, collate, array FROM lateral').columns.map((c) => (c.kind === 'expr' ? show(c.expr) : '*'))).toEqual(['operator', 'collate', 'array'])
    expect(core('SELECT 1 FROM lateral l').from[0]).toMatchObject({ kind: 'table', name: 'lateral' })
  })

  test('deparse round-trips the new forms', () => {
    for (const text of ["(x COLLATE \"C\")", 'ARRAY[1, 2]', '(a)[1]', "('d' = ANY (k))", 'CAST(x AS int4[])', 'ARRAY(SELECT 1)']) {
      const e = expr(text)
      expect(strip(expr(deparseExpr(e)))).toEqual(strip(e))
    }
    const q = parse('SELECT 1 FROM a, LATERAL (SELECT a.x) AS l(y), generate_series(1, 2) WITH ORDINALITY AS g(v, n)')[0] as Query
    const again = deparseQuery(q)
    expect(again).toContain('LATERAL (')
    expect(again).toContain('WITH ORDINALITY')
    expect(strip(parse(again)[0])).toEqual(strip(q))
  })
})
