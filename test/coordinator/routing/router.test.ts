import { describe, expect, test } from 'vitest'
import { parse } from '../../../parser/index.js'
import { asShardId } from '../../../common/ids.js'
import { T } from '../../../engine/values/index.js'
import { applyDdl, explainPlan, partitionOf, route, shardStatements, type DistributedPlan } from '../../../coordinator/routing/index.js'
import { schemaCatalog } from './fixtures.js'

const catalog = schemaCatalog(3)
const plan = (sql: string): DistributedPlan => route(parse(sql)[0]!, sql, catalog)
const shardOf = (id: number): number => partitionOf(T.int4, id) % 3

describe('single: pinned statements go whole to one shard', () => {
  test.each([
    ['SELECT * FROM t WHERE id = 42', 42],
    ['SELECT * FROM t WHERE 42 = id AND v > 3', 42],
    ['SELECT s FROM t WHERE t.id IN (7)', 7],
    ["SELECT count(*) FROM t WHERE id = '9'", 9],
    ['SELECT * FROM t x WHERE x.id = -5', -5],
    ['UPDATE t SET v = v + 1 WHERE id = 42', 42],
    ['DELETE FROM t WHERE id = 3 RETURNING *', 3],
    ["INSERT INTO t VALUES (11, 1, 2, 'a')", 11],
    ['INSERT INTO t (v, id) VALUES (1, 12) ON CONFLICT (id) DO UPDATE SET v = excluded.v', 12],
  ])('%s', (sql, id) => {
    const p = plan(sql)
    expect(p.kind).toBe('single')
    if (p.kind !== 'single' || p.target.kind !== 'pin' || p.target.pin.kind !== 'value') throw new Error('not pinned to a value')
    expect(p.target.pin.partition).toBe(partitionOf(T.int4, id))
    expect(p.target.pin.shard).toBe(shardOf(id))
    expect(p.sql).toBe(sql)
    expect(p.reason).toMatch(new RegExp(`^pinned: .*id .*→ partition ${partitionOf(T.int4, id)} → shard ${shardOf(id)}$`))
    expect(shardStatements(p, catalog.partitions, [])).toEqual([{ shard: shardOf(id), sql, params: [] }])
  })

  test('a parameter pin is resolved at execute time, for the parameter the plan names', () => {
    const p = plan('SELECT * FROM t WHERE v > $1 AND id = $2')
    expect(p).toMatchObject({ kind: 'single', target: { kind: 'pin', pin: { kind: 'param', index: 2, type: T.int4 } } })
    expect(p.reason).toBe("pinned: t.id = $2 → the shard of $2's partition, at execute time")
    for (const id of [1, 2, 3, 100, 12345]) {
      expect(shardStatements(p, catalog.partitions, [0, id])[0]!.shard).toBe(shardOf(id))
      // A driver's text parameter hashes as the number it means.
      expect(shardStatements(p, catalog.partitions, [0, String(id)])[0]!.shard).toBe(shardOf(id))
    }
  })

  test('an int8 distribution column hashes numbers and bigints alike, and like int4', () => {
    const p = plan('SELECT * FROM o WHERE id = $1')
    for (const id of [5, 77, 4096]) {
      expect(shardStatements(p, catalog.partitions, [id])[0]!.shard).toBe(shardOf(id))
      expect(shardStatements(p, catalog.partitions, [BigInt(id)])[0]!.shard).toBe(shardOf(id))
    }
  })

  test('a cast parameter of the column\'s hash class pins; a schema-qualified table is the same table', () => {
    expect(plan('SELECT * FROM t WHERE id = $1::int8')).toMatchObject({ kind: 'single', target: { pin: { kind: 'param', index: 1, type: T.int8 } } })
    expect(plan('SELECT * FROM t WHERE id = CAST($1 AS numeric)').kind).toBe('scatter')
    expect(plan('INSERT INTO t (id) VALUES ($1::int4)')).toMatchObject({ kind: 'single', target: { pin: { kind: 'param' } } })
    expect(plan('SELECT * FROM public.t WHERE id = 3')).toMatchObject({ kind: 'single', target: { pin: { shard: shardOf(3) } } })
    expect(plan('SELECT count(*) FROM public.t').kind).toBe('scatter')
  })

  test('IN of several values pins only when they share a shard', () => {
    const ids = Array.from({ length: 40 }, (_, i) => i)
    const a = ids.find((i) => shardOf(i) === 0)!
    const b = ids.find((i) => i > a && shardOf(i) === 0)!
    const c = ids.find((i) => shardOf(i) === 1)!
    expect(plan(`SELECT * FROM t WHERE id IN (${a}, ${b})`)).toMatchObject({ kind: 'single', target: { pin: { shard: 0 } } })
    const spread = plan(`SELECT * FROM t WHERE id IN (${a}, ${c})`)
    expect(spread).toMatchObject({ kind: 'scatter', target: { kind: 'pins', pins: [{ shard: 0 }, { shard: 1 }] } })
    expect(spread.reason).toBe(`scatter: t.id IN (${a}, ${c}) → partitions ${partitionOf(T.int4, a)}, ${partitionOf(T.int4, c)} → shards 0, 1; merge: concatenate`)
    expect(shardStatements(spread, catalog.partitions, []).map((x) => x.shard)).toEqual([0, 1])
    expect(explainPlan(spread, catalog.partitions)[0]).toBe('Distributed Scatter (shards 0, 1)')
  })

  test('IN over parameters reaches the shards of their values, at execute time', () => {
    const p = plan('SELECT count(*) FROM t WHERE id IN ($1, $2, $3)')
    expect(p).toMatchObject({ kind: 'scatter', target: { kind: 'pins' } })
    expect(p.reason).toMatch(/^scatter: t.id IN \(\$1, \$2, \$3\) → the shards of \$1, \$2, \$3 at execute time;/)
    const ids = [1, 2, 3, 4, 5, 6, 7, 8, 9]
    const zeros = ids.filter((i) => shardOf(i) === 0)
    expect(shardStatements(p, catalog.partitions, [zeros[0], zeros[1], zeros[0]]).map((x) => x.shard)).toEqual([0])
    const d = plan('DELETE FROM t WHERE id IN ($1, $2)')
    expect(d).toMatchObject({ kind: 'broadcast', result: 'concat', target: { kind: 'pins' } })
    expect(shardStatements(d, catalog.partitions, [ids.find((i) => shardOf(i) === 2), ids.find((i) => shardOf(i) === 1)]).map((x) => x.shard)).toEqual([1, 2])
  })

  test('OR, inequalities, NOT IN and NULL do not pin', () => {
    for (const w of ['id = 1 OR id = 2', 'id > 5', 'id NOT IN (1)', 'id = NULL', 'id + 0 = 1', 'v = 1']) {
      expect(plan(`SELECT * FROM t WHERE ${w}`).kind, w).toBe('scatter')
    }
  })

  test('reads of reference tables only go to any one shard; their writes to all', () => {
    expect(plan('SELECT * FROM r WHERE k = 1')).toMatchObject({ kind: 'single', target: { kind: 'any' }, write: false })
    expect(plan('SELECT 1 + 1')).toMatchObject({ kind: 'single', target: { kind: 'any' } })
    expect(plan('SELECT * FROM pg_catalog.pg_class')).toMatchObject({ kind: 'single', target: { kind: 'any' } })
    expect(plan("INSERT INTO r VALUES (1, 'a')")).toMatchObject({ kind: 'broadcast', write: true, reason: 'reference table r: written on every shard' })
    expect(plan('UPDATE r SET name = name')).toMatchObject({ kind: 'broadcast' })
    expect(plan('DELETE FROM r WHERE k = 1')).toMatchObject({ kind: 'broadcast' })
    const any = plan('SELECT * FROM r')
    expect(shardStatements(any, catalog.partitions, [], asShardId(2))).toEqual([{ shard: 2, sql: 'SELECT * FROM r', params: [] }])
  })

  test('a co-located join pinned on either table goes to one shard', () => {
    const p = plan('SELECT * FROM t JOIN u ON u.tid = t.id WHERE u.tid = 8')
    expect(p).toMatchObject({ kind: 'single', target: { pin: { shard: shardOf(8) } } })
    expect(p.reason).toMatch(/^co-located join of t, u on t.id = u.tid; pinned: u.tid = 8/)
    expect(plan('SELECT * FROM t, o WHERE t.id = o.id AND t.id = 8')).toMatchObject({ kind: 'single', target: { pin: { shard: shardOf(8) } } })
  })
})

