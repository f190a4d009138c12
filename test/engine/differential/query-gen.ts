/**
 * Random queries over a generated schema: selects with joins of every kind (self-joins,
 * USING, three and four tables, derived tables, VALUES, CTEs), WHERE, GROUP BY with
 * aggregates and HAVING, DISTINCT, ORDER BY with LIMIT/OFFSET, set operations, and
 * subqueries of every form in expressions (expr-gen.ts builds those).
 *
 * A query whose result order is defined (ORDER BY every output column) is marked
 * `ordered` and compared row by row; every LIMIT comes with such an ORDER BY, since
 * which rows a LIMIT keeps is otherwise unspecified.
 *
 * Sizes are kept small: each FROM item carries an estimate of its rows, and joins that
 * would pass JOIN_ROWS_CAP become equi-joins or are not made, so that a query of four
 * tables with correlated subqueries still runs in milliseconds.
 */
import { ExprGen, MAX_SUBQUERY_DEPTH, commonType, gexpr, type Col, type Ctx, type GExpr } from './expr-gen.js'
import type { Rng } from '../../helpers/random.js'
import { classOf, type ColType, type Schema, type Table, type TypeClass } from './schema-gen.js'

export interface GenQuery {
  readonly sql: string
  /** The result's row order is defined by the query (compare in order). */
  readonly ordered: boolean
}

/** An output column of a select: what a derived table or CTE over it exposes. */
interface OutCol {
  readonly name: string
  readonly type: ColType
  readonly mag: number
  readonly exact: boolean
  /** A constant expression: PostgreSQL may pull it up into the outer query and fold it there (see ExprGen.konst). */
  readonly konst: boolean
}

interface Select {
  readonly sql: string
  readonly cols: readonly OutCol[]
  /** Estimated rows. */
  readonly rows: number
  /** Where an ORDER BY expression may be generated (not after DISTINCT: it must be an output column there). */
  readonly orderCtx?: Ctx
}

/** A FROM item: its SQL, its columns, the unqualified names it exposes (with counts) and its estimated rows. */
interface From {
  readonly sql: string
  readonly cols: readonly Col[]
  readonly names: ReadonlyMap<string, number>
  /** Columns merged by USING, referenced unqualified. */
  readonly merged: readonly Col[]
  readonly rows: number
  /** Tables' primary keys (column refs) with their columns: grouping by the key lets the columns through. */
  readonly keys: readonly { readonly key: readonly string[]; readonly cols: readonly Col[] }[]
}

/** A relation a FROM clause can name: a table or a CTE in scope. */
interface Source {
  readonly name: string
  readonly cols: readonly OutCol[]
  readonly rows: number
  readonly primaryKey: readonly string[]
  /** Secondary indexes' columns (tables only). */
  readonly indexes: readonly (readonly string[])[]
}

const JOIN_ROWS_CAP = 4000
/** Rows a subquery's FROM may produce summed over all its evaluations (one per outer row, as if correlated). */
const SUBQUERY_BUDGET = 40_000

interface SelectOptions {
  /** Columns of enclosing queries (level already incremented). */
  readonly outer: readonly Col[]
  readonly subDepth: number
  /** Output classes required (set operations, IN subqueries). */
  readonly shape?: readonly TypeClass[]
  /** The outermost select: risky expressions and `*` allowed. */
  readonly top: boolean
  /** Give every output column an alias c1, c2 … (derived tables, CTEs, set operation branches). */
  readonly aliased: boolean
  /** How often the select runs (once per outer row in a subquery), for SUBQUERY_BUDGET; default 1. */
  readonly evals?: number
}

export class QueryGen extends ExprGen {
  private aliasCount = 0
  private ctes: Source[] = []
  private readonly tables: readonly Source[]

  constructor(rng: Rng, schema: Schema) {
    super(rng)
    this.tables = schema.tables.map((t: Table) => ({
      name: t.name,
      cols: t.columns.map((c) => ({ name: c.name, type: c.type, mag: c.mag, exact: c.type !== 'numeric' && !c.wide, konst: false })),
      rows: t.rows.length,
      primaryKey: t.primaryKey,
      indexes: t.indexes,
    }))
  }

