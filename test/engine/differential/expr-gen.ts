/**
 * Random SQL expressions for the differential test, typed as they are built so that
 * most are valid: each generated expression carries its PostgreSQL result type, a
 * bound of its magnitude and whether a float value is exact.
 *
 * Runtime errors are the hard part of a differential test: two correct systems may
 * evaluate an expression on different rows (a qual pushed below a join in one and
 * above it in the other, a hash join that skips its outer side when the inner one is
 * empty, a subquery stopped after its first row). So an expression that could fail on
 * some row (overflow, division by zero, a bad cast) is generated only where `risky` is
 * set: the outermost select list, which both evaluate on exactly the rows returned.
 * Elsewhere `mag` keeps arithmetic below the result type's limit, divisors are
 * non-zero literals or NULLIF(…, 0), and casts are of values that fit. Even there only
 * one failing operation per query (two failing on different rows report whichever row
 * comes first), never of constants only and never beside a NULL constant: PostgreSQL's
 * planner folds constants (see konst), Isola does not. Errors decided at bind time (a
 * missing operator, an ungrouped column) are safe anywhere: they do not depend on rows.
 *
 * Floats: sums of floats depend on the order of addition unless every addition is
 * exact; the data are multiples of 1/4, and `exact` tracks whether an expression keeps
 * that property, so sum() and avg() take only exact float arguments.
 */
import type { Rng } from '../../helpers/random.js'
import { classOf, type ColType, type TypeClass } from './schema-gen.js'

/** A column an expression may use: `ref` is how to write it (`a3.k`, or `k` for a USING column). */
export interface Col {
  readonly ref: string
  readonly type: ColType
  readonly mag: number
  readonly exact: boolean
  /** 0: the current query's FROM; 1: the enclosing query's, and so on (correlation). */
  readonly level: number
  /** A derived table's constant column (see ExprGen.konst). */
  readonly konst: boolean
}

export interface GExpr {
  readonly sql: string
  readonly type: ColType
  readonly mag: number
  readonly exact: boolean
}

/** Where an expression is generated. */
export interface Ctx {
  /** Columns usable as leaves (in a grouped query: the grouping keys, plus outer columns). */
  readonly cols: readonly Col[]
  /** In a grouped query: where aggregate arguments are generated; undefined: no aggregates here. */
  readonly agg: Ctx | undefined
  /** Expressions that may fail on some rows are allowed (the outermost select list). */
  readonly risky: boolean
  /** Nesting of subqueries so far (they stop at MAX_SUBQUERY_DEPTH). */
  readonly subDepth: number
  /** How often the expression is evaluated in all, roughly (rows × outer rows): subqueries only where this is small. */
  readonly rows: number
}

export const MAX_SUBQUERY_DEPTH = 2

const RANK: Readonly<Record<ColType, number>> = { int2: 1, int4: 2, int8: 3, numeric: 4, float8: 5, text: 0, varchar: 0, bool: 0, date: 0 }
const NUM_BY_RANK: readonly ColType[] = ['int4', 'int2', 'int4', 'int8', 'numeric', 'float8']

/** The largest magnitude a result type holds without an overflow error (numeric: far beyond anything generated). */
const LIMIT: Readonly<Record<ColType, number>> = {
  int2: 32767, int4: 2147483647, int8: 9.2e18, numeric: 1e100, float8: 1e300, text: Infinity, varchar: Infinity, bool: Infinity, date: Infinity,
}

/** The type of `a op b` for numbers: the higher of int2 < int4 < int8 < numeric < float8, as PostgreSQL's operators resolve. */
export const numResult = (a: ColType, b: ColType): ColType => NUM_BY_RANK[Math.max(RANK[a], RANK[b])]!

/** select_common_type for the types generated here. */
export function commonType(a: ColType, b: ColType): ColType {
  if (a === b) return a
  if (classOf(a) === 'num' && classOf(b) === 'num') return numResult(a, b)
  if (classOf(a) === 'text' && classOf(b) === 'text') return 'text'
  return a
}

const paren = (s: string): string => `(${s})`
const ex = (sql: string, type: ColType, mag = 0, exact = true): GExpr => ({ sql, type, mag, exact })
const isInt = (t: ColType): boolean => t === 'int2' || t === 'int4' || t === 'int8'
/**
 * `exact`: the value is a small multiple of a small power of two (integers, the float
 * data, 1.5), so as a float8 it adds up exactly in any order; numeric columns (1.37)
 * and quotients are not.
 */
const exactOf = (...parts: readonly GExpr[]): boolean => parts.every((p) => p.exact)

const TEXT_LITERALS: readonly string[] = ['', 'a', 'A', 'ab', 'abc', 'b', ' ', 'hello', 'x%y', '12', 'zz', 'é', '😀', "it's"]
const LIKE_PATTERNS: readonly string[] = ['a%', '%a%', '%b', '_', '__', 'a_', '%', '', 'A%', '%\\%%', '%\\_%', 'ab%', '_b%', '%o%', 'h%o', '%é%']
const DATE_LITERALS: readonly string[] = ['2024-01-01', '2024-02-29', '2023-06-15', '2000-01-01', '2024-12-31', '1999-12-31']
const CMP_OPS: readonly string[] = ['=', '<>', '<', '<=', '>', '>=', '!=']

