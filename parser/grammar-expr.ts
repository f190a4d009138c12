/**
 * Grammar of expressions (chevrotain, embedded actions).
 *
 * Precedence, lowest first, as in PostgreSQL 15's gram.y:
 *
 *   OR < AND < NOT < IS < comparison (= <> < > <= >=, non-associative)
 *      < BETWEEN IN LIKE ILIKE < other operators (||, ~ …) < + - < * / % < ^
 *      < unary + - < :: < primary
 *
 * Each level is one rule; left-associative levels are MANY loops. Rules build AST
 * nodes directly. Chevrotain runs every rule once in a "recording phase" with fake
 * tokens, so semantic code here never dereferences a token's payload or a
 * subrule's result except through the tolerant helpers (`word`, `at`).
 * `QueryParser` (grammar-query.ts) extends this class with queries, and
 * `SqlParser` (grammar.ts) with statements; one grammar, split by concept.
 */
import { EmbeddedActionsParser, EOF, tokenMatcher, type IToken, type ParserMethod, type TokenType } from 'chevrotain'
import type { Expr, OrderItem, Query, TypeName } from './ast.js'
import * as T from './tokens.js'
import { kw, type Keyword } from './tokens.js'

export const K = {
  all: kw('all'), and: kw('and'), any: kw('any'), as: kw('as'), asc: kw('asc'), asymmetric: kw('asymmetric'),
  between: kw('between'), by: kw('by'), case: kw('case'), cast: kw('cast'), char: kw('char'), character: kw('character'),
  cross: kw('cross'), default: kw('default'), desc: kw('desc'), distinct: kw('distinct'), double: kw('double'), else: kw('else'),
  end: kw('end'), escape: kw('escape'), except: kw('except'), exists: kw('exists'), false: kw('false'), fetch: kw('fetch'),
  filter: kw('filter'), first: kw('first'), for: kw('for'), from: kw('from'), leading: kw('leading'), trailing: kw('trailing'), both: kw('both'), full: kw('full'), group: kw('group'), having: kw('having'),
  ilike: kw('ilike'), isnull: kw('isnull'), notnull: kw('notnull'), in: kw('in'), inner: kw('inner'), intersect: kw('intersect'), is: kw('is'), join: kw('join'),
  last: kw('last'), left: kw('left'), natural: kw('natural'), like: kw('like'), limit: kw('limit'), locked: kw('locked'), next: kw('next'),
  not: kw('not'), nowait: kw('nowait'), null: kw('null'), nulls: kw('nulls'), offset: kw('offset'), on: kw('on'),
  only: kw('only'), or: kw('or'), order: kw('order'), outer: kw('outer'), precision: kw('precision'), right: kw('right'),
  recursive: kw('recursive'), row: kw('row'), rows: kw('rows'), select: kw('select'), share: kw('share'), skip: kw('skip'), some: kw('some'),
  symmetric: kw('symmetric'), then: kw('then'), time: kw('time'), timestamp: kw('timestamp'), true: kw('true'),
  union: kw('union'), unknown: kw('unknown'), update: kw('update'), using: kw('using'), values: kw('values'),
  varying: kw('varying'), when: kw('when'), where: kw('where'), with: kw('with'), without: kw('without'), zone: kw('zone'),
} as const

/** Type name spellings → canonical names (ast.ts TYPE_NAMES); unknown names pass through for the binder to reject. */
export const TYPE_ALIASES: Readonly<Record<string, string>> = {
  smallint: 'int2', int2: 'int2', integer: 'int4', int: 'int4', int4: 'int4', bigint: 'int8', int8: 'int8',
  real: 'float4', float4: 'float4', float8: 'float8', float: 'float8', decimal: 'numeric', numeric: 'numeric',
  boolean: 'bool', bool: 'bool', varchar: 'varchar', text: 'text', date: 'date', bytea: 'bytea', serial: 'serial',
  serial4: 'serial', bigserial: 'bigserial', serial8: 'bigserial', smallserial: 'smallserial', timestamptz: 'timestamptz',
  interval: 'interval', json: 'json', jsonb: 'jsonb', uuid: 'uuid', bpchar: 'bpchar',
}

/**
 * Words that PostgreSQL parses as calls without parentheses (SQLValueFunction);
 * they become function calls with no arguments (quoted, they are column names).
 */
const SQL_VALUE_FUNCTIONS: ReadonlySet<string> = new Set([
  'current_date', 'current_time', 'current_timestamp', 'localtime', 'localtimestamp', 'current_user', 'session_user',
  'current_role', 'current_catalog', 'current_schema', 'user',
])