  /** One top-level query. */
  query(): GenQuery {
    this.aliasCount = 0
    this.ctes = []
    this.riskTaken = false
    const r = this.rng
    if (r.chance(0.1)) {
      const q = this.indexQuery()
      if (q !== undefined) return q
    }
    let prefix = ''
    if (r.chance(0.12)) {
      const defs: string[] = []
      const n = r.int(1, 2)
      for (let i = 0; i < n; i++) {
        const name = `cte${i}`
        const body = r.chance(0.2) ? this.setOp({ outer: [], subDepth: 1, top: false, aliased: true }) : this.select({ outer: [], subDepth: 1, top: false, aliased: true })
        defs.push(`${name} AS (${body.sql})`)
        this.ctes.push({ name, cols: body.cols, rows: body.rows, primaryKey: [], indexes: [] })
      }
      prefix = `WITH ${defs.join(', ')} `
    }
    const setop = r.chance(0.15)
    const body = setop ? this.setOp({ outer: [], subDepth: 0, top: true, aliased: false }) : this.select({ outer: [], subDepth: 0, top: true, aliased: false })
    if (body.orderCtx !== undefined && r.chance(0.08)) {
      // By an expression, maybe not selected: a partial order, compared as a multiset.
      const e = this.expr(body.orderCtx, this.anyClass(), 1)
      return { sql: `${prefix}${body.sql} ORDER BY ${e.sql}${r.pick(['', ' DESC', ' NULLS FIRST'])}, 1`, ordered: false }
    }
    const { clause, ordered } = this.orderBy(body.cols.length, setop ? 0.3 : 0.25)
    return { sql: `${prefix}${body.sql}${clause}`, ordered }
  }

  /**
   * A query shaped for an index (or the primary key, which the table is clustered on):
   * equalities or IN on a prefix of its columns, a range on the next, ORDER BY its
   * columns, so that index scans, backward scans and sort elimination get their turn.
   * The rest of the columns follow in the ORDER BY to make the order total.
   */
  private indexQuery(): GenQuery | undefined {
    const r = this.rng
    const keyed = this.tables.filter((t) => t.primaryKey.length > 0 || t.indexes.length > 0)
    if (keyed.length === 0) return undefined
    const t = r.pick(keyed)
    const key = r.pick([...(t.primaryKey.length > 0 ? [t.primaryKey] : []), ...t.indexes])
    const alias = this.alias('a')
    const col = (name: string) => t.cols.find((c) => c.name === name)!
    const lit = (name: string) => this.literal(classOf(col(name).type)).sql
    const conds: string[] = []
    const pinned = r.int(0, key.length)
    for (let i = 0; i < pinned; i++) {
      const c = `${alias}.${key[i]}`
      conds.push(r.weighted<string>([[6, `${c} = ${lit(key[i]!)}`], [2, `${c} IN (${lit(key[i]!)}, ${lit(key[i]!)})`], [1, `${c} IS NULL`]]))
    }
    if (pinned < key.length && r.chance(0.7)) {
      const c = `${alias}.${key[pinned]}`
      const v = lit(key[pinned]!)
      conds.push(r.weighted<string>([[5, `${c} ${r.pick(['<', '<=', '>', '>='])} ${v}`], [2, `${c} BETWEEN ${v} AND ${lit(key[pinned]!)}`], [1, `${c} IS NOT NULL`], [1, `${v} < ${c}`]]))
    }
    if (r.chance(0.2)) conds.push(this.bool({ cols: t.cols.map((c) => ({ ref: `${alias}.${c.name}`, type: c.type, mag: c.mag, exact: c.exact, level: 0, konst: false })), agg: undefined, risky: false, subDepth: 1, rows: t.rows }, 1).sql)
    const rest = t.cols.map((c) => c.name).filter((n) => !key.includes(n))
    const shown = [...key, ...r.subset(rest, 0, rest.length)]
    const dir = r.pick(['', ' DESC', ' ASC'])
    const keys = shown.map((n, i) => `${i + 1}${i < key.length ? dir : r.pick(['', ' DESC'])}${r.chance(0.1) ? r.pick([' NULLS FIRST', ' NULLS LAST']) : ''}`)
    const limit = r.chance(0.5) ? ` LIMIT ${r.int(1, 8)}${r.chance(0.3) ? ` OFFSET ${r.int(1, 5)}` : ''}` : ''
    const where = conds.length > 0 ? ` WHERE ${conds.join(' AND ')}` : ''
    return { sql: `SELECT ${shown.map((n) => `${alias}.${n}`).join(', ')} FROM ${t.name} ${alias}${where} ORDER BY ${keys.join(', ')}${limit}`, ordered: true }
  }

