/**
 * Bad input gets a clear database error, never a crash: PostgreSQL's SQLSTATE,
 * message and position (each checked against PostgreSQL 15 with the fuzz schema,
 * test/engine/fuzz/schema.ts), and the session and the data survive it.
 *
 * The last sections are regressions for what the engine fuzzer (fuzz.test.ts)
 * found: each test holds the minimized statement that used to throw something
 * other than a database error, hang, or silently do the wrong thing.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { IsolaError, open, type Database, type Session } from '../../index.js'
import { SCHEMA } from './fuzz/schema.js'

let db: Database
let s: Session

beforeAll(async () => {
  db = await open({ memory: true })
  s = db.session()
  for (const sql of SCHEMA) await s.query(sql)
})

afterAll(async () => {
  await db.close()
})

interface Caught {
  readonly code: string
  readonly message: string
  readonly position: number | undefined
}

/** The database error `sql` fails with (the test fails if it succeeds or throws anything else). */
async function failure(sql: string, params: readonly unknown[] = [], on: Session = s): Promise<Caught> {
  let caught: unknown
  try {
    await on.query(sql, params)
  } catch (e) {
    caught = e
  }
  if (on.status === 'E') await on.query('ROLLBACK')
  expect(caught, sql.slice(0, 200)).toBeInstanceOf(IsolaError)
  const e = caught as IsolaError
  return { code: e.code, message: e.message, position: e.position }
}

type Case = readonly [sql: string, code: string, message: string, position?: number]

const long = (n: number): string => 'x'.repeat(n)