export const QUERY_START: readonly TokenType[] = [K.select, K.with, K.values]
/** What may follow a parenthesised query inside a query: a set operation, its ORDER BY / LIMIT, or the end. */
const QUERY_FOLLOW: readonly TokenType[] = [K.union, K.intersect, K.except, K.order, K.limit, K.offset, K.fetch, T.RParen]

export abstract class ExprParser extends EmbeddedActionsParser {
  /** `( query )`, defined by QueryParser: expressions hold subqueries. */
  protected abstract readonly parenQuery: ParserMethod<[], Query>
  protected abstract readonly query: ParserMethod<[], Query>
  /** `ORDER BY …`, defined by QueryParser: an aggregate call has one too. */
  abstract readonly orderBy: ParserMethod<[], OrderItem[]>

  /**
   * True while parsing a column's DEFAULT, where `NOT NULL` after the expression is
   * the next constraint. Chevrotain decides an OPTION on its first token alone, so
   * predicateExpr would otherwise take the NOT as the start of NOT IN/LIKE/BETWEEN.
   */
  protected inDefault = false

  /** Maps a UTF-16 offset to PostgreSQL's 1-based character position; set per parse. */
  protected positionOf: (offset: number) => number = (o) => o + 1

  constructor() {
    super([...T.ALL_TOKENS], { maxLookahead: 4 })
  }

  /** Called by `parse()` before each run. */
  setPositionMapper(map: (offset: number) => number): void {
    this.positionOf = map
  }

  protected at(tok: IToken | undefined): number {
    return tok === undefined || Number.isNaN(tok.startOffset) ? 0 : this.positionOf(tok.startOffset)
  }

  protected word(tok: IToken | undefined): string {
    return (tok?.payload as string | undefined) ?? tok?.image ?? ''
  }

  protected k(word: Keyword): IToken {
    return this.CONSUME(kw(word))
  }

  protected laIs(k: number, ...types: readonly TokenType[]): boolean {
    const t = this.LA(k)
    return types.some((type) => tokenMatcher(t, type))
  }

  protected isEof(tok: IToken): boolean {
    return tokenMatcher(tok, EOF)
  }

  /**
   * Whether the tokens from LA(k), just inside an opening parenthesis, are a query:
   * they start with SELECT, WITH or VALUES, or are a parenthesised query followed by
   * what can only continue a query. `x IN ((SELECT 1) UNION SELECT 2)` is a subquery,
   * `x IN ((SELECT 1), 2)` a list whose first item is one (gram.y's select_with_parens).
   */
  protected queryAhead(k: number): boolean {
    if (this.laIs(k, ...QUERY_START)) return true
    if (!this.laIs(k, T.LParen) || !this.queryAhead(k + 1)) return false
    let depth = 0
    for (let i = k; ; i++) {
      const t = this.LA(i)
      if (this.isEof(t)) return false
      if (tokenMatcher(t, T.LParen)) depth++
      else if (tokenMatcher(t, T.RParen) && --depth === 0) return this.laIs(i + 1, ...QUERY_FOLLOW)
    }
  }

  // ── names and types ────────────────────────────────────────────────────────

  readonly ident = this.RULE('ident', (): string => this.word(this.CONSUME(T.Identifier)))

  readonly identList = this.RULE('identList', (): string[] => {
    const names: string[] = []
    this.CONSUME(T.LParen)
    this.AT_LEAST_ONE_SEP({ SEP: T.Comma, DEF: () => { names.push(this.SUBRULE(this.ident)) } })
    this.CONSUME(T.RParen)
    return names
  })

  protected readonly typeArgs = this.RULE('typeArgs', (): number[] => {
    const args: number[] = []
    this.CONSUME(T.LParen)
    this.AT_LEAST_ONE_SEP({ SEP: T.Comma, DEF: () => { args.push(Number(this.CONSUME(T.IntegerLit).image)) } })
    this.CONSUME(T.RParen)
    return args
  })

  protected readonly timeZone = this.RULE('timeZone', (): boolean => {
    const withZone = this.OR([
      { ALT: () => { this.CONSUME(K.with); return true } },
      { ALT: () => { this.CONSUME(K.without); return false } },
    ])
    this.CONSUME(K.time)
    this.CONSUME(K.zone)
    return withZone
  })