export abstract class ExprGen {
  /** A failing operation was generated in this query (see mayFail); query() resets it. */
  protected riskTaken = false

  constructor(protected readonly rng: Rng) {}

  /** `(SELECT …)` of one row (at most) and one column of the class. */
  protected abstract scalarSubquery(ctx: Ctx, cls: TypeClass): GExpr
  /** A subquery of one column of the class, for IN and ANY/ALL. */
  protected abstract columnSubquery(ctx: Ctx, cls: TypeClass): { sql: string; type: ColType }
  /** A subquery for EXISTS. */
  protected abstract existsSubquery(ctx: Ctx): string
  /** string_agg over a sorted derived table (its order is the aggregate's input order). */
  protected abstract stringAgg(ctx: Ctx): GExpr

  expr(ctx: Ctx, cls: TypeClass, depth: number): GExpr {
    switch (cls) {
      case 'num': return this.num(ctx, depth)
      case 'text': return this.text(ctx, depth)
      case 'bool': return this.bool(ctx, depth)
      case 'date': return this.date(ctx, depth)
    }
  }

  /** A class chosen with weights that favour numbers. */
  anyClass(): TypeClass {
    return this.rng.weighted([[6, 'num'], [3, 'text'], [1.5, 'bool'], [1.5, 'date']] as const)
  }