/** [sql, SQLSTATE, message, position]: PostgreSQL 15's answers, statement by statement. */
const CASES: Readonly<Record<string, readonly Case[]>> = {
  'syntax': [
    ['SELEC 1', '42601', 'syntax error at or near "SELEC"', 1],
    ['SELECT 1 +', '42601', 'syntax error at end of input', 11],
    ['SELECT * FROM users WHERE', '42601', 'syntax error at end of input', 26],
    ["SELECT 'abc", '42601', 'unterminated quoted string at or near "\'abc"', 8],
    ["SELECT E'\\uD800'", '42601', 'invalid Unicode surrogate pair at or near "\'"', 16],
    ["SELECT E'\\377'", '22021', 'invalid byte sequence for encoding "UTF8": 0xff'],
  ],
  'invalid text representation, dates and numbers': [
    ["SELECT 'abc'::int", '22P02', 'invalid input syntax for type integer: "abc"', 8],
    ["SELECT CAST('abc' AS int)", '22P02', 'invalid input syntax for type integer: "abc"', 13],
    ["SELECT ''::int", '22P02', 'invalid input syntax for type integer: ""', 8],
    ["SELECT 'x'::numeric", '22P02', 'invalid input syntax for type numeric: "x"', 8],
    ["SELECT 'maybe'::bool", '22P02', 'invalid input syntax for type boolean: "maybe"', 8],
    ["SELECT 1 WHERE 'a'", '22P02', 'invalid input syntax for type boolean: "a"', 16],
    ["UPDATE users SET age = 'old'", '22P02', 'invalid input syntax for type smallint: "old"', 24],
    ["INSERT INTO users (name, age) VALUES ('a', 'b')", '22P02', 'invalid input syntax for type smallint: "b"', 44],
    ["SELECT CASE WHEN true THEN 1 WHEN false THEN 'x' END", '22P02', 'invalid input syntax for type integer: "x"', 46],
    ["SELECT greatest(1, 'a')", '22P02', 'invalid input syntax for type integer: "a"', 20],
    ["SELECT '2024-02-30'::date", '22008', 'date/time field value out of range: "2024-02-30"', 8],
    ["SELECT '2024-01-01 25:00'::timestamp", '22008', 'date/time field value out of range: "2024-01-01 25:00"', 8],
    ["SELECT 'xyz'::timestamp", '22007', 'invalid input syntax for type timestamp: "xyz"', 8],
    ["SELECT * FROM users WHERE born = 'x'", '22007', 'invalid input syntax for type date: "x"', 34],
    // Found by the fuzzer: '5874898-01-01' parsed to a timestamp past int64, and encoding the row threw a RangeError.
    ["SELECT '5874898-01-01'::timestamptz", '22008', 'timestamp out of range: "5874898-01-01"', 8],
    ["SELECT '294277-01-01'::timestamp", '22008', 'timestamp out of range: "294277-01-01"', 8],
    ["UPDATE users SET created = '5874898-01-01'", '22008', 'timestamp out of range: "5874898-01-01"', 28],
    ["SELECT '5874898-01-01'::date", '22008', 'date out of range: "5874898-01-01"', 8],
    ["SELECT '4714-11-23 BC'::date", '22008', 'date out of range: "4714-11-23 BC"', 8],
    ["SELECT '5874897-12-31'::date::timestamp", '22008', 'date out of range for timestamp'],
    ['SELECT make_date(5874898, 1, 1)', '22008', 'date out of range: 5874898-01-01'],
    ["SELECT '9999999999'::int", '22003', 'value "9999999999" is out of range for type integer', 8],
    ["SELECT '1e400'::float8", '22003', '"1e400" is out of range for type double precision', 8],
    ["SELECT '123.45'::numeric(3,1)", '22003', 'numeric field overflow'],
  ],
  'arithmetic': [
    ['SELECT 1/0', '22012', 'division by zero'],
    ['SELECT 1 % 0', '22012', 'division by zero'],
    ['SELECT 1.5 / 0', '22012', 'division by zero'],
    ['SELECT 1::float8 / 0', '22012', 'division by zero'],
    ['SELECT 2147483647 + 1', '22003', 'integer out of range'],
    ['SELECT 9223372036854775807 * 2', '22003', 'bigint out of range'],
    ['SELECT 32768::int2', '22003', 'smallint out of range'],
    ['SELECT 1e308 * 10::float8', '22003', 'value out of range: overflow'],
    ['SELECT 10 ^ 400', '22003', 'value out of range: overflow'],
    ['SELECT sqrt(-1)', '2201F', 'cannot take square root of a negative number'],
    ['SELECT ln(0)', '2201E', 'cannot take logarithm of zero'],
  ],
  'names': [
    ['SELECT * FROM nosuch', '42P01', 'relation "nosuch" does not exist', 15],
    ['INSERT INTO nosuch VALUES (1)', '42P01', 'relation "nosuch" does not exist', 13],
    ['UPDATE nosuch SET a = 1', '42P01', 'relation "nosuch" does not exist', 8],
    ['DELETE FROM nosuch', '42P01', 'relation "nosuch" does not exist', 13],
    ['SELECT nosuch FROM users', '42703', 'column "nosuch" does not exist', 8],
    ['SELECT users.nosuch FROM users', '42703', 'column users.nosuch does not exist', 8],
    ['SELECT nosuch(1)', '42883', 'function nosuch(integer) does not exist', 8],
    ['SELECT lower(1, 2)', '42883', 'function lower(integer, integer) does not exist', 8],
    ["SELECT 1 + 'a'::text", '42883', 'operator does not exist: integer + text', 10],
    ['SELECT id FROM users JOIN orders ON true', '42702', 'column reference "id" is ambiguous', 8],
    ['SELECT $0', '42P02', 'there is no parameter $0', 8],
  ],
  'types': [
    ['SELECT * FROM users WHERE 1', '42804', 'argument of WHERE must be type boolean, not type integer', 27],
    ['UPDATE users SET born = 1', '42804', 'column "born" is of type date but expression is of type integer', 25],
    ["INSERT INTO users (name, born) VALUES ('a', 1)", '42804', 'column "born" is of type date but expression is of type integer', 45],
    ['SELECT CASE WHEN true THEN 1 ELSE now() END', '42804', 'CASE types timestamp with time zone and integer cannot be matched', 28],
    ['SELECT CASE WHEN true THEN now() ELSE 1 END', '42804', 'CASE types integer and timestamp with time zone cannot be matched', 28],
    ['SELECT coalesce(1, now())', '42804', 'COALESCE types integer and timestamp with time zone cannot be matched', 20],
    ['VALUES (1), (now())', '42804', 'VALUES types integer and timestamp with time zone cannot be matched', 14],
  ],
  'objects of the wrong kind': [
    // Found comparing the fuzzer's SQLSTATEs with PostgreSQL's: DROP VIEW IF EXISTS on an index said nothing at all.
    ['DROP VIEW IF EXISTS orders_amount', '42809', '"orders_amount" is not a view'],
    ['DROP VIEW orders_amount', '42809', '"orders_amount" is not a view'],
    ['DROP INDEX IF EXISTS users', '42809', '"users" is not an index'],
    ['DROP TABLE order_seq', '42809', '"order_seq" is not a table'],
    ['SELECT * FROM orders_user', '42809', '"orders_user" is an index', 15],
    ['INSERT INTO orders_user VALUES (1)', '42809', '"orders_user" is an index', 13],
    ['UPDATE orders_user SET a = 1', '42809', '"orders_user" is an index', 8],
    ['INSERT INTO big_orders VALUES (1)', '55000', 'cannot insert into view "big_orders"'],
    ['DELETE FROM big_orders', '55000', 'cannot delete from view "big_orders"'],
    ['DELETE FROM order_seq', '42809', 'cannot change sequence "order_seq"'],
  ],
  'duplicate objects': [
    ['CREATE TABLE users (a int)', '42P07', 'relation "users" already exists'],
    ['CREATE INDEX orders_user ON orders (qty)', '42P07', 'relation "orders_user" already exists'],
    ['CREATE VIEW big_orders AS SELECT 1', '42P07', 'relation "big_orders" already exists'],
    ['CREATE SEQUENCE order_seq', '42P07', 'relation "order_seq" already exists'],
  ],
  'constraints': [
    ['INSERT INTO users (name) VALUES (NULL)', '23502', 'null value in column "name" of relation "users" violates not-null constraint'],
    ['UPDATE users SET name = NULL WHERE id = 1', '23502', 'null value in column "name" of relation "users" violates not-null constraint'],
    ["INSERT INTO users (id, name) VALUES (1, 'dup')", '23505', 'duplicate key value violates unique constraint "users_pkey"'],
    ["INSERT INTO users (name, email) VALUES ('a', 'u1@example.com')", '23505', 'duplicate key value violates unique constraint "users_email_key"'],
    ["INSERT INTO users (name, email) VALUES ('a', 'U1@EXAMPLE.COM')", '23505', 'duplicate key value violates unique constraint "users_lower_email"'],
    ['INSERT INTO orders (user_id, amount) VALUES (999, 1)', '23503', 'insert or update on table "orders" violates foreign key constraint "orders_user_id_fkey"'],
    ['UPDATE users SET id = 1000 WHERE id = 2', '23503', 'update or delete on table "users" violates foreign key constraint "orders_user_id_fkey" on table "orders"'],
    ["INSERT INTO users (name, age) VALUES ('x', -1)", '23514', 'new row for relation "users" violates check constraint "users_age_check"'],
    ['UPDATE orders SET amount = -1 WHERE id = 2', '23514', 'new row for relation "orders" violates check constraint "orders_amount_check"'],
  ],
  'oversized values': [
    // A literal assigned to varchar(n) / char(n) must fit; only an explicit cast truncates.
    [`INSERT INTO users (name) VALUES ('${long(21)}')`, '22001', 'value too long for type character varying(20)'],
    [`UPDATE users SET name = '${long(21)}' WHERE id = 1`, '22001', 'value too long for type character varying(20)'],
    [`INSERT INTO users (name) VALUES ('${long(21)}'::text)`, '22001', 'value too long for type character varying(20)'],
    ["INSERT INTO users (name, code) VALUES ('a', 'abcd')", '22001', 'value too long for type character(3)'],
    ["INSERT INTO tags VALUES (1, 'abcdefghijk')", '22001', 'value too long for type character varying(10)'],
    [`INSERT INTO users (name) VALUES ('ok') ON CONFLICT (id) DO UPDATE SET name = '${long(21)}'`, '22001', 'value too long for type character varying(20)'],
    ["INSERT INTO users (name, score) VALUES ('a', '1234567.5')", '22003', 'numeric field overflow'],
    ["SELECT repeat('x', 2147483647)", '54000', 'requested length too large'],
    ["SELECT lpad('x', 2147483647)", '54000', 'requested length too large'],
    ["SELECT rpad('x', 300000000, 'ab')", '54000', 'requested length too large'],
    ['SELECT chr(0)', '54000', 'null character not permitted'],
  ],
  'other runtime errors': [
    ['SELECT 1 FROM users LIMIT -1', '2201W', 'LIMIT must not be negative'],
    ['SELECT 1 OFFSET -1', '2201X', 'OFFSET must not be negative'],
    ['SELECT (SELECT id FROM users)', '21000', 'more than one row returned by a subquery used as an expression'],
    ['SELECT * FROM generate_series(1, 2, 0)', '22023', 'step size cannot equal zero'],
    ["SELECT currval('order_seq')", '55000', 'currval of sequence "order_seq" is not yet defined in this session'],
  ],
}