  /** ORDER BY (and maybe LIMIT/OFFSET) for a query of `n` columns: total (every column) or partial; LIMIT only when total. */
  private orderBy(n: number, p: number): { clause: string; ordered: boolean } {
    const r = this.rng
    if (!r.chance(p)) {
      if (r.chance(0.1)) return { clause: ` ORDER BY ${r.int(1, n)}${r.chance(0.5) ? ' DESC' : ''}`, ordered: false }
      return { clause: '', ordered: false }
    }
    const keys = r.shuffle(Array.from({ length: n }, (_, i) => i + 1)).map((i) => `${i}${r.pick(['', ' ASC', ' DESC'])}${r.pick(['', '', ' NULLS FIRST', ' NULLS LAST'])}`)
    let clause = ` ORDER BY ${keys.join(', ')}`
    if (r.chance(0.7)) {
      clause += r.weighted([[17, ` LIMIT ${r.int(0, 12)}`], [3, ` FETCH FIRST ${r.int(1, 5)} ROWS ONLY`], [0.5, ' LIMIT ALL'], [0.5, ' LIMIT NULL'], [0.3, ' LIMIT -1']] as const)
    }
    if (r.chance(0.3)) clause += ` OFFSET ${r.chance(0.03) ? '-1' : r.int(0, 8)}`
    return { clause, ordered: true }
  }

  // ── set operations ──────────────────────────────────────────────────────────

  private setOp(o: SelectOptions): Select {
    const r = this.rng
    const branch = (shape: readonly TypeClass[] | undefined): Select => {
      const s = this.select({ ...o, shape, top: false, aliased: true })
      if (!r.chance(0.15)) return s
      // A parenthesised branch with its own ORDER BY … LIMIT.
      const keys = s.cols.map((_, i) => `${i + 1}${r.pick(['', ' DESC'])}`).join(', ')
      return { sql: `(${s.sql} ORDER BY ${keys} LIMIT ${r.int(0, 6)})`, cols: s.cols, rows: 6 }
    }
    let left = branch(o.shape)
    const shape = left.cols.map((c) => classOf(c.type))
    const n = r.chance(0.2) ? 2 : 1
    for (let i = 0; i < n; i++) {
      const right = branch(shape)
      const op = r.weighted([[4, 'UNION'], [2.5, 'UNION ALL'], [1.5, 'INTERSECT'], [0.7, 'INTERSECT ALL'], [1.5, 'EXCEPT'], [0.7, 'EXCEPT ALL']] as const)
      const cols = left.cols.map((c, j) => {
        const rc = right.cols[j]!
        return { name: c.name, type: commonType(c.type, rc.type), mag: Math.max(c.mag, rc.mag), exact: c.exact && rc.exact, konst: c.konst && rc.konst }
      })
      const l = i > 0 && r.chance(0.5) ? `(${left.sql})` : left.sql
      left = { sql: `${l} ${op} ${right.sql}`, cols, rows: left.rows + right.rows }
    }
    return left
  }

  // ── SELECT ──────────────────────────────────────────────────────────────────