  readonly typeName = this.RULE('typeName', (): TypeName => {
    const position = this.at(this.LA(1))
    const t = this.OR<TypeName>([
      { ALT: () => {
        this.CONSUME(K.double)
        this.CONSUME(K.precision)
        return { kind: 'type' as const, name: 'float8', args: [] }
      } },
      { ALT: () => {
        this.OR1([{ ALT: () => this.CONSUME(K.character) }, { ALT: () => this.CONSUME(K.char) }])
        const varying = this.OPTION(() => this.CONSUME(K.varying)) !== undefined
        const args = this.OPTION1(() => this.SUBRULE(this.typeArgs)) ?? []
        return { kind: 'type' as const, name: varying ? 'varchar' : 'bpchar', args: varying || args.length > 0 ? args : [1] }
      } },
      { ALT: () => {
        const t = this.OR2([{ ALT: () => this.CONSUME(K.timestamp) }, { ALT: () => this.CONSUME(K.time) }])
        const args = this.OPTION2(() => this.SUBRULE1(this.typeArgs)) ?? []
        const zone = this.OPTION3(() => this.SUBRULE(this.timeZone)) ?? false
        const base = this.word(t) === 'time' ? 'time' : 'timestamp'
        return { kind: 'type' as const, name: zone ? `${base}tz` : base, args }
      } },
      { ALT: () => {
        const first = this.SUBRULE(this.ident)
        // pg_catalog.regclass: the built-in types all live in pg_catalog.
        const second = this.OPTION5(() => { this.CONSUME(T.Dot); return this.SUBRULE1(this.ident) })
        const name = second !== undefined && first === 'pg_catalog' ? second : second !== undefined ? `${first}.${second}` : first
        const args = this.OPTION4(() => this.SUBRULE2(this.typeArgs)) ?? []
        return { kind: 'type' as const, name: TYPE_ALIASES[name] ?? name, args }
      } },
    // Specific spellings first; the generic name alternative also matches their first word.
    ].map((alt) => ({ ...alt, IGNORE_AMBIGUITIES: true })))
    const array = this.OPTION6(() => { this.CONSUME(T.LBracket); this.CONSUME(T.RBracket); return true }) ?? false
    return { ...t, position, ...(array ? { array } : {}) }
  })

  // ── expressions ────────────────────────────────────────────────────────────

  readonly expr = this.RULE('expr', (): Expr => {
    let left = this.SUBRULE(this.andExpr)
    this.MANY(() => {
      const op = this.CONSUME(K.or)
      const right = this.SUBRULE1(this.andExpr)
      left = { kind: 'or', left, right, position: this.at(op) }
    })
    return left
  })

  protected readonly andExpr = this.RULE('andExpr', (): Expr => {
    let left = this.SUBRULE(this.notExpr)
    this.MANY(() => {
      const op = this.CONSUME(K.and)
      const right = this.SUBRULE1(this.notExpr)
      left = { kind: 'and', left, right, position: this.at(op) }
    })
    return left
  })

  protected readonly notExpr = this.RULE('notExpr', (): Expr => this.OR([
    { ALT: () => {
      const op = this.CONSUME(K.not)
      return { kind: 'not', operand: this.SUBRULE(this.notExpr), position: this.at(op) }
    } },
    { ALT: () => this.SUBRULE(this.isExpr) },
  ]))

  protected readonly isExpr = this.RULE('isExpr', (): Expr => {
    let operand = this.SUBRULE(this.compareExpr)
    this.MANY(() => this.OR1([
      { ALT: () => {
        const op = this.CONSUME(K.is)
        const not = this.OPTION(() => this.CONSUME(K.not)) !== undefined
        operand = this.OR([
          { ALT: () => { this.CONSUME(K.null); return { kind: 'is', not, operand, test: 'null', position: this.at(op) } } },
          { ALT: () => { this.CONSUME(K.true); return { kind: 'is', not, operand, test: 'true', position: this.at(op) } } },
          { ALT: () => { this.CONSUME(K.false); return { kind: 'is', not, operand, test: 'false', position: this.at(op) } } },
          { ALT: () => { this.CONSUME(K.unknown); return { kind: 'is', not, operand, test: 'unknown', position: this.at(op) } } },
          { ALT: () => {
            this.CONSUME(K.distinct)
            this.CONSUME(K.from)
            const right = this.SUBRULE1(this.compareExpr)
            return { kind: 'is-distinct', not, left: operand, right, position: this.at(op) }
          } },
        ])
      } },
      // PostgreSQL's postfix spellings of IS NULL / IS NOT NULL.
      { ALT: () => { const op = this.CONSUME(K.isnull); operand = { kind: 'is', not: false, operand, test: 'null', position: this.at(op) } } },
      { ALT: () => { const op = this.CONSUME(K.notnull); operand = { kind: 'is', not: true, operand, test: 'null', position: this.at(op) } } },
    ]))
    return operand
  })

