/**
 * Grammar-driven random statements: syntactically plausible SQL over the fuzz
 * schema's names, built from a small grammar of expressions (columns, literals,
 * operators, functions, casts, CASE, IN, BETWEEN, LIKE, subqueries) and
 * statements (SELECT with joins, grouping and set operations; INSERT, UPDATE,
 * DELETE; DDL on scratch tables; settings; transaction control).
 *
 * Unlike mutations, most of these parse, so they exercise the binder's type
 * checks and the executor's runtime errors. Types are respected only loosely:
 * a wrong type is a test too. Rarely, a statement is pathological on purpose
 * (deep nesting, a huge IN list, a very wide select list).
 */
import type { Rng } from '../../helpers/random.js'
import { COLUMNS, TABLES } from './schema.js'
import { FUNCTION_NAMES, NUMBERS, STRINGS, TYPE_NAMES } from './vocabulary.js'

type Table = (typeof TABLES)[number]

interface Ctx {
  readonly r: Rng
  /** Column references in scope, qualified where needed. */
  readonly columns: readonly string[]
  depth: number
}

const NORMAL_NUMBERS = ['0', '1', '2', '3', '10', '42', '100', '-1', '1.5', '0.25', '1000', '2.5e3']
const NORMAL_STRINGS = ["'a'", "'abc'", "'user1'", "''", "'note 1'", "'2024-01-01'", "'1'", "'t'", "'%u%'", "'x@y'"]
const BINARY = ['+', '-', '*', '/', '%', '^', '||', '=', '<>', '<', '<=', '>', '>=', 'AND', 'OR', '&', '|', '#', '<<', '>>', '~', '!~', '~*']
const AGGREGATES = ['count', 'sum', 'avg', 'min', 'max', 'bool_and', 'bool_or', 'every', 'string_agg']
const SETTINGS = ['application_name', 'DateStyle', 'extra_float_digits', 'search_path', 'client_min_messages', 'TimeZone', 'default_transaction_isolation', 'default_transaction_read_only', 'work_mem', 'myapp.x', 'nosuch', 'IntervalStyle', 'enable_seqscan']

function literal(r: Rng): string {
  return r.weighted<() => string>([
    [5, () => r.pick(NORMAL_NUMBERS)],
    [4, () => r.pick(NORMAL_STRINGS)],
    [2, () => r.pick(NUMBERS)],
    [2, () => r.pick(STRINGS)],
    [1, () => 'NULL'],
    [1, () => r.pick(['TRUE', 'FALSE'])],
    [1, () => `DATE ${r.pick(["'2024-01-01'", "'infinity'", "'1999-12-31'", "'2024-02-30'"])}`],
    [1, () => `TIMESTAMP ${r.pick(["'2024-01-01 10:00'", "'-infinity'", "'2000-01-01 00:00:00.5'"])}`],
    [1, () => `$${r.int(1, 3)}`],
  ])()
}

function expr(c: Ctx): string {
  if (c.depth > 4) return c.columns.length > 0 && c.r.chance(0.6) ? c.r.pick(c.columns) : literal(c.r)
  c.depth++
  try {
    const r = c.r
    return r.weighted<() => string>([
      [6, () => (c.columns.length > 0 ? r.pick(c.columns) : literal(r))],
      [5, () => literal(r)],
      [5, () => `${expr(c)} ${r.pick(BINARY)} ${expr(c)}`],
      [1, () => `${r.pick(['-', '+', 'NOT', '~', '|/', '@'])} ${expr(c)}`],
      [4, () => `${r.pick(FUNCTION_NAMES)}(${Array.from({ length: r.below(4) }, () => expr(c)).join(', ')})`],
      [2, () => `${expr(c)}::${r.pick(TYPE_NAMES)}`],
      [1, () => `CAST(${expr(c)} AS ${r.pick(TYPE_NAMES)})`],
      [1, () => `CASE ${r.chance(0.3) ? expr(c) : ''} WHEN ${expr(c)} THEN ${expr(c)} ${r.chance(0.5) ? `ELSE ${expr(c)}` : ''} END`],
      [1, () => `${expr(c)} ${r.chance(0.2) ? 'NOT ' : ''}IN (${Array.from({ length: r.int(1, 4) }, () => expr(c)).join(', ')})`],
      [1, () => `${expr(c)} ${r.chance(0.2) ? 'NOT ' : ''}BETWEEN ${expr(c)} AND ${expr(c)}`],
      [1, () => `${expr(c)} ${r.pick(['LIKE', 'ILIKE', 'NOT LIKE'])} ${expr(c)}`],
      [1, () => `${expr(c)} IS ${r.pick(['NULL', 'NOT NULL', 'TRUE', 'NOT FALSE', 'UNKNOWN', 'DISTINCT FROM 1', 'NOT DISTINCT FROM NULL'])}`],
      [1, () => `(${subquery(c, true)})`],
      [1, () => `EXISTS (${subquery(c, false)})`],
      [1, () => `${expr(c)} ${r.pick(['IN', '= ANY', '< ALL', 'NOT IN'])} (${subquery(c, true)})`],
      [1, () => `${r.pick(['coalesce', 'nullif', 'greatest', 'least'])}(${expr(c)}, ${expr(c)})`],
    ])()
  } finally {
    c.depth--
  }
}