  private select(o: SelectOptions): Select {
    const r = this.rng
    const evals = o.evals ?? 1
    const cap = Math.max(1, Math.min(JOIN_ROWS_CAP, Math.floor(SUBQUERY_BUDGET / evals)))
    const from = r.chance(o.top ? 0.02 : 0.04) ? undefined : this.fromClause(o.outer, o.subDepth, o.top ? 4 : 2, cap, evals)
    const own = from === undefined ? [] : [...from.cols, ...from.merged.filter((c) => from.names.get(c.ref) === 1)]
    const rows = (from?.rows ?? 1) * evals
    const base: Ctx = { cols: [...own, ...o.outer], agg: undefined, risky: false, subDepth: o.subDepth, rows }
    const where = from !== undefined && r.chance(0.6) ? ` WHERE ${this.bool(base, r.int(1, 3)).sql}` : ''

    let ctx: Ctx = { ...base, risky: o.top }
    let group = ''
    const grouped = from !== undefined && r.chance(0.3)
    if (grouped) {
      const keys: Col[] = []
      const keySql: string[] = []
      const nKeys = r.weighted([[1.5, 0], [4, 1], [2.5, 2], [1, 3]] as const)
      if (from.keys.length > 0 && r.chance(0.2)) {
        // A table's primary key: its other columns may then be selected ungrouped (functional dependency).
        for (const k of r.pick(from.keys).key) {
          keys.push(own.find((c) => c.ref === k)!)
          keySql.push(k)
        }
      }
      for (let i = 0; i < nKeys; i++) {
        if (r.chance(0.85) && own.length > 0) {
          const c = r.pick(own)
          if (keys.some((k) => k.ref === c.ref)) continue
          keys.push(c)
          keySql.push(c.ref)
        } else {
          // No subqueries in a grouping expression: the select list must repeat it, and a subquery there is a different tree.
          const e = this.expr({ ...base, subDepth: MAX_SUBQUERY_DEPTH }, this.anyClass(), 1)
          // A constant key is mostly pointless (and 2.5 is an error, 2 a position): now and then only.
          if (!own.some((c) => e.sql.includes(c.ref)) && !r.chance(0.1)) continue
          keys.push({ ref: e.sql, type: e.type, mag: e.mag, exact: e.exact, level: 0, konst: this.konst(base, e.sql) })
          keySql.push(e.sql)
        }
      }
      for (const k of from.keys) {
        if (k.key.every((ref) => keySql.includes(ref))) keys.push(...k.cols.filter((c) => !keys.includes(c)))
      }
      // Aggregate arguments of own columns only: one of outer columns alone would belong to the outer query.
      ctx = { cols: [...keys, ...o.outer], agg: { ...base, cols: own }, risky: o.top, subDepth: o.subDepth, rows: Math.min(rows, 50) }
      group = keySql.length > 0 ? ` GROUP BY ${keySql.join(', ')}` : ''
      if (r.chance(0.35)) group += ` HAVING ${this.bool({ ...ctx, risky: false }, r.int(0, 2)).sql}`
    }

    const items: GExpr[] = []
    const names: string[] = []
    let star = false
    if (o.top && !grouped && o.shape === undefined && from !== undefined && from.merged.length === 0 && r.chance(0.06)) {
      star = true
    } else {
      const shape = o.shape ?? Array.from({ length: r.weighted([[2, 1], [3, 2], [3, 3], [1.5, 4], [0.7, 5]] as const) }, () => this.anyClass())
      for (const cls of shape) {
        // Grouped: aggregates are likely; ungrouped: an aggregate makes the whole select an aggregate (allowed only without other columns).
        items.push(this.expr(ctx, cls, r.int(0, 2)))
      }
    }
    let list: string
    let cols: OutCol[]
    if (star) {
      list = '*'
      cols = from!.cols.map((c, i) => ({ name: `c${i + 1}`, type: c.type, mag: c.mag, exact: c.exact, konst: c.konst }))
    } else {
      items.forEach((_, i) => names.push(`c${i + 1}`))
      list = items.map((e, i) => (o.aliased || r.chance(0.3) ? `${e.sql} AS ${names[i]}` : e.sql)).join(', ')
      cols = items.map((e, i) => ({ name: names[i]!, type: e.type, mag: e.mag, exact: e.exact, konst: this.konst(ctx, e.sql) }))
    }
    const distinct = r.chance(0.12) ? 'DISTINCT ' : ''
    return {
      sql: `SELECT ${distinct}${list}${from === undefined ? '' : ` FROM ${from.sql}`}${where}${group}`,
      cols,
      rows: grouped ? ctx.rows : rows,
      orderCtx: distinct === '' ? { ...ctx, risky: false } : undefined,
    }
  }

  // ── FROM ────────────────────────────────────────────────────────────────────

  private alias(prefix: string): string {
    return `${prefix}${++this.aliasCount}`
  }

  /** FROM items joined while the estimated rows stay within `cap`. */
  private fromClause(outer: readonly Col[], subDepth: number, maxItems: number, cap: number, evals: number): From {
    const r = this.rng
    let from = this.fromItem(outer, subDepth, evals)
    const n = r.weighted([[4, 1], [4, 2], [2, 3], [1, 4]] as const)
    for (let i = 1; i < Math.min(n, maxItems); i++) {
      const right = this.fromItem(outer, subDepth, evals)
      const joined = this.join(from, right, outer, subDepth, cap)
      if (joined === undefined) break
      from = joined
    }
    return from
  }