  /** Comparison is non-associative in PostgreSQL: `a < b < c` is a syntax error at the second `<`. */
  protected readonly compareExpr = this.RULE('compareExpr', (): Expr => {
    const left = this.SUBRULE(this.predicateExpr)
    return this.OPTION(() => {
      const opTok = this.CONSUME(T.CompareOp)
      const op = this.word(opTok)
      return this.OR([
        { GATE: () => this.laIs(2, T.LParen) && this.queryAhead(3), ALT: () => {
          const q = this.OR1([
            { ALT: () => this.CONSUME(K.any) }, { ALT: () => this.CONSUME(K.some) }, { ALT: () => this.CONSUME(K.all) },
          ])
          const query = this.SUBRULE(this.parenQuery)
          const quantifier: 'any' | 'all' = this.word(q) === 'all' ? 'all' : 'any'
          return { kind: 'quantified', op, quantifier, left, query, position: this.at(opTok) } satisfies Expr
        } },
        { GATE: () => this.laIs(2, T.LParen), ALT: () => {
          const q = this.OR2([
            { ALT: () => this.CONSUME1(K.any) }, { ALT: () => this.CONSUME1(K.some) }, { ALT: () => this.CONSUME1(K.all) },
          ])
          this.CONSUME(T.LParen)
          const right = this.SUBRULE(this.expr)
          this.CONSUME(T.RParen)
          const quantifier: 'any' | 'all' = this.word(q) === 'all' ? 'all' : 'any'
          return { kind: 'quantified-array', op, quantifier, left, right, position: this.at(opTok) } satisfies Expr
        } },
        { ALT: () => ({ kind: 'binary', op, left, right: this.SUBRULE1(this.predicateExpr), position: this.at(opTok) }) satisfies Expr },
      ])
    }) ?? left
  })

  protected readonly predicateExpr = this.RULE('predicateExpr', (): Expr => {
    const operand = this.SUBRULE(this.otherOpExpr)
    return this.OPTION({ GATE: () => !(this.inDefault && this.laIs(1, K.not) && this.laIs(2, K.null)), DEF: () => {
      const notTok = this.OPTION1(() => this.CONSUME(K.not))
      const not = notTok !== undefined
      return this.OR([
        { ALT: () => {
          const op = this.CONSUME(K.between)
          const symmetric = (this.OPTION7(() => this.OR1([
            { ALT: () => this.CONSUME(K.symmetric) !== undefined },
            { ALT: () => { this.CONSUME(K.asymmetric); return false } },
          ])) ?? false)
          const low = this.SUBRULE1(this.otherOpExpr)
          this.CONSUME(K.and)
          const high = this.SUBRULE2(this.otherOpExpr)
          return { kind: 'between', not, symmetric, operand, low, high, position: this.at(notTok ?? op) } satisfies Expr
        } },
        { ALT: () => {
          const op = this.OR2([{ ALT: () => this.CONSUME(K.like) }, { ALT: () => this.CONSUME(K.ilike) }])
          const pattern = this.SUBRULE3(this.otherOpExpr)
          const escape = this.OPTION2(() => { this.CONSUME(K.escape); return this.SUBRULE4(this.otherOpExpr) })
          return { kind: 'like', not, caseInsensitive: this.word(op) === 'ilike', operand, pattern, escape, position: this.at(notTok ?? op) } satisfies Expr
        } },
        { ALT: () => {
          const op = this.CONSUME(K.in)
          return this.OR3([
            { GATE: () => this.queryAhead(2), ALT: () => {
              const query = this.SUBRULE(this.parenQuery)
              return { kind: 'in-query', not, operand, query, position: this.at(notTok ?? op) } satisfies Expr
            } },
            { ALT: () => {
              const list = this.SUBRULE(this.exprList)
              return { kind: 'in-list', not, operand, list, position: this.at(notTok ?? op) } satisfies Expr
            } },
          ])
        } },
      ])
    } }) ?? operand
  })

  readonly exprList = this.RULE('exprList', (): Expr[] => {
    const list: Expr[] = []
    this.CONSUME(T.LParen)
    this.AT_LEAST_ONE_SEP({ SEP: T.Comma, DEF: () => { list.push(this.SUBRULE(this.expr)) } })
    this.CONSUME(T.RParen)
    return list
  })

  protected readonly otherOpExpr = this.RULE('otherOpExpr', (): Expr => {
    let left = this.SUBRULE(this.otherOperand)
    this.MANY({ GATE: () => this.laIs(1, T.OtherOp) || this.operatorAhead(), DEF: () => {
      const op = this.OR([
        { ALT: () => { const t = this.CONSUME(T.OtherOp); return { name: this.word(t), at: this.at(t) } } },
        { GATE: () => this.operatorAhead(), ALT: () => this.SUBRULE(this.qualifiedOperator) },
      ])
      const right = this.SUBRULE1(this.otherOperand)
      left = { kind: 'binary', op: op?.name ?? '', left, right, position: op?.at ?? 0 }
    } })
    return left
  })