describe('scatter', () => {
  test('without a pin, a read goes to every shard and says why', () => {
    const p = plan('SELECT * FROM t WHERE v = 1')
    expect(p).toMatchObject({ kind: 'scatter', sql: 'SELECT * FROM t WHERE (v = 1)', merge: { aggregate: undefined, hidden: 0, sort: [] } })
    expect(p.reason).toBe('scatter: no condition on t.id; merge: concatenate')
    expect(shardStatements(p, catalog.partitions, []).map((s) => s.shard)).toEqual([0, 1, 2])
  })

  test('ORDER BY keys become hidden columns; LIMIT is pushed down as limit + offset', () => {
    const p = plan('SELECT id, v AS w FROM t ORDER BY w DESC, 1 LIMIT 5 OFFSET 2')
    expect(p).toMatchObject({
      kind: 'scatter',
      sql: 'SELECT id, v AS w, v AS __isola_sort0, id AS __isola_sort1 FROM t ORDER BY w DESC, 1 LIMIT 7',
      merge: { hidden: 2, sort: [{ column: -2, descending: true, nullsFirst: true }, { column: -1, descending: false, nullsFirst: false }], limit: { kind: 'constant', value: 5n }, offset: { kind: 'constant', value: 2n } },
    })
    expect(plan('SELECT id FROM t ORDER BY id LIMIT $1 OFFSET $2')).toMatchObject({
      sql: 'SELECT id, id AS __isola_sort0 FROM t ORDER BY id LIMIT (CAST($1 AS int8) + CAST($2 AS int8))',
      merge: { limit: { kind: 'param', index: 1 }, offset: { kind: 'param', index: 2 } },
    })
    expect(plan('SELECT id FROM t LIMIT 3')).toMatchObject({ sql: 'SELECT id FROM t LIMIT 3' })
  })

  test('aggregates are split into partials and re-aggregated at the coordinator', () => {
    const p = plan('SELECT g, count(*), sum(v) AS total, avg(v), min(s), max(v) FROM t GROUP BY g ORDER BY total DESC LIMIT 3')
    expect(p).toMatchObject({
      kind: 'scatter',
      sql: 'SELECT g AS __isola_group0, count(*) AS __isola_partial1, sum(v) AS __isola_partial2, sum(v) AS __isola_partial3, count(v) AS __isola_partial4, min(s) AS __isola_partial5, max(v) AS __isola_partial6 FROM t GROUP BY g',
      merge: {
        aggregate: {
          groupKeys: [0],
          output: [
            { kind: 'column', column: 0, name: 'g' },
            { kind: 'aggregate', aggregate: { fn: 'count', column: 1 }, name: 'count' },
            { kind: 'aggregate', aggregate: { fn: 'sum', column: 2 }, name: 'total' },
            { kind: 'aggregate', aggregate: { fn: 'avg', sum: 3, count: 4 }, name: 'avg' },
            { kind: 'aggregate', aggregate: { fn: 'min', column: 5 }, name: 'min' },
            { kind: 'aggregate', aggregate: { fn: 'max', column: 6 }, name: 'max' },
          ],
        },
        sort: [{ column: 2, descending: true }],
        limit: { kind: 'constant', value: 3n },
      },
    })
    expect(p.reason).toBe('scatter: no condition on t.id; merge: re-aggregate count, sum, avg, min, max by 1 key, merge ORDER BY (1 key), LIMIT')
  })

  test('ORDER BY a group key the statement does not return: a hidden result column', () => {
    expect(plan('SELECT count(*) FROM t GROUP BY g ORDER BY g DESC')).toMatchObject({
      kind: 'scatter',
      merge: { hidden: 1, sort: [{ column: 1, descending: true }], aggregate: { output: [{ kind: 'aggregate' }, { kind: 'column', column: 0, name: '__isola_sort0' }] } },
    })
    expect(plan('SELECT DISTINCT count(*) FROM t GROUP BY g ORDER BY g').kind).toBe('pull') // PostgreSQL refuses it; the coordinator would say so
  })

  test('GROUP BY the distribution column keeps groups whole on each shard: no re-aggregation, HAVING stays there', () => {
    const p = plan('SELECT id, count(*) FROM t GROUP BY id HAVING count(*) > 1 ORDER BY 2 DESC LIMIT 4')
    expect(p).toMatchObject({ kind: 'scatter', merge: { aggregate: undefined, hidden: 1, limit: { value: 4n } } })
    expect(p).toMatchObject({ sql: 'SELECT id, count(*), count(*) AS __isola_sort0 FROM t GROUP BY id HAVING (count(*) > 1) ORDER BY 2 DESC LIMIT 4' })
  })

  test('a co-located join is pushed down whole', () => {
    const p = plan('SELECT t.g, sum(u.w) FROM t JOIN u ON t.id = u.tid GROUP BY t.g')
    expect(p.kind).toBe('scatter')
    expect(p.reason).toMatch(/^scatter: co-located join of t, u on t.id = u.tid; no condition on t.id or u.tid/)
    expect(plan('SELECT * FROM t LEFT JOIN u USING (id)').kind).toBe('pull') // USING (id) is not u's distribution column
    expect(plan('SELECT * FROM t JOIN o USING (id)').kind).toBe('scatter')
    expect(plan('SELECT * FROM t JOIN r ON r.k = t.v').kind).toBe('scatter') // reference tables join anything
  })
})

