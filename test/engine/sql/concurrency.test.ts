/**
 * Sessions running at the same time: READ COMMITTED's re-check of a concurrently
 * updated row, first-updater-wins, unique keys inserted by two sessions, row locks
 * (FOR UPDATE, NOWAIT, SKIP LOCKED), deadlocks, timeouts and cancellation, and DDL
 * waiting for the transactions that use a table.
 */
import { describe, expect, it } from 'vitest'
import { codeOf, database, peek, rows } from './helpers.js'

async function accounts() {
  const db = await database()
  const a = db.session()
  await a.query('CREATE TABLE acct (id int PRIMARY KEY, v int)')
  await a.query('INSERT INTO acct VALUES (1, 1), (2, 2), (3, 3)')
  return { db, a, b: db.session(), c: db.session() }
}

describe('READ COMMITTED re-check (EvalPlanQual)', () => {
  it('an UPDATE that waited re-evaluates WHERE and SET on the newest row version', async () => {
    const { a, b } = await accounts()
    await a.query('BEGIN')
    await a.query('UPDATE acct SET v = 10 WHERE id = 1')
    const waiting = b.query('UPDATE acct SET v = v + 100 WHERE v < 5 RETURNING id, v')
    expect((await peek(waiting)).state).toBe('pending')
    await a.query('COMMIT')
    const r = await waiting
    // Row 1 no longer matches v < 5 after a's commit; rows 2 and 3 were never locked.
    expect(r.rows).toEqual([{ id: 2, v: 102 }, { id: 3, v: 103 }])
    expect(await rows(b, 'SELECT id, v FROM acct ORDER BY id')).toEqual(['1 | 10', '2 | 102', '3 | 103'])
  })

  it('the re-evaluated SET starts from the row as the other session committed it', async () => {
    const { a, b } = await accounts()
    await a.query('BEGIN')
    await a.query('UPDATE acct SET v = v + 1 WHERE id = 2')
    const waiting = b.query('UPDATE acct SET v = v * 10 WHERE id = 2')
    await a.query('COMMIT')
    expect((await waiting).rowCount).toBe(1)
    expect(await rows(b, 'SELECT v FROM acct WHERE id = 2')).toEqual(['30'])
  })

  it('SELECT … FOR UPDATE that waited returns the newest version and re-checks WHERE (found by the 200-connection transfer test)', async () => {
    const { a, b } = await accounts()
    await a.query('BEGIN')
    await a.query('UPDATE acct SET v = 50 WHERE id = 1')
    await a.query('UPDATE acct SET v = 60 WHERE id = 2')
    await b.query('BEGIN')
    const waiting = b.query('SELECT id, v FROM acct WHERE v < 55 ORDER BY id FOR UPDATE')
    expect((await peek(waiting)).state).toBe('pending')
    await a.query('COMMIT')
    // Row 1 is locked and read as committed (50); row 2 no longer matches v < 55.
    expect((await waiting).rows).toEqual([{ id: 1, v: 50 }, { id: 3, v: 3 }])
    // The lock is held: a writer in another session waits.
    const writer = a.query('UPDATE acct SET v = 0 WHERE id = 1')
    expect((await peek(writer)).state).toBe('pending')
    await b.query('COMMIT')
    await writer
  })

  it('a DELETE that waited skips a row that no longer matches, and a deleted row is not updated', async () => {
    const { a, b } = await accounts()
    await a.query('BEGIN')
    await a.query('UPDATE acct SET v = 50 WHERE id = 3')
    const del = b.query('DELETE FROM acct WHERE v = 3')
    await a.query('COMMIT')
    expect((await del).rowCount).toBe(0)
    await a.query('BEGIN')
    await a.query('DELETE FROM acct WHERE id = 3')
    const upd = b.query('UPDATE acct SET v = 0 WHERE id = 3')
    await a.query('COMMIT')
    expect((await upd).rowCount).toBe(0)
  })
})

describe('REPEATABLE READ and SERIALIZABLE writers', () => {
  it('the second updater of a row fails with 40001 once the first commits, and succeeds if it rolls back', async () => {
    const { a, b } = await accounts()
    await b.query('BEGIN ISOLATION LEVEL REPEATABLE READ')
    expect(await rows(b, 'SELECT v FROM acct WHERE id = 1')).toEqual(['1'])
    await a.query('BEGIN')
    await a.query('UPDATE acct SET v = 7 WHERE id = 1')
    const w = b.query('UPDATE acct SET v = v + 1 WHERE id = 1')
    expect((await peek(w)).state).toBe('pending')
    await a.query('COMMIT')
    expect(await codeOf(w)).toBe('40001')
    expect(await codeOf(b.query('SELECT 1'))).toBe('25P02')
    expect((await b.query('COMMIT')).command).toBe('ROLLBACK')

    await b.query('BEGIN ISOLATION LEVEL SERIALIZABLE')
    await b.query('SELECT * FROM acct')
    await a.query('BEGIN')
    await a.query('UPDATE acct SET v = 8 WHERE id = 2')
    const w2 = b.query('UPDATE acct SET v = v + 1 WHERE id = 2')
    await a.query('ROLLBACK')
    expect((await w2).rowCount).toBe(1)
    await b.query('COMMIT')
    expect(await rows(a, 'SELECT v FROM acct WHERE id = 2')).toEqual(['3'])
  })
})

