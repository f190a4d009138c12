/**
 * Grammar of statements: the entry rule, DML, transaction control, settings,
 * maintenance, EXPLAIN and COPY, on top of the DDL, query and expression rules
 * (grammar-ddl.ts → grammar-query.ts → grammar-expr.ts: one grammar, one class
 * chain, split by concept).
 *
 * `script` is the entry rule: statements separated by `;`, empty ones skipped, as
 * PostgreSQL's simple-query protocol accepts them. One `SqlParser` is built per
 * process (grammar analysis is the expensive part) and re-used for every parse.
 */
import type { Assignment, OnConflict, Returning, SettingValue, Statement, TransactionModes } from './statements.js'
import { ClusterParser } from './grammar-cluster.js'
import * as T from './tokens.js'
import { kw } from './tokens.js'

export class SqlParser extends ClusterParser {
  constructor() {
    super()
    this.performSelfAnalysis()
  }

  readonly script = this.RULE('script', (): Statement[] => {
    const out: Statement[] = []
    this.OPTION(() => { out.push(this.SUBRULE(this.statement)) })
    this.MANY(() => {
      this.CONSUME(T.Semicolon)
      this.OPTION1(() => { out.push(this.SUBRULE1(this.statement)) })
    })
    return out
  })

  protected readonly statement = this.RULE('statement', (): Statement => this.OR([
    { ALT: () => this.SUBRULE(this.query) },
    { ALT: () => this.SUBRULE(this.insert) },
    { ALT: () => this.SUBRULE(this.update) },
    { ALT: () => this.SUBRULE(this.deleteStmt) },
    { ALT: () => this.SUBRULE(this.transactionStmt) },
    { ALT: () => this.SUBRULE(this.settingStmt) },
    { ALT: () => this.SUBRULE(this.createStmt) },
    { ALT: () => this.SUBRULE(this.createClusterStmt) },
    { ALT: () => this.SUBRULE(this.dropStmt) },
    { ALT: () => this.SUBRULE(this.dropClusterStmt) },
    { ALT: () => this.SUBRULE(this.alterTable) },
    { ALT: () => this.SUBRULE(this.alterRoleStmt) },
    { ALT: () => this.SUBRULE(this.alterDatabaseStmt) },
    { ALT: () => this.SUBRULE(this.maintenanceStmt) },
    { ALT: () => this.SUBRULE(this.copyStmt) },
  ]))

  // ── DML ────────────────────────────────────────────────────────────────────

  protected readonly returning = this.RULE('returning', (): Returning =>
    this.OPTION(() => { this.k('returning'); return this.SUBRULE(this.selectList) }) ?? [])

  protected readonly assignments = this.RULE('assignments', (): Assignment[] => {
    const out: Assignment[] = []
    this.AT_LEAST_ONE_SEP({ SEP: T.Comma, DEF: () => {
      const position = this.at(this.LA(1))
      const column = this.SUBRULE(this.ident)
      this.CONSUME(T.Equals)
      out.push({ column, value: this.SUBRULE(this.expr), position })
    } })
    return out
  })

  protected readonly insert = this.RULE('insert', (): Statement => {
    const t = this.k('insert')
    this.k('into')
    const { schema, table, tablePosition } = this.SUBRULE(this.targetName)
    const alias = this.OPTION(() => { this.k('as'); return this.SUBRULE1(this.ident) })
    const columnPositions: number[] = []
    const columns = this.OPTION1({
      GATE: () => !this.laIs(2, kw('select'), kw('with'), kw('values')),
      DEF: () => {
        const names: string[] = []
        this.CONSUME(T.LParen)
        this.AT_LEAST_ONE_SEP({ SEP: T.Comma, DEF: () => {
          columnPositions.push(this.at(this.LA(1)))
          names.push(this.SUBRULE2(this.ident))
        } })
        this.CONSUME(T.RParen)
        return names
      },
    }) ?? []
    const source = this.OR([
      { ALT: () => { this.k('default'); this.k('values'); return 'default-values' as const } },
      { ALT: () => this.SUBRULE(this.query) },
    ])
    const onConflict = this.OPTION2(() => this.SUBRULE(this.onConflict))
    const returning = this.SUBRULE(this.returning)
    return { kind: 'insert', schema, table, tablePosition, alias, columns, columnPositions, source, onConflict, returning, position: this.at(t) }
  })

