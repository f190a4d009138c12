/**
 * Grammar of queries: SELECT with its clauses, set operations, VALUES, WITH, and
 * FROM items (tables, subqueries, table functions, joins).
 *
 * Set operations follow gram.y: INTERSECT binds tighter than UNION and EXCEPT,
 * all left-associative; ORDER BY / LIMIT / OFFSET / FOR UPDATE after the last
 * member apply to the whole set (a member with its own needs parentheses).
 */
import type { Alias, Cte, Expr, FromItem, JoinType, Locking, OrderItem, Query, QueryBody, SelectCore, SelectItem } from './ast.js'
import { ExprParser, K, QUERY_START } from './grammar-expr.js'
import * as T from './tokens.js'
import { kw } from './tokens.js'

export class QueryParser extends ExprParser {
  // ── queries ────────────────────────────────────────────────────────────────

  protected override readonly parenQuery = this.RULE('parenQuery', (): Query => {
    this.CONSUME(T.LParen)
    const q = this.SUBRULE(this.query)
    this.CONSUME(T.RParen)
    return q
  })

  override readonly query = this.RULE('query', (): Query => {
    const position = this.at(this.LA(1))
    const ctes: Cte[] = []
    this.OPTION(() => {
      this.CONSUME(K.with)
      // RECURSIVE is also a name: it is the keyword unless `AS` or `(` follows (a CTE named recursive).
      const recursive = this.OPTION6({ GATE: () => !this.laIs(2, K.as, T.LParen), DEF: () => this.CONSUME(K.recursive) }) !== undefined
      this.AT_LEAST_ONE_SEP({ SEP: T.Comma, DEF: () => {
        const at = this.at(this.LA(1))
        const name = this.SUBRULE(this.ident)
        const columns = this.OPTION1(() => this.SUBRULE(this.identList)) ?? []
        this.CONSUME(K.as)
        ctes.push({ name, columns, query: this.SUBRULE(this.parenQuery), recursive, position: at })
      } })
    })
    const body = this.SUBRULE(this.unionExpr)
    const orderBy = this.OPTION2(() => this.SUBRULE(this.orderBy)) ?? []
    let limit: Expr | undefined
    let offset: Expr | undefined
    this.MANY(() => this.OR([
      { ALT: () => { this.CONSUME(K.limit); limit = this.OR1([{ ALT: () => { this.CONSUME(K.all); return undefined } }, { ALT: () => this.SUBRULE(this.expr) }]) } },
      { ALT: () => {
        this.CONSUME(K.offset)
        offset = this.SUBRULE1(this.expr)
        this.OPTION3(() => this.OR2([{ ALT: () => this.CONSUME(K.row) }, { ALT: () => this.CONSUME(K.rows) }]))
      } },
      { ALT: () => {
        this.CONSUME(K.fetch)
        this.OR3([{ ALT: () => this.CONSUME(K.first) }, { ALT: () => this.CONSUME(K.next) }])
        const t = this.LA(1)
        limit = this.OPTION4(() => this.SUBRULE2(this.primary)) ?? { kind: 'number', text: '1', position: this.at(t) }
        this.OR4([{ ALT: () => this.CONSUME1(K.row) }, { ALT: () => this.CONSUME1(K.rows) }])
        this.CONSUME(K.only)
      } },
    ]))
    const locking = this.OPTION5(() => this.SUBRULE(this.locking))
    return { kind: 'query', with: ctes, body, orderBy, limit, offset, locking, position }
  })

  protected readonly locking = this.RULE('locking', (): Locking => {
    this.CONSUME(K.for)
    const strength = this.OR([
      { ALT: () => { this.CONSUME(K.update); return 'update' as const } },
      { ALT: () => { this.CONSUME(K.share); return 'share' as const } },
    ])
    const wait = (this.OPTION7(() => this.OR1([
      { ALT: () => { this.CONSUME(K.nowait); return 'nowait' as const } },
      { ALT: () => { this.CONSUME(K.skip); this.CONSUME(K.locked); return 'skip-locked' as const } },
    ])) ?? ('wait' as const))
    return { strength, wait }
  })

  override readonly orderBy = this.RULE('orderBy', (): OrderItem[] => {
    this.CONSUME(K.order)
    this.CONSUME(K.by)
    const items: OrderItem[] = []
    this.AT_LEAST_ONE_SEP({ SEP: T.Comma, DEF: () => { items.push(this.SUBRULE(this.orderItem)) } })
    return items
  })

  readonly orderItem = this.RULE('orderItem', (): OrderItem => {
    const expr = this.SUBRULE(this.expr)
    const direction = this.OPTION(() => this.OR([
      { ALT: () => { this.CONSUME(K.asc); return 'asc' as const } },
      { ALT: () => { this.CONSUME(K.desc); return 'desc' as const } },
    ]))
    const nulls = this.OPTION1(() => {
      this.CONSUME(K.nulls)
      return this.OR1([
        { ALT: () => { this.CONSUME(K.first); return 'first' as const } },
        { ALT: () => { this.CONSUME(K.last); return 'last' as const } },
      ])
    })
    return { expr, direction, nulls }
  })

