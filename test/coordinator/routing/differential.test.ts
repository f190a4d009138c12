/**
 * Differential test of routing: the same statements on a 3-shard cluster (route,
 * per-shard SQL, merge) and on one engine holding every row; their answers must
 * be identical (column names and types, rows as PostgreSQL prints them, in order
 * wherever ORDER BY makes the order total).
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { open, type Database, type Session, type StatementResult } from '../../../engine/index.js'
import { formatValue, T } from '../../../engine/values/index.js'
import { partitionOf } from '../../../coordinator/routing/index.js'
import { Rng } from '../../helpers/random.js'
import { ShardCluster } from './shards.js'

const SHARDS = 3

/** The tests' seeded PRNG, as a function: every run generates the same data and queries. */
function rng(seed: number): () => number {
  const r = new Rng(seed)
  return () => r.next()
}
const random = rng(20261130)
const int = (lo: number, hi: number): number => lo + Math.floor(random() * (hi - lo + 1))
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)]!
const maybeNull = (s: string): string => (random() < 0.15 ? 'NULL' : s)

let cluster: ShardCluster
let db: Database
let single: Session

async function both(sql: string, params: readonly unknown[] = []): Promise<[StatementResult, StatementResult]> {
  const a = await cluster.execute(sql, params)
  const b = (await single.execute(sql, params))[0]!
  return [a, b]
}

function shape(r: StatementResult, ordered: boolean): { columns: string[]; rows: string[] } {
  const columns = (r.columns ?? []).map((c) => `${c.name}:${c.type.kind}`)
  const rows = r.rows.map((row) => JSON.stringify(row.map((v, i) => formatValue(r.columns![i]!.type, v))))
  return { columns, rows: ordered ? rows : [...rows].sort() }
}

const SCHEMA = [
  'CREATE TABLE t (id int PRIMARY KEY, g int, v int, s text)',
  'CREATE TABLE u (tid int, id int, w int, PRIMARY KEY (tid, id)) DISTRIBUTED BY (tid)',
  'CREATE TABLE o (id bigint PRIMARY KEY, x numeric(10,2))',
  'CREATE TABLE r (k int PRIMARY KEY, name text) DISTRIBUTED REPLICATED',
]

beforeAll(async () => {
  cluster = await ShardCluster.start(SHARDS)
  db = await open({ memory: true })
  single = db.session()
  for (const sql of SCHEMA) await both(sql)
  // t: multi-row INSERTs (split by shard) and single-row INSERTs with parameters.
  const words = ['apple', 'pear', 'fig', 'kiwi', 'lime']
  const rows = Array.from({ length: 160 }, (_, i) => `(${i + 1}, ${maybeNull(String(int(0, 5)))}, ${maybeNull(String(int(-50, 50)))}, ${maybeNull(`'${pick(words)}'`)})`)
  for (let i = 0; i < rows.length; i += 40) await both(`INSERT INTO t VALUES ${rows.slice(i, i + 40).join(', ')}`)
  for (let id = 161; id <= 200; id++) await both('INSERT INTO t (id, g, v, s) VALUES ($1, $2, $3, $4)', [id, int(0, 5), int(-50, 50), pick(words)])
  const urows: string[] = []
  for (let tid = 1; tid <= 220; tid++) for (let k = 0; k < int(0, 3); k++) urows.push(`(${tid}, ${k}, ${maybeNull(String(int(0, 100)))})`)
  await both(`INSERT INTO u VALUES ${urows.join(', ')}`)
  await both(`INSERT INTO o VALUES ${Array.from({ length: 90 }, (_, i) => `(${i * 7}, ${maybeNull(`${int(-9999, 9999)}.${int(0, 99)}`)})`).join(', ')}`)
  await both(`INSERT INTO r VALUES ${Array.from({ length: 6 }, (_, k) => `(${k}, 'name${k}')`).join(', ')}`)
  // Writes routed by pins and broadcasts, to be compared by the reads below.
  await both('UPDATE t SET v = v + 1000 WHERE id = 17')
  await both('UPDATE t SET v = v - 1 WHERE g = 3')
  await both('DELETE FROM t WHERE id = $1', [99])
  await both('DELETE FROM u WHERE w > 95')
})

afterAll(async () => {
  await cluster.close()
  await single.close()
  await db.close()
})

