/**
 * Random schemas and data for the differential test: 2–4 tables of up to 40 rows (now
 * and then 150) whose columns come
 * from a few named slots (so tables share column names: USING joins, and unqualified
 * names that are ambiguous), each slot with a family of types that varies per table
 * (t0.k int4 joined with t1.k bigint or numeric exercises cross-type comparison).
 *
 *     slot  types                        values
 *     id    int4 int8 int2               unique when a key, else small with duplicates
 *     k     int4 int8 int2 numeric(p,1)  0..6: join keys that match
 *     x     int4 int2 int8               −20..20, sometimes −1000..1000
 *     w     int8 int4                    edge values (±2^31, ±2^63 …): "wide", see below
 *     n     numeric(p,s) numeric         decimals of a few digits
 *     f     double precision             multiples of 1/4: sums are exact in any order
 *     s, v  text varchar(n)              a pool with '', spaces, case, %, _, non-ASCII
 *     b     boolean
 *     d     date                         around 2024, with a few far dates
 *
 * A column is `wide` when it holds values near its type's limits: the query generator
 * then keeps it out of arithmetic that could overflow except where every row is
 * evaluated by both systems alike (see query-gen.ts on risky expressions).
 */
import type { Rng } from '../../helpers/random.js'

export const COLUMN_TYPES = ['int2', 'int4', 'int8', 'numeric', 'float8', 'text', 'varchar', 'bool', 'date'] as const
export type ColType = (typeof COLUMN_TYPES)[number]
export type TypeClass = 'num' | 'text' | 'bool' | 'date'

export const classOf = (t: ColType): TypeClass =>
  t === 'text' || t === 'varchar' ? 'text' : t === 'bool' ? 'bool' : t === 'date' ? 'date' : 'num'

export interface Column {
  readonly name: string
  readonly type: ColType
  /** The type as written in CREATE TABLE: `numeric(7,2)`, `varchar(5)`, `double precision` … */
  readonly sqlType: string
  readonly notNull: boolean
  /** Values are near the type's limits: see the module comment. */
  readonly wide: boolean
  /** An upper bound of |value| (0 for non-numbers): query-gen.ts keeps arithmetic below the result type's limit with it. */
  readonly mag: number
}

export interface Table {
  readonly name: string
  readonly columns: readonly Column[]
  readonly primaryKey: readonly string[]
  readonly indexes: readonly (readonly string[])[]
  /** Rows as SQL literals, one per column. */
  readonly rows: readonly (readonly string[])[]
}

export interface Schema {
  readonly tables: readonly Table[]
  /** CREATE TABLE, CREATE INDEX and INSERT statements, in order. */
  readonly statements: readonly string[]
}

type Slot = 'id' | 'k' | 'x' | 'w' | 'n' | 'f' | 's' | 'v' | 'b' | 'd'

const SLOT_ORDER: readonly Slot[] = ['id', 'k', 'x', 'w', 'n', 'f', 's', 'v', 'b', 'd']

/** Strings chosen for what they test: empty, blanks, case, LIKE's metacharacters, quotes, non-ASCII (incl. outside the BMP: C collation sorts by UTF-8 bytes). */
const STRINGS: readonly string[] = [
  '', ' ', 'a', 'A', 'a ', ' a', 'ab', 'abc', 'abd', 'b', 'B', 'ba', 'hello', 'Hello World', 'x%y', 'under_score',
  "it's", 'NULL', '0', '12', '-3', 'zz', 'é', 'Ünïcödé', 'ﬀ', '😀', 'a\\b', 'aaa', 'abcdefghij',
]

const DATES: readonly string[] = ['2024-01-01', '2024-02-29', '2023-12-31', '2000-01-01', '1999-12-31', '2024-03-01']
const FAR_DATES: readonly string[] = ['0001-01-01', '9999-12-31', '1970-01-01', '2100-02-28']

const WIDE: Readonly<Record<'int2' | 'int4' | 'int8', readonly string[]>> = {
  int2: ['32767', '-32768', '32766', '-1', '0', '1', '255', '-256'],
  int4: ['2147483647', '-2147483648', '2147483646', '65536', '-1', '0', '1', '32768', '-32769', '100000'],
  int8: ['9223372036854775807', '-9223372036854775808', '2147483648', '-2147483649', '4294967296', '0', '1', '-1', '3000000000', '1000000'],
}