for (const [group, cases] of Object.entries(CASES)) {
  describe(group, () => {
    for (const [sql, code, message, position] of cases) {
      test(sql.length > 100 ? `${sql.slice(0, 100)}…` : sql, async () => {
        expect(await failure(sql)).toEqual({ code, message, position })
      })
    }
  })
}

describe('values too large to store', () => {
  test('a row past MAX_ROW_BYTES (64 MiB) is 54000, and nothing is written', async () => {
    const before = (await s.query<{ n: bigint }>('SELECT count(*) AS n FROM kv')).rows[0]!.n
    const e = await failure("INSERT INTO kv VALUES ('big', repeat('x', 70000000))")
    expect(e.code).toBe('54000')
    expect(e.message).toMatch(/^row is too big: size \d+, maximum size 67108864$/)
    expect((await s.query<{ n: bigint }>('SELECT count(*) AS n FROM kv')).rows[0]!.n).toBe(before)
  })

  test('a value too large for an index key is 54000; the same value unindexed is stored whole', async () => {
    const e = await failure("INSERT INTO kv VALUES (repeat('k', 100000), 'v')")
    expect(e.code).toBe('54000')
    expect(e.message).toMatch(/^index row size \d+ exceeds maximum \d+ for a key$/)
    await s.query("INSERT INTO kv VALUES ('wide', repeat('é', 1000000))")
    expect((await s.query("SELECT length(v) AS n FROM kv WHERE k = 'wide'")).rows).toEqual([{ n: 1000000 }])
    await s.query("DELETE FROM kv WHERE k = 'wide'")
  })
})