  /** `OPERATOR(` starts a qualified operator (OPERATOR is not a keyword here, so a column may be named operator). */
  protected operatorAhead(): boolean {
    const t = this.LA(1)
    return tokenMatcher(t, T.Identifier) && !tokenMatcher(t, T.QuotedIdentifier) && this.word(t) === 'operator' && this.laIs(2, T.LParen)
  }

  /**
   * `OPERATOR(pg_catalog.~)`: an operator named with its schema, as psql writes
   * them. Every operator lives in pg_catalog; it binds with the precedence of the
   * "other" operators, as in gram.y (qual_Op).
   */
  protected readonly qualifiedOperator = this.RULE('qualifiedOperator', (): { name: string; at: number } => {
    const t = this.CONSUME(T.Identifier)
    this.CONSUME(T.LParen)
    this.OPTION(() => { this.SUBRULE(this.ident); this.CONSUME(T.Dot) })
    const op = this.OR([
      { ALT: () => this.CONSUME(T.OtherOp) }, { ALT: () => this.CONSUME(T.CompareOp) }, { ALT: () => this.CONSUME(T.Plus) },
      { ALT: () => this.CONSUME(T.Minus) }, { ALT: () => this.CONSUME(T.Star) }, { ALT: () => this.CONSUME(T.Slash) },
      { ALT: () => this.CONSUME(T.Percent) }, { ALT: () => this.CONSUME(T.Caret) },
    ])
    this.CONSUME(T.RParen)
    return { name: this.word(op), at: this.at(t) }
  })

  /** An operand of an "other" operator, or a prefix operator (`~ a`, `@ -5`, `|/ 25`) at that level. */
  protected readonly otherOperand = this.RULE('otherOperand', (): Expr => this.OR([
    { ALT: () => {
      const op = this.CONSUME(T.OtherOp)
      return { kind: 'unary', op: this.word(op), operand: this.SUBRULE(this.otherOperand), position: this.at(op) } satisfies Expr
    } },
    { ALT: () => this.SUBRULE(this.addExpr) },
  ]))

  protected readonly addExpr = this.RULE('addExpr', (): Expr => {
    let left = this.SUBRULE(this.mulExpr)
    this.MANY(() => {
      const op = this.OR([{ ALT: () => this.CONSUME(T.Plus) }, { ALT: () => this.CONSUME(T.Minus) }])
      const right = this.SUBRULE1(this.mulExpr)
      left = { kind: 'binary', op: op.image, left, right, position: this.at(op) }
    })
    return left
  })

  protected readonly mulExpr = this.RULE('mulExpr', (): Expr => {
    let left = this.SUBRULE(this.powExpr)
    this.MANY(() => {
      const op = this.OR([
        { ALT: () => this.CONSUME(T.Star) }, { ALT: () => this.CONSUME(T.Slash) }, { ALT: () => this.CONSUME(T.Percent) },
      ])
      const right = this.SUBRULE1(this.powExpr)
      left = { kind: 'binary', op: op.image, left, right, position: this.at(op) }
    })
    return left
  })

  protected readonly powExpr = this.RULE('powExpr', (): Expr => {
    let left = this.SUBRULE(this.unaryExpr)
    this.MANY(() => {
      const op = this.CONSUME(T.Caret)
      const right = this.SUBRULE1(this.unaryExpr)
      left = { kind: 'binary', op: '^', left, right, position: this.at(op) }
    })
    return left
  })

  protected readonly unaryExpr = this.RULE('unaryExpr', (): Expr => this.OR([
    { ALT: () => {
      const op = this.OR1([{ ALT: () => this.CONSUME(T.Plus) }, { ALT: () => this.CONSUME(T.Minus) }])
      const operand = this.SUBRULE(this.unaryExpr)
      return { kind: 'unary', op: op.image === '-' ? '-' : '+', operand, position: this.at(op) } satisfies Expr
    } },
    { ALT: () => this.SUBRULE(this.castExpr) },
  ]))