  /** UNION and EXCEPT bind looser than INTERSECT, all left-associative. */
  protected readonly unionExpr = this.RULE('unionExpr', (): QueryBody => {
    let left = this.SUBRULE(this.intersectExpr)
    this.MANY(() => {
      const op = this.OR([{ ALT: () => this.CONSUME(K.union) }, { ALT: () => this.CONSUME(K.except) }])
      const all = this.SUBRULE(this.setQuantifier)
      const right = this.SUBRULE1(this.intersectExpr)
      left = { kind: 'set-op', op: this.word(op) === 'except' ? 'except' : 'union', all, left, right }
    })
    return left
  })

  protected readonly setQuantifier = this.RULE('setQuantifier', (): boolean => (this.OPTION6(() => this.OR([
    { ALT: () => { this.CONSUME(K.all); return true } },
    { ALT: () => { this.CONSUME(K.distinct); return false } },
  ])) ?? false))

  protected readonly intersectExpr = this.RULE('intersectExpr', (): QueryBody => {
    let left = this.SUBRULE(this.queryPrimary)
    this.MANY(() => {
      this.CONSUME(K.intersect)
      const all = this.SUBRULE(this.setQuantifier)
      const right = this.SUBRULE1(this.queryPrimary)
      left = { kind: 'set-op', op: 'intersect', all, left, right }
    })
    return left
  })

  protected readonly queryPrimary = this.RULE('queryPrimary', (): QueryBody => this.OR([
    { ALT: () => this.SUBRULE(this.selectCore) },
    { ALT: () => {
      const t = this.CONSUME(K.values)
      const rows: Expr[][] = []
      this.AT_LEAST_ONE_SEP({ SEP: T.Comma, DEF: () => { rows.push(this.SUBRULE(this.exprList)) } })
      return { kind: 'values', rows, position: this.at(t) } satisfies QueryBody
    } },
    { ALT: () => ({ kind: 'nested', query: this.SUBRULE(this.parenQuery) }) satisfies QueryBody },
  ]))

  protected readonly selectCore = this.RULE('selectCore', (): SelectCore => {
    const t = this.CONSUME(K.select)
    let distinctOn: Expr[] | undefined
    const distinct = (this.OPTION6(() => this.OR([
      { ALT: () => {
        this.CONSUME(K.distinct)
        this.OPTION8(() => {
          this.CONSUME(K.on)
          this.CONSUME(T.LParen)
          distinctOn = []
          this.AT_LEAST_ONE_SEP1({ SEP: T.Comma, DEF: () => { distinctOn!.push(this.SUBRULE3(this.expr)) } })
          this.CONSUME(T.RParen)
        })
        return true
      } },
      { ALT: () => { this.CONSUME(K.all); return false } },
    ])) ?? false)
    // An empty target list is allowed, as in PostgreSQL: SELECT FROM t counts rows.
    const columns = this.OPTION7(() => this.SUBRULE(this.selectList)) ?? []
    const from = this.OPTION(() => { this.CONSUME(K.from); return this.SUBRULE(this.fromList) }) ?? []
    const where = this.OPTION1(() => { this.CONSUME(K.where); return this.SUBRULE(this.expr) })
    const groupBy: Expr[] = []
    this.OPTION2(() => {
      this.CONSUME(K.group)
      this.CONSUME(K.by)
      this.AT_LEAST_ONE_SEP({ SEP: T.Comma, DEF: () => { groupBy.push(this.SUBRULE1(this.expr)) } })
    })
    const having = this.OPTION3(() => { this.CONSUME(K.having); return this.SUBRULE2(this.expr) })
    return { kind: 'select', distinct, ...(distinctOn === undefined ? {} : { distinctOn }), columns, from, where, groupBy, having, position: this.at(t) }
  })

  readonly selectList = this.RULE('selectList', (): SelectItem[] => {
    const items: SelectItem[] = []
    this.AT_LEAST_ONE_SEP({ SEP: T.Comma, DEF: () => { items.push(this.SUBRULE(this.selectItem)) } })
    return items
  })

  protected readonly selectItem = this.RULE('selectItem', (): SelectItem => this.OR([
    { ALT: () => { const t = this.CONSUME(T.Star); return { kind: 'star', table: undefined, position: this.at(t) } satisfies SelectItem } },
    { ALT: () => {
      const expr = this.SUBRULE(this.expr)
      const alias = this.OPTION(() => this.OR1([
        { ALT: () => { this.CONSUME(K.as); return this.SUBRULE1(this.ident) } },
        { ALT: () => this.SUBRULE2(this.ident) },
      ]))
      if (expr?.kind === 'column' && expr.name === '*' && alias === undefined) return { kind: 'star', table: expr.table, position: expr.position } satisfies SelectItem
      return { kind: 'expr', expr, alias } satisfies SelectItem
    } },
  ]))