describe('statements that nest too deeply or are very wide', () => {
  test('deep nesting is 54001, as PostgreSQL reports a 5,000-term chain', async () => {
    // Found by the fuzzer: RangeError (maximum call stack size exceeded) from the binder.
    expect(await failure(`SELECT length('a' ${"|| 'b' ".repeat(5000)})`)).toEqual({ code: '54001', message: 'stack depth limit exceeded', position: undefined })
    expect((await failure(`SELECT ${Array.from({ length: 20_000 }, (_, i) => i).join(' + ')}`)).code).toBe('54001')
    expect((await failure(`SELECT ${'('.repeat(10_000)}1${')'.repeat(10_000)}`)).code).toBe('54001')
    // Shortcut: PostgreSQL flattens OR chains and answers this one; the binder recurses over them.
    expect((await failure(`SELECT 1 FROM users WHERE ${Array.from({ length: 5000 }, (_, i) => `id = ${i}`).join(' OR ')}`)).code).toBe('54001')
    expect((await s.query('SELECT 1 AS ok')).rows).toEqual([{ ok: 1 }])
  })

  test('huge IN lists work', async () => {
    const ids = Array.from({ length: 10_000 }, (_, i) => i)
    expect((await s.query(`SELECT count(*) AS n FROM users WHERE id IN (${ids.join(', ')})`)).rows).toEqual([{ n: 23n }])
    const names = Array.from({ length: 20_000 }, (_, i) => `'n${i}'`)
    expect((await s.query(`SELECT count(*) AS n FROM users WHERE name NOT IN (${names.join(', ')})`)).rows).toEqual([{ n: 23n }])
  })
})

