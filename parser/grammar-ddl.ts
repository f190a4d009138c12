/**
 * Grammar of DDL: CREATE / DROP / ALTER TABLE with column and table constraints,
 * indexes, views and sequences.
 *
 * Type names come from the expression grammar (`typeName`), so a column type and a
 * `::` cast accept the same spellings.
 */
import type { ColumnConstraint, ColumnConstraintBody, ColumnDef, IndexColumn, ReferentialAction, References, Statement, TableConstraint, AlterAction, DistributionClause } from './statements.js'
import type { Expr } from './ast.js'
import { QueryParser } from './grammar-query.js'
import * as T from './tokens.js'
import { kw } from './tokens.js'

export class DdlParser extends QueryParser {
  /** A setting or option value: string, number, name or ON/TRUE/FALSE (SET, WITH (…), COPY options). */
  protected readonly settingValue = this.RULE('settingValue', (): string => this.OR([
    { ALT: () => this.word(this.CONSUME(T.StringLit)) },
    { ALT: () => this.CONSUME(T.IntegerLit).image },
    { ALT: () => this.CONSUME(T.NumericLit).image },
    { ALT: () => { this.CONSUME(T.Minus); return '-' + this.OR1([{ ALT: () => this.CONSUME1(T.IntegerLit).image }, { ALT: () => this.CONSUME1(T.NumericLit).image }]) } },
    { ALT: () => this.SUBRULE(this.ident) },
    { ALT: () => this.word(this.OR2([{ ALT: () => this.k('on') }, { ALT: () => this.k('true') }, { ALT: () => this.k('false') }])) },
  ]))

  // ── DDL ────────────────────────────────────────────────────────────────────

  protected readonly ifNotExists = this.RULE('ifNotExists', (): boolean =>
    this.OPTION(() => { this.k('if'); this.k('not'); this.k('exists'); return true }) ?? false)

  protected readonly ifExists = this.RULE('ifExists', (): boolean =>
    this.OPTION(() => { this.k('if'); this.k('exists'); return true }) ?? false)

  protected readonly nameList = this.RULE('nameList', (): string[] => {
    const names: string[] = []
    this.AT_LEAST_ONE_SEP({ SEP: T.Comma, DEF: () => { names.push(this.SUBRULE(this.ident)) } })
    return names
  })

  protected readonly behavior = this.RULE('behavior', (): 'cascade' | 'restrict' | undefined => this.OPTION(() => this.OR([
    { ALT: () => { this.k('cascade'); return 'cascade' as const } },
    { ALT: () => { this.k('restrict'); return 'restrict' as const } },
  ])))

  protected readonly referentialAction = this.RULE('referentialAction', (): ReferentialAction => this.OR([
    { ALT: () => { this.k('restrict'); return 'restrict' as const } },
    { ALT: () => { this.k('cascade'); return 'cascade' as const } },
    { ALT: () => { this.k('no'); this.k('action'); return 'no action' as const } },
    { ALT: () => {
      this.k('set')
      return this.OR1([
        { ALT: () => { this.k('null'); return 'set null' as const } },
        { ALT: () => { this.k('default'); return 'set default' as const } },
      ])
    } },
  ]))

  protected readonly references = this.RULE('references', (): References => {
    this.k('references')
    const table = this.SUBRULE(this.ident)
    const columns = this.OPTION(() => this.SUBRULE(this.identList)) ?? []
    let onDelete: ReferentialAction | undefined
    let onUpdate: ReferentialAction | undefined
    this.MANY(() => {
      this.k('on')
      this.OR([
        { ALT: () => { this.k('delete'); onDelete = this.SUBRULE(this.referentialAction) } },
        { ALT: () => { this.k('update'); onUpdate = this.SUBRULE1(this.referentialAction) } },
      ])
    })
    return { table, columns, onDelete, onUpdate }
  })