describe('unique keys under concurrency', () => {
  it('an INSERT of a key another session inserted waits: 23505 if that commits, success if it rolls back', async () => {
    const { a, b } = await accounts()
    await a.query('BEGIN')
    await a.query('INSERT INTO acct VALUES (9, 9)')
    const dup = b.query('INSERT INTO acct VALUES (9, 90)')
    expect((await peek(dup)).state).toBe('pending')
    await a.query('COMMIT')
    expect(await codeOf(dup)).toBe('23505')

    await a.query('BEGIN')
    await a.query('INSERT INTO acct VALUES (10, 10)')
    const ok = b.query('INSERT INTO acct VALUES (10, 100)')
    await a.query('ROLLBACK')
    await ok
    expect(await rows(a, 'SELECT v FROM acct WHERE id = 10')).toEqual(['100'])
  })

  it('a unique secondary index serialises two inserters of the same value', async () => {
    const { a, b } = await accounts()
    await a.query('CREATE TABLE u (id int PRIMARY KEY, email text UNIQUE)')
    await a.query('BEGIN')
    await a.query("INSERT INTO u VALUES (1, 'x@y')")
    const dup = b.query("INSERT INTO u VALUES (2, 'x@y')")
    expect((await peek(dup)).state).toBe('pending')
    await a.query('COMMIT')
    const e = await dup.catch((x: unknown) => x as { code: string; detail: string })
    expect(e).toMatchObject({ code: '23505', detail: 'Key (email)=(x@y) already exists.' })
  })

  it('ON CONFLICT DO UPDATE waits for the conflicting inserter and then updates its row', async () => {
    const { a, b } = await accounts()
    await a.query('BEGIN')
    await a.query('INSERT INTO acct VALUES (20, 1)')
    const upsert = b.query('INSERT INTO acct VALUES (20, 5) ON CONFLICT (id) DO UPDATE SET v = acct.v + excluded.v RETURNING v')
    expect((await peek(upsert)).state).toBe('pending')
    await a.query('COMMIT')
    expect((await upsert).rows).toEqual([{ v: 6 }])
  })
})

describe('row locks', () => {
  it('FOR UPDATE blocks writers; NOWAIT fails with 55P03; SKIP LOCKED skips', async () => {
    const { a, b } = await accounts()
    await a.query('BEGIN')
    expect(await rows(a, 'SELECT id FROM acct WHERE id <= 2 FOR UPDATE')).toEqual(['1', '2'])
    expect(await codeOf(b.query('SELECT id FROM acct WHERE id = 1 FOR UPDATE NOWAIT'))).toBe('55P03')
    expect(await rows(b, 'SELECT id FROM acct ORDER BY id FOR UPDATE SKIP LOCKED')).toEqual(['3'])
    const upd = b.query('UPDATE acct SET v = 0 WHERE id = 1')
    expect((await peek(upd)).state).toBe('pending')
    await a.query('COMMIT')
    expect((await upd).rowCount).toBe(1)
  })

  it('FOR SHARE lets other readers lock too but keeps writers out', async () => {
    const { a, b, c } = await accounts()
    await a.query('BEGIN')
    await a.query('SELECT * FROM acct WHERE id = 1 FOR SHARE')
    await b.query('BEGIN')
    expect(await rows(b, 'SELECT id FROM acct WHERE id = 1 FOR SHARE')).toEqual(['1'])
    const w = c.query('DELETE FROM acct WHERE id = 1')
    expect((await peek(w)).state).toBe('pending')
    await a.query('COMMIT')
    expect((await peek(w)).state).toBe('pending')
    await b.query('COMMIT')
    expect((await w).rowCount).toBe(1)
  })

  it('a deadlock between two sessions is found at once: one gets 40P01, the other goes on', async () => {
    const { a, b } = await accounts()
    await a.query('BEGIN')
    await b.query('BEGIN')
    await a.query('UPDATE acct SET v = 0 WHERE id = 1')
    await b.query('UPDATE acct SET v = 0 WHERE id = 2')
    const first = a.query('UPDATE acct SET v = 0 WHERE id = 2')
    expect(await codeOf(b.query('UPDATE acct SET v = 0 WHERE id = 1'))).toBe('40P01')
    await b.query('ROLLBACK')
    expect((await first).rowCount).toBe(1)
    await a.query('COMMIT')
  })
})

