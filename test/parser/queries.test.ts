import { describe, expect, test } from 'vitest'
import { deparseQuery, parse, type FromItem, type Query, type SelectCore } from '../../parser/index.js'
import { expr, one, show, strip } from './helpers.js'

const query = (sql: string): Query => strip(one(sql) as Query)
const core = (sql: string): SelectCore => {
  const q = query(sql)
  if (q.body.kind !== 'select') throw new Error('not a simple select')
  return q.body
}
const from = (sql: string): readonly FromItem[] => core(sql).from

describe('SELECT', () => {
  test('without FROM', () => {
    expect(query('SELECT 1')).toEqual({
      kind: 'query', with: [], orderBy: [],
      body: { kind: 'select', distinct: false, columns: [{ kind: 'expr', expr: { kind: 'number', text: '1' } }], from: [], groupBy: [] },
    })
  })

  test('select list: *, t.*, aliases with and without AS', () => {
    expect(core('SELECT *, t.*, a AS x, b y, c "Z" FROM t').columns).toEqual([
      { kind: 'star' },
      { kind: 'star', table: 't' },
      { kind: 'expr', expr: { kind: 'column', name: 'a' }, alias: 'x' },
      { kind: 'expr', expr: { kind: 'column', name: 'b' }, alias: 'y' },
      { kind: 'expr', expr: { kind: 'column', name: 'c' }, alias: 'Z' },
    ])
  })

  test('DISTINCT and ALL', () => {
    expect(core('SELECT DISTINCT a FROM t').distinct).toBe(true)
    expect(core('SELECT ALL a FROM t').distinct).toBe(false)
  })

  test('identifiers fold, quoted ones keep case, keywords are case-insensitive', () => {
    expect(from('sElEcT 1 FrOm MyTable AS "MyAlias"')).toEqual([{ kind: 'table', name: 'mytable', alias: { name: 'MyAlias', columns: [] } }])
  })

  test('tables, aliases, comma joins, subqueries and table functions', () => {
    expect(from('SELECT 1 FROM a, b x, c AS y (p, q), (SELECT 1) s, generate_series(1, 10) AS g(n)')).toEqual([
      { kind: 'table', name: 'a' },
      { kind: 'table', name: 'b', alias: { name: 'x', columns: [] } },
      { kind: 'table', name: 'c', alias: { name: 'y', columns: ['p', 'q'] } },
      { kind: 'subquery', query: query('SELECT 1'), alias: { name: 's', columns: [] } },
      { kind: 'function', call: { kind: 'function', name: 'generate_series', args: [{ kind: 'number', text: '1' }, { kind: 'number', text: '10' }], distinct: false, star: false }, alias: { name: 'g', columns: ['n'] } },
    ])
  })

  test('joins nest to the left', () => {
    const [j] = from('SELECT 1 FROM a JOIN b ON a.x = b.x LEFT OUTER JOIN c USING (x, y) RIGHT JOIN d ON TRUE FULL JOIN e ON TRUE CROSS JOIN f INNER JOIN g ON TRUE LEFT JOIN h ON TRUE')
    const types: string[] = []
    let item: FromItem | undefined = j
    while (item?.kind === 'join') { types.unshift(item.type); item = item.left }
    expect(types).toEqual(['inner', 'left', 'right', 'full', 'cross', 'inner', 'left'])
    expect(from('SELECT 1 FROM a LEFT JOIN c USING (x, y)')).toEqual([{
      kind: 'join', type: 'left', left: { kind: 'table', name: 'a' }, right: { kind: 'table', name: 'c' }, using: ['x', 'y'], natural: false,
    }])
    expect(from('SELECT 1 FROM a NATURAL FULL JOIN c')).toEqual([{
      kind: 'join', type: 'full', left: { kind: 'table', name: 'a' }, right: { kind: 'table', name: 'c' }, natural: true,
    }])
  })

  test('WHERE, GROUP BY (expressions and ordinals), HAVING', () => {
    const c = core('SELECT a, count(*) FROM t WHERE b > 1 GROUP BY 1, a + 1 HAVING count(*) > 2')
    expect(c.where === undefined ? '' : show(c.where)).toBe('(b > 1)')
    expect(c.groupBy.map(show)).toEqual(['1', '(a + 1)'])
    expect(c.having === undefined ? '' : show(c.having)).toBe('(count(*) > 2)')
  })

  test('ORDER BY, LIMIT, OFFSET, FETCH FIRST', () => {
    const q = query('SELECT a FROM t ORDER BY a, b DESC, c ASC NULLS FIRST, d NULLS LAST LIMIT 10 OFFSET 5')
    expect(q.orderBy).toEqual([
      { expr: { kind: 'column', name: 'a' } },
      { expr: { kind: 'column', name: 'b' }, direction: 'desc' },
      { expr: { kind: 'column', name: 'c' }, direction: 'asc', nulls: 'first' },
      { expr: { kind: 'column', name: 'd' }, nulls: 'last' },
    ])
    expect(q.limit).toEqual({ kind: 'number', text: '10' })
    expect(q.offset).toEqual({ kind: 'number', text: '5' })
    expect(query('SELECT a FROM t OFFSET 2 ROWS FETCH FIRST 3 ROWS ONLY')).toMatchObject({ limit: { text: '3' }, offset: { text: '2' } })
    expect(query('SELECT a FROM t FETCH NEXT ROW ONLY').limit).toEqual({ kind: 'number', text: '1' })
    expect(query('SELECT a FROM t LIMIT ALL').limit).toBeUndefined()
  })

  test('FOR UPDATE / FOR SHARE with NOWAIT and SKIP LOCKED', () => {
    expect(query('SELECT a FROM t FOR UPDATE').locking).toEqual({ strength: 'update', wait: 'wait' })
    expect(query('SELECT a FROM t FOR SHARE NOWAIT').locking).toEqual({ strength: 'share', wait: 'nowait' })
    expect(query('SELECT a FROM t LIMIT 1 FOR UPDATE SKIP LOCKED').locking).toEqual({ strength: 'update', wait: 'skip-locked' })
  })

  test('set operations: INTERSECT binds tighter, all left-associative', () => {
    const body = query('SELECT 1 UNION ALL SELECT 2 INTERSECT SELECT 3 EXCEPT SELECT 4').body
    expect(body).toMatchObject({
      kind: 'set-op', op: 'except', all: false,
      left: { kind: 'set-op', op: 'union', all: true, left: { kind: 'select' }, right: { kind: 'set-op', op: 'intersect' } },
      right: { kind: 'select' },
    })
    expect(query('SELECT 1 UNION DISTINCT SELECT 2').body).toMatchObject({ op: 'union', all: false })
  })

  test('parenthesised members and ORDER BY over the whole set', () => {
    const q = query('(SELECT 1 ORDER BY 1 LIMIT 1) UNION (SELECT 2) ORDER BY 1')
    expect(q.body).toMatchObject({ kind: 'set-op', left: { kind: 'nested', query: { limit: { text: '1' } } }, right: { kind: 'nested' } })
    expect(q.orderBy).toHaveLength(1)
  })

  test('WITH', () => {
    const q = query('WITH a AS (SELECT 1), b (x) AS (SELECT * FROM a) SELECT * FROM b')
    expect(q.with.map((c) => [c.name, c.columns])).toEqual([['a', []], ['b', ['x']]])
  })

  test('VALUES as a query', () => {
    expect(query('VALUES (1, 2), (3, 4)').body).toEqual({ kind: 'values', rows: [[{ kind: 'number', text: '1' }, { kind: 'number', text: '2' }], [{ kind: 'number', text: '3' }, { kind: 'number', text: '4' }]] })
  })

  test('positions', () => {
    const q = one('  SELECT a FROM t') as Query
    expect(q.position).toBe(3)
    expect((q.body as SelectCore).from[0]?.position).toBe(17)
  })
})

