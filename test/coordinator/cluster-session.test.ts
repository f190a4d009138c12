/**
 * SQL through the coordinator (ClusterSession): the router and distributed
 * transactions together over 3 local shards. A distributed table's rows land on the
 * shards their partitions map to; transfers written as plain SQL (UPDATE … WHERE id =
 * $1) commit in one phase or two; audits written as one SELECT sum(…) are scattered
 * and gathered, and at REPEATABLE READ always see the exact total; DDL reaches every
 * shard in the same transaction, and a rolled-back CREATE TABLE leaves none behind.
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { isIsolaError } from '../../common/errors.js'
import { ClusterMetadata, ClusterSession } from '../../coordinator/cluster-session.js'
import { openLocalCluster, type LocalCluster } from '../../coordinator/local-cluster.js'
import { parse } from '../../parser/index.js'
import { Rng } from '../helpers/random.js'

const SHARDS = 3
const ACCOUNTS = 40
const START = 100
let dir: string
let cluster: LocalCluster
let metadata: ClusterMetadata

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'isola-cluster-session-'))
  cluster = await openLocalCluster({ dir, shards: SHARDS, memoryShards: true })
  metadata = new ClusterMetadata(SHARDS)
})
afterAll(async () => {
  await cluster.close()
  fs.rmSync(dir, { recursive: true, force: true })
})

const session = () => new ClusterSession(cluster.coordinator, metadata)
/**
 * A shard's own session, for reading a shard directly. Phase two (COMMIT PREPARED)
 * runs after the client is answered, and a shard's own snapshot is its clock, not
 * the coordinator's: wait for phase two first.
 */
const onShard = async (p: LocalCluster['shards'][number]) => {
  await cluster.coordinator.settled()
  return p.db.session()
}
const value = async (s: ClusterSession, sql: string, params: unknown[] = []) => (await s.execute(sql, params)).at(-1)!.rows[0]![0]

