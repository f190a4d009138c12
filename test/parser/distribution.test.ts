import { describe, expect, test } from 'vitest'
import { parse, type Statement } from '../../parser/index.js'
import { open } from '../../engine/index.js'

const create = (sql: string): Statement & { kind: 'create-table' } => {
  const [s] = parse(sql)
  if (s?.kind !== 'create-table') throw new Error(`not a CREATE TABLE: ${sql}`)
  return s
}

describe('CREATE TABLE … DISTRIBUTED (Greenplum’s clause)', () => {
  test('DISTRIBUTED BY (col) names the distribution column, with its position', () => {
    const s = create('CREATE TABLE t (a int, b int PRIMARY KEY) DISTRIBUTED BY (a)')
    expect(s.distribution).toEqual({ kind: 'hash', columns: ['a'], position: 43 })
  })

  test('DISTRIBUTED BY folds names and takes a list; DISTRIBUTED REPLICATED is a reference table', () => {
    expect(create('CREATE TABLE t (a int, "B" int) DISTRIBUTED BY (A, "B")').distribution).toMatchObject({ kind: 'hash', columns: ['a', 'B'] })
    expect(create('create table r (k text primary key) distributed replicated').distribution).toEqual({ kind: 'replicated', position: 37 })
  })

  test('after WITH (…), as Greenplum orders them', () => {
    const s = create('CREATE TABLE t (a int) WITH (fillfactor = 70) DISTRIBUTED BY (a)')
    expect(s.options).toEqual([{ name: 'fillfactor', value: '70' }])
    expect(s.distribution).toMatchObject({ kind: 'hash', columns: ['a'] })
  })

  test('absent clause leaves the field out (the default distribution)', () => {
    expect('distribution' in create('CREATE TABLE t (a int PRIMARY KEY)')).toBe(false)
  })

  test('malformed clauses are syntax errors at the offending word', () => {
    expect(() => parse('CREATE TABLE t (a int) DISTRIBUTED (a)')).toThrow(/syntax error at or near "\("/)
    expect(() => parse('CREATE TABLE t (a int) DISTRIBUTED BY a')).toThrow(/syntax error at or near "a"/)
    expect(() => parse('CREATE TABLE t (a int) DISTRIBUTED RANDOMLY')).toThrow(/syntax error at or near "RANDOMLY"/)
  })

  test('distributed and replicated stay ordinary names', () => {
    expect(create('CREATE TABLE distributed (replicated int) DISTRIBUTED BY (replicated)')).toMatchObject({ name: 'distributed', columns: [{ name: 'replicated' }] })
  })

  test('the engine of one node accepts the clause and ignores it', async () => {
    const db = await open({ memory: true })
    const s = db.session()
    try {
      await s.execute('CREATE TABLE t (a int PRIMARY KEY, b text) DISTRIBUTED BY (a); CREATE TABLE r (k int PRIMARY KEY) DISTRIBUTED REPLICATED')
      await s.execute("INSERT INTO t VALUES (1, 'x'); INSERT INTO r VALUES (2)")
      expect((await s.query('SELECT a, b, k FROM t, r')).rows).toEqual([{ a: 1, b: 'x', k: 2 }])
    } finally {
      await s.close()
      await db.close()
    }
  })
})