function subquery(c: Ctx, oneColumn: boolean): string {
  const t = c.r.pick(TABLES)
  const inner: Ctx = { r: c.r, columns: [...COLUMNS[t].map((n) => `s.${n}`), ...c.columns], depth: c.depth + 1 }
  const col = oneColumn ? (c.r.chance(0.3) ? `${c.r.pick(AGGREGATES)}(${expr(inner)})` : expr(inner)) : '1'
  return `SELECT ${col} FROM ${t} s${c.r.chance(0.7) ? ` WHERE ${expr(inner)}` : ''}${c.r.chance(0.3) ? ` LIMIT ${c.r.pick(['1', '0', '-1', 'NULL', '2'])}` : ''}`
}

function columnsOf(t: Table, alias: string): string[] {
  return COLUMNS[t].map((n) => `${alias}.${n}`)
}

function from(r: Rng): { sql: string; columns: string[] } {
  const t1 = r.pick(TABLES)
  if (r.chance(0.6)) return { sql: `${t1} a`, columns: [...columnsOf(t1, 'a'), ...COLUMNS[t1]] }
  const t2 = r.pick(TABLES)
  const join = r.pick(['JOIN', 'LEFT JOIN', 'RIGHT JOIN', 'FULL JOIN', 'CROSS JOIN', ','])
  const cols = [...columnsOf(t1, 'a'), ...columnsOf(t2, 'b')]
  const on = join === 'CROSS JOIN' || join === ',' ? '' : ` ON ${expr({ r, columns: cols, depth: 3 })}`
  return { sql: `${t1} a ${join} ${t2} b${on}`, columns: cols }
}

function select(r: Rng): string {
  const f = from(r)
  const c: Ctx = { r, columns: f.columns, depth: 0 }
  const grouped = r.chance(0.25)
  const items = Array.from({ length: r.int(1, 4) }, () =>
    grouped && r.chance(0.6) ? `${r.pick(AGGREGATES)}(${r.chance(0.2) ? 'DISTINCT ' : ''}${r.chance(0.2) ? '*' : expr(c)})` : expr(c))
  let sql = `SELECT ${r.chance(0.1) ? 'DISTINCT ' : ''}${r.chance(0.1) ? '*' : items.join(', ')} FROM ${f.sql}`
  if (r.chance(0.6)) sql += ` WHERE ${expr(c)}`
  if (grouped) sql += ` GROUP BY ${r.chance(0.5) ? r.pick(['1', '2', '0', '99']) : expr(c)}`
  if (grouped && r.chance(0.3)) sql += ` HAVING ${r.pick(AGGREGATES)}(${expr(c)}) ${r.pick(['>', '=', '<'])} ${literal(r)}`
  if (r.chance(0.2)) sql = `${sql} ${r.pick(['UNION', 'UNION ALL', 'INTERSECT', 'EXCEPT'])} ${select(r)}`
  else {
    if (r.chance(0.4)) sql += ` ORDER BY ${r.chance(0.3) ? r.pick(['1', '2', '-1']) : expr(c)} ${r.pick(['', 'ASC', 'DESC', 'DESC NULLS FIRST', 'NULLS LAST'])}`
    if (r.chance(0.3)) sql += ` LIMIT ${r.pick(['0', '1', '5', '-1', 'NULL', 'ALL', "'3'", '1e10', '2147483648', expr(c)])}`
    if (r.chance(0.1)) sql += ` OFFSET ${r.pick(['0', '1', '-1', '1e10', expr(c)])}`
    if (r.chance(0.05)) sql += ` FOR ${r.pick(['UPDATE', 'SHARE'])}${r.pick(['', ' NOWAIT', ' SKIP LOCKED'])}`
  }
  if (r.chance(0.1)) sql = `WITH w AS (${select(r)}) ${sql}`
  return sql
}

