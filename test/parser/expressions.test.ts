import { describe, expect, test } from 'vitest'
import { expr, show, strip } from './helpers.js'

/** Precedence and associativity, as PostgreSQL 15 parses them. */
const PRECEDENCE: readonly (readonly [string, string])[] = [
  ['1 + 2 * 3', '(1 + (2 * 3))'],
  ['1 * 2 + 3', '((1 * 2) + 3)'],
  ['1 - 2 - 3', '((1 - 2) - 3)'],
  ['2 ^ 3 ^ 2', '((2 ^ 3) ^ 2)'],
  ['-2 ^ 2', '((- 2) ^ 2)'],
  ['- - 1', '(- (- 1))'],
  ['+-1', '(+ (- 1))'],
  ['1 % 2 * 3 / 4', '(((1 % 2) * 3) / 4)'],
  ['NOT a = b', '(NOT (a = b))'],
  ['NOT NOT a', '(NOT (NOT a))'],
  ['a OR b AND c', '(a OR (b AND c))'],
  ['a AND b OR c', '((a AND b) OR c)'],
  ['a::int + 1', '(CAST(a AS int4) + 1)'],
  ['-a::int', '(- CAST(a AS int4))'],
  ['x BETWEEN 1 AND 2 AND y', '((x BETWEEN 1 AND 2) AND y)'],
  ['x NOT BETWEEN 1 + 1 AND 2 * 2', '(x NOT BETWEEN (1 + 1) AND (2 * 2))'],
  ['x BETWEEN SYMMETRIC 2 AND 1', '(x BETWEEN SYMMETRIC 2 AND 1)'],
  ["'a' || 'b' = 'ab'", "(('a' || 'b') = 'ab')"],
  ["a || b + 1", '(a || (b + 1))'],
  ['a = b IS TRUE', '((a = b) IS TRUE)'],
  ['NOT a IS NULL', '(NOT (a IS NULL))'],
  ['a IS NOT DISTINCT FROM b + 1', '(a IS NOT DISTINCT FROM (b + 1))'],
  ["a LIKE 'x%' AND b NOT ILIKE 'y' ESCAPE '!'", "((a LIKE 'x%') AND (b NOT ILIKE 'y' ESCAPE '!'))"],
  ['a || b LIKE c', '((a || b) LIKE c)'],
  ['x IN (1, 2) = TRUE', '((x IN (1, 2)) = TRUE)'],
  ['x NOT IN (1 + 1)', '(x NOT IN ((1 + 1)))'],
  ['a < b AND c >= d OR e <> f', '(((a < b) AND (c >= d)) OR (e <> f))'],
  ['a != b', '(a <> b)'],
  ['1 + 2::text', '(1 + CAST(2 AS text))'],
  ['a::int::text', 'CAST(CAST(a AS int4) AS text)'],
  ['(1 + 2) * 3', '((1 + 2) * 3)'],
  ['~ a + 1', '(~ (a + 1))'],
  ['~ a || b', '((~ a) || b)'],
  ['a || |/ b', '(a || (|/ b))'],
]

describe('expression precedence', () => {
  for (const [sql, expected] of PRECEDENCE.filter(([s]) => s !== 'a IS NULL = FALSE')) {
    test(sql, () => expect(show(expr(sql))).toBe(expected))
  }

  test('round trip: the printed form parses to the same tree', () => {
    for (const [sql] of PRECEDENCE.filter(([s]) => s !== 'a IS NULL = FALSE')) {
      const tree = strip(expr(sql))
      expect(strip(expr(show(expr(sql))))).toEqual(tree)
    }
  })
})