describe('pull: what shards cannot answer alone', () => {
  test.each([
    ['SELECT * FROM t JOIN u ON t.v = u.w', 'are not joined on their distribution columns'],
    ['SELECT * FROM t JOIN n ON t.id = n.k', 'are not joined on their distribution columns'], // numeric and int hash apart
    ['SELECT * FROM r LEFT JOIN t ON r.k = t.id', 'preserved side of a LEFT JOIN'],
    ['SELECT * FROM t WHERE v IN (SELECT w FROM u)', 'a subquery reads a distributed table'],
    ['SELECT id FROM t UNION SELECT tid FROM u', 'UNION over a distributed table'],
    ['SELECT g, count(*) FROM t GROUP BY g HAVING count(*) > 2', 'HAVING'],
    ['SELECT count(DISTINCT v) FROM t', 'cannot be combined'],
    ['SELECT sum(v) + 1 FROM t', 'neither grouped nor an aggregate'],
    ['SELECT DISTINCT ON (g) * FROM t', 'DISTINCT ON'],
  ])('%s', (sql, why) => {
    const p = plan(sql)
    expect(p.kind).toBe('pull')
    expect(p.reason).toContain(why)
    expect(() => shardStatements(p, catalog.partitions, [])).toThrow(/a pull plan runs at the coordinator/)
  })

  test('each input carries only its own conditions', () => {
    const p = plan('SELECT * FROM t JOIN u ON t.v = u.w WHERE t.g = 1 AND u.w > 2 AND t.s = u.s')
    expect(p).toMatchObject({ kind: 'pull', inputs: [
      { table: 't', sql: 'SELECT * FROM t WHERE (t.g = 1)', params: [], shards: 'all' },
      { table: 'u', sql: 'SELECT * FROM u WHERE (u.w > 2)', params: [], shards: 'all' },
    ] })
    // Parameters renumbered per input; a table read twice or in a subquery is pulled whole; reference tables from any shard.
    expect(plan('SELECT * FROM t JOIN u ON t.v = u.w JOIN r ON r.k = t.g WHERE u.w > $3 AND t.g = $2 AND t.v IN (SELECT v FROM t)')).toMatchObject({ kind: 'pull', inputs: [
      { table: 't', sql: 'SELECT * FROM t', params: [], shards: 'all' },
      { table: 'u', sql: 'SELECT * FROM u WHERE (u.w > $1)', params: [3], shards: 'all' },
      { table: 'r', sql: 'SELECT * FROM r', params: [], shards: 'any' },
    ] })
  })
})