function insert(r: Rng): string {
  const t = r.pick(TABLES)
  const cols = COLUMNS[t].filter(() => r.chance(0.6))
  const width = cols.length > 0 ? cols.length : r.int(1, COLUMNS[t].length)
  const c: Ctx = { r, columns: [], depth: 1 }
  const rows = Array.from({ length: r.int(1, 3) }, () => `(${Array.from({ length: r.chance(0.1) ? width + 1 : width }, () => (r.chance(0.1) ? 'DEFAULT' : expr(c))).join(', ')})`)
  let sql = `INSERT INTO ${t}${cols.length > 0 ? ` (${cols.join(', ')})` : ''} ${r.chance(0.15) ? select(r) : `VALUES ${rows.join(', ')}`}`
  if (r.chance(0.3)) {
    const target = r.pick(COLUMNS[t])
    sql += r.chance(0.5)
      ? ` ON CONFLICT${r.chance(0.7) ? ` (${target})` : ''} DO NOTHING`
      : ` ON CONFLICT (${target}) DO UPDATE SET ${r.pick(COLUMNS[t])} = ${expr({ r, columns: [...COLUMNS[t].map((n) => `excluded.${n}`), ...COLUMNS[t]], depth: 2 })}`
  }
  if (r.chance(0.3)) sql += ` RETURNING ${r.chance(0.5) ? '*' : expr({ r, columns: COLUMNS[t], depth: 2 })}`
  return sql
}

function update(r: Rng): string {
  const t = r.pick(TABLES)
  const c: Ctx = { r, columns: COLUMNS[t], depth: 1 }
  const sets = Array.from({ length: r.int(1, 3) }, () => `${r.pick(COLUMNS[t])} = ${r.chance(0.1) ? 'DEFAULT' : expr(c)}`)
  return `UPDATE ${t} SET ${sets.join(', ')}${r.chance(0.8) ? ` WHERE ${expr(c)}` : ''}${r.chance(0.2) ? ` RETURNING ${expr(c)}` : ''}`
}

function del(r: Rng): string {
  const t = r.pick(TABLES)
  const c: Ctx = { r, columns: COLUMNS[t], depth: 1 }
  return `DELETE FROM ${t} WHERE ${expr(c)}${r.chance(0.2) ? ' RETURNING *' : ''}`
}

function ddl(r: Rng): string {
  const name = r.pick(['scratch', 'scratch2', 'gen_t', 'gen_u'])
  const c: Ctx = { r, columns: ['a', 'b', 'c'], depth: 2 }
  const constraint = (): string => r.pick(['', ' NOT NULL', ' UNIQUE', ' PRIMARY KEY', ` DEFAULT ${literal(r)}`, ` CHECK (${expr(c)})`, ' REFERENCES users (id)', ' REFERENCES kv', ' GENERATED ALWAYS AS IDENTITY', ' NULL'])
  return r.weighted<() => string>([
    [3, () => `CREATE TABLE ${r.chance(0.3) ? 'IF NOT EXISTS ' : ''}${name} (${['a', 'b', 'c'].slice(0, r.int(1, 3)).map((col) => `${col} ${r.pick(TYPE_NAMES)}${constraint()}${constraint()}`).join(', ')}${r.chance(0.2) ? `, ${r.pick(['PRIMARY KEY (a, b)', 'UNIQUE (a)', `CHECK (${expr(c)})`, 'FOREIGN KEY (a) REFERENCES users (id)'])}` : ''})`],
    [2, () => `INSERT INTO ${name} VALUES (${expr(c)}, ${expr(c)})`],
    [2, () => `CREATE ${r.chance(0.3) ? 'UNIQUE ' : ''}INDEX ${r.chance(0.5) ? `${name}_i ` : ''}ON ${name} (${r.chance(0.7) ? r.pick(['a', 'b', 'c', 'a, b']) : expr(c)}${r.pick(['', ' DESC', ' NULLS FIRST'])})${r.chance(0.2) ? ` WHERE ${expr(c)}` : ''}`],
    [2, () => `ALTER TABLE ${name} ${r.pick([`ADD COLUMN d ${r.pick(TYPE_NAMES)}${constraint()}`, 'DROP COLUMN a', 'DROP COLUMN IF EXISTS d', 'RENAME COLUMN b TO bb', `ADD CONSTRAINT k CHECK (${expr(c)})`, 'ADD PRIMARY KEY (a)', 'ADD UNIQUE (b)', 'RENAME TO gen_v'])}`],
    [1, () => `CREATE ${r.chance(0.3) ? 'OR REPLACE ' : ''}VIEW ${name}_v AS ${select(r)}`],
    [1, () => `CREATE SEQUENCE ${name}_s${r.chance(0.5) ? ` START ${r.pick(NUMBERS)}` : ''}${r.chance(0.5) ? ` INCREMENT ${r.pick(NUMBERS)}` : ''}`],
    [2, () => `DROP ${r.pick(['TABLE', 'VIEW', 'INDEX'])} ${r.chance(0.5) ? 'IF EXISTS ' : ''}${r.pick([name, `${name}_v`, `${name}_i`, 'gen_v'])}${r.chance(0.3) ? ' CASCADE' : ''}`],
    [1, () => `TRUNCATE ${name}`],
  ])()
}