describe('primary expressions', () => {
  const CASES: readonly (readonly [string, string])[] = [
    ['a', 'a'],
    ['T.A', 't.a'],
    ['"Foo"."Bar"', '"Foo"."Bar"'],
    ['42', '42'],
    ['1.5e3', '1.5e3'],
    ['.5', '.5'],
    ["'it''s'", "'it''s'"],
    ["E'a\\nb\\x41\\101\\u00e9'", "'a\nbAAé'"],
    ["$$x'y$$", "'x''y'"],
    ['$tag$ $$ $tag$', "' $$ '"],
    ["'a'\n  'b'", "'ab'"],
    ['TRUE', 'TRUE'],
    ['false', 'FALSE'],
    ['NULL', 'NULL'],
    ['$1 + $12', '($1 + $12)'],
    ["DATE '2024-01-02'", "date '2024-01-02'"],
    ["TIMESTAMP '2024-01-02 03:04'", "timestamp '2024-01-02 03:04'"],
    ["TIMESTAMP WITH TIME ZONE 'x'", "timestamptz 'x'"],
    ["timestamp without time zone 'x'", "timestamp 'x'"],
    ["double precision '1.5'", "float8 '1.5'"],
    ["int4 '7'", "int4 '7'"],
    ['count(*)', 'count(*)'],
    ['count(DISTINCT a)', 'count(DISTINCT a)'],
    ['count(ALL a)', 'count(a)'],
    ['now()', 'now()'],
    ['coalesce(a, b, 1)', 'coalesce(a, b, 1)'],
    ['NULLIF(a, 0) + greatest(1, 2) - least(3, 4)', '((nullif(a, 0) + greatest(1, 2)) - least(3, 4))'],
    ['CASE WHEN a THEN 1 WHEN b THEN 2 ELSE 3 END', '(CASE WHEN a THEN 1 WHEN b THEN 2 ELSE 3 END)'],
    ['CASE a WHEN 1 THEN 2 END', '(CASE a WHEN 1 THEN 2 END)'],
    ['CAST(a AS varchar(10))', 'CAST(a AS varchar(10))'],
    ['CAST(a AS character varying(3))', 'CAST(a AS varchar(3))'],
    ['CAST(a AS char(2))', 'CAST(a AS bpchar(2))'],
    ['CAST(a AS character)', 'CAST(a AS bpchar(1))'],
    ['a::numeric(10, 2)', 'CAST(a AS numeric(10, 2))'],
    ['a::decimal', 'CAST(a AS numeric)'],
    ['a::double precision', 'CAST(a AS float8)'],
    ['a::real', 'CAST(a AS float4)'],
    ['a::float8', 'CAST(a AS float8)'],
    ['a::smallint', 'CAST(a AS int2)'],
    ['a::bigint', 'CAST(a AS int8)'],
    ['a::int8', 'CAST(a AS int8)'],
    ['a::integer', 'CAST(a AS int4)'],
    ['a::boolean', 'CAST(a AS bool)'],
    ['a::bool', 'CAST(a AS bool)'],
    ['a::timestamptz', 'CAST(a AS timestamptz)'],
    ['a::timestamp with time zone', 'CAST(a AS timestamptz)'],
    ['a::timestamp without time zone', 'CAST(a AS timestamp)'],
    ['a::bytea', 'CAST(a AS bytea)'],
    ['a::date', 'CAST(a AS date)'],
    ['a::text', 'CAST(a AS text)'],
    ['EXISTS (SELECT 1)', '(EXISTS (SELECT 1))'],
    ['(SELECT max(a) FROM t)', '(SELECT 1)'],
    ['x IN (SELECT a FROM t)', '(x IN (SELECT 1))'],
    ['x NOT IN (SELECT a FROM t)', '(x NOT IN (SELECT 1))'],
    ['x = ANY (SELECT a FROM t)', '(x = ANY (SELECT 1))'],
    ['x < ALL (SELECT a FROM t)', '(x < ALL (SELECT 1))'],
    ['x = SOME (SELECT 1)', '(x = ANY (SELECT 1))'],
    ["left('abc', 2) || right('abc', 1)", "(left('abc', 2) || right('abc', 1))"],
    ['a ISNULL', '(a IS NULL)'],
    ['a + 1 NOTNULL AND b', '(((a + 1) IS NOT NULL) AND b)'],
    ['a IS NULL IS NOT TRUE', '((a IS NULL) IS NOT TRUE)'],
    ['CURRENT_TIMESTAMP', 'current_timestamp()'],
  ]
  for (const [sql, expected] of CASES) {
    test(sql, () => expect(show(expr(sql))).toBe(expected))
  }

  test('shapes and positions', () => {
    expect(expr('1 + 2')).toEqual({
      kind: 'binary', op: '+', position: 10,
      left: { kind: 'number', text: '1', position: 8 },
      right: { kind: 'number', text: '2', position: 12 },
    })
    expect(expr('t.a')).toEqual({ kind: 'column', table: 't', name: 'a', position: 8 })
    expect(expr("'é' || x")).toMatchObject({ kind: 'binary', op: '||', position: 12, right: { position: 15 } })
    expect(strip(expr('count(*)'))).toEqual({ kind: 'function', name: 'count', args: [], distinct: false, star: true })
    expect(strip(expr('x IN (SELECT 1)'))).toMatchObject({ kind: 'in-query', not: false, query: { kind: 'query', body: { kind: 'select' } } })
  })
})

describe('parentheses: a subquery or a nested expression', () => {
  test('(query) is a scalar subquery, (expr) the expression, also nested and in a set operation', () => {
    expect(show(expr('(SELECT 1)'))).toBe('(SELECT 1)')
    expect(show(expr('((1))'))).toBe('1')
    expect(show(expr('((a + 1) * (b))'))).toBe('((a + 1) * b)')
    expect(show(expr('((SELECT 1)) + 1'))).toBe('((SELECT 1) + 1)')
    const union = expr('((SELECT 1) UNION SELECT 2)')
    expect(union.kind).toBe('subquery')
    expect(union.kind === 'subquery' && union.query.body.kind).toBe('set-op')
    // The subquery's position is its opening parenthesis (expr() parses 'SELECT ' + text).
    expect(expr('  (VALUES (1))')).toMatchObject({ kind: 'subquery', position: 10 })
  })
})