  protected readonly onConflict = this.RULE('onConflict', (): OnConflict => {
    this.k('on')
    this.k('conflict')
    const columns = this.OPTION(() => this.SUBRULE(this.identList)) ?? []
    this.k('do')
    return this.OR([
      { ALT: () => { this.k('nothing'); return { action: 'nothing', columns } satisfies OnConflict } },
      { ALT: () => {
        this.k('update')
        this.k('set')
        const set = this.SUBRULE(this.assignments)
        const where = this.OPTION1(() => { this.k('where'); return this.SUBRULE(this.expr) })
        return { action: 'update', columns, set, where } satisfies OnConflict
      } },
    ])
  })

  protected readonly targetAlias = this.RULE('targetAlias', (): string | undefined => this.OPTION({
    GATE: () => !this.laIs(1, kw('set')),
    DEF: () => { this.OPTION1(() => this.k('as')); return this.SUBRULE(this.ident) },
  }))

  /** The table an INSERT, UPDATE or DELETE writes: `name` or `schema.name`. */
  protected readonly targetName = this.RULE('targetName', (): { schema: string | undefined; table: string; tablePosition: number } => {
    const tablePosition = this.at(this.LA(1))
    const first = this.SUBRULE(this.ident)
    const second = this.OPTION(() => { this.CONSUME(T.Dot); return this.SUBRULE1(this.ident) })
    return second === undefined ? { schema: undefined, table: first, tablePosition } : { schema: first, table: second, tablePosition }
  })

  protected readonly update = this.RULE('update', (): Statement => {
    const t = this.k('update')
    const { schema, table, tablePosition } = this.SUBRULE1(this.targetName)
    const alias = this.SUBRULE(this.targetAlias)
    this.k('set')
    const set = this.SUBRULE(this.assignments)
    const from = this.OPTION(() => { this.k('from'); return this.SUBRULE(this.fromList) }) ?? []
    const where = this.OPTION1(() => { this.k('where'); return this.SUBRULE(this.expr) })
    const returning = this.SUBRULE(this.returning)
    return { kind: 'update', schema, table, tablePosition, alias, set, from, where, returning, position: this.at(t) }
  })

  protected readonly deleteStmt = this.RULE('deleteStmt', (): Statement => {
    const t = this.k('delete')
    this.k('from')
    const { schema, table, tablePosition } = this.SUBRULE2(this.targetName)
    const alias = this.SUBRULE(this.targetAlias)
    const using = this.OPTION(() => { this.k('using'); return this.SUBRULE(this.fromList) }) ?? []
    const where = this.OPTION1(() => { this.k('where'); return this.SUBRULE(this.expr) })
    const returning = this.SUBRULE(this.returning)
    return { kind: 'delete', schema, table, tablePosition, alias, using, where, returning, position: this.at(t) }
  })

  // ── transactions and settings ──────────────────────────────────────────────

  protected readonly transactionMode = this.RULE('transactionMode', (): Partial<TransactionModes> => this.OR([
    { ALT: () => {
      this.k('isolation')
      this.k('level')
      const isolation = this.OR1([
        { ALT: () => { this.k('serializable'); return 'serializable' as const } },
        { ALT: () => { this.k('repeatable'); this.k('read'); return 'repeatable read' as const } },
        { ALT: () => {
          this.CONSUME1(kw('read'))
          return this.OR2([
            { ALT: () => { this.k('committed'); return 'read committed' as const } },
            { ALT: () => { this.k('uncommitted'); return 'read uncommitted' as const } },
          ])
        } },
      ])
      return { isolation }
    } },
    { ALT: () => {
      this.CONSUME2(kw('read'))
      return { readOnly: this.OR3([{ ALT: () => { this.k('only'); return true } }, { ALT: () => { this.k('write'); return false } }]) }
    } },
    { ALT: () => { this.k('deferrable'); return { deferrable: true } } },
    { ALT: () => { this.k('not'); this.CONSUME1(kw('deferrable')); return { deferrable: false } } },
  ]))