describe('the data lands where the router says', () => {
  test('every shard holds exactly the rows of its partitions; the reference table is everywhere', async () => {
    let total = 0
    for (let shard = 0; shard < SHARDS; shard++) {
      const ids = (await cluster.onShard(shard, 'SELECT id FROM t')).rows.map((r) => r[0] as number)
      for (const id of ids) expect(partitionOf(T.int4, id) % SHARDS).toBe(shard)
      total += ids.length
      expect((await cluster.onShard(shard, 'SELECT count(*) FROM r')).rows).toEqual([[6n]])
    }
    expect(total).toBe(199)
    expect(total).toBeLessThan(200 + 1)
  })
})

type Case = { readonly sql: string; readonly params?: readonly unknown[]; readonly ordered: boolean }

/** Generated queries: aggregates, GROUP BY, ORDER BY, LIMIT/OFFSET, DISTINCT, pinned and not, co-located joins. */
function generate(count: number): Case[] {
  const wheres = ['', `WHERE id IN (${int(1, 200)}, ${int(1, 200)}, ${int(1, 200)})`, 'WHERE v > 0', 'WHERE g = 2', `WHERE id = ${int(1, 200)}`, `WHERE id IN (${int(1, 200)})`, 'WHERE s IS NOT NULL AND v < 10', 'WHERE v BETWEEN -10 AND 10', 'WHERE id = $1']
  const dir = (): string => pick(['', ' DESC', ' ASC NULLS FIRST', ' DESC NULLS LAST'])
  const limit = (): string => pick(['', '', ` LIMIT ${int(0, 12)}`, ` LIMIT ${int(1, 12)} OFFSET ${int(0, 20)}`, ` OFFSET ${int(0, 30)}`])
  const shapes: (() => Case)[] = [
    () => ({ sql: `SELECT * FROM t`, ordered: false }),
    () => ({ sql: `SELECT id, v, s FROM t`, ordered: false }),
    () => {
      const key = pick(['v', 's', 'g'])
      return { sql: `SELECT id, v, s, g FROM t {w} ORDER BY ${key}${dir()}, id${dir()}${limit()}`, ordered: true }
    },
    () => ({ sql: `SELECT id AS k, v * 2 AS dv FROM t {w} ORDER BY dv${dir()}, k${limit()}`, ordered: true }),
    () => ({ sql: `SELECT DISTINCT g FROM t {w} ORDER BY g${dir()}${limit()}`, ordered: true }),
    () => ({ sql: `SELECT DISTINCT g, s FROM t {w} ORDER BY 2${dir()}, 1${dir()}${limit()}`, ordered: true }),
    () => ({ sql: `SELECT DISTINCT s FROM t {w}`, ordered: false }),
    () => ({ sql: `SELECT g, count(*), sum(v), avg(v), min(s), max(v) FROM t {w} GROUP BY g ORDER BY g${dir()}${limit()}`, ordered: true }),
    () => ({ sql: `SELECT s, count(v) AS n, max(id) FROM t {w} GROUP BY s ORDER BY n${dir()}, s${dir()}${limit()}`, ordered: true }),
    () => ({ sql: `SELECT count(*), sum(v), avg(v), min(v), max(s), count(s) FROM t {w}`, ordered: true }),
    () => ({ sql: `SELECT g, s, sum(v) AS total FROM t {w} GROUP BY g, s ORDER BY total${dir()}, 1, 2${limit()}`, ordered: true }),
    () => ({ sql: `SELECT DISTINCT count(*) FROM t {w} GROUP BY g`, ordered: false }),
    () => ({ sql: `SELECT id, count(*) FROM t {w} GROUP BY id HAVING count(*) > 0 ORDER BY id${dir()}${limit()}`, ordered: true }),
    () => ({ sql: `SELECT g % 2, count(*) FROM t {w} GROUP BY g % 2 ORDER BY 1${dir()}`, ordered: true }),
    () => ({ sql: `SELECT count(*), sum(x), avg(x), min(x), max(x) FROM o`, ordered: true }),
    () => ({ sql: `SELECT count(*), max(v) FROM t {w} GROUP BY g ORDER BY g${dir()}${limit()}`, ordered: true }),
    () => ({ sql: `SELECT id % 3 AS m, avg(x), count(x) FROM o GROUP BY id % 3 ORDER BY m`, ordered: true }),
    // Co-located joins, pushed down whole.
    () => ({ sql: `SELECT t.id, t.v, u.id AS uid, u.w FROM t JOIN u ON u.tid = t.id {w} ORDER BY t.id, uid${limit()}`, ordered: true }),
    () => ({ sql: `SELECT t.g, count(*), sum(u.w), avg(u.w) FROM t JOIN u ON t.id = u.tid {w} GROUP BY t.g ORDER BY t.g${dir()}`, ordered: true }),
    () => ({ sql: `SELECT t.id, u.w FROM t LEFT JOIN u ON u.tid = t.id {w} ORDER BY t.id, u.w${limit()}`, ordered: true }),
    () => ({ sql: `SELECT t.id, o.x FROM t JOIN o ON o.id = t.id {w} ORDER BY o.x${dir()}, t.id${limit()}`, ordered: true }),
    () => ({ sql: `SELECT r.name, count(*) FROM t JOIN r ON r.k = t.g {w} GROUP BY r.name ORDER BY r.name`, ordered: true }),
    () => ({ sql: `SELECT count(*) FROM t, u {w} AND t.id = u.tid`, ordered: true }),
    () => ({ sql: `SELECT * FROM t {w} ORDER BY s${dir()}, id${limit()}`, ordered: true }),
    () => ({ sql: `SELECT t.*, r.name FROM t LEFT JOIN r ON r.k = t.g {w} ORDER BY t.id${dir()}${limit()}`, ordered: true }),
    () => ({ sql: `SELECT u.tid, count(*), sum(u.w) FROM u JOIN t ON t.id = u.tid {w} GROUP BY u.tid ORDER BY 2 DESC, 1${limit()}`, ordered: true }),
  ]
  const out: Case[] = []
  for (let i = 0; i < count; i++) {
    const c = shapes[i % shapes.length]!()
    let where = pick(wheres)
    if (c.sql.includes('FROM o')) where = ''
    if (c.sql.includes('JOIN') || c.sql.includes('t, u')) where = where.replaceAll(/\b(id|v|g|s)\b/g, 't.$1')
    if (c.sql.includes('{w} AND') && where === '') where = 'WHERE true'
    const sql = c.sql.replace('{w}', where)
    out.push({ ...c, sql, ...(sql.includes('$1') ? { params: [int(1, 200)] } : {}) })
  }
  return out
}