/** Just above each type's largest value: arithmetic on a wide column is never "safe". */
const WIDE_MAG: Readonly<Record<'int2' | 'int4' | 'int8', number>> = { int2: 32769, int4: 2147483649, int8: 9.3e18 }

const quote = (s: string): string => `'${s.replace(/'/g, "''")}'`

function pad2(n: number): string {
  return String(n).padStart(2, '0')
}

function dateAround(rng: Rng): string {
  if (rng.chance(0.15)) return rng.pick(FAR_DATES)
  if (rng.chance(0.3)) return rng.pick(DATES)
  const base = Date.UTC(2024, 0, 1) + rng.int(-400, 400) * 86_400_000
  const d = new Date(base)
  return `${d.getUTCFullYear()}-${pad2(d.getUTCMonth() + 1)}-${pad2(d.getUTCDate())}`
}

/** A decimal literal with at most `intDigits` integer digits and `scale` fraction digits. */
function decimal(rng: Rng, intDigits: number, scale: number): string {
  const ip = rng.chance(0.3) ? 0 : rng.int(0, 10 ** Math.min(intDigits, rng.pick([1, 2, 3, intDigits])) - 1)
  const frac = scale === 0 ? '' : '.' + String(rng.int(0, 10 ** scale - 1)).padStart(scale, '0')
  const neg = rng.chance(0.3) ? '-' : ''
  return `${neg}${ip}${frac}`
}

interface ColumnPlan {
  readonly column: Column
  readonly value: (rng: Rng) => string
}

function intType(rng: Rng): 'int2' | 'int4' | 'int8' {
  return rng.weighted([[5, 'int4'], [2, 'int8'], [2, 'int2']] as const)
}

function planColumn(rng: Rng, slot: Slot, inKey: boolean): ColumnPlan {
  const notNull = inKey || rng.chance(0.2)
  const col = (type: ColType, sqlType: string, mag: number, wide = false): Column => ({ name: slot, type, sqlType, notNull, wide, mag })
  const small = (lo: number, hi: number) => (r: Rng) => String(r.int(lo, hi))
  switch (slot) {
    case 'id': {
      const t = intType(rng)
      return { column: col(t, t === 'int2' ? 'smallint' : t === 'int8' ? 'bigint' : 'integer', 30), value: small(-3, 30) }
    }
    case 'k': {
      if (rng.chance(0.2)) {
        const p = rng.int(3, 8)
        return { column: col('numeric', `numeric(${p},1)`, 7), value: (r) => (r.chance(0.8) ? String(r.int(0, 6)) : `${r.int(0, 6)}.${r.int(0, 9)}`) }
      }
      const t = intType(rng)
      return { column: col(t, t, 6), value: small(0, 6) }
    }
    case 'x': {
      const t = intType(rng)
      return { column: col(t, t, 1000), value: (r) => (r.chance(0.8) ? String(r.int(-20, 20)) : String(r.int(-1000, 1000))) }
    }
    case 'w': {
      const t = rng.pick(['int4', 'int8', 'int2'] as const)
      return { column: col(t, t, WIDE_MAG[t], true), value: (r) => (r.chance(0.6) ? r.pick(WIDE[t]) : String(r.int(-50, 50))) }
    }
    case 'n': {
      if (rng.chance(0.25)) {
        // Unconstrained numeric keeps each value's own scale: 1.5 and 1.50 are equal but print differently.
        return { column: col('numeric', 'numeric', 1e4), value: (r) => decimal(r, 4, r.int(0, 3)) }
      }
      const p = rng.int(4, 12)
      const s = rng.int(0, Math.min(4, p - 2))
      // A fraction digit more than the scale rounds on insert; the integer part always fits.
      return { column: col('numeric', `numeric(${p},${s})`, 10 ** (p - s)), value: (r) => decimal(r, p - s, r.chance(0.3) ? s + 1 : s) }
    }
    case 'f': {
      const wide = rng.chance(0.2)
      return {
        column: col('float8', 'double precision', wide ? 1e300 : 100, wide),
        value: (r) => (wide && r.chance(0.3) ? r.pick(["'NaN'", "'Infinity'", "'-Infinity'", '1e300', '-1e300', '0.1', "'-0'"]) : String(r.int(-400, 400) / 4)),
      }
    }
    case 's':
    case 'v': {
      if (rng.chance(0.4)) {
        const n = rng.int(2, 12)
        // Values are cut to fit (a longer one would fail the INSERT with 22001).
        return { column: col('varchar', `varchar(${n})`, 0), value: (r) => quote(Array.from(r.pick(STRINGS)).slice(0, n).join('')) }
      }
      return { column: col('text', 'text', 0), value: (r) => quote(r.pick(STRINGS)) }
    }
    case 'b':
      return { column: col('bool', 'boolean', 0), value: (r) => (r.chance(0.5) ? 'true' : 'false') }
    case 'd':
      return { column: col('date', 'date', 0), value: (r) => quote(dateAround(r)) }
  }
}