  private fromItem(outer: readonly Col[], subDepth: number, evals: number): From {
    const r = this.rng
    const kind = r.weighted([[10, 'table'], [subDepth < 2 ? 1.2 : 0, 'derived'], [0.5, 'values'], [this.ctes.length > 0 ? 3 : 0, 'cte']] as const)
    if (kind === 'derived') {
      const o: SelectOptions = { outer: [], subDepth: subDepth + 1, top: false, aliased: true, evals }
      const s = r.chance(0.2) ? this.setOp(o) : this.select(o)
      return this.relation(`(${s.sql})`, this.alias('sq'), s.cols, Math.ceil(s.rows / evals), [])
    }
    if (kind === 'values') return this.valuesItem()
    const src = kind === 'cte' ? r.pick(this.ctes) : r.pick(this.tables)
    return this.relation(src.name, this.alias('a'), src.cols, src.rows, src.primaryKey)
  }

  private relation(sql: string, alias: string, cols: readonly OutCol[], rows: number, primaryKey: readonly string[]): From {
    const refs: Col[] = cols.map((c) => ({ ref: `${alias}.${c.name}`, type: c.type, mag: c.mag, exact: c.exact, level: 0, konst: c.konst }))
    return {
      sql: `${sql} ${this.rng.chance(0.5) ? 'AS ' : ''}${alias}`,
      cols: refs,
      names: new Map(cols.map((c) => [c.name, 1])),
      merged: [],
      rows,
      keys: primaryKey.length === 0 ? [] : [{ key: primaryKey.map((k) => `${alias}.${k}`), cols: refs }],
    }
  }

  private valuesItem(): From {
    const r = this.rng
    const shape = Array.from({ length: r.int(1, 3) }, () => this.anyClass())
    const rows = Array.from({ length: r.int(1, 4) }, () => shape.map((cls) => (r.chance(0.15) ? gexpr('NULL', 'text') : this.literal(cls))))
    const alias = this.alias('v')
    const cols = shape.map((_, j) => {
      const typed = rows.map((row) => row[j]!).filter((e) => e.sql !== 'NULL')
      const type = typed.length === 0 ? 'text' : typed.map((e) => e.type).reduce(commonType)
      // One row of VALUES is pulled up into the query as constants (is_simple_values).
      return { name: `c${j + 1}`, type, mag: Math.max(0, ...typed.map((e) => e.mag)), exact: typed.every((e) => e.exact), konst: rows.length === 1 }
    })
    const sql = `(VALUES ${rows.map((row) => `(${row.map((e) => e.sql).join(', ')})`).join(', ')}) AS ${alias}(${cols.map((c) => c.name).join(', ')})`
    return {
      sql,
      cols: cols.map((c) => ({ ref: `${alias}.${c.name}`, type: c.type, mag: c.mag, exact: c.exact, level: 0, konst: c.konst })),
      names: new Map(cols.map((c) => [c.name, 1])),
      merged: [],
      rows: rows.length,
      keys: [],
    }
  }