  /** Postfix forms: `x::type`, `x[i]`, `x COLLATE name` (COLLATE binds looser than :: in gram.y; no query here mixes them). */
  protected readonly castExpr = this.RULE('castExpr', (): Expr => {
    let operand = this.SUBRULE(this.primary)
    this.MANY({ GATE: () => this.laIs(1, T.DoubleColon, T.LBracket) || this.collateAhead(), DEF: () => this.OR([
      { ALT: () => {
        const op = this.CONSUME(T.DoubleColon)
        const type = this.SUBRULE(this.typeName)
        operand = { kind: 'cast', operand, type, position: this.at(op) }
      } },
      { ALT: () => {
        const op = this.CONSUME(T.LBracket)
        const index = this.SUBRULE(this.expr)
        this.CONSUME(T.RBracket)
        operand = { kind: 'subscript', operand, index, position: this.at(op) }
      } },
      { GATE: () => this.collateAhead(), ALT: () => {
        const op = this.CONSUME(T.Identifier)
        const first = this.SUBRULE(this.ident)
        const second = this.OPTION(() => {
          this.CONSUME(T.Dot)
          // pg_catalog.default: DEFAULT is reserved, but names a collation here.
          return this.OR1([{ ALT: () => this.SUBRULE1(this.ident) }, { ALT: () => { this.CONSUME(K.default); return 'default' } }])
        })
        operand = { kind: 'collate', operand, collation: second === undefined ? first : `${first}.${second}`, position: this.at(op) }
      } },
    ]) })
    return operand
  })

  private collateAhead(): boolean {
    return this.laIs(1, T.Identifier) && !this.laIs(1, T.QuotedIdentifier) && this.word(this.LA(1)) === 'collate'
  }

  protected readonly primary = this.RULE('primary', (): Expr => this.OR([
    { ALT: () => { const t = this.CONSUME(T.IntegerLit); return { kind: 'number', text: t.image, position: this.at(t) } satisfies Expr } },
    { ALT: () => { const t = this.CONSUME(T.NumericLit); return { kind: 'number', text: t.image, position: this.at(t) } satisfies Expr } },
    { ALT: () => { const t = this.CONSUME(T.StringLit); return { kind: 'string', value: this.word(t), position: this.at(t) } satisfies Expr } },
    { ALT: () => { const t = this.CONSUME(K.true); return { kind: 'boolean', value: true, position: this.at(t) } satisfies Expr } },
    { ALT: () => { const t = this.CONSUME(K.false); return { kind: 'boolean', value: false, position: this.at(t) } satisfies Expr } },
    { ALT: () => { const t = this.CONSUME(K.null); return { kind: 'null', position: this.at(t) } satisfies Expr } },
    { ALT: () => { const t = this.CONSUME(K.default); return { kind: 'default', position: this.at(t) } satisfies Expr } },
    { ALT: () => { const t = this.CONSUME(T.Param); return { kind: 'param', index: (t.payload as number | undefined) ?? 0, position: this.at(t) } satisfies Expr } },
    { ALT: () => this.SUBRULE(this.caseExpr) },
    // LEFT and RIGHT are reserved (joins) but name functions too: left('abc', 2).
    { ALT: () => {
      const t = this.OR2([{ ALT: () => this.CONSUME(K.left) }, { ALT: () => this.CONSUME(K.right) }])
      return { kind: 'function', schema: undefined, name: this.word(t), ...this.SUBRULE1(this.callArgs), position: this.at(t) } satisfies Expr
    } },
    { ALT: () => {
      const t = this.CONSUME(K.cast)
      this.CONSUME1(T.LParen)
      const operand = this.SUBRULE(this.expr)
      this.CONSUME(K.as)
      const type = this.SUBRULE(this.typeName)
      this.CONSUME1(T.RParen)
      return { kind: 'cast', operand, type, position: this.at(t) } satisfies Expr
    } },
    { ALT: () => {
      const t = this.CONSUME(K.exists)
      return { kind: 'exists', query: this.SUBRULE(this.parenQuery), position: this.at(t) } satisfies Expr
    } },
    // `(query)` or `(expr)`: one alternative, told apart inside, because an OR with a
    // GATE among its alternatives makes chevrotain collect the gates (an array) and try
    // every path in turn on each call, and `primary` is called for every leaf of every
    // expression; without one its alternatives are told apart by one token, a lookup.
    { ALT: () => {
      const open = this.CONSUME(T.LParen)
      return this.OR9([
        { GATE: () => this.queryAhead(1), ALT: () => {
          const query = this.SUBRULE(this.query)
          this.CONSUME2(T.RParen)
          return { kind: 'subquery', query, position: this.at(open) } satisfies Expr
        } },
        { ALT: () => {
          const e = this.SUBRULE1(this.expr)
          this.CONSUME(T.RParen)
          return e
        } },
      ])
    } },
    { ALT: () => this.SUBRULE(this.nameExpr) },
  ]))

