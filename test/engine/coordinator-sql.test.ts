/**
 * The internal SQL a coordinator sends a shard (ARCHITECTURE.md §9.6), run on an
 * engine session as psql would type it: the snapshot setting, the one-phase commit
 * timestamp in and out, PREPARE's timestamp, COMMIT PREPARED at a given timestamp.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { open, type Database, type Session } from '../../engine/index.js'

let db: Database
const sessions: Session[] = []
const session = (): Session => {
  const s = db.session()
  sessions.push(s)
  return s
}
const one = async (s: Session, sql: string): Promise<unknown> => (await s.execute(sql)).at(-1)!.rows[0]?.[0]

beforeEach(async () => {
  db = await open({ memory: true, gcIntervalMs: 0 })
  await db.session().execute('CREATE TABLE t (k int PRIMARY KEY, v text)')
})
afterEach(async () => {
  for (const s of sessions.splice(0)) await s.close()
  await db.close()
})

describe('the internal SQL of a coordinator', () => {
  it('SET LOCAL isola.snapshot gives the transaction the coordinator’s snapshot; a commit proposed below a served snapshot lands above it', async () => {
    const w = session()
    await w.execute("BEGIN ISOLATION LEVEL READ COMMITTED; SET LOCAL isola.snapshot = '1000'; INSERT INTO t VALUES (1, 'a')")
    // A reader at snapshot 2000 reads past the uncommitted row: the shard has served 2000.
    const r = session()
    await r.execute("BEGIN ISOLATION LEVEL REPEATABLE READ; SET LOCAL isola.snapshot = '2000'")
    expect((await r.execute('SELECT count(*) FROM t')).at(-1)!.rows).toEqual([[0n]])
    const out = await w.execute("SET LOCAL isola.commit_timestamp = '1001'; COMMIT; SHOW isola.last_commit_timestamp")
    expect(out.map((x) => x.command)).toEqual(['SET', 'COMMIT', 'SHOW'])
    expect(out[2]!.rows).toEqual([['2001']]) // max(1001, 2000 + 1)
    expect((await r.execute('SELECT count(*) FROM t')).at(-1)!.rows).toEqual([[0n]])
    await r.execute('COMMIT')
    // SET LOCAL ends with the block; the next transaction is the node's own again.
    expect(await one(w, 'SHOW isola.snapshot')).toBe('')
    expect(await one(w, 'SHOW isola.commit_timestamp')).toBe('')
    for (const [at, n] of [[2000, 0n], [2001, 1n]] as const) {
      expect(await one(r, `BEGIN ISOLATION LEVEL REPEATABLE READ; SET LOCAL isola.snapshot = '${at}'; SELECT count(*) FROM t`)).toBe(n)
      await r.execute('ROLLBACK')
    }
    // A transaction that wrote nothing commits at no timestamp.
    expect(await one(w, "BEGIN; SET LOCAL isola.snapshot = '3000'; SELECT 1; SET LOCAL isola.commit_timestamp = '3001'; COMMIT; SHOW isola.last_commit_timestamp")).toBe('')
  })

  it('under READ COMMITTED each statement takes the snapshot set before it; REPEATABLE READ keeps its first', async () => {
    const w = session()
    await w.execute("BEGIN; SET LOCAL isola.snapshot = '100'; INSERT INTO t VALUES (1, 'a'); SET LOCAL isola.commit_timestamp = '150'; COMMIT")
    expect(await one(w, 'SHOW isola.last_commit_timestamp')).toBe('150')
    const rc = session()
    expect(await one(rc, "BEGIN ISOLATION LEVEL READ COMMITTED; SET LOCAL isola.snapshot = '120'; SELECT count(*) FROM t")).toBe(0n)
    expect(await one(rc, "SET LOCAL isola.snapshot = '160'; SELECT count(*) FROM t")).toBe(1n)
    await rc.execute('COMMIT')
    const rr = session()
    expect(await one(rr, "BEGIN ISOLATION LEVEL REPEATABLE READ; SET LOCAL isola.snapshot = '120'; SELECT count(*) FROM t")).toBe(0n)
    await expect(rr.execute("SET LOCAL isola.snapshot = '160'")).rejects.toMatchObject({ code: '25001', message: expect.stringMatching(/after the first query/) })
    await rr.execute('ROLLBACK')
    // A transaction that began on the node's own clock cannot switch to the coordinator's.
    const own = session()
    await own.execute('BEGIN; SELECT 1')
    await expect(own.execute("SET LOCAL isola.snapshot = '160'")).rejects.toMatchObject({ code: '25001' })
    await own.execute('ROLLBACK')
    await expect(own.execute("SET isola.snapshot = 'soon'")).rejects.toMatchObject({ code: '22023' })
    await expect(own.execute("SET isola.last_commit_timestamp = '5'")).rejects.toMatchObject({ code: '55P02' })
  })

  it('PREPARE TRANSACTION, then isola_prepared_xacts gives the prepare timestamp; COMMIT PREPARED commits at isola.commit_timestamp and clears it', async () => {
    const w = session()
    const out = await w.execute("BEGIN; SET LOCAL isola.snapshot = '500'; INSERT INTO t VALUES (7, 'p'); PREPARE TRANSACTION 'g1'; SELECT prepare_ts, in_conflict, out_conflict, rw_edges FROM isola_prepared_xacts WHERE gid = 'g1'")
    const [prepareTs, inC, outC, edges] = out.at(-1)!.rows[0]!
    expect(Number(prepareTs)).toBeGreaterThan(500)
    expect([inC, outC, JSON.parse(String(edges))]).toEqual([false, false, { ins: [], outs: [] }])
    await w.execute("SET isola.commit_timestamp = '900'")
    expect((await w.execute("COMMIT PREPARED 'g1'"))[0]!.command).toBe('COMMIT PREPARED')
    expect(await one(w, 'SHOW isola.last_commit_timestamp')).toBe('900')
    expect(await one(w, 'SHOW isola.commit_timestamp')).toBe('') // used once
    const r = session()
    for (const [at, n] of [[899, 0n], [900, 1n]] as const) {
      expect(await one(r, `BEGIN ISOLATION LEVEL REPEATABLE READ; SET LOCAL isola.snapshot = '${at}'; SELECT count(*) FROM t WHERE k = 7`)).toBe(n)
      await r.execute('ROLLBACK')
    }
    // COMMIT PREPARED shares no message with another statement (an implicit block), as in PostgreSQL.
    await w.execute("BEGIN; INSERT INTO t VALUES (8, 'q'); PREPARE TRANSACTION 'g2'")
    await expect(w.execute("SET isola.commit_timestamp = '950'; COMMIT PREPARED 'g2'")).rejects.toMatchObject({ code: '25001' })
    await w.execute("ROLLBACK PREPARED 'g2'")
    // A coordinator's transaction (an isola: gid) commits at its decided timestamp or not at all.
    const v = session()
    await v.execute("BEGIN; INSERT INTO t VALUES (9, 'r'); PREPARE TRANSACTION 'isola:c1:1:9'")
    await expect(v.execute("COMMIT PREPARED 'isola:c1:1:9'")).rejects.toMatchObject({ code: '55000' })
    expect(await one(v, "SELECT count(*) FROM isola_prepared_xacts WHERE gid = 'isola:c1:1:9'")).toBe(1n)
    await v.execute("SET isola.commit_timestamp = '990'")
    await v.execute("COMMIT PREPARED 'isola:c1:1:9'")
    expect(await one(v, 'SHOW isola.last_commit_timestamp')).toBe('990')
  })

  it('isola_lock_waits shows the wait-for edges with the sessions involved; isola_reject_lock_wait fails one wait with 40P01', async () => {
    await session().execute("INSERT INTO t VALUES (1, 'a'), (2, 'b')")
    const holder = session()
    await holder.execute("BEGIN; UPDATE t SET v = 'h' WHERE k = 1")
    const prepared = session()
    await prepared.execute("BEGIN; UPDATE t SET v = 'p' WHERE k = 2; PREPARE TRANSACTION 'isola:c1:1:7'")
    const waiter = session()
    await waiter.execute('BEGIN')
    const waiting = waiter.execute("UPDATE t SET v = 'w' WHERE k = 1")
    const failed = waiting.then(() => undefined, (e: unknown) => e)
    const other = session()
    const waitingForPrepared = other.execute("UPDATE t SET v = 'o' WHERE k = 2")
    await new Promise((r) => setTimeout(r, 20))
    const ops = session()
    const rows = (await ops.execute('SELECT wait_id, waiter_pid, holder_pid, holder_gid, lock, mode, waited_ms >= 0 FROM isola_lock_waits ORDER BY wait_id')).at(-1)!.rows
    expect(rows).toHaveLength(2)
    const [waitId, waiterPid, holderPid, holderGid, lock, mode, waited] = rows[0]!
    expect([waiterPid, holderPid, holderGid, mode, waited]).toEqual([waiter.pid, holder.pid, null, 'update', true])
    expect(lock).toMatch(/^table \d+ key [0-9a-f]+$/)
    // A prepared holder has no session any more: its gid names it.
    expect(rows[1]!.slice(1, 4)).toEqual([other.pid, null, 'isola:c1:1:7'])
    expect(await one(ops, 'SELECT pg_backend_pid()')).toBe(ops.pid)
    expect(await one(ops, `SELECT isola_reject_lock_wait(${waitId}, 'Transaction x waits for y.')`)).toBe(true)
    expect(await failed).toMatchObject({ code: '40P01', message: 'deadlock detected', detail: 'Transaction x waits for y.' })
    // The wait is over: the same id is not rejected twice.
    expect(await one(ops, `SELECT isola_reject_lock_wait(${waitId}, 'again')`)).toBe(false)
    expect((await ops.execute('SELECT count(*) FROM isola_lock_waits')).at(-1)!.rows).toEqual([[1n]])
    await waiter.execute('ROLLBACK')
    await holder.execute('COMMIT')
    await ops.execute("ROLLBACK PREPARED 'isola:c1:1:7'")
    await waitingForPrepared
    expect(await one(ops, 'SELECT v FROM t WHERE k = 1')).toBe('h')
    expect(await one(ops, 'SELECT v FROM t WHERE k = 2')).toBe('o')
  })

  it('COMMIT PREPARED of a transaction that ran DDL reloads the catalog; of one that only wrote rows, keeps the catalog and its plans', async () => {
    const w = session()
    const r = session()
    await w.execute("BEGIN; INSERT INTO t VALUES (20, 'dml'); PREPARE TRANSACTION 'dml'")
    const version = db.catalogVersion
    await w.execute("COMMIT PREPARED 'dml'")
    expect(db.catalogVersion).toBe(version)
    expect(await one(r, 'SELECT v FROM t WHERE k = 20')).toBe('dml')

    await w.execute("BEGIN; CREATE TABLE u (k int PRIMARY KEY); INSERT INTO u VALUES (1); PREPARE TRANSACTION 'ddl'")
    await expect(r.execute('SELECT count(*) FROM u')).rejects.toMatchObject({ code: '42P01' })
    await w.execute("COMMIT PREPARED 'ddl'")
    expect(db.catalogVersion).toBeGreaterThan(version)
    expect(Number(await one(r, 'SELECT count(*) FROM u'))).toBe(1)

    // DDL that changes an existing table's row of the catalog, and one that adds an index.
    await w.execute("BEGIN; ALTER TABLE t ADD COLUMN w int; CREATE INDEX t_v ON t (v); PREPARE TRANSACTION 'alter'")
    const before = db.catalogVersion
    await w.execute("COMMIT PREPARED 'alter'")
    expect(db.catalogVersion).toBeGreaterThan(before)
    expect(await one(r, 'SELECT w FROM t WHERE k = 20')).toBeNull()
    expect(db.catalog.tables().find((x) => x.name === 't')!.indexes.length).toBeGreaterThan(0)
  })
})