describe('writes', () => {
  test('a multi-row INSERT is split by shard, parameters renumbered per part', () => {
    const ids = [1, 2, 3, 4, 5, 6, 7, 8]
    const sql = `INSERT INTO t (id, v) VALUES ${ids.map((i) => `(${i}, $${i})`).join(', ')} RETURNING id`
    const p = plan(sql)
    expect(p.kind).toBe('split-insert')
    const parts = shardStatements(p, catalog.partitions, ids.map((i) => i * 10))
    const expected = [0, 1, 2].map((shard) => ids.filter((i) => shardOf(i) === shard)).filter((l) => l.length > 0)
    expect(parts.map((x) => x.shard)).toEqual([0, 1, 2].filter((s) => ids.some((i) => shardOf(i) === s)))
    for (const [n, part] of parts.entries()) {
      const mine = expected[n]!
      expect(part.sql).toBe(`INSERT INTO t (id, v) VALUES ${mine.map((i, k) => `(${i}, $${k + 1})`).join(', ')} RETURNING id`)
      expect(part.params).toEqual(mine.map((i) => i * 10))
    }
  })

  test('rows pinned by parameters are split at execute time', () => {
    const p = plan('INSERT INTO t (id) VALUES ($1), ($2), ($3)')
    expect(p.kind).toBe('split-insert')
    expect(p.reason).toBe('split: 3 rows of t by id; 3 by a parameter\'s value at execute time')
    const parts = shardStatements(p, catalog.partitions, [1, 2, 3])
    expect(parts.flatMap((x) => x.params).sort()).toEqual([1, 2, 3])
    for (const part of parts) for (const id of part.params) expect(shardOf(id as number)).toBe(part.shard)
  })

  test('UPDATE and DELETE without a pin are broadcast', () => {
    expect(plan('UPDATE t SET v = 0 WHERE g = 1')).toMatchObject({ kind: 'broadcast', write: true, reason: 'broadcast: no condition on t.id' })
    expect(plan('DELETE FROM u USING t WHERE u.tid = t.id AND t.v = 3')).toMatchObject({ kind: 'broadcast' })
  })

  test.each([
    ['UPDATE t SET id = id + 1', /modifying the distribution column "id"/],
    ['INSERT INTO t (v) VALUES (1)', /must give its distribution column "id"/],
    ['INSERT INTO t DEFAULT VALUES', /must give its distribution column "id"/],
    ['DELETE FROM t WHERE v IN (SELECT w FROM u)', /subquery reading a distributed table/],
    ['UPDATE t SET v = 1 FROM u WHERE t.v = u.w', /not joined on their distribution columns/],
    ['INSERT INTO nope VALUES (1)', /"nope" is not a table the coordinator knows/],
  ])('refused: %s', (sql, message) => {
    expect(() => plan(sql)).toThrow(message)
  })

  test('INSERT … SELECT: the source is routed as a read, its rows inserted by the coordinator', () => {
    expect(plan('INSERT INTO t SELECT * FROM t WHERE v > 1')).toMatchObject({ kind: 'insert-select', source: { kind: 'scatter' }, reason: 'INSERT … SELECT into distributed table t: the coordinator runs the source, then inserts its rows split by id' })
    expect(plan('INSERT INTO t SELECT * FROM t WHERE id = 4')).toMatchObject({ kind: 'insert-select', source: { kind: 'single' } })
    expect(plan('INSERT INTO t (id, v) VALUES ((SELECT max(id) + 1 FROM t), 0)')).toMatchObject({ kind: 'insert-select', source: { kind: 'pull' } })
    // A distribution value that is an expression: the VALUES run on one shard, the coordinator routes their rows.
    expect(plan('INSERT INTO t (id) VALUES (1 + 1)')).toMatchObject({ kind: 'insert-select', source: { kind: 'single', target: { kind: 'any' } }, fill: [] })
  })

  test('a column left to a sequence (serial, identity, DEFAULT nextval) takes its values from the sequences\' shard', () => {
    const c = applyDdl(catalog, parse('CREATE TABLE s (id serial PRIMARY KEY, n bigint GENERATED BY DEFAULT AS IDENTITY, m int DEFAULT nextval(\'q\'), v text)')[0]!)
    const p = route(parse("INSERT INTO s (v) VALUES ('a'), ('b')")[0]!, '', c)
    expect(p).toMatchObject({ kind: 'insert-select', fill: [{ column: 'id', nextval: "nextval('s_id_seq')" }, { column: 'n', nextval: "nextval('s_n_seq')" }, { column: 'm', nextval: "nextval('q')" }] })
    expect((p as DistributedPlan & { kind: 'insert-select' }).statement.columns).toEqual(['id', 'n', 'm', 'v'])
    expect(route(parse('INSERT INTO s DEFAULT VALUES')[0]!, '', c)).toMatchObject({ kind: 'insert-select', source: undefined })
    // Every sequenced column given: an ordinary pinned INSERT.
    expect(route(parse("INSERT INTO s VALUES (1, 2, 3, 'a')")[0]!, '', c).kind).toBe('single')
  })

  test('DDL goes to every shard; CREATE TABLE is checked first', () => {
    expect(plan('CREATE TABLE w (a int PRIMARY KEY)')).toMatchObject({ kind: 'broadcast', reason: 'DDL on every shard: w, distributed by a' })
    expect(plan('CREATE TABLE w (a int) DISTRIBUTED REPLICATED').reason).toBe('DDL on every shard: w, a reference table')
    expect(plan('CREATE INDEX ON t (v)')).toMatchObject({ kind: 'broadcast', write: true })
    expect(plan('DROP TABLE t').kind).toBe('broadcast')
    expect(() => plan('CREATE TABLE w (a int)')).toThrow(/no primary key to distribute it by/)
    expect(() => plan('CREATE TABLE w (a int PRIMARY KEY, b int UNIQUE)')).toThrow(/cannot create constraint on "w"/)
    expect(() => plan('CREATE TABLE w (a int PRIMARY KEY, b int) DISTRIBUTED BY (b)')).toThrow(/cannot create constraint/)
    expect(() => plan('CREATE TABLE w (a int PRIMARY KEY) DISTRIBUTED BY (z)')).toThrow(/column "z" named in DISTRIBUTED BY does not exist/)
  })

  test('transaction control and settings stay at the coordinator', () => {
    for (const sql of ['BEGIN', 'COMMIT', 'SET search_path = public', 'SHOW work_mem']) expect(plan(sql).kind).toBe('coordinator')
  })
})