describe('bad parameters', () => {
  test('wrong type, too few, too many', async () => {
    expect(await failure('SELECT $1::int AS x', ['abc'])).toEqual({ code: '22P02', message: 'invalid input syntax for type integer: "abc"', position: undefined })
    expect((await failure('SELECT $1::int AS x', [true])).code).toBe('42804')
    expect((await failure('SELECT $1::int AS x', [2 ** 40])).code).toBe('22003')
    expect((await failure('SELECT $1::int AS x', [NaN])).code).toBe('42804')
    expect((await failure('SELECT $1::date AS x', [{}])).code).toBe('42804')
    expect(await failure('SELECT $1::int + $2::int AS x', [1])).toEqual({ code: '08P01', message: 'bind message supplies 1 parameters, but prepared statement requires 2', position: undefined })
    expect((await failure('SELECT 1; SELECT 2', [1])).code).toBe('42601')
    // Too many is fine for the embedded API, as for node-postgres: the extra values are unused.
    expect((await s.query('SELECT $1::int AS x', [1, 2])).rows).toEqual([{ x: 1 }])
  })

  test('a parameter assigned to varchar(n), char(n), numeric(p,s) must fit (found by the fuzzer: 2^100 was stored as a 31-character name)', async () => {
    expect(await failure("INSERT INTO users (name) VALUES ($1)", [2n ** 100n])).toEqual({ code: '22001', message: 'value too long for type character varying(20)', position: undefined })
    expect((await failure('INSERT INTO users (name) VALUES ($1)', [long(21)])).code).toBe('22001')
    expect((await failure('UPDATE users SET name = $1 WHERE id = 1', [long(21)])).code).toBe('22001')
    expect((await failure("INSERT INTO users (name, code) VALUES ('a', $1)", ['abcd'])).code).toBe('22001')
    expect(await failure("INSERT INTO users (name, score) VALUES ('a', $1)", ['1234567.5'])).toEqual({ code: '22003', message: 'numeric field overflow', position: undefined })
    const r = await s.query("INSERT INTO users (name, code, score) VALUES ($1, $2, $3) RETURNING name, code, score", [`${long(20)}   `, 'ab', '1.255'])
    expect(r.rows).toEqual([{ name: long(20), code: 'ab ', score: '1.26' }])
    await s.query('DELETE FROM users WHERE name = $1', [long(20)])
  })

  test('an invalid Date is 22007, not a RangeError (found by the fuzzer)', async () => {
    expect(await failure('SELECT $1::timestamptz AS x', [new Date(NaN)])).toEqual({ code: '22007', message: 'invalid Date object as a parameter of type timestamptz', position: undefined })
    expect((await failure('SELECT $1::text AS x', [new Date(NaN)])).code).toBe('22007')
  })

  test('NUL and unpaired surrogates are 22021 in parameters and in statement text (found by the fuzzer)', async () => {
    expect(await failure('SELECT $1::text AS x', ['a\u0000b'])).toEqual({ code: '22021', message: 'invalid byte sequence for encoding "UTF8": 0x00', position: undefined })
    expect((await failure('SELECT $1::text AS x', ['x\uD800'])).code).toBe('22021')
    expect((await failure("SELECT 'a\u0000b'")).code).toBe('22021')
    expect((await failure("SELECT '\uDC00'")).code).toBe('22021')
    expect((await s.query('SELECT $1::text || \'😀\' AS x', ['😀'])).rows).toEqual([{ x: '😀😀' }])
  })

  test('a parameter number past 65535 is 42P02 (found by the fuzzer: $99999999999 crashed V8 growing an array)', async () => {
    expect(await failure('SELECT $99999999999')).toEqual({ code: '42P02', message: 'there is no parameter $99999999999', position: 8 })
    expect(await failure('SELECT $70000')).toEqual({ code: '42P02', message: 'there is no parameter $70000', position: 8 })
  })
})

/** Runs `sql`, expecting a database error, and leaves the session as it is (no ROLLBACK). */
async function code(sql: string, on: Session = s): Promise<string> {
  try {
    await on.query(sql)
  } catch (e) {
    if (e instanceof IsolaError) return e.code
    throw e
  }
  throw new Error(`no error from ${sql}`)
}

describe('transactions survive errors', () => {
  test('an error in a block makes every later statement 25P02 until ROLLBACK, which undoes the block', async () => {
    await s.query('BEGIN')
    await s.query("UPDATE kv SET v = 'in block' WHERE k = 'a'")
    expect(await code('SELECT 1/0')).toBe('22012')
    expect(s.status).toBe('E')
    expect(await code('SELECT 1')).toBe('25P02')
    expect(await code("UPDATE kv SET v = 'again' WHERE k = 'a'")).toBe('25P02')
    expect(await code('SAVEPOINT sp')).toBe('25P02')
    expect((await s.query('ROLLBACK')).command).toBe('ROLLBACK')
    expect(s.status).toBe('I')
    expect((await s.query("SELECT v FROM kv WHERE k = 'a'")).rows).toEqual([{ v: '1' }])
  })

  test('COMMIT of a failed block rolls it back; ROLLBACK TO SAVEPOINT recovers it', async () => {
    await s.query('BEGIN')
    await s.query("INSERT INTO kv VALUES ('t1', 'x')")
    expect(await code("INSERT INTO kv VALUES ('a', 'dup')")).toBe('23505')
    expect((await s.query('COMMIT')).command).toBe('ROLLBACK')
    expect((await s.query("SELECT count(*) AS n FROM kv WHERE k = 't1'")).rows).toEqual([{ n: 0n }])

    await s.query('BEGIN')
    await s.query("INSERT INTO kv VALUES ('t2', 'kept')")
    await s.query('SAVEPOINT sp')
    expect(await code("INSERT INTO kv VALUES ('t2', 'dup')")).toBe('23505')
    await s.query('ROLLBACK TO SAVEPOINT sp')
    await s.query('COMMIT')
    expect((await s.query("SELECT v FROM kv WHERE k = 't2'")).rows).toEqual([{ v: 'kept' }])
    await s.query("DELETE FROM kv WHERE k = 't2'")
  })

  test('a session closed mid-transaction rolls back and releases its locks', async () => {
    const a = db.session()
    const b = db.session()
    await a.query('BEGIN')
    await a.query("UPDATE kv SET v = 'a was here' WHERE k = 'b'")
    await a.query("INSERT INTO kv VALUES ('from a', 'x')")
    // b waits for a's row lock …
    const waiting = b.query("UPDATE kv SET v = 'b' WHERE k = 'b'")
    await new Promise((r) => setTimeout(r, 50))
    await a.close()
    // … and goes on as soon as a is gone.
    expect((await waiting).rowCount).toBe(1)
    expect((await b.query("SELECT k, v FROM kv WHERE k IN ('b', 'from a') ORDER BY k")).rows).toEqual([{ k: 'b', v: 'b' }])
    // Without waiting at all for a second row a had locked.
    await b.query("SET lock_timeout = '100ms'")
    expect((await b.query("UPDATE kv SET v = '2' WHERE k = 'b'")).rowCount).toBe(1)
    expect(await code('SELECT 1', a)).toBe('57P01')
    await b.close()
  })
})