  protected readonly constraintName = this.RULE('constraintName', (): string | undefined =>
    this.OPTION(() => { this.k('constraint'); return this.SUBRULE(this.ident) }))

  protected readonly columnConstraint = this.RULE('columnConstraint', (): ColumnConstraint => {
    const position = this.at(this.LA(1))
    const name = this.SUBRULE(this.constraintName)
    const c = this.OR([
      { ALT: () => { this.k('primary'); this.k('key'); return { name, kind: 'primary-key' } satisfies { name: string | undefined } & ColumnConstraintBody } },
      { ALT: () => { this.k('not'); this.k('null'); return { name, kind: 'not-null' } satisfies { name: string | undefined } & ColumnConstraintBody } },
      { ALT: () => { this.CONSUME1(kw('null')); return { name, kind: 'null' } satisfies { name: string | undefined } & ColumnConstraintBody } },
      { ALT: () => { this.k('unique'); return { name, kind: 'unique' } satisfies { name: string | undefined } & ColumnConstraintBody } },
      { ALT: () => { this.k('default'); return { name, kind: 'default', expr: this.SUBRULE(this.defaultExpr) } satisfies { name: string | undefined } & ColumnConstraintBody } },
      { ALT: () => { this.k('check'); return { name, kind: 'check', expr: this.SUBRULE(this.parenExpr) } satisfies { name: string | undefined } & ColumnConstraintBody } },
      { ALT: () => ({ name, kind: 'references', references: this.SUBRULE(this.references) }) satisfies { name: string | undefined } & ColumnConstraintBody },
      { ALT: () => {
        this.k('generated')
        const always = this.OR1([{ ALT: () => { this.k('always'); return true } }, { ALT: () => { this.k('by'); this.CONSUME2(kw('default')); return false } }])
        this.k('as')
        this.k('identity')
        return { name, kind: 'identity', always } satisfies { name: string | undefined } & ColumnConstraintBody
      } },
    ])
    return { ...c, position } as ColumnConstraint
  })

  /**
   * DEFAULT takes a b_expr in PostgreSQL (no AND/OR/NOT at the top level); we take a
   * full expression, which is unambiguous here because `NOT NULL` after an operand
   * is not an expression continuation (only NOT BETWEEN/IN/LIKE are): `inDefault`
   * tells predicateExpr so.
   */
  protected readonly defaultExpr = this.RULE('defaultExpr', (): Expr => {
    const outer = this.inDefault
    this.inDefault = true
    try {
      return this.SUBRULE(this.expr)
    } finally {
      this.inDefault = outer
    }
  })

  protected readonly parenExpr = this.RULE('parenExpr', (): Expr => {
    this.CONSUME(T.LParen)
    const e = this.SUBRULE(this.expr)
    this.CONSUME(T.RParen)
    return e
  })

  protected readonly tableConstraint = this.RULE('tableConstraint', (): TableConstraint => {
    const name = this.SUBRULE(this.constraintName)
    return this.OR([
      { ALT: () => { this.k('primary'); this.k('key'); return { name, kind: 'primary-key', columns: this.SUBRULE(this.identList) } satisfies TableConstraint } },
      { ALT: () => { this.k('unique'); return { name, kind: 'unique', columns: this.SUBRULE1(this.identList) } satisfies TableConstraint } },
      { ALT: () => { this.k('check'); return { name, kind: 'check', expr: this.SUBRULE(this.parenExpr) } satisfies TableConstraint } },
      { ALT: () => {
        this.k('foreign')
        this.CONSUME1(kw('key'))
        const columns = this.SUBRULE2(this.identList)
        return { name, kind: 'foreign-key', columns, references: this.SUBRULE(this.references) } satisfies TableConstraint
      } },
    ])
  })