  /**
   * A column reference (`a`, `t.a`), a function call (`f(…)`, `count(*)`,
   * `count(DISTINCT x)`) or a typed literal (`DATE '…'`, `TIMESTAMP WITH TIME ZONE
   * '…'`, `DOUBLE PRECISION '…'`). They share one rule because all start with a
   * name and chevrotain's lookahead cannot see a bare name's follow set.
   * Shortcut: a typed literal's type takes no modifiers (`varchar(3) 'x'`).
   */
  protected readonly nameExpr = this.RULE('nameExpr', (): Expr => {
    const first = this.CONSUME(T.Identifier)
    const name = this.word(first)
    const position = this.at(first)
    const isArray = name === 'array' && first.tokenType !== T.QuotedIdentifier
    return this.OR([
      { GATE: () => isArray, ALT: () => {
        this.CONSUME(T.LBracket)
        const elements: Expr[] = []
        this.MANY_SEP({ SEP: T.Comma, DEF: () => { elements.push(this.SUBRULE2(this.expr)) } })
        this.CONSUME1(T.RBracket)
        return { kind: 'array', elements, position } satisfies Expr
      } },
      { GATE: () => isArray && this.queryAhead(2), IGNORE_AMBIGUITIES: true, ALT: () => ({ kind: 'array-query', query: this.SUBRULE(this.parenQuery), position }) satisfies Expr },
      { ALT: () => {
        const call = this.SUBRULE(this.callArgs, { ARGS: [first.tokenType === T.QuotedIdentifier ? '' : name] })
        const filter = this.SUBRULE(this.aggregateFilter)
        return { kind: 'function', schema: undefined, ...call, name: call.name ?? name, ...(filter === undefined ? {} : { filter }), position } satisfies Expr
      } },
      { ALT: () => {
        this.CONSUME(T.Dot)
        return this.OR3([
          { ALT: () => {
            const second = this.SUBRULE(this.ident)
            return this.OR4([
              { ALT: () => ({ kind: 'function', schema: name, name: second, ...this.SUBRULE1(this.callArgs), position }) satisfies Expr },
              { ALT: () => ({ kind: 'column', table: name, name: second, position }) satisfies Expr },
            ])
          } },
          // `t.*` is a column named '*': the select list turns it into a star item.
          { ALT: () => { this.CONSUME(T.Star); return { kind: 'column', table: name, name: '*', position } satisfies Expr } },
        ])
      } },
      { ALT: () => {
        const literal = this.CONSUME(T.StringLit)
        return { kind: 'typed-literal', type: { kind: 'type', name: TYPE_ALIASES[name] ?? name, args: [], position }, value: this.word(literal), position: this.at(literal) } satisfies Expr
      } },
      { GATE: () => name === 'timestamp' || name === 'time', ALT: () => {
        const zone = this.SUBRULE(this.timeZone)
        const literal = this.CONSUME1(T.StringLit)
        const base = name === 'time' ? 'time' : 'timestamp'
        return { kind: 'typed-literal', type: { kind: 'type', name: zone ? `${base}tz` : base, args: [], position }, value: this.word(literal), position: this.at(literal) } satisfies Expr
      } },
      { GATE: () => name === 'double', ALT: () => {
        this.CONSUME(K.precision)
        const literal = this.CONSUME2(T.StringLit)
        return { kind: 'typed-literal', type: { kind: 'type', name: 'float8', args: [], position }, value: this.word(literal), position: this.at(literal) } satisfies Expr
      } },
      { ALT: () => {
        if (SQL_VALUE_FUNCTIONS.has(name) && first.tokenType !== T.QuotedIdentifier) {
          return { kind: 'function', schema: undefined, name, args: [], distinct: false, star: false, position } satisfies Expr
        }
        return { kind: 'column', table: undefined, name, position } satisfies Expr
      } },
    ])
  })

  /**
   * A call's arguments. Four functions have SQL's special argument syntax, parsed
   * into ordinary calls as PostgreSQL's grammar does:
   *
   *     position(a IN b)                 → position(a, b)
   *     substring(s FROM i [FOR n])      → substring(s, i[, n])   (and FOR n alone: from 1)
   *     trim([LEADING|TRAILING|BOTH] [c] FROM s)  → ltrim / rtrim / btrim(s[, c])
   *     extract(field FROM x)            → extract('field', x)
   */
  /** An aggregate's FILTER (WHERE …): FILTER is a name too, so it counts only before a parenthesis. */
  protected readonly aggregateFilter = this.RULE('aggregateFilter', (): Expr | undefined =>
    this.OPTION({ GATE: () => this.laIs(2, T.LParen), DEF: () => {
      this.CONSUME(K.filter)
      this.CONSUME(T.LParen)
      this.CONSUME(K.where)
      const e = this.SUBRULE(this.expr)
      this.CONSUME(T.RParen)
      return e
    } }),
  )