describe('cancel and timeouts end running statements (no unhandled rejection)', () => {
  const unhandled: unknown[] = []
  const record = (e: unknown): void => void unhandled.push(e)
  beforeAll(() => void process.on('unhandledRejection', record))
  afterAll(() => {
    process.off('unhandledRejection', record)
    expect(unhandled).toEqual([])
  })

  /** How long `work` takes to fail, and with which SQLSTATE. */
  async function timed(work: Promise<unknown>): Promise<{ code: string; ms: number }> {
    const t0 = performance.now()
    try {
      await work
    } catch (e) {
      if (!(e instanceof IsolaError)) throw e
      return { code: e.code, ms: performance.now() - t0 }
    }
    throw new Error('the statement finished')
  }

  const CPU_BOUND = 'SELECT count(*) FROM generate_series(1, 1000000000)'

  test('statement_timeout interrupts a statement that never waits (found by the fuzzer: nothing could stop it)', async () => {
    const t = db.session()
    await t.query("SET statement_timeout = '100ms'")
    const r = await timed(t.query(CPU_BOUND))
    expect(r.code).toBe('57014')
    expect(r.ms).toBeLessThan(5_000)
    expect((await t.query('SELECT 1 AS ok')).rows).toEqual([{ ok: 1 }])
    await t.close()
  })

  test('statement_timeout interrupts a scan whose filter passes nothing (found by the fuzzer: it blocked for good)', async () => {
    const t = db.session()
    await t.query("SET statement_timeout = '100ms'")
    const r = await timed(t.query('SELECT * FROM generate_series(1, 2147483648) g WHERE g % 2 = 1e400'))
    expect(r.code).toBe('57014')
    expect(r.ms).toBeLessThan(5_000)
    await t.close()
  })

  test('cancel() interrupts a statement that never waits', async () => {
    const t = db.session()
    const running = t.query(CPU_BOUND)
    setTimeout(() => t.cancel(), 100)
    const r = await timed(running)
    expect(r).toMatchObject({ code: '57014' })
    expect(r.ms).toBeLessThan(5_000)
    expect((await t.query('SELECT 1 AS ok')).rows).toEqual([{ ok: 1 }])
    await t.close()
  })

  test('cancel() and statement_timeout interrupt a lock wait; lock_timeout ends it with 55P03', async () => {
    const holder = db.session()
    const t = db.session()
    await holder.query('BEGIN')
    await holder.query("UPDATE kv SET v = 'held' WHERE k = 'c'")
    const waiting = t.query("UPDATE kv SET v = 'waiting' WHERE k = 'c'")
    setTimeout(() => t.cancel(), 50)
    expect((await timed(waiting)).code).toBe('57014')
    await t.query("SET statement_timeout = '50ms'")
    expect((await timed(t.query("UPDATE kv SET v = 'waiting' WHERE k = 'c'"))).code).toBe('57014')
    await t.query("SET statement_timeout = 0; SET lock_timeout = '50ms'")
    expect((await timed(t.query("UPDATE kv SET v = 'waiting' WHERE k = 'c'"))).code).toBe('55P03')
    await holder.query('ROLLBACK')
    await t.close()
    await holder.close()
  })

  test('a reader waiting for a prepared transaction can be cancelled (found by the fuzzer: it hung for good)', async () => {
    // The reader's snapshot is newer than the prepare, so it must wait for the decision (Clock-SI).
    const p = db.session()
    await p.query("BEGIN; INSERT INTO kv VALUES ('prepared', 'x'); PREPARE TRANSACTION 'bad-input-gid'")
    await s.query('UPDATE users SET age = age WHERE id = 1')
    const t = db.session()
    const reading = t.query('SELECT count(*) FROM kv')
    setTimeout(() => t.cancel(), 50)
    expect((await timed(reading)).code).toBe('57014')
    await t.query("SET lock_timeout = '50ms'")
    expect((await timed(t.query("SELECT v FROM kv WHERE k = 'prepared'"))).code).toBe('55P03')
    // ANALYZE reads in a transaction of its own, which waits the same way (found by the fuzzer: it hung).
    const analyzing = t.query('ANALYZE kv')
    setTimeout(() => t.cancel(), 50)
    expect((await timed(analyzing)).code).toBe('57014')
    await t.query("SET statement_timeout = '50ms'")
    expect((await timed(t.query('VACUUM ANALYZE kv'))).code).toBe('57014')
    await t.query('SET statement_timeout = 0')
    await t.query("ROLLBACK PREPARED 'bad-input-gid'")
    expect((await t.query("SELECT count(*) AS n FROM kv WHERE k = 'prepared'")).rows).toEqual([{ n: 0n }])
    await t.close()
    await p.close()
  })

  test('closing a session while its statement runs ends the statement', async () => {
    const t = db.session()
    const running = t.query(CPU_BOUND)
    await new Promise((r) => setTimeout(r, 50))
    await t.close()
    expect((await timed(running)).code).toBe('57014')
  })
})