function control(r: Rng): string {
  return r.weighted<() => string>([
    [3, () => r.pick(['BEGIN', 'COMMIT', 'ROLLBACK', 'END', 'ABORT', 'BEGIN ISOLATION LEVEL SERIALIZABLE', 'BEGIN READ ONLY', 'START TRANSACTION ISOLATION LEVEL REPEATABLE READ'])],
    [2, () => `${r.pick(['SAVEPOINT', 'RELEASE SAVEPOINT', 'ROLLBACK TO SAVEPOINT'])} ${r.pick(['sp', 's1', 'nosuch'])}`],
    [1, () => `PREPARE TRANSACTION ${r.pick(["'g1'", "'g2'", "''", `'${'g'.repeat(300)}'`])}`],
    [1, () => `${r.pick(['COMMIT PREPARED', 'ROLLBACK PREPARED'])} ${r.pick(["'g1'", "'g2'", "'nosuch'"])}`],
    [3, () => `SET ${r.pick(['', 'LOCAL ', 'SESSION '])}${r.pick(SETTINGS)} ${r.pick(['=', 'TO'])} ${r.pick([literal(r), 'DEFAULT', 'on', 'off', "'utc'", 'iso', "'a', 'b'"])}`],
    [2, () => `${r.pick(['SHOW', 'RESET'])} ${r.pick([...SETTINGS, 'all'])}`],
    [1, () => `SET TRANSACTION ${r.pick(['ISOLATION LEVEL SERIALIZABLE', 'READ ONLY', 'READ WRITE', 'DEFERRABLE'])}`],
    [1, () => `${r.pick(['VACUUM', 'ANALYZE', 'VACUUM ANALYZE'])} ${r.chance(0.5) ? r.pick([...TABLES, 'nosuch', 'big_orders']) : ''}`],
    [2, () => `EXPLAIN ${r.chance(0.3) ? 'ANALYZE ' : ''}${r.pick([select, update, del, insert])(r)}`],
    [2, () => {
      const t = r.pick([...TABLES, 'big_orders', 'nosuch'])
      const cols = r.chance(0.3) ? ` (${r.pick(['k', 'v', 'name', 'name, age', 'k, nosuch', 'id'])})` : ''
      const format = r.pick(['', ' CSV', ' WITH (FORMAT csv)', ' WITH (FORMAT csv, HEADER)', ' CSV HEADER', ' WITH (FORMAT text)'])
      return `COPY ${t}${cols} ${r.chance(0.7) ? 'FROM STDIN' : 'TO STDOUT'}${format}`
    }],
  ])()
}

/** Rare, expensive shapes: nesting past the stack, huge IN lists and select lists, long chains. */
function pathological(r: Rng): string {
  const n = r.pick([100, 1000, 5000, 20_000])
  return r.weighted<() => string>([
    [1, () => `SELECT ${'('.repeat(n)}1${')'.repeat(n)}`],
    [1, () => `SELECT ${Array.from({ length: n }, (_, i) => i).join(' + ')}`],
    [1, () => `SELECT ${'abs('.repeat(n / 10)}1${')'.repeat(n / 10)}`],
    [1, () => `SELECT ${'- '.repeat(n)}1`],
    [1, () => `SELECT ${'NOT '.repeat(n)}true`],
    [1, () => `SELECT id FROM users WHERE id IN (${Array.from({ length: n }, (_, i) => i).join(', ')})`],
    [1, () => `SELECT id FROM users WHERE name NOT IN (${Array.from({ length: n }, (_, i) => `'n${i}'`).join(', ')})`],
    [1, () => `SELECT ${Array.from({ length: Math.min(n, 2000) }, (_, i) => `${i} AS c${i}`).join(', ')}`],
    [1, () => `SELECT ${'CASE WHEN true THEN '.repeat(n / 10)}1${' END'.repeat(n / 10)}`],
    [1, () => `SELECT 1 FROM users WHERE ${Array.from({ length: n }, (_, i) => `id = ${i}`).join(' OR ')}`],
    [1, () => `SELECT ${'(SELECT '.repeat(n / 100)}1${')'.repeat(n / 100)}`],
    [1, () => `SELECT 'a' ${"|| 'b' ".repeat(n)}`],
  ])()
}

/** One random statement. */
export function generate(r: Rng): string {
  return r.weighted<() => string>([
    [10, () => select(r)],
    [4, () => insert(r)],
    [3, () => update(r)],
    [2, () => del(r)],
    [3, () => ddl(r)],
    [3, () => control(r)],
    [1, () => `SELECT ${expr({ r, columns: [], depth: 0 })}`],
    [0.05, () => pathological(r)],
  ])()
}