describe('SQL through the coordinator', () => {
  it('creates a distributed table on every shard and spreads its rows by partition', async () => {
    const s = session()
    await s.execute('CREATE TABLE accounts (id int PRIMARY KEY, balance int NOT NULL) DISTRIBUTED BY (id)')
    const values = Array.from({ length: ACCOUNTS }, (_, i) => `(${i}, ${START})`).join(', ')
    const [ins] = await s.execute(`INSERT INTO accounts VALUES ${values}`)
    expect(ins!.tag).toBe(`INSERT 0 ${ACCOUNTS}`)
    // Every shard holds some of the rows, and together exactly all of them.
    const counts = await Promise.all(cluster.shards.map(async (p) => Number((await (await onShard(p)).query('SELECT count(*) AS n FROM accounts')).rows[0]!.n)))
    expect(counts.every((n) => n > 0)).toBe(true)
    expect(counts.reduce((a, b) => a + b)).toBe(ACCOUNTS)
    expect(Number(await value(s, 'SELECT count(*) FROM accounts'))).toBe(ACCOUNTS)
    expect(Number(await value(s, 'SELECT balance FROM accounts WHERE id = $1', [7]))).toBe(START)
    const plan = (await s.execute('EXPLAIN SELECT sum(balance) FROM accounts'))[0]!.rows.map((r) => r[0]).join('\n')
    expect(plan).toMatch(/scatter/)
  })

  it('transfers and audits as plain SQL: every REPEATABLE READ audit sees the exact total', async () => {
    const total = ACCOUNTS * START
    let audits = 0
    let transfers = 0
    const transfer = async (s: ClusterSession, rng: Rng) => {
      const from = rng.below(ACCOUNTS)
      const to = (from + 1 + rng.below(ACCOUNTS - 1)) % ACCOUNTS
      for (let attempt = 0; ; attempt++) {
        try {
          await s.execute('BEGIN ISOLATION LEVEL REPEATABLE READ')
          await s.execute('UPDATE accounts SET balance = balance - 1 WHERE id = $1', [from])
          await s.execute('UPDATE accounts SET balance = balance + 1 WHERE id = $1', [to])
          await s.execute('COMMIT')
          transfers++
          return
        } catch (e) {
          await s.execute('ROLLBACK')
          if (!(isIsolaError(e, 'serialization_failure') || isIsolaError(e, 'deadlock_detected')) || attempt > 200) throw e
          await new Promise((r) => setImmediate(r))
        }
      }
    }
    await Promise.all([
      ...Array.from({ length: 4 }, async (_, i) => {
        const s = session()
        const rng = new Rng(100 + i)
        for (let k = 0; k < 25; k++) await transfer(s, rng)
      }),
      ...Array.from({ length: 2 }, async () => {
        const s = session()
        for (let k = 0; k < 15; k++) {
          await s.execute('BEGIN ISOLATION LEVEL REPEATABLE READ')
          const sum = Number(await value(s, 'SELECT sum(balance) FROM accounts'))
          const again = Number(await value(s, 'SELECT sum(balance) FROM accounts'))
          await s.execute('COMMIT')
          expect([sum, again]).toEqual([total, total])
          audits++
          await new Promise((r) => setImmediate(r))
        }
      }),
    ])
    expect(transfers).toBe(100)
    expect(audits).toBe(30)
    expect(Number(await value(session(), 'SELECT sum(balance) FROM accounts'))).toBe(total)
  })

  it('a restarted coordinator finds the same distribution in a shard\'s catalog (DISTRIBUTED BY, REPLICATED, the default)', async () => {
    const s = session()
    await s.execute('CREATE TABLE orders (region int, id int, total int, PRIMARY KEY (region, id)) DISTRIBUTED BY (id)')
    await s.execute('CREATE TABLE currencies (code text PRIMARY KEY, name text) DISTRIBUTED REPLICATED')
    const rebuilt = ClusterMetadata.fromShard(cluster.shards[0]!.db, SHARDS)
    expect(rebuilt.catalog.tables).toEqual(metadata.catalog.tables)
    expect(rebuilt.catalog.tables.get('orders')).toMatchObject({ kind: 'distributed', column: 'id' })
    expect(rebuilt.catalog.tables.get('currencies')).toMatchObject({ kind: 'reference' })
    expect(rebuilt.catalog.tables.get('accounts')).toMatchObject({ kind: 'distributed', column: 'id' })
  })

  it('an error ends the block (25P02 until ROLLBACK); a rolled-back CREATE TABLE leaves no shard with it', async () => {
    const s = session()
    await s.execute('BEGIN')
    await s.execute('CREATE TABLE t2 (k int PRIMARY KEY)')
    const e = await s.execute('SELECT * FROM nope').catch((err) => err)
    expect(e.code).toBe('42P01')
    expect((await s.execute('SELECT 1').catch((err) => err)).code).toBe('25P02')
    expect((await s.execute('COMMIT'))[0]!.tag).toBe('ROLLBACK')
    for (const p of cluster.shards) expect((await (await onShard(p)).query("SELECT count(*) AS n FROM information_schema.tables WHERE table_name = 't2'")).rows[0]!.n).toBe(0n)
    expect((await s.execute('SELECT * FROM t2').catch((err) => err)).code).toBe('42P01')
  })

  it('INSERT … SELECT: rows land on the shards of their new partitions, into distributed and reference tables, with RETURNING', async () => {
    const s = session()
    await s.execute('CREATE TABLE by_owner (owner int, id int, balance int, PRIMARY KEY (owner, id)) DISTRIBUTED BY (owner)')
    await s.execute('CREATE TABLE copies (id int PRIMARY KEY, balance int) DISTRIBUTED REPLICATED')
    const [ins] = await s.execute('INSERT INTO by_owner SELECT id % 5, id, balance FROM accounts WHERE id < $1', [30])
    expect(ins!.tag).toBe('INSERT 0 30')
    // Each row is on the shard of its owner's partition and nowhere else.
    const shardOf = async (owner: number) => Number((await value(s, `EXPLAIN SELECT * FROM by_owner WHERE owner = ${owner}`) as string).match(/shard (\d+)/)![1])
    for (let owner = 0; owner < 5; owner++) {
      const home = await shardOf(owner)
      for (const p of cluster.shards) {
        const n = Number((await (await onShard(p)).query('SELECT count(*) AS n FROM by_owner WHERE owner = $1', [owner])).rows[0]!.n)
        expect(n, `owner ${owner} on shard ${p.id}`).toBe(p.id === home ? 6 : 0)
      }
    }
    expect(Number(await value(s, 'SELECT sum(balance) FROM by_owner'))).toBe(Number(await value(s, 'SELECT sum(balance) FROM accounts WHERE id < 30')))
    const [ret] = await s.execute('INSERT INTO copies SELECT id, balance FROM accounts WHERE id >= 38 RETURNING id')
    expect(ret!.rows.map((r) => Number(r[0])).sort()).toEqual([38, 39])
    for (const p of cluster.shards) expect(Number((await (await onShard(p)).query('SELECT count(*) AS n FROM copies')).rows[0]!.n)).toBe(2)
    const [none] = await s.execute('INSERT INTO by_owner SELECT 1, id, 0 FROM accounts WHERE id < 0')
    expect(none!.tag).toBe('INSERT 0 0')
  })

  it('serial columns count across shards: the coordinator takes the values from the sequences\' shard', async () => {
    const s = session()
    await s.execute('CREATE TABLE events (id serial PRIMARY KEY, what text)')
    await s.execute('CREATE TABLE kinds (id serial PRIMARY KEY, name text) DISTRIBUTED REPLICATED')
    const [one] = await s.execute("INSERT INTO events (what) VALUES ('a'), ('b'), ('c') RETURNING id")
    expect(one!.rows.map((r) => Number(r[0])).sort()).toEqual([1, 2, 3])
    await Promise.all([session().execute("INSERT INTO events (what) SELECT 'copy' FROM accounts WHERE id < 10"), session().execute("INSERT INTO events (what) VALUES ('d')")])
    const ids = (await s.execute('SELECT id FROM events ORDER BY id'))[0]!.rows.map((r) => Number(r[0]))
    expect(ids).toEqual(Array.from({ length: 14 }, (_, i) => i + 1))
    // Rows spread over the shards by their ids, each once.
    const counts = await Promise.all(cluster.shards.map(async (p) => Number((await (await onShard(p)).query('SELECT count(*) AS n FROM events')).rows[0]!.n)))
    expect(counts.filter((n) => n > 0).length).toBeGreaterThan(1)
    expect(counts.reduce((a, b) => a + b)).toBe(14)
    // A reference table's copies agree on the ids.
    await s.execute("INSERT INTO kinds (name) VALUES ('x'), ('y')")
    for (const p of cluster.shards) expect((await (await onShard(p)).query('SELECT id, name FROM kinds ORDER BY id')).rows).toEqual([{ id: 1, name: 'x' }, { id: 2, name: 'y' }])
    expect(Number(await value(s, "SELECT nextval('events_id_seq')"))).toBe(15)
  })

  it('COPY FROM STDIN and TO STDOUT through the coordinator: rows routed by their distribution value, sequences filled, a bad line rolls all back', async () => {
    const s = session()
    await s.execute('CREATE TABLE items (id int PRIMARY KEY, name text, price numeric)')
    const copy = (sql: string) => s.copyFrom(parse(sql)[0] as Parameters<ClusterSession['copyFrom']>[0])
    const into = await copy('COPY items FROM STDIN')
    await into.write('1\tpen\t1.50\n2\tink\t\\N\n3\tpa')
    await into.write(Buffer.from('d\t2\n4\tt\\tab\t0\n'))
    expect(await into.end()).toBe(4)
    const rows = (await s.execute('SELECT id, name, price FROM items ORDER BY id'))[0]!.rows.map((r) => r.map((v) => (v === null ? null : String(v))))
    expect(rows).toEqual([['1', 'pen', '1.50'], ['2', 'ink', null], ['3', 'pad', '2'], ['4', 't\tab', '0']])
    const counts = await Promise.all(cluster.shards.map(async (p) => Number((await (await onShard(p)).query('SELECT count(*) AS n FROM items')).rows[0]!.n)))
    expect(counts.reduce((a, b) => a + b)).toBe(4)
    expect(counts.filter((n) => n > 0).length).toBeGreaterThan(1)
    // A bad line fails the COPY, and its transaction of its own takes nothing.
    const bad = await copy('COPY items FROM STDIN')
    await expect(bad.write('5\tok\t1\n6\tmissing\n')).rejects.toMatchObject({ code: '22P04', detail: 'COPY items, line 2' })
    expect(Number(await value(s, 'SELECT count(*) FROM items'))).toBe(4)
    // CSV with a header into a table with a serial key: the sequences' shard numbers the rows.
    await s.execute('CREATE TABLE notes (id serial PRIMARY KEY, body text)')
    const csv = await copy('COPY notes (body) FROM STDIN WITH (FORMAT csv, HEADER)')
    await csv.write('body\n"a,b"\nc\n')
    expect(await csv.end()).toBe(2)
    expect((await s.execute('SELECT id, body FROM notes ORDER BY id'))[0]!.rows).toEqual([[1, 'a,b'], [2, 'c']])
    const out = await s.copyTo(parse('COPY notes TO STDOUT WITH (FORMAT csv, HEADER)')[0] as Parameters<ClusterSession['copyTo']>[0])
    expect(out.rowCount).toBe(2)
    expect(out.data.split('\n').slice(1).sort()).toEqual(['', '1,"a,b"', '2,c'])
    expect(out.data.startsWith('id,body\n')).toBe(true)
    // Inside a block, a failed COPY fails the block.
    await s.execute('BEGIN')
    await expect(copy('COPY nope FROM STDIN')).rejects.toMatchObject({ code: '42P01' })
    expect(s.status).toBe('E')
    await s.execute('ROLLBACK')
  })

  it('savepoints span the shards: ROLLBACK TO undoes writes on shards begun before and after it, and ends a failed block\'s failure', async () => {
    const s = session()
    await s.execute('CREATE TABLE sp (id int PRIMARY KEY, v int)')
    const ids = [1, 2, 3, 4, 5, 6]
    await s.execute(`INSERT INTO sp VALUES ${ids.map((i) => `(${i}, 0)`).join(', ')}`)
    await s.execute('BEGIN')
    await s.execute('UPDATE sp SET v = 1 WHERE id = 1')
    await s.execute('SAVEPOINT a')
    await s.execute('UPDATE sp SET v = 2')
    await s.execute('CREATE TABLE sp2 (id int PRIMARY KEY)')
    await s.execute('SAVEPOINT b')
    await expect(s.execute('INSERT INTO sp VALUES (1, 9)')).rejects.toMatchObject({ code: '23505' })
    expect(s.status).toBe('E')
    await expect(s.execute('SAVEPOINT c')).rejects.toMatchObject({ code: '25P02' })
    await s.execute('ROLLBACK TO SAVEPOINT b')
    expect(s.status).toBe('T')
    await s.execute('INSERT INTO sp2 VALUES (1)')
    await s.execute('ROLLBACK TO a')
    // The table made after a is gone from the router and the shards; row 1 keeps the write made before a.
    await expect(s.execute('SELECT * FROM sp2')).rejects.toMatchObject({ code: '42P01' })
    await s.execute('ROLLBACK TO a') // the error failed the block, as in PostgreSQL
    expect((await s.execute('SELECT id, v FROM sp ORDER BY id'))[0]!.rows).toEqual(ids.map((i) => [i, i === 1 ? 1 : 0]))
    await expect(s.execute('RELEASE nope')).rejects.toMatchObject({ code: '3B001' })
    expect(s.status).toBe('E')
    await s.execute('ROLLBACK TO a')
    await s.execute('RELEASE a')
    await expect(s.execute('ROLLBACK TO a')).rejects.toMatchObject({ code: '3B001' })
    await s.execute('ROLLBACK')
    await expect(s.execute('SAVEPOINT x')).rejects.toMatchObject({ code: '25P01' })
    await s.execute('BEGIN')
    await s.execute('SAVEPOINT x')
    await s.execute('UPDATE sp SET v = 7 WHERE id = 2')
    await s.execute('RELEASE x')
    await s.execute('COMMIT')
    expect(Number(await value(s, 'SELECT v FROM sp WHERE id = 2'))).toBe(7)
  })
})
