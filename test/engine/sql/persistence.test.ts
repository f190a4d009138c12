/**
 * What a database keeps across close and reopen: tables, indexes, constraints,
 * views, sequences (never handing a value out twice), hidden row ids, ANALYZE
 * statistics, and prepared transactions with their DDL; and what it drops: DDL that
 * never committed.
 */
import { describe, expect, it } from 'vitest'
import { open } from '../../../index.js'
import { codeOf, rows, tempDir } from './helpers.js'

describe('close and reopen', () => {
  it('keeps the catalog and the data, and sequences go on past what they handed out', async () => {
    const dir = tempDir()
    let db = await open({ dir })
    let s = db.session()
    await s.query('CREATE TABLE dept (id serial PRIMARY KEY, name text UNIQUE)')
    await s.query('CREATE TABLE emp (id int PRIMARY KEY, dept int REFERENCES dept, pay numeric(6,2) CHECK (pay > 0))')
    await s.query('CREATE INDEX emp_pay ON emp (pay)')
    await s.query('CREATE VIEW rich AS SELECT id FROM emp WHERE pay > 100')
    await s.query('CREATE TABLE heap (v text)')
    await s.query("INSERT INTO dept (name) VALUES ('a'), ('b')")
    await s.query('INSERT INTO emp VALUES (1, 1, 50), (2, 2, 150)')
    await s.query("INSERT INTO heap VALUES ('x'), ('y')")
    await s.query("SELECT nextval('dept_id_seq')")
    await s.query('ANALYZE')
    await db.close()

    db = await open({ dir })
    s = db.session()
    expect(await rows(s, 'SELECT id FROM rich')).toEqual(['2'])
    expect((await rows(s, 'EXPLAIN SELECT id FROM emp WHERE pay = 50'))[0]).toContain('emp_pay')
    expect(await codeOf(s.query('INSERT INTO emp VALUES (3, 9, 10)'))).toBe('23503')
    expect(await codeOf(s.query('INSERT INTO emp VALUES (3, 1, -1)'))).toBe('23514')
    expect(await codeOf(s.query("INSERT INTO dept (name) VALUES ('a')"))).toBe('23505')
    // The failed insert above consumed a value; none is ever repeated.
    const ids = await rows(s, "INSERT INTO dept (name) VALUES ('c') RETURNING id")
    expect(Number(ids[0])).toBeGreaterThan(3)
    await s.query("INSERT INTO heap VALUES ('z')")
    expect(await rows(s, 'SELECT v FROM heap ORDER BY v')).toEqual(['x', 'y', 'z'])
    expect(await rows(s, "SELECT reltuples FROM pg_class WHERE relname = 'emp'")).toEqual(['2'])
    await db.close()
  })

  it('forgets DDL that never committed, trees included', async () => {
    const dir = tempDir()
    let db = await open({ dir })
    let s = db.session()
    await s.query('CREATE TABLE keep (x int)')
    const trees = db.txn.tables().length
    await s.query('BEGIN')
    await s.query('CREATE TABLE gone (x int PRIMARY KEY, y text UNIQUE)')
    await s.query('INSERT INTO gone VALUES (1, 2)')
    await db.close() // rolls the open transaction back
    db = await open({ dir })
    s = db.session()
    expect(await codeOf(s.query('SELECT * FROM gone'))).toBe('42P01')
    expect(db.txn.tables().length).toBe(trees)
    await s.query('CREATE TABLE gone (z int)')
    await db.close()
  })

  it('a prepared transaction with DDL survives a restart; COMMIT PREPARED publishes its table', async () => {
    const dir = tempDir()
    let db = await open({ dir })
    let s = db.session()
    await s.query('BEGIN')
    await s.query('CREATE TABLE later (x int)')
    await s.query('INSERT INTO later VALUES (42)')
    await s.query("PREPARE TRANSACTION 'ddl'")
    expect(await codeOf(s.query('SELECT * FROM later'))).toBe('42P01')
    await db.close()
    db = await open({ dir })
    s = db.session()
    expect(await rows(s, 'SELECT gid FROM pg_prepared_xacts')).toEqual(['ddl'])
    await s.query("COMMIT PREPARED 'ddl'")
    expect(await rows(s, 'SELECT x FROM later')).toEqual(['42'])
    await db.close()
  })

  it('a table rewritten by ADD PRIMARY KEY keeps its rows and its new key across a restart', async () => {
    const dir = tempDir()
    let db = await open({ dir })
    let s = db.session()
    await s.query('CREATE TABLE t (a int, b text)')
    await s.query("INSERT INTO t SELECT g, 'v' || g FROM generate_series(1, 500) g")
    await s.query('ALTER TABLE t ADD PRIMARY KEY (a)')
    await db.close()
    db = await open({ dir })
    s = db.session()
    expect(await rows(s, 'SELECT b FROM t WHERE a = 250')).toEqual(['v250'])
    expect(await rows(s, 'SELECT count(*) FROM t')).toEqual(['500'])
    expect(await codeOf(s.query("INSERT INTO t VALUES (7, 'dup')"))).toBe('23505')
    await db.close()
  })
})