  /**
   * Whether `sql` is constant (no column, aggregate or subquery). PostgreSQL folds
   * constant subexpressions when planning, Isola does not: a constant that fails raises
   * even for no rows in PostgreSQL only, and a CASE whose conditions are constant loses
   * branches (and with them its typmod). So neither is generated. A column of a derived
   * table or CTE that is a constant counts as one: PostgreSQL pulls simple subqueries up.
   */
  protected konst(ctx: Ctx, sql: string): boolean {
    if (/\bSELECT\b|\b(count|sum|avg|min|max|bool_and|bool_or|every)\(/.test(sql)) return false
    for (const m of sql.matchAll(/\b[a-z]+\d+\.[a-z]\w*/g)) {
      if (!(ctx.cols.find((c) => c.ref === m[0])?.konst ?? false)) return false
    }
    return !ctx.cols.some((c) => !c.konst && !c.ref.includes('.') && new RegExp(`(^|[^\\w.'])${c.ref}(\\W|$)`).test(sql))
  }

  /**
   * An operation that fails for some values may be generated: in a risky context, of an
   * operand that is not constant, and only one per query: two that fail on different rows
   * would make the error reported depend on the order rows are produced in.
   */
  protected mayFail(ctx: Ctx, ...operands: readonly GExpr[]): boolean {
    if (!ctx.risky || this.riskTaken || !operands.some((o) => !this.konst(ctx, o.sql))) return false
    this.riskTaken = true
    return true
  }

  /**
   * An expression of the class that is not constant: `make()`'s, else a column (for a
   * condition, its IS NOT NULL), else an aggregate; undefined where everything is constant.
   */
  private variable(ctx: Ctx, cls: TypeClass, make: () => GExpr): GExpr | undefined {
    for (let i = 0; i < 3; i++) {
      const e = make()
      if (!this.konst(ctx, e.sql)) return e
    }
    const cols = ctx.cols.filter((c) => !c.konst && (cls === 'bool' || classOf(c.type) === cls))
    const c = cols.length > 0 ? this.rng.pick(cols) : undefined
    if (c !== undefined) return cls === 'bool' ? ex(`(${c.ref} IS NOT NULL)`, 'bool') : ex(c.ref, c.type, c.mag, c.exact)
    if (ctx.agg === undefined) return undefined
    const fallback: Record<TypeClass, GExpr> = {
      bool: ex('(count(*) > 1)', 'bool'),
      num: ex('count(*)', 'int8', 1e5),
      text: ex('count(*)::text', 'text'),
      date: ex("(DATE '2024-01-01' + count(*)::int)", 'date'),
    }
    return fallback[cls]
  }

  protected canSubquery(ctx: Ctx): boolean {
    return ctx.subDepth < MAX_SUBQUERY_DEPTH && ctx.rows <= 2000
  }

  protected column(ctx: Ctx, cls: TypeClass): Col | undefined {
    const cands = ctx.cols.filter((c) => classOf(c.type) === cls)
    if (cands.length === 0) return undefined
    // Prefer the query's own columns; outer ones make correlated subqueries.
    const own = cands.filter((c) => c.level === 0)
    return this.rng.pick(own.length > 0 && this.rng.chance(0.8) ? own : cands)
  }

  private leaf(ctx: Ctx, cls: TypeClass): GExpr {
    const c = this.rng.chance(0.75) ? this.column(ctx, cls) : undefined
    if (c !== undefined) return ex(c.ref, c.type, c.mag, c.exact)
    // No NULL constants where an operation may fail: PostgreSQL folds f(…, NULL) of a strict
    // f to NULL, and with it the failing operation beside it (strpos('a', NULL) + 1 / x).
    return this.lit(ctx, cls)
  }

  /** A literal, not NULL where an operation may fail: see leaf(). */
  private lit(ctx: Ctx, cls: TypeClass): GExpr {
    return ctx.risky ? this.nonNullLiteral(cls) : this.literal(cls)
  }

  literal(cls: TypeClass): GExpr {
    const r = this.rng
    switch (cls) {
      case 'num':
        return r.weighted<GExpr>([
          [6, ex(String(r.int(0, 10)), 'int4', 10)],
          [2, ex(`(${-r.int(1, 10)})`, 'int4', 10)],
          [1, ex(String(r.int(11, 1000)), 'int4', 1000)],
          [2, ex(r.pick(['1.5', '0.25', '2.75', '10.0', '(-1.5)', '(-0.5)']), 'numeric', 10)],
          [1, ex(r.pick(['0.1', '3.14159', '(-0.01)']), 'numeric', 10, false)],
          [1, ex(r.pick(['1.5::float8', '0.25::double precision', "'-2.5'::float8", '2::float8']), 'float8', 10)],
          [1, ex(r.pick(['2::smallint', '3::int2', '(-1)::int2']), 'int2', 3)],
          // Not 2147483648: negated, it is the int4 -2147483648 (the grammar folds the sign in).
          [1, ex(r.pick(['3000000000', '(-3000000000)', '5::bigint', '2147483649']), 'int8', 3000000000)],
          [0.3, ex(r.pick(['2147483647', '(-2147483648)', '(-2147483647)']), 'int4', 2147483648)],
          [0.5, r.pick([ex('NULL::int', 'int4', 0), ex('NULL::numeric', 'numeric', 0), ex('NULL::float8', 'float8', 0)])],
        ])
      case 'text':
        return r.chance(0.05) ? ex('NULL::text', 'text') : ex(`'${r.pick(TEXT_LITERALS).replace(/'/g, "''")}'`, 'text')
      case 'bool':
        return ex(r.pick(['true', 'false', 'NULL::boolean', 'TRUE', 'NULL']), 'bool')
      case 'date':
        return ex(r.chance(0.5) ? `DATE '${r.pick(DATE_LITERALS)}'` : `'${r.pick(DATE_LITERALS)}'::date`, 'date')
    }
  }

  // ── numbers ─────────────────────────────────────────────────────────────────

  num(ctx: Ctx, depth: number): GExpr {
    const r = this.rng
    if (depth <= 0) return this.leaf(ctx, 'num')
    const d = depth - 1
    return r.weighted<() => GExpr>([
      [6, () => this.leaf(ctx, 'num')],
      [5, () => this.arith(ctx, d)],
      [0.7, () => {
        const a = this.num(ctx, d)
        return a.mag <= LIMIT[a.type] || this.mayFail(ctx, a) ? ex(`(- ${a.sql})`, a.type, a.mag, a.exact) : a
      }],
      [2.5, () => this.numFunc(ctx, d)],
      [1.5, () => this.caseExpr(ctx, 'num', d)],
      [2, () => this.coalesceLike(ctx, 'num', d)],
      [1.2, () => this.numCast(ctx, d)],
      [ctx.agg !== undefined ? 7 : 0, () => this.aggregate(ctx, 'num')],
      [this.canSubquery(ctx) ? 0.6 : 0, () => this.scalarSubquery(ctx, 'num')],
    ])()
  }

  private arith(ctx: Ctx, d: number): GExpr {
    const r = this.rng
    const a = this.num(ctx, d)
    const op = r.weighted([[4, '+'], [3, '-'], [3, '*'], [1.5, '/'], [0.8, '%']] as const)
    let b = this.num(ctx, d)
    if ((op === '/' || op === '%') && !this.mayFail(ctx, a, b)) {
      // A non-zero literal, or NULLIF(expr, 0): no division by zero whatever the rows.
      const [lit, type] = r.pick([['2', 'int4'], ['3', 'int4'], ['7', 'int4'], ['(-4)', 'int4'], ['1.5', 'numeric'], ['0.5', 'numeric'], ['2::float8', 'float8']] as const)
      b = r.chance(0.5) ? ex(lit, type, 7) : ex(`NULLIF(${b.sql}, 0)`, b.type, b.mag, b.exact)
    }
    if (op === '%' && (a.type === 'float8' || b.type === 'float8')) {
      // float8 % float8 does not exist: a bind-time error, fine now and then.
      if (!r.chance(0.05)) return ex(paren(`${a.sql} + ${b.sql}`), numResult(a.type, b.type), a.mag + b.mag, exactOf(a, b))
    }
    const type = numResult(a.type, b.type)
    const mag = op === '+' || op === '-' ? a.mag + b.mag : op === '*' ? a.mag * b.mag : op === '/' ? (type === 'numeric' || type === 'float8' ? a.mag * 100 : a.mag) : Math.min(a.mag, b.mag)
    const exact = op === '/' ? isInt(type) : exactOf(a, b)
    if (mag > LIMIT[type] && !this.mayFail(ctx, a, b)) {
      // Out of the type's range for some rows: compute in numeric instead (no way out for floats).
      return type === 'float8' ? a : ex(paren(`${a.sql}::numeric ${op} ${b.sql}`), 'numeric', mag, false)
    }
    // Integer -x / -1 overflows at the minimum: covered by mag (|min| > LIMIT).
    return ex(paren(`${a.sql} ${op} ${b.sql}`), type, mag, exact)
  }

  private numFunc(ctx: Ctx, d: number): GExpr {
    const r = this.rng
    const a = (): GExpr => this.num(ctx, d)
    return r.weighted<() => GExpr>([
      [2, () => {
        const x = a()
        return x.mag <= LIMIT[x.type] || this.mayFail(ctx, x) ? ex(`abs(${x.sql})`, x.type, x.mag, x.exact) : x
      }],
      [1.5, () => {
        const x = a()
        // round(int) is round(float8): float8 is numeric's preferred type.
        if (r.chance(0.5)) return ex(`round(${x.sql})`, x.type === 'numeric' ? 'numeric' : 'float8', x.mag + 1, x.type !== 'numeric' && x.exact)
        return x.type === 'float8' && !r.chance(0.05) ? ex(`round(${x.sql})`, 'float8', x.mag + 1) : ex(`round(${x.sql}, ${r.int(-1, 3)})`, 'numeric', x.mag + 10, false)
      }],
      [1, () => {
        const x = a()
        const f = r.pick(['ceil', 'floor', 'trunc', 'sign', 'ceiling'])
        return ex(`${f}(${x.sql})`, x.type === 'numeric' ? 'numeric' : 'float8', x.mag + 1, x.type !== 'numeric' && x.exact)
      }],
      [1, () => {
        const x = a()
        if (!isInt(x.type) && x.type !== 'numeric') return x
        const m = r.pick(['3', '5', '(-4)', '2'])
        return ex(`mod(${x.sql}, ${m})`, x.type, Math.min(x.mag, 5))
      }],
      [1.5, () => ex(`${r.pick(['length', 'char_length', 'octet_length'])}(${this.text(ctx, d).sql})`, 'int4', 100)],
      [0.5, () => ex(`strpos(${this.text(ctx, d).sql}, ${this.lit(ctx, 'text').sql})`, 'int4', 100)],
      [0.8, () => {
        const x = this.date(ctx, d)
        const y = this.date(ctx, d)
        return ex(paren(`${x.sql} - ${y.sql}`), 'int4', 4e6)
      }],
      [0.6, () => ex(`date_part('${r.pick(['year', 'month', 'day', 'dow', 'doy', 'quarter'])}', ${this.date(ctx, d).sql})`, 'float8', 1e4)],
      [1.2, () => {
        // sqrt and small powers in float8: correctly rounded (sqrt) or exact in glibc and V8 alike.
        // Not ln, log, exp, cbrt or fractional powers: V8's fdlibm and glibc differ in their last bit
        // (ln(3) is 1.0986122886681096 here, …098 there). Nor their numeric versions: Isola lacks
        // them (sqrt(2::numeric) is a float8), so a numeric argument is cast to float8.
        const n = a()
        const x = n.type === 'numeric' ? { ...n, sql: `${n.sql}::float8`, type: 'float8' as const } : n
        // A power of an inexact float may round differently in V8's pow and glibc's: exact bases only.
        // (abs of the float8: abs(-32768::int2) would overflow.)
        if (r.chance(0.4) || !x.exact) return ex(`sqrt(abs(${x.sql}::float8))`, 'float8', Math.sqrt(x.mag) + 1, false)
        const e = r.pick(['2', '3'])
        if (x.mag ** 3 > 1e15 && !this.mayFail(ctx, x)) return x
        return ex(r.chance(0.5) ? paren(`${x.sql} ^ ${e}`) : `power(${x.sql}, ${e})`, 'float8', x.mag ** 3 + 1, false)
      }],
      [0.6, () => {
        const [x, y] = [a(), a()]
        if (!(isInt(x.type) || x.type === 'numeric') || !(isInt(y.type) || y.type === 'numeric')) return x
        const f = r.pick(['div', 'gcd', 'mod'])
        if (f === 'gcd' && (!isInt(x.type) || !isInt(y.type) || x.mag > LIMIT[x.type] || y.mag > LIMIT[y.type])) return x
        const type = f === 'div' ? 'numeric' : numResult(x.type, y.type)
        return ex(`${f}(${x.sql}, ${r.chance(0.5) ? r.pick(['3', '(-2)', '7']) : `NULLIF(${y.sql}, 0)`})`, type, Math.max(x.mag, y.mag))
      }],
      [0.5, () => ex(`ascii(${this.text(ctx, d).sql})`, 'int4', 200000)],
      [0.3, () => ex(`width_bucket(${a().sql}, 0, 100, ${r.int(1, 10)})`, 'int4', 20)],
    ])()
  }

  private numCast(ctx: Ctx, d: number): GExpr {
    const r = this.rng
    const text = this.column(ctx, 'text')
    if (text !== undefined && r.chance(0.08) && this.mayFail(ctx, ex(text.ref, text.type))) {
      // Text to a number: most strings are not numbers (22P02), and that is the point.
      const t = r.pick(['int', 'numeric', 'bigint', 'float8'] as const)
      return ex(`${text.ref}::${t}`, t === 'int' ? 'int4' : t === 'bigint' ? 'int8' : t, 1e20, false)
    }
    const x = this.num(ctx, d)
    const target = r.weighted([[2, 'int4'], [1, 'int8'], [1, 'int2'], [2, 'numeric'], [1, 'numeric(p,s)'], [1.5, 'float8']] as const)
    if (target === 'numeric(p,s)') {
      const p = r.int(3, 12)
      const s = r.int(0, Math.min(3, p))
      const fits = x.mag < 10 ** (p - s) - 1
      if (!fits && !this.mayFail(ctx, x)) return ex(`${x.sql}::numeric`, 'numeric', x.mag, false)
      return ex(`${x.sql}::numeric(${p},${s})`, 'numeric', x.mag, false)
    }
    if (target === 'numeric') return ex(`${r.chance(0.5) ? `${x.sql}::numeric` : `CAST(${x.sql} AS numeric)`}`, 'numeric', x.mag, false)
    if (target === 'float8') return ex(`${x.sql}::${r.pick(['float8', 'double precision'])}`, 'float8', x.mag, x.type !== 'numeric' && x.exact)
    // To an integer: rounds numerics and floats; fails beyond the range (and for NaN/Infinity, which only wide floats hold: mag 1e300).
    if (x.mag + 1 > LIMIT[target] && !this.mayFail(ctx, x)) return x
    const name = target === 'int4' ? r.pick(['int', 'integer', 'int4']) : target === 'int8' ? r.pick(['bigint', 'int8']) : r.pick(['smallint', 'int2'])
    return ex(`${x.sql}::${name}`, target, x.mag + 1)
  }

  // ── text ────────────────────────────────────────────────────────────────────

  text(ctx: Ctx, depth: number): GExpr {
    const r = this.rng
    if (depth <= 0) return this.leaf(ctx, 'text')
    const d = depth - 1
    const t = (): GExpr => this.text(ctx, d)
    return r.weighted<() => GExpr>([
      [6, () => this.leaf(ctx, 'text')],
      [3, () => ex(paren(`${t().sql} || ${t().sql}`), 'text')],
      [1, () => ex(paren(`${t().sql} || ${this.expr(ctx, r.pick(['num', 'date', 'bool'] as const), d).sql}`), 'text')],
      [2, () => ex(`${r.pick(['lower', 'upper', 'reverse', 'trim', 'ltrim', 'rtrim', 'initcap', 'btrim', 'md5'])}(${t().sql})`, 'text')],
      [2, () => {
        const s = t().sql
        return r.chance(0.5) ? ex(`substring(${s}, ${r.int(-1, 4)})`, 'text') : ex(`${r.pick(['substring', 'substr'])}(${s}, ${r.int(-1, 4)}, ${r.int(0, 4)})`, 'text')
      }],
      [1.5, () => ex(`${r.pick(['left', 'right'])}(${t().sql}, ${r.int(-2, 4)})`, 'text')],
      [1, () => ex(`replace(${t().sql}, '${r.pick(['a', 'b', ' ', 'l'])}', '${r.pick(['', 'X', 'yy'])}')`, 'text')],
      [1, () => ex(`${r.pick(['lpad', 'rpad'])}(${t().sql}, ${r.int(0, 6)}${r.chance(0.5) ? `, '${r.pick(['*', 'ab', '-'])}'` : ''})`, 'text')],
      [0.5, () => ex(`repeat(${t().sql}, ${r.int(0, 3)})`, 'text')],
      [1, () => ex(`concat(${[t(), this.expr(ctx, this.anyClass(), d)].map((e) => e.sql).join(', ')})`, 'text')],
      [0.5, () => ex(`concat_ws('${r.pick([',', '-', ''])}', ${t().sql}, ${t().sql})`, 'text')],
      [0.5, () => ex(`split_part(${t().sql}, '${r.pick([' ', 'b', 'l'])}', ${r.int(1, 2)})`, 'text')],
      [0.5, () => ex(`translate(${t().sql}, '${r.pick(['ab', 'l', 'aé'])}', '${r.pick(['X', 'yz', ''])}')`, 'text')],
      [0.4, () => ex(`chr(${65 + r.int(0, 25)} + length(${t().sql}) % 5)`, 'text')],
      [0.4, () => {
        const x = this.num(ctx, 0)
        return isInt(x.type) && x.mag <= LIMIT[x.type] ? ex(`to_hex(${x.sql})`, 'text') : ex(`quote_literal(${t().sql})`, 'text')
      }],
      [this.canSubquery(ctx) ? 0.4 : 0, () => this.stringAgg(ctx)],
      [1.5, () => this.caseExpr(ctx, 'text', d)],
      [1.5, () => this.coalesceLike(ctx, 'text', d)],
      [1.5, () => {
        const cls = r.pick(['num', 'date', 'bool'] as const)
        const x = this.expr(ctx, cls, d)
        return ex(r.chance(0.7) ? `${x.sql}::text` : `CAST(${x.sql} AS ${r.pick(['text', 'varchar', 'varchar(3)'])})`, 'text')
      }],
      [0.7, () => ex(`${t().sql}::varchar(${r.int(1, 4)})`, 'varchar')],
      [ctx.agg !== undefined ? 3 : 0, () => this.aggregate(ctx, 'text')],
      [this.canSubquery(ctx) ? 0.4 : 0, () => this.scalarSubquery(ctx, 'text')],
    ])()
  }

  // ── dates ───────────────────────────────────────────────────────────────────

  date(ctx: Ctx, depth: number): GExpr {
    const r = this.rng
    if (depth <= 0) return this.leaf(ctx, 'date')
    const d = depth - 1
    return r.weighted<() => GExpr>([
      [6, () => this.leaf(ctx, 'date')],
      [2, () => {
        const x = this.date(ctx, d)
        const n = r.chance(0.6) ? ex(String(r.int(0, 400)), 'int4', 400) : this.num({ ...ctx, agg: undefined }, 0)
        // date ± integer: only int4 (and int2) operands have an operator; others are a bind-time error.
        const int = n.type === 'int4' || n.type === 'int2'
        const k = int && n.mag <= 1e5 ? n.sql : !int && r.chance(0.1) ? n.sql : '1'
        return ex(paren(`${x.sql} ${r.pick(['+', '-'])} ${k}`), 'date')
      }],
      [1, () => this.caseExpr(ctx, 'date', d)],
      [1.5, () => this.coalesceLike(ctx, 'date', d)],
      [0.5, () => ex(`'${r.pick(DATE_LITERALS)}'::text::date`, 'date')],
      [ctx.agg !== undefined ? 3 : 0, () => this.aggregate(ctx, 'date')],
      [this.canSubquery(ctx) ? 0.3 : 0, () => this.scalarSubquery(ctx, 'date')],
    ])()
  }

  // ── booleans ────────────────────────────────────────────────────────────────

  bool(ctx: Ctx, depth: number): GExpr {
    const r = this.rng
    if (depth <= 0) return r.chance(0.7) ? this.comparison(ctx, 0) : this.leaf(ctx, 'bool')
    const d = depth - 1
    const sub = this.canSubquery(ctx) ? 1 : 0
    return r.weighted<() => GExpr>([
      [8, () => this.comparison(ctx, d)],
      [2, () => this.leaf(ctx, 'bool')],
      [3, () => ex(paren(`${this.bool(ctx, d).sql} AND ${this.bool(ctx, d).sql}`), 'bool')],
      [3, () => ex(paren(`${this.bool(ctx, d).sql} OR ${this.bool(ctx, d).sql}`), 'bool')],
      [1.5, () => ex(`(NOT ${this.bool(ctx, d).sql})`, 'bool')],
      [2, () => {
        const x = this.expr(ctx, this.anyClass(), d)
        return ex(paren(`${x.sql} IS ${r.chance(0.5) ? 'NOT ' : ''}NULL`), 'bool')
      }],
      [1, () => ex(paren(`${this.bool(ctx, d).sql} IS ${r.pick(['', 'NOT '])}${r.pick(['TRUE', 'FALSE', 'UNKNOWN'])}`), 'bool')],
      [1, () => {
        const cls = this.anyClass()
        return ex(paren(`${this.expr(ctx, cls, d).sql} IS ${r.chance(0.5) ? 'NOT ' : ''}DISTINCT FROM ${this.expr(ctx, cls, d).sql}`), 'bool')
      }],
      [2, () => {
        const cls = r.pick(['num', 'num', 'text', 'date'] as const)
        const [x, lo, hi] = [this.expr(ctx, cls, d), this.expr(ctx, cls, 0), this.expr(ctx, cls, 0)]
        return ex(paren(`${x.sql} ${r.chance(0.3) ? 'NOT ' : ''}BETWEEN ${r.chance(0.2) ? 'SYMMETRIC ' : ''}${lo.sql} AND ${hi.sql}`), 'bool')
      }],
      [2.5, () => {
        const cls = r.pick(['num', 'num', 'text', 'date'] as const)
        const x = this.expr(ctx, cls, d)
        const items = Array.from({ length: r.int(1, 4) }, () => (r.chance(0.15) ? ex('NULL', 'text') : r.chance(0.7) ? this.literal(cls) : this.expr(ctx, cls, 0)))
        return ex(paren(`${x.sql} ${r.chance(0.4) ? 'NOT ' : ''}IN (${items.map((i) => i.sql).join(', ')})`), 'bool')
      }],
      [2, () => {
        const x = this.text(ctx, d)
        const op = r.weighted([[5, 'LIKE'], [2, 'NOT LIKE'], [2, 'ILIKE'], [1, 'NOT ILIKE']] as const)
        // A pattern from the data may end with the escape character (22025): only where failing is allowed.
        const variablePattern = r.chance(0.15) ? this.text(ctx, 0) : undefined
        const pat = variablePattern !== undefined && this.mayFail(ctx, variablePattern) ? variablePattern.sql : `'${r.pick(LIKE_PATTERNS)}'`
        const escape = r.chance(0.1) ? ` ESCAPE '${r.pick(['!', '\\', 'a'])}'` : ''
        return ex(paren(`${x.sql} ${op} ${escape === '' ? pat : `'${r.pick(['a!%', '!_%', '%!!%', 'b%'])}'`}${escape}`), 'bool')
      }],
      [0.4, () => ex(`starts_with(${this.text(ctx, d).sql}, ${this.lit(ctx, 'text').sql})`, 'bool')],
      [ctx.agg !== undefined ? 2 : 0, () => this.aggregate(ctx, 'bool')],
      [sub * 2, () => ex(`(${r.chance(0.35) ? 'NOT ' : ''}EXISTS ${this.existsSubquery(ctx)})`, 'bool')],
      [sub * 2, () => {
        const cls = r.pick(['num', 'num', 'text', 'date'] as const)
        const x = this.expr(ctx, cls, Math.min(d, 1))
        const q = this.columnSubquery(ctx, cls)
        return ex(paren(`${x.sql} ${r.chance(0.4) ? 'NOT ' : ''}IN ${q.sql}`), 'bool')
      }],
      [sub * 1.5, () => {
        const cls = r.pick(['num', 'num', 'text', 'date'] as const)
        const x = this.expr(ctx, cls, Math.min(d, 1))
        const q = this.columnSubquery(ctx, cls)
        return ex(paren(`${x.sql} ${r.pick(CMP_OPS)} ${r.pick(['ANY', 'ALL', 'SOME'])} ${q.sql}`), 'bool')
      }],
    ])()
  }

  comparison(ctx: Ctx, d: number): GExpr {
    const r = this.rng
    const cls = r.weighted([[6, 'num'], [2.5, 'text'], [1, 'bool'], [1.5, 'date'], [0.05, 'mixed']] as const)
    if (cls === 'mixed') {
      // text = number: no operator for a text column, and a literal is cast while binding ('abc' is 22P02, '12' fine).
      return ex(paren(`${this.text(ctx, 0).sql} = ${this.num(ctx, 0).sql}`), 'bool')
    }
    const a = this.expr(ctx, cls, d)
    const b = r.chance(0.4) ? this.lit(ctx, cls) : this.expr(ctx, cls, Math.max(0, d - 1))
    return ex(paren(`${a.sql} ${r.pick(CMP_OPS)} ${b.sql}`), 'bool')
  }

  // ── shared forms ────────────────────────────────────────────────────────────

  private caseExpr(ctx: Ctx, cls: TypeClass, d: number): GExpr {
    const r = this.rng
    const n = r.int(1, 3)
    const branches = Array.from({ length: n }, () => this.expr(ctx, cls, d))
    const otherwise = r.chance(0.7) ? this.expr(ctx, cls, d) : undefined
    const all = otherwise === undefined ? branches : [...branches, otherwise]
    const type = all.map((b) => b.type).reduce(commonType)
    const mag = Math.max(...all.map((b) => b.mag))
    const exact = all.every((b) => b.exact)
    const tail = `${otherwise === undefined ? '' : ` ELSE ${otherwise.sql}`} END`
    const kc = r.pick(['num', 'text'] as const)
    const subject = r.chance(0.3) ? this.variable(ctx, kc, () => this.expr(ctx, kc, 0)) : undefined
    if (subject !== undefined) {
      // Simple CASE: CASE x WHEN v1 THEN … (x = v1 compared in turn).
      return ex(`CASE ${subject.sql} ${branches.map((b) => `WHEN ${this.nonNullLiteral(kc).sql} THEN ${b.sql}`).join(' ')}${tail}`, type, mag, exact)
    }
    const conds = branches.map(() => this.steadyCondition(ctx))
    // With nothing but constants to test, a CASE would be folded: its first branch instead.
    if (conds.some((c) => c === undefined)) return branches[0]!
    return ex(`CASE ${branches.map((b, i) => `WHEN ${conds[i]!} THEN ${b.sql}`).join(' ')}${tail}`, type, mag, exact)
  }

  private nonNullLiteral(cls: TypeClass): GExpr {
    for (;;) {
      const l = this.literal(cls)
      if (!/NULL/.test(l.sql)) return l
    }
  }

  /**
   * A condition that PostgreSQL's planner cannot fold to a constant, for CASE: no
   * constants or NULL literals where folding would reach them (x = NULL is NULL,
   * y AND 1 > 2 is false), since a folded WHEN drops its branch and so may change the
   * CASE's typmod. A column compared with a literal or a column, IS NULL, LIKE, or
   * two of those under AND / OR; undefined where there is no column.
   */
  private steadyCondition(ctx: Ctx, depth = 1): string | undefined {
    const r = this.rng
    const cols = ctx.cols.filter((c) => !c.konst)
    if (cols.length === 0) return ctx.agg === undefined ? undefined : `(count(*) ${r.pick(['>', '<=', '='])} ${r.int(0, 3)})`
    if (depth > 0 && r.chance(0.2)) {
      const [a, b] = [this.steadyCondition(ctx, depth - 1), this.steadyCondition(ctx, depth - 1)]
      return `(${a} ${r.pick(['AND', 'OR'])} ${b})`
    }
    const c = r.pick(cols)
    const cls = classOf(c.type)
    const same = cols.filter((o) => classOf(o.type) === cls && o !== c)
    return r.weighted<() => string>([
      [5, () => (cls === 'bool' ? c.ref : `(${c.ref} ${r.pick(CMP_OPS)} ${this.nonNullLiteral(cls).sql})`)],
      [same.length > 0 ? 2 : 0, () => `(${c.ref} ${r.pick(CMP_OPS)} ${r.pick(same).ref})`],
      [2, () => `(${c.ref} IS ${r.pick(['', 'NOT '])}NULL)`],
      [cls === 'text' ? 1.5 : 0, () => `(${c.ref} ${r.pick(['LIKE', 'NOT LIKE', 'ILIKE'])} '${r.pick(LIKE_PATTERNS)}')`],
    ])()
  }

  private coalesceLike(ctx: Ctx, cls: TypeClass, d: number): GExpr {
    const r = this.rng
    const fn = r.weighted([[4, 'COALESCE'], [2, 'NULLIF'], [1.5, 'GREATEST'], [1.5, 'LEAST']] as const)
    const n = fn === 'NULLIF' ? 2 : r.int(2, 3)
    // COALESCE stops at a constant when PostgreSQL plans it (see konst): only the last argument may be one.
    const args = Array.from({ length: n }, (_, i) =>
      (fn === 'COALESCE' && i < n - 1 ? this.variable(ctx, cls, () => this.expr(ctx, cls, d)) : undefined) ??
      (i > 0 && r.chance(0.4) ? this.lit(ctx, cls) : this.expr(ctx, cls, d)))
    if (fn === 'COALESCE' && args.slice(0, -1).some((a) => this.konst(ctx, a.sql))) return args[args.length - 1]!
    // A NULL constant is dropped too, so not even last.
    if (fn === 'COALESCE' && this.konst(ctx, args[n - 1]!.sql) && /NULL/.test(args[n - 1]!.sql)) args[n - 1] = this.nonNullLiteral(cls)
    const first = args[0]!
    const type = fn === 'NULLIF' ? first.type : args.map((a) => a.type).reduce(commonType)
    return ex(`${fn}(${args.map((a) => a.sql).join(', ')})`, type, Math.max(...args.map((a) => a.mag)), args.every((a) => a.exact))
  }

  /** An aggregate call, sometimes with a FILTER; its arguments come from the ungrouped context (ctx.agg). */
  aggregate(ctx: Ctx, cls: TypeClass): GExpr {
    const call = this.aggregateCall(ctx, cls)
    return this.rng.chance(0.15) ? { ...call, sql: `${call.sql} FILTER (WHERE ${this.bool(ctx.agg!, 1).sql})` } : call
  }

  private aggregateCall(ctx: Ctx, cls: TypeClass): GExpr {
    const r = this.rng
    const inner = ctx.agg!
    const distinct = r.chance(0.2) ? 'DISTINCT ' : ''
    switch (cls) {
      case 'num': {
        const f = r.weighted([[3, 'count'], [3, 'sum'], [2, 'avg'], [2, 'min'], [2, 'max']] as const)
        if (f === 'count') return r.chance(0.4) ? ex('count(*)', 'int8', 1e5) : ex(`count(${distinct}${this.expr(inner, this.anyClass(), 1).sql})`, 'int8', 1e5)
        let x = this.num(inner, 1)
        if ((f === 'sum' || f === 'avg') && x.type === 'float8' && !x.exact) x = this.exactFloat(inner)
        // An ORDER BY changes nothing for these: PostgreSQL sorts, and a float sum of sorted inputs is still the sum.
        const order = distinct === '' && r.chance(0.1) ? ` ORDER BY ${x.sql}${r.pick(['', ' DESC'])}` : ''
        if (f === 'min' || f === 'max') return ex(`${f}(${distinct}${x.sql}${order})`, x.type, x.mag, x.exact)
        if (f === 'avg') return ex(`avg(${distinct}${x.sql}${order})`, x.type === 'float8' ? 'float8' : 'numeric', x.mag, false)
        const type = x.type === 'int2' || x.type === 'int4' ? 'int8' : x.type === 'int8' ? 'numeric' : x.type
        return ex(`sum(${distinct}${x.sql}${order})`, type, x.mag * 1e5, x.exact)
      }
      case 'text': {
        const x = this.text(inner, 1)
        if (r.chance(0.4)) {
          // string_agg's result depends on its input order: ordered by its own argument, ties are alike.
          const sep = r.pick(["','", "''", "' | '", 'NULL'])
          return ex(`string_agg(${distinct}${x.sql}, ${sep}${distinct === '' || r.chance(0.5) ? ` ORDER BY ${x.sql}${r.pick(['', ' DESC', ' NULLS FIRST', ' DESC NULLS LAST'])}` : ''})`, 'text')
        }
        return ex(`${r.pick(['min', 'max'])}(${distinct}${x.sql})`, x.type)
      }
      case 'date': {
        const x = this.date(inner, 1)
        return ex(`${r.pick(['min', 'max'])}(${distinct}${x.sql})`, 'date')
      }
      case 'bool':
        return ex(`${r.pick(['bool_and', 'bool_or', 'every'])}(${distinct}${this.bool(inner, 1).sql})`, 'bool')
    }
  }

  /** A float expression whose sum is exact: a float column (or literal) plus or times a small integer. */
  private exactFloat(ctx: Ctx): GExpr {
    const c = ctx.cols.filter((x) => x.type === 'float8' && x.exact)
    const base = c.length > 0 ? this.rng.pick(c).ref : '0.25::float8'
    return ex(this.rng.chance(0.5) ? base : `(${base} * ${this.rng.int(-3, 3)})`, 'float8', 1e300, true)
  }
}

/** Shorthand for subclasses. */
export { ex as gexpr }