  protected readonly columnDef = this.RULE('columnDef', (): ColumnDef => {
    const position = this.at(this.LA(1))
    const name = this.SUBRULE(this.ident)
    const type = this.SUBRULE(this.typeName)
    const constraints: ColumnConstraint[] = []
    this.MANY(() => { constraints.push(this.SUBRULE(this.columnConstraint)) })
    return { name, type, constraints, position }
  })

  protected readonly createTable = this.RULE('createTable', (): Statement => {
    const t = this.k('table')
    const ifNotExists = this.SUBRULE(this.ifNotExists)
    const name = this.SUBRULE(this.ident)
    const columns: ColumnDef[] = []
    const constraints: TableConstraint[] = []
    this.CONSUME(T.LParen)
    this.MANY_SEP({ SEP: T.Comma, DEF: () => this.OR([
      { ALT: () => { constraints.push(this.SUBRULE(this.tableConstraint)) } },
      { ALT: () => { columns.push(this.SUBRULE(this.columnDef)) } },
    ]) })
    this.CONSUME(T.RParen)
    const options: { name: string; value: string }[] = []
    this.OPTION(() => {
      this.k('with')
      this.CONSUME1(T.LParen)
      this.AT_LEAST_ONE_SEP({ SEP: T.Comma, DEF: () => {
        const option = this.SUBRULE1(this.ident)
        this.CONSUME(T.Equals)
        options.push({ name: option, value: this.SUBRULE(this.settingValue) })
      } })
      this.CONSUME1(T.RParen)
    })
    const distribution = this.OPTION1(() => {
      const d = this.k('distributed')
      return this.OR1([
        { ALT: (): DistributionClause => { this.k('by'); return { kind: 'hash', columns: this.SUBRULE(this.identList), position: this.at(d) } } },
        { ALT: (): DistributionClause => { this.k('replicated'); return { kind: 'replicated', position: this.at(d) } } },
      ])
    })
    return { kind: 'create-table', name, ifNotExists, columns, constraints, options, ...(distribution === undefined ? {} : { distribution }), position: this.at(t) }
  })

  protected readonly indexColumn = this.RULE('indexColumn', (): IndexColumn => this.SUBRULE(this.orderItem))

  protected readonly createIndex = this.RULE('createIndex', (): Statement => {
    const unique = this.OPTION(() => this.k('unique')) !== undefined
    this.k('index')
    const ifNotExists = this.SUBRULE(this.ifNotExists)
    const name = this.OPTION1(() => this.SUBRULE(this.ident))
    this.k('on')
    const table = this.SUBRULE1(this.ident)
    const method = this.OPTION2(() => { this.k('using'); return this.SUBRULE2(this.ident) })
    const columns: IndexColumn[] = []
    this.CONSUME(T.LParen)
    this.AT_LEAST_ONE_SEP({ SEP: T.Comma, DEF: () => { columns.push(this.SUBRULE(this.indexColumn)) } })
    this.CONSUME(T.RParen)
    const where = this.OPTION3(() => { this.k('where'); return this.SUBRULE(this.expr) })
    return { kind: 'create-index', name, unique, ifNotExists, table, method, columns, where, position: 0 }
  })

  protected readonly createStmt = this.RULE('createStmt', (): Statement => {
    const t = this.k('create')
    const position = this.at(t)
    const stmt = this.OR([
      { ALT: () => this.SUBRULE(this.createTable) },
      { ALT: () => this.SUBRULE(this.createIndex) },
      { ALT: () => {
        const orReplace = this.OPTION(() => { this.k('or'); this.k('replace'); return true }) ?? false
        this.k('view')
        const name = this.SUBRULE(this.ident)
        const columns = this.OPTION1(() => this.SUBRULE(this.identList)) ?? []
        this.k('as')
        return { kind: 'create-view', name, orReplace, columns, query: this.SUBRULE(this.query), position } satisfies Statement
      } },
      { ALT: () => {
        this.k('sequence')
        const name = this.SUBRULE1(this.ident)
        let start: bigint | undefined
        let increment: bigint | undefined
        this.MANY(() => this.OR1([
          { ALT: () => { this.k('start'); this.OPTION2(() => this.k('with')); start = this.SUBRULE(this.signedInt) } },
          { ALT: () => { this.k('increment'); this.OPTION3(() => this.k('by')); increment = this.SUBRULE1(this.signedInt) } },
        ]))
        return { kind: 'create-sequence', name, start, increment, position } satisfies Statement
      } },
    ])
    return { ...stmt, position }
  })

