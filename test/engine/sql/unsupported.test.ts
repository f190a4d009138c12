/**
 * What is not built is refused with 0A000 (or the syntax error PostgreSQL would give
 * to a construct it lacks), never answered differently from PostgreSQL. Each case
 * names what PostgreSQL returns instead.
 */
import { describe, expect, it } from 'vitest'
import { codeOf, database, rows } from './helpers.js'

describe('features not built yet', () => {
  it('an aggregate over only an outer query’s columns (PostgreSQL evaluates it in the outer query)', async () => {
    const s = (await database()).session()
    await s.query('CREATE TABLE se (a int, b int)')
    await s.query('INSERT INTO se VALUES (1, 0), (2, 0)')
    // PostgreSQL: one row, 3 (the outer query becomes an aggregate over se).
    expect(await codeOf(s.query('SELECT (SELECT sum(a)) FROM se'))).toBe('0A000')
    expect(await codeOf(s.query('SELECT (SELECT max(se.a) FROM (SELECT 1) x) FROM se'))).toBe('0A000')
    // Aggregates that read the subquery's own columns, or both levels, are the subquery's.
    expect(await rows(s, 'SELECT (SELECT sum(s2.a + se.a) FROM se s2) FROM se ORDER BY 1')).toEqual(['5', '7'])
    expect(await rows(s, 'SELECT (SELECT count(*) FROM se s2 WHERE s2.a > se.a) FROM se ORDER BY 1')).toEqual(['0', '1'])
  })

  it('window functions and intervals are refused', async () => {
    const s = (await database()).session()
    expect(await codeOf(s.query('SELECT row_number() OVER () FROM generate_series(1, 2)'))).toBe('42601')
    expect(await codeOf(s.query("SELECT interval '1 day'"))).toBe('0A000')
  })

  it('LATERAL beyond a FROM-less select list, and arrays beyond one dimension or in tables, are refused', async () => {
    const s = (await database()).session()
    // PostgreSQL: (1, 1), (2, 2): a LATERAL subquery that reads a table runs once per outer row.
    expect(await codeOf(s.query('SELECT * FROM generate_series(1, 2) g, LATERAL (SELECT * FROM generate_series(1, g)) l'))).toBe('0A000')
    // PostgreSQL: {{1},{2}}.
    expect(await codeOf(s.query('SELECT ARRAY[ARRAY[1], ARRAY[2]]'))).toBe('0A000')
    expect(await codeOf(s.query("SELECT '{{1},{2}}'::int4[]"))).toBe('0A000')
    // PostgreSQL: CREATE TABLE (array and oid columns are stored there).
    expect(await codeOf(s.query('CREATE TABLE arr (a int4[])'))).toBe('0A000')
    expect(await codeOf(s.query('CREATE TABLE oids (a oid)'))).toBe('0A000')
  })
})