  readonly fromList = this.RULE('fromList', (): FromItem[] => {
    const items: FromItem[] = []
    this.AT_LEAST_ONE_SEP({ SEP: T.Comma, DEF: () => { items.push(this.SUBRULE(this.joinedTable)) } })
    return items
  })

  protected readonly joinedTable = this.RULE('joinedTable', (): FromItem => {
    let left = this.SUBRULE(this.tableRef)
    this.MANY(() => {
      const start = this.LA(1)
      const natural = this.OPTION3(() => this.CONSUME(K.natural)) !== undefined
      const type = this.OPTION2(() => this.SUBRULE(this.joinType)) ?? 'inner'
      this.CONSUME(K.join)
      const right = this.SUBRULE1(this.tableRef)
      let on: Expr | undefined
      let using: string[] | undefined
      this.OPTION({ GATE: () => !natural, DEF: () => this.OR([
        { ALT: () => { this.CONSUME(K.on); on = this.SUBRULE(this.expr) } },
        { ALT: () => { this.CONSUME(K.using); using = this.SUBRULE(this.identList) } },
      ]) })
      left = { kind: 'join', type, left, right, on, using, natural, position: this.at(start) }
    })
    return left
  })

  protected readonly joinType = this.RULE('joinType', (): JoinType => this.OR([
    { ALT: () => { this.CONSUME(K.cross); return 'cross' as const } },
    { ALT: () => { this.CONSUME(K.inner); return 'inner' as const } },
    { ALT: () => {
      const t = this.OR1([{ ALT: () => this.CONSUME(K.left) }, { ALT: () => this.CONSUME(K.right) }, { ALT: () => this.CONSUME(K.full) }])
      this.OPTION1(() => this.CONSUME(K.outer))
      const w = this.word(t)
      return w === 'right' ? 'right' : w === 'full' ? 'full' : 'left'
    } },
  ]))

  protected readonly tableRef = this.RULE('tableRef', (): FromItem => {
    const start = this.LA(1)
    const position = this.at(start)
    return this.OR([
      // A parenthesised join tree: `(a JOIN b ON …)` (a parenthesis that does not open a query).
      { GATE: () => this.laIs(1, T.LParen) && !this.laIs(2, ...QUERY_START, T.LParen), IGNORE_AMBIGUITIES: true, ALT: () => {
        this.CONSUME(T.LParen)
        const joined = this.SUBRULE(this.joinedTable)
        this.CONSUME(T.RParen)
        return joined
      } },
      // LATERAL is not a keyword here: a table may still be named lateral.
      { GATE: () => this.word(this.LA(1)) === 'lateral' && !this.laIs(1, T.QuotedIdentifier) && this.laIs(2, T.LParen), IGNORE_AMBIGUITIES: true, ALT: () => {
        this.CONSUME(T.Identifier)
        const query = this.SUBRULE1(this.parenQuery)
        const alias = this.OPTION4({ GATE: () => !this.laIs(1, kw('set')), DEF: () => this.SUBRULE3(this.alias) })
        return { kind: 'subquery', query, alias, lateral: true, position } satisfies FromItem
      } },
      { IGNORE_AMBIGUITIES: true, ALT: () => {
        const query = this.SUBRULE(this.parenQuery)
        return { kind: 'subquery', query, alias: this.OPTION({ GATE: () => !this.laIs(1, kw('set')), DEF: () => this.SUBRULE(this.alias) }), position } satisfies FromItem
      } },
      { ALT: () => {
        const first = this.SUBRULE(this.ident)
        const second = this.OPTION3(() => { this.CONSUME(T.Dot); return this.SUBRULE1(this.ident) })
        const schema = second === undefined ? undefined : first
        const name = second ?? first
        return this.OR1([
          { ALT: () => {
            const call: Expr = { kind: 'function', schema, name, ...this.SUBRULE(this.callArgs), position }
            const ordinality = this.OPTION5({ GATE: () => this.laIs(1, K.with) && this.word(this.LA(2)) === 'ordinality', DEF: () => { this.CONSUME(K.with); this.CONSUME1(T.Identifier); return true } }) !== undefined
            const alias = this.OPTION1({ GATE: () => !this.laIs(1, kw('set')), DEF: () => this.SUBRULE1(this.alias) })
            return { kind: 'function', call, alias, ...(ordinality ? { ordinality } : {}), position } satisfies FromItem
          } },
          { ALT: () => ({ kind: 'table', schema, name, alias: this.OPTION2({ GATE: () => !this.laIs(1, kw('set')), DEF: () => this.SUBRULE2(this.alias) }), position }) satisfies FromItem },
        ])
      } },
    ])
  })

  /** `[AS] name [(col, …)]`. A bare alias may not be SET (`UPDATE t SET …`). */
  readonly alias = this.RULE('alias', (): Alias => {
    const name = this.OR([
      { ALT: () => { this.CONSUME(K.as); return this.SUBRULE(this.ident) } },
      { ALT: () => this.SUBRULE1(this.ident) },
    ])
    const columns = this.OPTION(() => this.SUBRULE(this.identList)) ?? []
    return { name, columns }
  })
}