  /** Exact (a bigint), so that a value past 2^53 is not rounded and one past int8 can be refused. */
  protected readonly signedInt = this.RULE('signedInt', (): bigint => {
    const minus = this.OPTION(() => this.CONSUME(T.Minus)) !== undefined
    const image = this.CONSUME(T.IntegerLit).image
    const n = /^[0-9]+$/.test(image) ? BigInt(image) : 0n
    return minus ? -n : n
  })

  protected readonly dropStmt = this.RULE('dropStmt', (): Statement => {
    const position = this.at(this.k('drop'))
    return this.OR([
      { ALT: () => {
        this.k('table')
        const ifExists = this.SUBRULE(this.ifExists)
        const names = this.SUBRULE(this.nameList)
        return { kind: 'drop-table', names, ifExists, behavior: this.SUBRULE(this.behavior), position } satisfies Statement
      } },
      { ALT: () => {
        this.k('index')
        const ifExists = this.SUBRULE1(this.ifExists)
        const names = this.SUBRULE1(this.nameList)
        this.SUBRULE1(this.behavior)
        return { kind: 'drop-index', names, ifExists, position } satisfies Statement
      } },
      { ALT: () => {
        this.k('view')
        const ifExists = this.SUBRULE2(this.ifExists)
        const names = this.SUBRULE2(this.nameList)
        this.SUBRULE2(this.behavior)
        return { kind: 'drop-view', names, ifExists, position } satisfies Statement
      } },
    ])
  })

  protected readonly alterAction = this.RULE('alterAction', (): AlterAction => this.OR([
    { ALT: () => {
      this.k('add')
      return this.OR1([
        { ALT: () => ({ kind: 'add-constraint', constraint: this.SUBRULE(this.tableConstraint) }) satisfies AlterAction },
        { ALT: () => {
          this.OPTION(() => this.k('column'))
          const ifNotExists = this.SUBRULE(this.ifNotExists)
          return { kind: 'add-column', column: this.SUBRULE(this.columnDef), ifNotExists } satisfies AlterAction
        } },
      ])
    } },
    { ALT: () => {
      this.k('drop')
      this.OPTION1(() => this.CONSUME1(kw('column')))
      const ifExists = this.SUBRULE(this.ifExists)
      const name = this.SUBRULE(this.ident)
      return { kind: 'drop-column', name, ifExists, behavior: this.SUBRULE(this.behavior) } satisfies AlterAction
    } },
    { ALT: () => {
      this.k('rename')
      return this.OR2([
        { ALT: () => { this.k('to'); return { kind: 'rename-table', to: this.SUBRULE1(this.ident) } satisfies AlterAction } },
        { ALT: () => {
          this.OPTION2(() => this.CONSUME2(kw('column')))
          const from = this.SUBRULE2(this.ident)
          this.CONSUME1(kw('to'))
          return { kind: 'rename-column', from, to: this.SUBRULE3(this.ident) } satisfies AlterAction
        } },
      ])
    } },
  ]))

  protected readonly alterTable = this.RULE('alterTable', (): Statement => {
    const t = this.k('alter')
    this.k('table')
    const name = this.SUBRULE(this.ident)
    const actions: AlterAction[] = []
    this.AT_LEAST_ONE_SEP({ SEP: T.Comma, DEF: () => { actions.push(this.SUBRULE(this.alterAction)) } })
    return { kind: 'alter-table', name, actions, position: this.at(t) }
  })

}