  private join(left: From, right: From, outer: readonly Col[], subDepth: number, cap: number): From | undefined {
    const r = this.rng
    let kind = r.weighted([[6, 'JOIN'], [1, 'INNER JOIN'], [4, 'LEFT JOIN'], [1, 'LEFT OUTER JOIN'], [2, 'RIGHT JOIN'], [2, 'FULL JOIN'], [1.5, 'CROSS JOIN'], [1.5, ',']] as const)
    const pairs = left.cols.flatMap((l) => right.cols.filter((c) => classOf(c.type) === classOf(l.type)).map((c) => [l, c] as const))
    if (pairs.length === 0 && kind !== 'CROSS JOIN' && kind !== ',') kind = 'CROSS JOIN'
    const cross = left.rows * right.rows
    if ((kind === 'CROSS JOIN' || kind === ',') && cross > Math.min(1500, cap)) {
      if (pairs.length === 0) return undefined
      kind = 'JOIN'
    }
    const est = kind === 'CROSS JOIN' || kind === ',' ? cross : Math.max(left.rows, right.rows, Math.ceil(cross / 5))
    if (est > cap) return undefined
    const names = new Map(left.names)
    for (const [k, v] of right.names) names.set(k, (names.get(k) ?? 0) + v)
    const merge = (sql: string, merged: readonly Col[] = []): From => ({
      sql,
      cols: [...left.cols, ...right.cols],
      names,
      merged: [...left.merged, ...right.merged, ...merged],
      rows: est,
      keys: [...left.keys, ...right.keys],
    })
    if (kind === 'CROSS JOIN' || kind === ',') return merge(`${left.sql}${kind === ',' ? ',' : ' CROSS JOIN'} ${right.sql}`)

    // USING: names exposed exactly once on each side, of one class.
    const usable = [...left.names].filter(([name, count]) => count === 1 && right.names.get(name) === 1)
      .map(([name]) => [left.merged.find((c) => c.ref === name) ?? left.cols.find((c) => c.ref.endsWith(`.${name}`)), right.cols.find((c) => c.ref.endsWith(`.${name}`))] as const)
      .filter((p): p is readonly [Col, Col] => p[0] !== undefined && p[1] !== undefined && classOf(p[0].type) === classOf(p[1].type))
    if (usable.length > 0 && r.chance(0.25)) {
      const chosen = r.subset(usable, 1, 2)
      for (const [l] of chosen) names.set(l.ref.slice(l.ref.indexOf('.') + 1), 1)
      const merged = chosen.map(([l, c]) => ({ ref: l.ref.slice(l.ref.indexOf('.') + 1), type: commonType(l.type, c.type), mag: Math.max(l.mag, c.mag), exact: l.exact && c.exact, level: 0, konst: l.konst && c.konst }))
      return merge(`${left.sql} ${kind} ${right.sql} USING (${merged.map((m) => m.ref).join(', ')})`, merged)
    }

    // ON: an equality between the sides (preferring the join key k), maybe more.
    const keyPairs = pairs.filter(([l, c]) => l.ref.endsWith('.k') && c.ref.endsWith('.k'))
    const conds: string[] = []
    const nEq = r.chance(0.15) ? 2 : 1
    for (let i = 0; i < nEq; i++) {
      const [l, c] = keyPairs.length > 0 && r.chance(0.6) ? r.pick(keyPairs) : r.pick(pairs)
      conds.push(r.chance(0.5) ? `${l.ref} = ${c.ref}` : `${c.ref} = ${l.ref}`)
    }
    // FULL JOIN needs merge- or hash-joinable conditions in PostgreSQL: equalities only.
    if (kind !== 'FULL JOIN' && r.chance(0.35)) {
      const ctx: Ctx = { cols: [...left.cols, ...right.cols, ...outer], agg: undefined, risky: false, subDepth: Math.max(subDepth, 1), rows: est }
      conds.push(this.bool(ctx, 1).sql)
    }
    if (kind !== 'FULL JOIN' && r.chance(0.05)) conds.splice(0, conds.length, r.pick(['true', 'false']))
    return merge(`${left.sql} ${kind} ${right.sql} ON ${conds.join(' AND ')}`)
  }

  // ── subqueries in expressions ──────────────────────────────────────────────

  /** Outer columns as a subquery sees them: one level further out; USING columns and grouped expressions stay behind (unqualified, they could be captured). */
  private outerOf(ctx: Ctx): Col[] {
    return ctx.cols.filter((c) => /^[a-z]+\d+\.[a-z0-9]+$/.test(c.ref)).map((c) => ({ ...c, level: c.level + 1 }))
  }

  private subFrom(ctx: Ctx): { from: From; inner: Ctx } {
    const outer = this.outerOf(ctx)
    const from = this.fromClause(outer, ctx.subDepth + 1, 2, Math.max(1, Math.floor(SUBQUERY_BUDGET / ctx.rows)), ctx.rows)
    // Its expressions are evaluated for each of its rows, for each outer row.
    const inner: Ctx = { cols: [...from.cols, ...outer], agg: undefined, risky: false, subDepth: ctx.subDepth + 1, rows: ctx.rows * from.rows }
    return { from, inner }
  }

  private subWhere(inner: Ctx, correlatedBias: number): string {
    const r = this.rng
    const outer = inner.cols.filter((c) => c.level > 0)
    const own = inner.cols.filter((c) => c.level === 0)
    const parts: string[] = []
    if (outer.length > 0 && r.chance(correlatedBias)) {
      // A correlation: an own column against an outer one of the same class.
      const o = r.pick(outer)
      const same = own.filter((c) => classOf(c.type) === classOf(o.type))
      if (same.length > 0) parts.push(`${r.pick(same).ref} ${r.pick(['=', '=', '<', '<>', '>='])} ${o.ref}`)
    }
    if (r.chance(0.5)) parts.push(this.bool(inner, 1).sql)
    return parts.length === 0 ? '' : ` WHERE ${parts.join(r.chance(0.8) ? ' AND ' : ' OR ')}`
  }