describe('EXPLAIN', () => {
  test('the explained statement is the text after EXPLAIN, wherever EXPLAIN starts', () => {
    expect(plan('  EXPLAIN   SELECT * FROM t')).toMatchObject({ kind: 'explain', plan: { kind: 'scatter', sql: 'SELECT * FROM t' } })
    expect(plan('/* c */ EXPLAIN ANALYZE UPDATE t SET v = 1 WHERE id = 2')).toMatchObject({ kind: 'explain', analyze: true, plan: { kind: 'single', sql: 'UPDATE t SET v = 1 WHERE id = 2' } })
  })

  test('names the shards and the reason', () => {
    const p = plan('EXPLAIN SELECT * FROM t WHERE id = 42')
    expect(p).toMatchObject({ kind: 'explain', plan: { kind: 'single', sql: 'SELECT * FROM t WHERE id = 42' } })
    expect(explainPlan(p, catalog.partitions)).toEqual([
      `Distributed Single (shard ${shardOf(42)})`,
      `  Reason: pinned: t.id = 42 → partition ${partitionOf(T.int4, 42)} → shard ${shardOf(42)}`,
    ])
    expect(explainPlan(plan('SELECT count(*) FROM t'), catalog.partitions)).toEqual([
      'Distributed Scatter (shards 0, 1, 2)',
      '  Reason: scatter: no condition on t.id; merge: re-aggregate count',
      '  Shard Query: SELECT count(*) AS __isola_partial0 FROM t',
    ])
  })
})
