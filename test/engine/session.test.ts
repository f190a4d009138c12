import { afterEach, describe, expect, it } from 'vitest'
import { open, type Database } from '../../index.js'
import { T } from '../../engine/values/index.js'

const dbs: Database[] = []
afterEach(async () => {
  for (const db of dbs.splice(0)) await db.close()
})
async function fresh(): Promise<Database> {
  const db = await open({ memory: true })
  dbs.push(db)
  return db
}

describe('a session runs its calls one at a time, in call order', () => {
  it('calls made without waiting see each other in order, and a failure does not stop the next', async () => {
    const s = (await fresh()).session()
    const calls = [
      s.query('CREATE TABLE t (id int PRIMARY KEY, v text)'),
      s.query('INSERT INTO t VALUES (1, $1)', ['a']),
      s.query('SELECT 1 / 0'),
      s.query('INSERT INTO t VALUES (2, $1)', ['b']),
      s.query('SELECT id, v FROM t ORDER BY id'),
    ]
    const settled = await Promise.allSettled(calls)
    expect(settled.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'fulfilled', 'fulfilled'])
    expect((settled[2] as PromiseRejectedResult).reason).toMatchObject({ code: '22012' })
    expect((settled[4] as PromiseFulfilledResult<{ rows: unknown[] }>).value.rows).toEqual([{ id: 1, v: 'a' }, { id: 2, v: 'b' }])
  })

  it('prepared statements of one text with different declared types are planned apart', async () => {
    const s = (await fresh()).session()
    const asInt = await s.prepare('SELECT $1 AS x', [T.int4])
    const asText = await s.prepare('SELECT $1 AS x', [T.text])
    expect(asInt.paramTypes.map((t) => t.kind)).toEqual(['int4'])
    expect(asText.paramTypes.map((t) => t.kind)).toEqual(['text'])
    expect((await s.executePrepared(asInt, ['7'])).rows).toEqual([[7]])
    expect((await s.executePrepared(asText, ['7'])).rows).toEqual([['7']])
  })

  it('an implicit transaction leaves the transaction settings as they were', async () => {
    const s = (await fresh()).session()
    await s.query('BEGIN ISOLATION LEVEL REPEATABLE READ')
    expect((await s.query('SHOW transaction_isolation')).rows).toEqual([{ transaction_isolation: 'repeatable read' }])
    await s.query('COMMIT')
    await s.query('SELECT 1')
    expect((await s.query('SHOW transaction_isolation')).rows).toEqual([{ transaction_isolation: 'read committed' }])
    expect((await s.query("SELECT current_setting('transaction_isolation') AS i")).rows).toEqual([{ i: 'read committed' }])
  })
})
