/**
 * Index scans answer integer comparisons from their key ranges alone (the planner
 * leaves them out of the scan's filter), so the ranges must be exact: bounds beyond
 * a column's range clamp or match nothing, a range open on one side stops short of
 * the column's NULLs (last ascending, first descending), IN lists skip values that
 * cannot be keys. Every predicate here runs on an indexed table and on an identical
 * table without indexes (a sequential scan that filters every row), and the two must
 * agree.
 */
import { describe, expect, it } from 'vitest'
import { database, rows } from './helpers.js'

const COLUMNS = 'id int PRIMARY KEY, a int2, b int4, c int8, d int4 NOT NULL'
const DATA = `SELECT g,
  CASE WHEN g % 7 = 0 THEN NULL ELSE (g % 50) - 25 END,
  CASE WHEN g % 5 = 0 THEN NULL ELSE g * 3 - 300 END,
  CASE WHEN g % 11 = 0 THEN NULL ELSE g * 1000000000::int8 - 100000000000 END,
  g % 4
  FROM generate_series(1, 200) g`

/** Values to compare with: inside, at and beyond each column's range, as literals of their own types. */
const VALUES = ['0', '-25', '24', '-300', '297', '32767', '-32768', '40000', '-40000', '2147483647', '-2147483648', '3000000000', '-3000000000', '9223372036854775807', '-9223372036854775808']
const OPS = ['=', '<', '<=', '>', '>=']

describe('index scans of integer keys', () => {
  it('return what a sequential scan returns, out-of-range bounds and NULLs included', async () => {
    const db = await database()
    const s = db.session()
    for (const t of ['x', 'y']) {
      await s.query(`CREATE TABLE ${t} (${COLUMNS})`)
      await s.query(`INSERT INTO ${t} ${DATA}`)
    }
    await s.query('CREATE INDEX x_a ON x (a)')
    await s.query('CREATE INDEX x_b ON x (b DESC)')
    await s.query('CREATE INDEX x_c ON x (c)')
    await s.query('CREATE INDEX x_db ON x (d, b)')
    const preds: string[] = []
    for (const col of ['a', 'b', 'c', 'id']) {
      for (const op of OPS) for (const v of VALUES) preds.push(`${col} ${op} ${v}`)
      preds.push(`${col} BETWEEN -3000000000 AND 0`, `${col} BETWEEN 0 AND 40000`, `${col} > -40000 AND ${col} < 10`, `${col} IN (1, -25, 3000000000, NULL)`)
    }
    for (const op of OPS) for (const v of ['0', '-300', '3000000000', '-3000000000']) preds.push(`d = 1 AND b ${op} ${v}`)
    preds.push('d IN (1, 3, 5000000000) AND b > 0', 'd = 2 AND b BETWEEN -100 AND 100 AND a > 0')
    let indexed = 0
    for (const p of preds) {
      const got = await rows(s, `SELECT id FROM x WHERE ${p} ORDER BY id`)
      const want = await rows(s, `SELECT id FROM y WHERE ${p} ORDER BY id`)
      expect(got, p).toEqual(want)
      if ((await rows(s, `EXPLAIN SELECT id FROM x WHERE ${p}`)).some((l) => l.includes('Index Scan'))) indexed++
    }
    // The comparisons did go through the indexes (not all: `= 40000` on int2 … still does).
    expect(indexed).toBeGreaterThan(preds.length * 0.9)
  })

  it('take parameters of a wider type (int8 beyond an int4 column) and NULL parameters', async () => {
    const db = await database()
    const s = db.session()
    for (const t of ['x', 'y']) {
      await s.query(`CREATE TABLE ${t} (${COLUMNS})`)
      await s.query(`INSERT INTO ${t} ${DATA}`)
    }
    await s.query('CREATE INDEX x_b ON x (b)')
    for (const op of OPS) {
      for (const v of [5000000000n, -5000000000n, 0n, null]) {
        const sql = (t: string) => `SELECT id FROM ${t} WHERE b ${op} $1::int8 ORDER BY id`
        expect(await rows(s, sql('x'), [v]), `b ${op} ${v}`).toEqual(await rows(s, sql('y'), [v]))
      }
    }
    const between = (t: string) => `SELECT count(*) FROM ${t} WHERE b BETWEEN $1::int8 AND $2::int8`
    for (const [lo, hi] of [[-5000000000n, 5000000000n], [0n, 5000000000n], [5000000000n, 6000000000n], [-5000000000n, -4000000000n]] as const) {
      expect(await rows(s, between('x'), [lo, hi])).toEqual(await rows(s, between('y'), [lo, hi]))
    }
    expect(await rows(s, between('x'), [-5000000000n, 5000000000n])).toEqual(['160'])
  })
})