  protected readonly callArgs = this.RULE('callArgs', (fn?: string): { name?: string; distinct: boolean; star: boolean; args: Expr[]; orderBy?: OrderItem[] } => {
    this.CONSUME(T.LParen)
    const plain = (args: Expr[], name?: string) => (name === undefined ? { distinct: false, star: false, args } : { name, distinct: false, star: false, args })
    // Lookahead of one token: the special forms are chosen by the function's name (their
    // GATEs), and a deeper lookahead over expressions would make grammar analysis explode.
    const call = this.OR({ MAX_LOOKAHEAD: 1, DEF: [
      { ALT: () => { this.CONSUME(T.Star); return { distinct: false, star: true, args: [] as Expr[] } } },
      { GATE: () => fn === 'position', IGNORE_AMBIGUITIES: true, ALT: () => {
        const sub = this.SUBRULE(this.otherOpExpr)
        this.CONSUME(K.in)
        return plain([sub, this.SUBRULE1(this.otherOpExpr)])
      } },
      { GATE: () => fn === 'extract', IGNORE_AMBIGUITIES: true, ALT: () => {
        const t = this.LA(1)
        const field = this.OR2([{ ALT: () => this.SUBRULE(this.ident) }, { ALT: () => this.word(this.CONSUME(T.StringLit)) }])
        this.CONSUME(K.from)
        return plain([{ kind: 'string', value: String(field).toLowerCase(), position: this.at(t) }, this.SUBRULE(this.expr)])
      } },
      { GATE: () => fn === 'trim' && (this.laIs(1, K.leading, K.trailing, K.both, K.from) || this.trimFrom()), IGNORE_AMBIGUITIES: true, ALT: () => {
        const side = this.OPTION(() => this.OR3([
          { ALT: () => { this.CONSUME(K.leading); return 'ltrim' } },
          { ALT: () => { this.CONSUME(K.trailing); return 'rtrim' } },
          { ALT: () => { this.CONSUME(K.both); return 'btrim' } },
        ])) ?? 'btrim'
        const chars = this.OPTION1({ GATE: () => !this.laIs(1, K.from), DEF: () => this.SUBRULE1(this.expr) })
        this.CONSUME1(K.from)
        const str = this.SUBRULE2(this.expr)
        return plain(chars === undefined ? [str] : [str, chars], side)
      } },
      { ALT: () => {
        const distinct = (this.OPTION7(() => this.OR1([
          { ALT: () => this.CONSUME(K.distinct) !== undefined },
          { ALT: () => { this.CONSUME(K.all); return false } },
        ])) ?? false)
        const args: Expr[] = []
        this.MANY_SEP({ SEP: T.Comma, DEF: () => { args.push(this.SUBRULE3(this.expr)) } })
        // substring(s FROM i FOR n) / substring(s FOR n): SQL's spelling of substring(s, i, n).
        this.OPTION2({ GATE: () => fn === 'substring' && args.length === 1, DEF: () => this.OR4([
          { ALT: () => {
            this.CONSUME2(K.from)
            args.push(this.SUBRULE4(this.expr))
            this.OPTION3(() => { this.CONSUME(K.for); args.push(this.SUBRULE5(this.expr)) })
          } },
          { ALT: () => {
            const f = this.CONSUME1(K.for)
            args.push({ kind: 'number', text: '1', position: this.at(f) }, this.SUBRULE6(this.expr))
          } },
        ]) })
        const orderBy = this.OPTION8(() => this.SUBRULE(this.orderBy))
        return { distinct, star: false, args, orderBy }
      } },
    ] })
    this.CONSUME(T.RParen)
    return call
  })

  /** Inside trim( … ): does a FROM come before the closing parenthesis (at this nesting level)? */
  private trimFrom(): boolean {
    let depth = 0
    for (let k = 1; k < 100_000; k++) {
      const t = this.LA(k)
      if (this.isEof(t) || Number.isNaN(t.startOffset)) return false // end of input, or the recording phase's fake tokens
      if (tokenMatcher(t, T.LParen)) depth++
      else if (tokenMatcher(t, T.RParen)) {
        if (depth === 0) return false
        depth--
      } else if (depth === 0 && tokenMatcher(t, K.from)) return true
    }
    return false
  }

  protected readonly caseExpr = this.RULE('caseExpr', (): Expr => {
    const t = this.CONSUME(K.case)
    const operand = this.OPTION(() => this.SUBRULE(this.expr))
    const whens: { when: Expr; then: Expr }[] = []
    this.AT_LEAST_ONE(() => {
      this.CONSUME(K.when)
      const when = this.SUBRULE1(this.expr)
      this.CONSUME(K.then)
      whens.push({ when, then: this.SUBRULE2(this.expr) })
    })
    const otherwise = this.OPTION1(() => { this.CONSUME(K.else); return this.SUBRULE3(this.expr) })
    this.CONSUME(K.end)
    return { kind: 'case', operand, whens, else: otherwise, position: this.at(t) }
  })
}