  /** The context for aggregate arguments in a subquery: its own columns (see select()). */
  private ownOnly(inner: Ctx): Ctx {
    return { ...inner, cols: inner.cols.filter((c) => c.level === 0) }
  }

  protected scalarSubquery(ctx: Ctx, cls: TypeClass): GExpr {
    const r = this.rng
    if (r.chance(0.05)) {
      const e = this.expr({ ...ctx, subDepth: ctx.subDepth + 1, agg: undefined, risky: false }, cls, 1)
      return { ...e, sql: `(SELECT ${e.sql})` }
    }
    const { from, inner } = this.subFrom(ctx)
    const where = this.subWhere(inner, 0.6)
    if (r.chance(0.05) && this.mayFail(ctx, gexpr('(SELECT …)', 'text'))) {
      // Maybe more than one row: 21000 when evaluated for a row of the result (PostgreSQL and Isola evaluate the same ones).
      const e = this.expr(inner, cls, 0)
      return { ...e, sql: `(SELECT ${e.sql} FROM ${from.sql}${where})` }
    }
    if (r.chance(0.6)) {
      // An aggregate without GROUP BY: always exactly one row.
      const e = this.aggregate({ ...inner, agg: this.ownOnly(inner) }, cls)
      return { ...e, sql: `(SELECT ${e.sql} FROM ${from.sql}${where})` }
    }
    const e = this.expr(inner, cls, 1)
    return { ...e, sql: `(SELECT ${e.sql} FROM ${from.sql}${where} ORDER BY 1${r.pick(['', ' DESC', ' NULLS FIRST'])} LIMIT 1)` }
  }

  protected columnSubquery(ctx: Ctx, cls: TypeClass): { sql: string; type: ColType } {
    const r = this.rng
    if (r.chance(0.15)) {
      const s = this.setOp({ outer: this.outerOf(ctx), subDepth: ctx.subDepth + 1, shape: [cls], top: false, aliased: true, evals: ctx.rows })
      return { sql: `(${s.sql})`, type: s.cols[0]!.type }
    }
    const { from, inner } = this.subFrom(ctx)
    const where = this.subWhere(inner, 0.4)
    if (r.chance(0.2)) {
      const key = this.column(inner, this.anyClass())
      const e = this.aggregate({ ...inner, agg: this.ownOnly(inner) }, cls)
      if (key !== undefined && key.level === 0) return { sql: `(SELECT ${e.sql} FROM ${from.sql}${where} GROUP BY ${key.ref})`, type: e.type }
    }
    const e = this.expr(inner, cls, 1)
    return { sql: `(SELECT ${r.chance(0.1) ? 'DISTINCT ' : ''}${e.sql} FROM ${from.sql}${where})`, type: e.type }
  }

  /**
   * `(SELECT string_agg(c, ',') FROM (SELECT … ORDER BY 1) sq)`: string_agg's result
   * depends on its input order, which only a sorted input defines (PostgreSQL keeps a
   * derived table's order for an aggregate over it; equal strings are alike anyway).
   */
  protected stringAgg(ctx: Ctx): GExpr {
    const r = this.rng
    const { from, inner } = this.subFrom(ctx)
    const where = this.subWhere(inner, 0.6)
    const e = this.text(inner, 1)
    const limit = r.chance(0.3) ? ` LIMIT ${r.int(0, 5)}` : ''
    const alias = this.alias('sq')
    const sep = r.pick(["','", "''", "' | '", 'NULL'])
    return gexpr(`(SELECT string_agg(${r.chance(0.2) ? 'DISTINCT ' : ''}${alias}.c, ${sep}) FROM (SELECT ${e.sql} AS c FROM ${from.sql}${where} ORDER BY 1${r.pick(['', ' DESC'])}${limit}) ${alias})`, 'text')
  }

  protected existsSubquery(ctx: Ctx): string {
    const r = this.rng
    const { from, inner } = this.subFrom(ctx)
    const where = this.subWhere(inner, 0.8)
    const list = r.pick(['1', '*', 'NULL', this.expr(inner, this.anyClass(), 0).sql])
    return `(SELECT ${list} FROM ${from.sql}${where}${r.chance(0.1) ? ' LIMIT 1' : ''})`
  }
}
