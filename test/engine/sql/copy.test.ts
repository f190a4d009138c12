/**
 * COPY FROM STDIN and COPY TO STDOUT at the engine level, in PostgreSQL's text and
 * CSV formats: escapes, NULLs, headers, data split across chunks anywhere, defaults
 * for columns not listed, and the errors of bad data.
 */
import { describe, expect, it } from 'vitest'
import { codeOf, database, rows } from './helpers.js'

async function table() {
  const db = await database()
  const s = db.session()
  await s.query("CREATE TABLE c (id serial PRIMARY KEY, name text, amount numeric(6,2), day date DEFAULT '2024-01-01', ok bool)")
  return s
}

describe('COPY FROM STDIN', () => {
  it('reads the text format: tabs, \\N, backslash escapes, and chunks split anywhere', async () => {
    const s = await table()
    const data = 'ann\t1.5\t2024-02-29\tt\nb\\tob\t\\N\t\\N\tf\nc\\\\d\\nx\t-3\t2024-03-01\ton\n\\.\nignored after the end marker\n'
    const sink = await s.copyFrom('COPY c (name, amount, day, ok) FROM STDIN')
    for (let i = 0; i < data.length; i += 5) await sink.write(data.slice(i, i + 5))
    expect(await sink.end()).toBe(3)
    expect(await rows(s, 'SELECT id, name, amount, day, ok FROM c ORDER BY id')).toEqual([
      '1 | ann | 1.50 | 2024-02-29 | t',
      '2 | b\tob | NULL | NULL | f',
      '3 | c\\d\nx | -3.00 | 2024-03-01 | t',
    ])
  })

  it('reads CSV with a header, quoted fields, embedded newlines, and gives unlisted columns their defaults', async () => {
    const s = await table()
    const sink = await s.copyFrom('COPY c (name, amount) FROM STDIN WITH (FORMAT csv, HEADER true)')
    await sink.write('name,amount\n"Smith, J",2\n"say ""hi""\nthere",\n,7\n""')
    await sink.write(',0\n')
    expect(await sink.end()).toBe(4)
    expect(await rows(s, 'SELECT name, amount, day FROM c ORDER BY id')).toEqual([
      'Smith, J | 2.00 | 2024-01-01',
      'say "hi"\nthere | NULL | 2024-01-01',
      'NULL | 7.00 | 2024-01-01',
      ' | 0.00 | 2024-01-01',
    ])
  })

  it('rejects bad data with the input error, and the copy commits nothing', async () => {
    const s = await table()
    const bad = await s.copyFrom('COPY c (name, amount) FROM STDIN')
    await bad.write('a\t1\n')
    expect(await codeOf(bad.write('b\tlots\n').then(() => bad.end()))).toBe('22P02')
    const short = await s.copyFrom('COPY c (name, amount) FROM STDIN')
    expect(await codeOf(short.write('only-one\n').then(() => short.end()))).toBe('22P04')
    expect(await rows(s, 'SELECT count(*) FROM c')).toEqual(['0'])
    expect(await codeOf(s.copyFrom('COPY nosuch FROM STDIN'))).toBe('42P01')
    expect(await codeOf(s.query('COPY c FROM STDIN'))).toBe('0A000')
  })

  it('inside a transaction block the copied rows commit or roll back with it', async () => {
    const s = await table()
    await s.query('BEGIN')
    const sink = await s.copyFrom('COPY c (name) FROM STDIN')
    await sink.write('x\ny\n')
    expect(await sink.end()).toBe(2)
    expect(await rows(s, 'SELECT count(*) FROM c')).toEqual(['2'])
    await s.query('ROLLBACK')
    expect(await rows(s, 'SELECT count(*) FROM c')).toEqual(['0'])
  })
  it("holds the session until the data ends: the session's next statement runs after the copy, not inside it", async () => {
    const s = await table()
    const sink = await s.copyFrom('COPY c (name) FROM STDIN')
    const order: string[] = []
    const next = s.query('SELECT count(*) AS n FROM c').then((r) => order.push(`select saw ${String(r.rows[0]!.n)}`))
    await sink.write('x\n')
    order.push('wrote')
    await new Promise((r) => setTimeout(r, 20))
    expect(order).toEqual(['wrote'])
    expect(await sink.end()).toBe(1)
    await next
    expect(order).toEqual(['wrote', 'select saw 1'])
  })

  it('closing the session in the middle of a copy abandons it: nothing is copied', async () => {
    const db = await database()
    const s = db.session()
    await s.query('CREATE TABLE k (a int)')
    const sink = await s.copyFrom('COPY k FROM STDIN')
    await sink.write('1\n2\n')
    await s.close()
    expect(await rows(db.session(), 'SELECT count(*) FROM k')).toEqual(['0'])
    // Closed before the queued copy even started: it fails rather than hold the session open.
    const t = db.session()
    const late = t.copyFrom('COPY k FROM STDIN')
    await t.close()
    expect(await codeOf(late)).toBe('57P01')
  })
})

describe('COPY TO STDOUT', () => {
  it('writes text and CSV that COPY FROM reads back unchanged', async () => {
    const s = await table()
    await s.query("INSERT INTO c (name, amount, ok) VALUES ('plain', 1, true), ('tab\there', NULL, false), ('quote\"comma,', -2.5, NULL), ('', 0, true)")
    const text = await s.copyTo('COPY c (id, name, amount, ok) TO STDOUT')
    expect(text.rowCount).toBe(4)
    expect(text.data.split('\n')[1]).toBe('2\ttab\\there\t\\N\tf')
    const csv = await s.copyTo('COPY c (name, amount) TO STDOUT WITH (FORMAT csv, HEADER)')
    expect(csv.data).toBe('name,amount\nplain,1.00\ntab\there,\n"quote""comma,",-2.50\n"",0.00\n')
    await s.query('CREATE TABLE c2 (id int, name text, amount numeric(6,2), ok bool)')
    const sink = await s.copyFrom('COPY c2 FROM STDIN')
    await sink.write(text.data)
    await sink.end()
    expect(await rows(s, 'SELECT * FROM c2 ORDER BY id')).toEqual(await rows(s, 'SELECT id, name, amount, ok FROM c ORDER BY id'))
  })
})