describe('differential: 3 shards through route + merge = one engine', () => {
  const cases = generate(300)
  test('all generated queries give the same answers', async () => {
    const diffs: string[] = []
    const kinds = new Map<string, number>()
    for (const c of cases) {
      const [a, b] = await both(c.sql, c.params)
      kinds.set(cluster.lastPlan!.kind, (kinds.get(cluster.lastPlan!.kind) ?? 0) + 1)
      const x = shape(a, c.ordered)
      const y = shape(b, c.ordered)
      if (JSON.stringify(x) !== JSON.stringify(y)) diffs.push(`${c.sql} ${JSON.stringify(c.params ?? [])}\n  cluster: ${JSON.stringify(x).slice(0, 400)}\n  single:  ${JSON.stringify(y).slice(0, 400)}`)
    }
    expect(diffs).toEqual([])
    // The queries exercised both the pinned and the scattered paths.
    expect(kinds.get('single')).toBeGreaterThan(20)
    expect(kinds.get('scatter')).toBeGreaterThan(100)
  })

  test('parameters in LIMIT and OFFSET, and writes: same tags, counts and RETURNING rows', async () => {
    const cases: Case[] = [
      { sql: 'SELECT id, v FROM t ORDER BY v DESC NULLS LAST, id LIMIT $1 OFFSET $2', params: [7, 11], ordered: true },
      { sql: 'SELECT id, v FROM t ORDER BY v, id LIMIT $1', params: [null], ordered: true },
      { sql: 'SELECT g, count(*) FROM t GROUP BY g ORDER BY 2 DESC, 1 LIMIT $1', params: [2], ordered: true },
      { sql: "INSERT INTO t VALUES (501, 1, 1, 'x'), (502, 2, 2, 'y'), (503, 3, 3, 'z'), (504, 4, 4, 'w') RETURNING id, s", ordered: false },
      { sql: 'INSERT INTO t (id, v) VALUES ($1, $2), ($3, $4) ON CONFLICT (id) DO UPDATE SET v = excluded.v RETURNING *', params: [501, 10, 600, 20], ordered: false },
      { sql: 'UPDATE t SET v = v * 2 WHERE g = 1 RETURNING id, v', ordered: false },
      { sql: 'UPDATE t SET s = $2 WHERE id = $1 RETURNING *', params: [5, 'five'], ordered: false },
      { sql: 'DELETE FROM u USING t WHERE u.tid = t.id AND t.g = 2 RETURNING u.tid, u.id', ordered: false },
      { sql: "UPDATE r SET name = name || '!' WHERE k < 3", ordered: false },
      { sql: 'SELECT t.g, count(*), sum(u.w) FROM t JOIN u ON u.tid = t.id GROUP BY t.g ORDER BY 1', ordered: true },
      { sql: 'SELECT * FROM r ORDER BY k', ordered: true },
    ]
    for (const c of cases) {
      const [a, b] = await both(c.sql, c.params)
      expect(a.tag, c.sql).toBe(b.tag)
      expect(shape(a, c.ordered), c.sql).toEqual(shape(b, c.ordered))
    }
    for (let shard = 0; shard < SHARDS; shard++) {
      expect((await cluster.onShard(shard, "SELECT count(*) FROM r WHERE name LIKE '%!'")).rows).toEqual([[3n]])
    }
  })

  test('pull plans: the statement runs at the coordinator over pulled rows', async () => {
    const cases: Case[] = [
      { sql: 'SELECT t.id, u.tid, u.id FROM t JOIN u ON t.v = u.w WHERE t.g = 1 ORDER BY 1, 2, 3', ordered: true },
      { sql: 'SELECT count(*), sum(t.v) FROM t JOIN u ON t.g = u.id', ordered: true },
      { sql: 'SELECT id FROM t WHERE v IN (SELECT w FROM u WHERE tid < 50) ORDER BY id', ordered: true },
      { sql: 'SELECT id FROM t UNION SELECT tid FROM u ORDER BY 1 LIMIT 20 OFFSET 5', ordered: true },
      { sql: 'SELECT g, count(*) FROM t GROUP BY g HAVING count(*) > 30 ORDER BY g', ordered: true },
      { sql: 'SELECT count(DISTINCT v), count(DISTINCT s) FROM t', ordered: true },
      { sql: 'SELECT sum(v) + 1, max(v) - min(v) FROM t WHERE g = $1', params: [3], ordered: true },
      { sql: 'SELECT DISTINCT ON (g) g, id FROM t ORDER BY g, id', ordered: true },
      { sql: 'WITH big AS (SELECT id, v FROM t WHERE v > 20) SELECT b.id, u.w FROM big b JOIN u ON u.tid = b.id ORDER BY 1, 2', ordered: true },
      { sql: 'SELECT a.id, b.id FROM t a JOIN t b ON a.v = b.v AND a.id < b.id ORDER BY 1, 2', ordered: true },
      { sql: 'SELECT r.k, count(t.id) FROM r LEFT JOIN t ON t.g = r.k GROUP BY r.k ORDER BY r.k', ordered: true },
      { sql: 'SELECT (SELECT count(*) FROM u) AS n', ordered: true },
    ]
    for (const c of cases) {
      const [a, b] = await both(c.sql, c.params)
      expect(cluster.lastPlan?.kind, c.sql).toBe('pull')
      expect(shape(a, c.ordered), c.sql).toEqual(shape(b, c.ordered))
      expect(a.rows.length, c.sql).toBeGreaterThan(0)
    }
  })

  test('a pinned query touches one shard, a scatter all of them', async () => {
    await cluster.execute('SELECT * FROM t WHERE id = $1', [42])
    expect(cluster.lastShards).toEqual([partitionOf(T.int4, 42) % SHARDS])
    await cluster.execute('SELECT count(*) FROM t')
    expect(cluster.lastShards).toEqual([0, 1, 2])
    const [x, y] = [1, 2, 3, 4, 5, 6].filter((i) => partitionOf(T.int4, i) % SHARDS !== partitionOf(T.int4, 1) % SHARDS).concat([1]).slice(-2)
    const [a, b] = await both('SELECT id, v FROM t WHERE id IN ($1, $2) ORDER BY id', [x, y])
    expect(cluster.lastShards).toEqual([...new Set([x!, y!].map((i) => partitionOf(T.int4, i) % SHARDS))].sort())
    expect(cluster.lastShards).toHaveLength(2)
    expect(shape(a, true)).toEqual(shape(b, true))
  })
})