describe('names', () => {
  test('schema-qualified tables and functions', () => {
    expect(from('SELECT 1 FROM pg_catalog.pg_class c, s.f(1) x')).toEqual([
      { kind: 'table', schema: 'pg_catalog', name: 'pg_class', alias: { name: 'c', columns: [] } },
      { kind: 'function', call: { kind: 'function', schema: 's', name: 'f', args: [{ kind: 'number', text: '1' }], distinct: false, star: false }, alias: { name: 'x', columns: [] } },
    ])
    expect(show(expr('pg_catalog.count(*)'))).toBe('pg_catalog.count(*)')
  })

  test('SQL value functions are calls unless quoted', () => {
    expect(core('SELECT CURRENT_TIMESTAMP, current_date, "current_date"').columns).toEqual([
      { kind: 'expr', expr: { kind: 'function', name: 'current_timestamp', args: [], distinct: false, star: false } },
      { kind: 'expr', expr: { kind: 'function', name: 'current_date', args: [], distinct: false, star: false } },
      { kind: 'expr', expr: { kind: 'column', name: 'current_date' } },
    ])
  })

  test('pgbench statements', () => {
    for (const sql of [
      'create table pgbench_history(tid int,bid int,aid    int,delta int,mtime timestamp,filler char(22))',
      'create table pgbench_accounts(aid int not null,bid int,abalance int,filler char(84)) with (fillfactor=100)',
      'alter table pgbench_branches add primary key (bid)',
      'copy pgbench_accounts from stdin with (freeze on)',
      'vacuum analyze pgbench_branches',
      'truncate table pgbench_accounts, pgbench_branches, pgbench_history, pgbench_tellers',
      'drop table if exists pgbench_accounts, pgbench_branches, pgbench_history, pgbench_tellers',
      'UPDATE pgbench_accounts SET abalance = abalance + $1 WHERE aid = $2',
      'SELECT abalance FROM pgbench_accounts WHERE aid = $1',
      'INSERT INTO pgbench_history (tid, bid, aid, delta, mtime) VALUES ($1, $2, $3, $4, CURRENT_TIMESTAMP)',
      "insert into pgbench_branches(bid,bbalance) select bid, 0 from generate_series(1, 1) as bid",
    ]) expect(() => one(sql)).not.toThrow()
  })
})

describe('parenthesised joins', () => {
  test('a join tree in parentheses parses as the join, and deparse gives back the same tree', () => {
    const q = parse('SELECT * FROM (a JOIN b ON a.x = b.x) LEFT JOIN c USING (y)')[0] as Query
    if (q.body.kind !== 'select') throw new Error('not a select')
    const from = q.body.from[0]!
    expect(from.kind).toBe('join')
    expect(from.kind === 'join' && from.left.kind).toBe('join')
    const again = parse(deparseQuery(q))[0]
    expect(strip(again)).toEqual(strip(q))
  })
})
