/**
 * The planner on larger queries: joins of dozens of tables plan (greedily, so
 * quickly) and return the right rows; statistics from ANALYZE steer the join
 * order; plans are cached per statement text and dropped when the catalog changes.
 */
import { describe, expect, it } from 'vitest'
import { database, rows } from './helpers.js'

describe('join order', () => {
  it('joins 30 tables in a chain and returns the one matching row', async () => {
    const db = await database()
    const s = db.session()
    const n = 30
    for (let i = 0; i < n; i++) {
      await s.query(`CREATE TABLE t${i} (id int PRIMARY KEY, next int)`)
      await s.query(`INSERT INTO t${i} SELECT g, g FROM generate_series(1, 20) g`)
    }
    const from = Array.from({ length: n }, (_, i) => `t${i}`).join(', ')
    const where = Array.from({ length: n - 1 }, (_, i) => `t${i}.next = t${i + 1}.id`).join(' AND ')
    const sql = `SELECT t0.id, t${n - 1}.id FROM ${from} WHERE ${where} AND t0.id = 7`
    expect(await rows(s, sql)).toEqual(['7 | 7'])
    const plan = await rows(s, `EXPLAIN ${sql}`)
    // Every table appears once, and the pinned row is where the plan starts (an index lookup).
    for (let i = 0; i < n; i++) expect(plan.filter((l) => new RegExp(`on t${i}\\b`).test(l)).length).toBe(1)
    expect(plan.some((l) => l.includes('Index Cond: (t0.id = 7)'))).toBe(true)
  })

  it('starts from the small filtered side of a star join, by the statistics of ANALYZE', async () => {
    const db = await database()
    const s = db.session()
    await s.query('CREATE TABLE fact (id int PRIMARY KEY, a int, b int)')
    await s.query('CREATE TABLE dim_a (id int PRIMARY KEY, label text)')
    await s.query('CREATE TABLE dim_b (id int PRIMARY KEY, label text)')
    await s.query('INSERT INTO fact SELECT g, g % 50, g % 7 FROM generate_series(1, 3000) g')
    await s.query("INSERT INTO dim_a SELECT g, 'a' || g FROM generate_series(0, 49) g")
    await s.query("INSERT INTO dim_b SELECT g, 'b' || g FROM generate_series(0, 6) g")
    await s.query('ANALYZE')
    const sql = "SELECT count(*) FROM fact f JOIN dim_a a ON f.a = a.id JOIN dim_b b ON f.b = b.id WHERE a.label = 'a3'"
    expect(await rows(s, sql)).toEqual(['60'])
    const plan = await rows(s, `EXPLAIN ${sql}`)
    // The big table is never the hash join's build side.
    expect(plan.join('\n')).not.toMatch(/Hash {2}\(rows=\d+\)\n\s+->\s+Seq Scan on fact/)
  })
})

describe('plan cache', () => {
  it('keeps a text from its second planning on, not a text run once', async () => {
    const db = await database()
    const s = db.session()
    await s.query('CREATE TABLE p (id int PRIMARY KEY)')
    const before = db.planCache.size
    for (let i = 0; i < 5; i++) expect(await rows(s, `SELECT count(*) FROM p WHERE id = ${i}`)).toEqual(['0'])
    expect(db.planCache.size).toBe(before)
    expect(await rows(s, 'SELECT count(*) FROM p WHERE id = 3')).toEqual(['0'])
    expect(db.planCache.size).toBe(before + 1)
    expect(await rows(s, 'SELECT count(*) FROM p WHERE id = 3')).toEqual(['0'])
    expect(db.planCache.size).toBe(before + 1)
  })

  it('reuses a plan for the same text and replans after DDL', async () => {
    const db = await database()
    const s = db.session()
    await s.query('CREATE TABLE p (id int PRIMARY KEY, k int)')
    await s.query('INSERT INTO p SELECT g, g % 10 FROM generate_series(1, 100) g')
    const q = 'SELECT count(*) FROM p WHERE k = $1'
    expect(await rows(s, q, [3])).toEqual(['10'])
    // Cached at its second planning.
    expect(await rows(s, q, [2])).toEqual(['10'])
    const before = db.planCache.size
    expect(await rows(s, q, [4])).toEqual(['10'])
    expect(db.planCache.size).toBe(before)
    await s.query('CREATE INDEX p_k ON p (k)')
    expect(db.planCache.size).toBe(0)
    expect(await rows(s, q, [5])).toEqual(['10'])
    expect((await rows(s, 'EXPLAIN SELECT count(*) FROM p WHERE k = 5')).join('\n')).toContain('p_k')
    await s.query('ALTER TABLE p ADD COLUMN extra int DEFAULT 1')
    expect(await rows(s, 'SELECT * FROM p WHERE id = 1')).toEqual(['1 | 1 | 1'])
  })
})