describe('COPY FROM STDIN with bad data', () => {
  /** Copies `chunks` into kv; the row count, or the database error. */
  async function copy(sql: string, ...chunks: (string | Uint8Array)[]): Promise<number | Caught> {
    try {
      const c = await s.copyFrom(sql)
      for (const chunk of chunks) await c.write(chunk)
      return await c.end()
    } catch (e) {
      expect(e).toBeInstanceOf(IsolaError)
      const { code, message, position } = e as IsolaError
      return { code, message, position }
    }
  }
  const bad = (message: string): Caught => ({ code: '22021', message, position: undefined })

  test('escapes are bytes that must be UTF-8, as in PostgreSQL (\\303\\251 was "Ã©"; \\0 was stored)', async () => {
    expect(await copy('COPY kv FROM STDIN', 'copy1\tx\\303\\251y\n')).toBe(1)
    expect((await s.query("SELECT v FROM kv WHERE k = 'copy1'")).rows).toEqual([{ v: 'xéy' }])
    expect(await copy('COPY kv FROM STDIN', 'copy2\ta\\0b\n')).toEqual(bad('invalid byte sequence for encoding "UTF8": 0x00'))
    expect(await copy('COPY kv FROM STDIN', 'copy2\ta\\377b\n')).toEqual(bad('invalid byte sequence for encoding "UTF8": 0xff'))
  })

  test('bytes that are not UTF-8 are 22021 (a TypeError escaped; a cut-off last character was dropped)', async () => {
    expect(await copy('COPY kv FROM STDIN', Buffer.from('copy3\ta\xffb\n', 'latin1'))).toEqual(bad('invalid byte sequence for encoding "UTF8"'))
    // é split across two chunks is fine; a chunk that ends inside a character, with nothing after it, is not.
    expect(await copy('COPY kv FROM STDIN', Buffer.from('copy6\ta\xc3', 'latin1'), Buffer.from([0xa9, 0x0a]))).toBe(1)
    expect(await copy('COPY kv FROM STDIN', Buffer.from('copy7\ta\n\xc3', 'latin1'))).toEqual(bad('invalid byte sequence for encoding "UTF8"'))
    expect(await copy('COPY kv FROM STDIN', 'copy4\ta\u0000b\n')).toEqual(bad('invalid byte sequence for encoding "UTF8": 0x00'))
    expect((await copy('COPY kv FROM STDIN', 'copy4\ta\uD800\n')) as Caught).toMatchObject({ code: '22021' })
    expect(await copy('COPY kv FROM STDIN', 'copy5\t\uD83D', '\uDE00\n')).toBe(1)
    expect((await s.query("SELECT k, v FROM kv WHERE k LIKE 'copy%' AND k <> 'copy1' ORDER BY k")).rows).toEqual([{ k: 'copy5', v: '😀' }, { k: 'copy6', v: 'aé' }])
  })

  test('wrong field counts and values', async () => {
    expect(await copy('COPY kv FROM STDIN', 'a\tb\tc\n')).toEqual({ code: '22P04', message: 'extra data after last expected column', position: undefined })
    expect(await copy('COPY kv FROM STDIN', 'a\n')).toEqual({ code: '22P04', message: 'missing data for column "v"', position: undefined })
    expect(await copy('COPY users (name, age) FROM STDIN', 'x\tnot a number\n')).toEqual({ code: '22P02', message: 'invalid input syntax for type smallint: "not a number"', position: undefined })
    expect(await copy('COPY kv FROM STDIN WITH (FORMAT csv)', '"unterminated,x\n')).toEqual({ code: '22P04', message: 'unterminated CSV quoted field', position: undefined })
  })
})