describe('timeouts and cancellation', () => {
  it('lock_timeout ends a lock wait with 55P03; statement_timeout with 57014', async () => {
    const { a, b } = await accounts()
    await a.query('BEGIN')
    await a.query('UPDATE acct SET v = 0 WHERE id = 1')
    await b.query("SET lock_timeout = '50ms'")
    expect(await codeOf(b.query('UPDATE acct SET v = 1 WHERE id = 1'))).toBe('55P03')
    await b.query('RESET lock_timeout')
    await b.query("SET statement_timeout = '50ms'")
    const t0 = Date.now()
    expect(await codeOf(b.query('UPDATE acct SET v = 1 WHERE id = 1'))).toBe('57014')
    expect(Date.now() - t0).toBeLessThan(5000)
    await a.query('ROLLBACK')
    // The session works afterwards.
    expect(await rows(b, 'SELECT v FROM acct WHERE id = 1')).toEqual(['1'])
  })

  it('cancel() stops a long statement with 57014', async () => {
    const { b } = await accounts()
    const long = b.query('SELECT count(*) FROM generate_series(1, 100000000)')
    setTimeout(() => b.cancel(), 30)
    expect(await codeOf(long)).toBe('57014')
    expect(await rows(b, 'SELECT 1')).toEqual(['1'])
  })

  it('statement_timeout stops a recursive query that never ends', async () => {
    const { b } = await accounts()
    await b.query("SET statement_timeout = '100ms'")
    expect(await codeOf(b.query('WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r) SELECT count(*) FROM r'))).toBe('57014')
    await b.query('RESET statement_timeout')
    expect(await rows(b, 'WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r WHERE n < 1000) SELECT count(*), sum(n) FROM r')).toEqual(['1000 | 500500'])
  })

  it('closing a session mid-transaction rolls it back and releases its locks', async () => {
    const { db, a } = await accounts()
    const s = db.session()
    await s.query('BEGIN')
    await s.query('UPDATE acct SET v = 99 WHERE id = 1')
    const w = a.query('UPDATE acct SET v = 5 WHERE id = 1')
    expect((await peek(w)).state).toBe('pending')
    await s.close()
    expect((await w).rowCount).toBe(1)
    expect(await rows(a, 'SELECT v FROM acct WHERE id = 1')).toEqual(['5'])
  })
})

describe('DDL and the transactions using a table', () => {
  it('DROP TABLE waits for a transaction that read the table, then drops it', async () => {
    const { a, b } = await accounts()
    await a.query('BEGIN')
    await a.query('SELECT count(*) FROM acct')
    const drop = b.query('DROP TABLE acct')
    expect((await peek(drop)).state).toBe('pending')
    // The reader still sees its table.
    expect(await rows(a, 'SELECT count(*) FROM acct')).toEqual(['3'])
    await a.query('COMMIT')
    await drop
    expect(await codeOf(a.query('SELECT * FROM acct'))).toBe('42P01')
  })

  it('an INSERT that waited for CREATE INDEX maintains the new index', async () => {
    const { a, b } = await accounts()
    await a.query('BEGIN')
    await a.query('CREATE INDEX acct_v ON acct (v)')
    const ins = b.query('INSERT INTO acct VALUES (4, 4)')
    expect((await peek(ins)).state).toBe('pending')
    await a.query('COMMIT')
    await ins
    const plan = await rows(b, 'EXPLAIN SELECT id FROM acct WHERE v = 4')
    expect(plan[0]).toContain('acct_v')
    expect(await rows(b, 'SELECT id FROM acct WHERE v = 4')).toEqual(['4'])
  })

  it('DDL rolls back with its transaction, savepoints included', async () => {
    const { a, b } = await accounts()
    await a.query('BEGIN')
    await a.query('CREATE TABLE temp1 (x int)')
    await a.query('INSERT INTO temp1 VALUES (1)')
    await a.query('SAVEPOINT s')
    await a.query('CREATE TABLE temp2 (y int)')
    await a.query('ALTER TABLE acct ADD COLUMN w int DEFAULT 5')
    expect(await rows(a, 'SELECT w FROM acct WHERE id = 1')).toEqual(['5'])
    // Another session does not see uncommitted DDL.
    expect(await codeOf(b.query('SELECT * FROM temp1'))).toBe('42P01')
    await a.query('ROLLBACK TO s')
    // (An error would abort the block: look in the catalog instead.)
    expect(await rows(a, "SELECT tablename FROM pg_tables WHERE tablename LIKE 'temp%' ORDER BY 1")).toEqual(['temp1'])
    expect(await rows(a, "SELECT column_name FROM information_schema.columns WHERE table_name = 'acct' ORDER BY 1")).toEqual(['id', 'v'])
    expect(await rows(a, 'SELECT x FROM temp1')).toEqual(['1'])
    await a.query('ROLLBACK')
    expect(await codeOf(a.query('SELECT * FROM temp1'))).toBe('42P01')
    await a.query('CREATE TABLE temp1 (z text)')
    expect(await rows(b, 'SELECT count(*) FROM temp1')).toEqual(['0'])
  })

  it('two sessions creating the same table: the second waits, then gets 42P07', async () => {
    const { a, b } = await accounts()
    await a.query('BEGIN')
    await a.query('CREATE TABLE same (x int)')
    const second = b.query('CREATE TABLE same (y int)')
    expect((await peek(second)).state).toBe('pending')
    await a.query('COMMIT')
    expect(await codeOf(second)).toBe('42P07')
  })
})