  /** Transaction modes, separated by commas or just by spaces (PostgreSQL takes both); a later mode wins. */
  protected readonly transactionModes = this.RULE('transactionModes', (): TransactionModes => {
    const modes: Partial<TransactionModes>[] = []
    this.OPTION(() => {
      modes.push(this.SUBRULE(this.transactionMode))
      this.MANY(() => {
        this.OPTION1(() => this.CONSUME(T.Comma))
        modes.push(this.SUBRULE1(this.transactionMode))
      })
    })
    const merged: Partial<TransactionModes> = Object.assign({}, ...modes)
    return { isolation: merged.isolation, readOnly: merged.readOnly, deferrable: merged.deferrable }
  })

  /** `WORK` / `TRANSACTION` after BEGIN, COMMIT, ROLLBACK …: noise words. */
  protected readonly noise = this.RULE('noise', (): void => {
    this.OPTION(() => this.OR([{ ALT: () => this.k('work') }, { ALT: () => this.k('transaction') }]))
  })

  protected readonly transactionStmt = this.RULE('transactionStmt', (): Statement => {
    const t = this.LA(1)
    const position = this.at(t)
    return this.OR([
      { ALT: () => { this.k('begin'); this.SUBRULE1(this.noise); return { kind: 'begin', modes: this.SUBRULE(this.transactionModes), position } satisfies Statement } },
      { ALT: () => { this.k('start'); this.CONSUME1(kw('transaction')); return { kind: 'begin', modes: this.SUBRULE1(this.transactionModes), position } satisfies Statement } },
      { ALT: () => this.OR1([
        { ALT: () => { this.k('commit'); this.k('prepared'); return { kind: 'commit-prepared', gid: this.word(this.CONSUME(T.StringLit)), position } satisfies Statement } },
        { ALT: () => { this.CONSUME1(kw('commit')); this.SUBRULE2(this.noise); return { kind: 'commit', position } satisfies Statement } },
        { ALT: () => { this.k('end'); this.SUBRULE3(this.noise); return { kind: 'commit', position } satisfies Statement } },
      ]) },
      { ALT: () => { this.k('abort'); this.SUBRULE4(this.noise); return { kind: 'rollback', position } satisfies Statement } },
      { ALT: () => {
        this.k('rollback')
        return this.OR2([
          { ALT: () => { this.CONSUME1(kw('prepared')); return { kind: 'rollback-prepared', gid: this.word(this.CONSUME1(T.StringLit)), position } satisfies Statement } },
          { ALT: () => {
            this.SUBRULE5(this.noise)
            return this.OPTION1(() => {
              this.k('to')
              this.OPTION2(() => this.k('savepoint'))
              return { kind: 'rollback-to', name: this.SUBRULE(this.ident), position } satisfies Statement
            }) ?? { kind: 'rollback', position }
          } },
        ])
      } },
      { ALT: () => { this.CONSUME1(kw('savepoint')); return { kind: 'savepoint', name: this.SUBRULE1(this.ident), position } satisfies Statement } },
      { ALT: () => {
        this.k('release')
        this.OPTION3(() => this.CONSUME2(kw('savepoint')))
        return { kind: 'release', name: this.SUBRULE2(this.ident), position } satisfies Statement
      } },
      { ALT: () => {
        this.k('prepare')
        this.CONSUME2(kw('transaction'))
        return { kind: 'prepare-transaction', gid: this.word(this.CONSUME2(T.StringLit)), position } satisfies Statement
      } },
    ])
  })

  /** A setting name: `a` or `a.b` (extension-style names). */
  protected readonly settingName = this.RULE('settingName', (): string => {
    let name = this.SUBRULE(this.ident)
    this.MANY(() => { this.CONSUME(T.Dot); name += '.' + this.SUBRULE1(this.ident) })
    return name
  })