describe('regressions found by the fuzzer', () => {
  test('CREATE SEQUENCE with a value past bigint is 22003 (was a RangeError), and bigint values are exact', async () => {
    expect(await failure('CREATE SEQUENCE big_seq INCREMENT 99999999999999999999999')).toEqual({ code: '22003', message: 'value "99999999999999999999999" is out of range for type bigint', position: undefined })
    expect((await failure(`CREATE SEQUENCE big_seq START ${'9'.repeat(400)}`)).code).toBe('22003')
    await s.query('CREATE SEQUENCE big_seq START 9223372036854775807')
    expect((await s.query("SELECT nextval('big_seq') AS v")).rows).toEqual([{ v: 9223372036854775807n }])
  })

  test('INSERT without a column list fills the first columns (was 42601)', async () => {
    await s.query("INSERT INTO kv VALUES ('only k')")
    expect((await s.query("SELECT v FROM kv WHERE k = 'only k'")).rows).toEqual([{ v: null }])
    expect(await failure("INSERT INTO kv VALUES ('x', 'y', 'z')")).toEqual({ code: '42601', message: 'INSERT has more expressions than target columns', position: 34 })
    expect(await failure("INSERT INTO kv VALUES ('x', 'y'), ('z')")).toEqual({ code: '42601', message: 'VALUES lists must all be the same length', position: 36 })
    expect((await failure("INSERT INTO kv (k, v) VALUES ('x')")).message).toBe('INSERT has more target columns than expressions')
    expect((await s.query("INSERT INTO kv SELECT 'sel' RETURNING *")).rows).toEqual([{ k: 'sel', v: null }])
  })

  test('INSERT … SELECT types its literals by their columns (was 42804 for NULL into bytea)', async () => {
    const r = await s.query("INSERT INTO users (name, avatar, born, age) SELECT 'lit', NULL, '2020-01-02', '7' RETURNING avatar, born, age")
    expect(r.rows).toEqual([{ avatar: null, born: '2020-01-02', age: 7 }])
    expect((await failure("INSERT INTO users (name, avatar) SELECT 'x', NULL UNION SELECT 'y', NULL")).code).toBe('42804')
    expect((await failure("INSERT INTO users (name, born) SELECT DISTINCT 'x', '2020-01-01'")).code).toBe('42804')
  })

  test('LIMIT and OFFSET take untyped literals as bigint (LIMIT NULL was 42804)', async () => {
    expect((await s.query("SELECT id FROM users ORDER BY id LIMIT '2' OFFSET '1'")).rows).toEqual([{ id: 2 }, { id: 3 }])
    const all = (await s.query('SELECT count(*) AS n FROM users')).rows
    expect((await s.query('SELECT count(*) AS n FROM (SELECT id FROM users LIMIT NULL) t')).rows).toEqual(all)
    expect(await failure("SELECT 1 LIMIT 'abc'")).toEqual({ code: '22P02', message: 'invalid input syntax for type bigint: "abc"', position: 16 })
    expect(await failure('SELECT 1 LIMIT true')).toEqual({ code: '42804', message: 'argument of LIMIT must be type bigint, not type boolean', position: 16 })
  })

  test('a view over a join can be read (its stored query used to be unparsable)', async () => {
    expect((await s.query('SELECT count(*) AS n FROM big_orders')).rows).toEqual([{ n: expect.any(BigInt) }])
  })

  test('huge lpad/rpad are 54000 before they build anything (lpad of 2147483647 characters took V8 down); small ones still pad', async () => {
    expect((await s.query("SELECT lpad('x', 5, 'ab') AS a, rpad('x', 6, 'é😀') AS b, lpad('héllo', 3) AS c")).rows).toEqual([{ a: 'ababx', b: 'xé😀é😀é', c: 'hél' }])
  })

  test('a string past what JavaScript can hold is 54000, not a RangeError', async () => {
    expect(await failure("SELECT length(repeat('x', 268435456) || repeat('y', 268435456))")).toEqual({
      code: '54000', message: 'string too long: the value exceeds the maximum length of a string', position: undefined,
    })
  })
})
