import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { T } from '../../../engine/values/index.js'
import { parse } from '../../../parser/index.js'
import { applyDdl, partitionOf, route } from '../../../coordinator/routing/index.js'
import { schemaCatalog } from './fixtures.js'
import { ShardCluster } from './shards.js'

const apply = (sqls: readonly string[]) => sqls.reduce((c, sql) => applyDdl(c, parse(sql)[0]!), schemaCatalog(3))

describe('applyDdl and checkDdl', () => {
  test('ALTER TABLE keeps columns, their order and the distribution column in step', () => {
    const c = apply(['ALTER TABLE t DROP COLUMN g', 'ALTER TABLE t ADD COLUMN z numeric', 'ALTER TABLE t RENAME COLUMN id TO key', 'ALTER TABLE t RENAME TO tt'])
    expect(c.tables.has('t')).toBe(false)
    expect(c.tables.get('tt')).toMatchObject({ kind: 'distributed', column: 'key', columns: [{ name: 'key' }, { name: 'v' }, { name: 's' }, { name: 'z', type: T.numeric }] })
    expect(apply(['DROP TABLE t, r']).tables.has('r')).toBe(false)
    expect(apply(['CREATE TABLE w (a text PRIMARY KEY)']).tables.get('w')).toMatchObject({ column: 'a', columnType: T.text })
  })

  test.each([
    ['ALTER TABLE t DROP COLUMN id', /cannot drop the distribution column "id"/],
    ['ALTER TABLE u ADD CONSTRAINT k UNIQUE (id)', /cannot create constraint on "u"/],
    ['ALTER TABLE t ADD COLUMN z int UNIQUE', /cannot create constraint on "t"/],
    ['CREATE UNIQUE INDEX ON t (v)', /cannot create a unique index on "t" without its distribution column "id"/],
    ['CREATE VIEW vt AS SELECT * FROM r JOIN t ON t.id = r.k', /views over distributed tables are not supported yet/],
  ])('refused before any shard runs it: %s', (sql, message) => {
    expect(() => route(parse(sql)[0]!, sql, schemaCatalog(3))).toThrow(message)
  })

  test('allowed: constraints that include the distribution column; anything on reference tables', () => {
    for (const sql of ['ALTER TABLE u ADD CONSTRAINT k UNIQUE (tid, w)', 'ALTER TABLE r DROP COLUMN name', 'ALTER TABLE t RENAME COLUMN id TO key', 'CREATE UNIQUE INDEX ON u (w, tid)', 'CREATE INDEX ON t (v)', 'CREATE VIEW vr AS SELECT * FROM r']) {
      expect(route(parse(sql)[0]!, sql, schemaCatalog(3)).kind).toBe('broadcast')
    }
  })
})

describe('after ALTER TABLE, rows still land where the router looks for them', () => {
  let cluster: ShardCluster
  beforeAll(async () => { cluster = await ShardCluster.start(3) })
  afterAll(async () => { await cluster.close() })

  test('an INSERT without a column list after an earlier column was dropped', async () => {
    await cluster.execute('CREATE TABLE d (a int, id int PRIMARY KEY, b text)')
    await cluster.execute('ALTER TABLE d DROP COLUMN a')
    await cluster.execute("INSERT INTO d VALUES (1, 'x'), (2, 'y'), (3, 'z'), (4, 'w'), (5, 'v')")
    await cluster.execute('ALTER TABLE d RENAME COLUMN id TO k')
    for (let shard = 0; shard < 3; shard++) {
      const ks = (await cluster.onShard(shard, 'SELECT k FROM d')).rows.map((r) => r[0] as number)
      for (const k of ks) expect(partitionOf(T.int4, k) % 3).toBe(shard)
    }
    for (const k of [1, 2, 3, 4, 5]) {
      const r = await cluster.execute('SELECT b FROM d WHERE k = $1', [k])
      expect(r.rows).toEqual([['xyzwv'[k - 1]]])
      expect(cluster.lastShards).toEqual([partitionOf(T.int4, k) % 3])
    }
  })
})