function generateTable(rng: Rng, name: string): Table {
  const slots = SLOT_ORDER.filter((s) => rng.chance(s === 'k' ? 0.85 : s === 'id' ? 0.6 : s === 'w' ? 0.25 : 0.45))
  while (slots.length < 3) {
    const extra = rng.pick(SLOT_ORDER.filter((s) => !slots.includes(s)))
    slots.splice(SLOT_ORDER.filter((s) => slots.includes(s) || s === extra).indexOf(extra), 0, extra)
  }
  // Not n: a value rounded on insert could collide with another in the key.
  const keyable = slots.filter((s) => s !== 'f' && s !== 'w' && s !== 'b' && s !== 'n')
  let primaryKey: Slot[] = []
  const keyKind = rng.weighted([[4, 'single'], [2, 'composite'], [3, 'none']] as const)
  if (keyKind === 'single' && keyable.includes('id')) primaryKey = ['id']
  else if (keyKind === 'single' && keyable.length > 0) primaryKey = [rng.pick(keyable)]
  else if (keyKind === 'composite' && keyable.length >= 2) primaryKey = rng.subset(keyable, 2, 2)

  const plans = slots.map((s) => planColumn(rng, s, primaryKey.includes(s)))
  const columns = plans.map((p) => p.column)

  const count = rng.weighted([[1, 0], [1, 1], [3, rng.int(2, 10)], [8, rng.int(10, 40)], [0.7, rng.int(60, 150)]] as const)
  const rows: string[][] = []
  const seen = new Set<string>()
  for (let attempt = 0; rows.length < count && attempt < count * 20; attempt++) {
    if (primaryKey.length === 0 && rows.length > 0 && rng.chance(0.1)) {
      rows.push([...rng.pick(rows)])
      continue
    }
    const row = plans.map((p) => (!p.column.notNull && rng.chance(0.15) ? 'NULL' : p.value(rng)))
    if (primaryKey.length > 0) {
      const key = primaryKey.map((k) => row[slots.indexOf(k)]).join('\0')
      // Keys must be unique as values, not as literals: numeric(p,1) stores 3 and 3.0 alike.
      const normalized = key.replace(/\.0\b/g, '')
      if (seen.has(normalized)) continue
      seen.add(normalized)
    }
    rows.push(row)
  }

  const indexes: string[][] = []
  const nIndexes = rng.weighted([[3, 0], [4, 1], [2, 2]] as const)
  for (let i = 0; i < nIndexes; i++) {
    const cols = rng.subset(slots, 1, 2)
    if (cols.length > 0) indexes.push(rng.shuffle(cols))
  }
  return { name, columns, primaryKey, indexes, rows }
}

function createStatements(t: Table): string[] {
  const defs = t.columns.map((c) => `${c.name} ${c.sqlType}${c.notNull && !t.primaryKey.includes(c.name) ? ' NOT NULL' : ''}`)
  if (t.primaryKey.length > 0) defs.push(`PRIMARY KEY (${t.primaryKey.join(', ')})`)
  const out = [`CREATE TABLE ${t.name} (${defs.join(', ')})`]
  t.indexes.forEach((cols, i) => out.push(`CREATE INDEX ${t.name}_i${i} ON ${t.name} (${cols.join(', ')})`))
  if (t.rows.length > 0) out.push(`INSERT INTO ${t.name} (${t.columns.map((c) => c.name).join(', ')}) VALUES ${t.rows.map((r) => `(${r.join(', ')})`).join(', ')}`)
  return out
}

export function generateSchema(rng: Rng): Schema {
  const n = rng.int(2, 4)
  const tables = Array.from({ length: n }, (_, i) => generateTable(rng, `t${i}`))
  return { tables, statements: tables.flatMap(createStatements) }
}