  protected readonly settingStmt = this.RULE('settingStmt', (): Statement => {
    const position = this.at(this.LA(1))
    return this.OR([
      { ALT: () => {
        this.k('set')
        return this.OR1([
          { ALT: () => { this.k('transaction'); return { kind: 'set-transaction', modes: this.SUBRULE(this.transactionModes), position } satisfies Statement }, IGNORE_AMBIGUITIES: true },
          { ALT: () => {
            const scope = this.OPTION(() => this.OR2([
              { ALT: () => { this.k('local'); return 'local' as const } },
              { ALT: () => { this.k('session'); return 'session' as const } },
            ])) ?? 'session'
            const name = this.SUBRULE(this.settingName)
            this.OR3([{ ALT: () => this.k('to') }, { ALT: () => this.CONSUME(T.Equals) }])
            const value = this.OR4([
              { ALT: () => { this.k('default'); return { kind: 'default' } satisfies SettingValue } },
              { ALT: () => {
                const values: string[] = []
                this.AT_LEAST_ONE_SEP({ SEP: T.Comma, DEF: () => { values.push(this.SUBRULE(this.settingValue)) } })
                return { kind: 'values', values } satisfies SettingValue
              } },
            ])
            return { kind: 'set', scope, name, value, position } satisfies Statement
          }, IGNORE_AMBIGUITIES: true },
        ])
      } },
      { ALT: () => { this.k('show'); return { kind: 'show', name: this.OR5([{ ALT: () => { this.k('all'); return 'all' } }, { ALT: () => this.SUBRULE1(this.settingName) }]), position } satisfies Statement } },
      { ALT: () => { this.k('reset'); return { kind: 'reset', name: this.OR6([{ ALT: () => { this.CONSUME1(kw('all')); return 'all' } }, { ALT: () => this.SUBRULE2(this.settingName) }]), position } satisfies Statement } },
    ])
  })

  // ── maintenance, EXPLAIN, COPY ─────────────────────────────────────────────

  protected readonly maintenanceStmt = this.RULE('maintenanceStmt', (): Statement => {
    const position = this.at(this.LA(1))
    return this.OR([
      { ALT: () => {
        this.k('vacuum')
        const analyze = this.OPTION(() => this.k('analyze')) !== undefined
        const tables = this.OPTION1(() => this.SUBRULE(this.nameList)) ?? []
        return { kind: 'vacuum', analyze, tables, position } satisfies Statement
      } },
      { ALT: () => {
        this.CONSUME1(kw('analyze'))
        return { kind: 'analyze', tables: this.OPTION2(() => this.SUBRULE1(this.nameList)) ?? [], position } satisfies Statement
      } },
      { ALT: () => {
        this.k('truncate')
        this.OPTION3(() => this.k('table'))
        const names = this.SUBRULE2(this.nameList)
        this.SUBRULE(this.behavior)
        return { kind: 'truncate', names, position } satisfies Statement
      } },
      { ALT: () => {
        this.k('explain')
        const analyze = this.OPTION4(() => this.CONSUME2(kw('analyze'))) !== undefined
        return { kind: 'explain', analyze, statement: this.SUBRULE(this.statement), position } satisfies Statement
      } },
    ])
  })

  protected readonly copyStmt = this.RULE('copyStmt', (): Statement => {
    const t = this.k('copy')
    const table = this.SUBRULE(this.ident)
    const columns = this.OPTION(() => this.SUBRULE(this.identList)) ?? []
    const direction = this.OR([
      { ALT: () => { this.k('from'); this.k('stdin'); return 'from-stdin' as const } },
      { ALT: () => { this.k('to'); this.k('stdout'); return 'to-stdout' as const } },
    ])
    let format: 'text' | 'csv' = 'text'
    let header = false
    this.OPTION1(() => this.OR1([
      { ALT: () => {
        this.OPTION2(() => this.k('with'))
        this.CONSUME(T.LParen)
        this.AT_LEAST_ONE_SEP({ SEP: T.Comma, DEF: () => {
          const option = this.OR2([{ ALT: () => this.SUBRULE1(this.ident) }])
          const value = this.OPTION3(() => this.SUBRULE(this.settingValue))
          if (option === 'format') format = value === 'csv' ? 'csv' : 'text'
          if (option === 'header') header = value === undefined || ['true', 'on', '1'].includes(value)
        } })
        this.CONSUME(T.RParen)
      } },
      { ALT: () => {
        this.AT_LEAST_ONE(() => this.OR3([
          { ALT: () => { this.k('csv'); format = 'csv' } },
          { ALT: () => { this.k('header'); header = true } },
        ]))
      } },
    ]))
    return { kind: 'copy', table, columns, direction, format, header, position: this.at(t) }
  })
}

