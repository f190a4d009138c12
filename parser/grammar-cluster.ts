/**
 * Grammar of the cluster's shared objects: CREATE / ALTER (RENAME, OWNER) / DROP
 * DATABASE and CREATE / ALTER (attributes, RENAME) / DROP ROLE (USER), as gram.y's
 * CreatedbStmt, RenameStmt, AlterOwnerStmt, DropdbStmt, CreateRoleStmt,
 * AlterRoleStmt and DropRoleStmt.
 *
 * Role attributes are plain words in gram.y (`IDENT`), recognised after parsing:
 * an unknown one is PostgreSQL's `unrecognized role option "x"` (42601) at the
 * word. CREATE DATABASE takes any `name [=] value` options; the engine decides
 * which it honours.
 */
import type { RoleOption, Statement } from './statements.js'
import { dbError } from '../common/errors.js'
import { DdlParser } from './grammar-ddl.js'
import * as T from './tokens.js'
import { kw } from './tokens.js'

/** Role attribute words (gram.y's AlterOptRoleElem IDENT cases) → their option. */
const ROLE_FLAGS: ReadonlyMap<string, RoleOption> = new Map<string, RoleOption>([
  ['superuser', { kind: 'superuser', value: true }], ['nosuperuser', { kind: 'superuser', value: false }],
  // CREATEUSER is PostgreSQL's old spelling of SUPERUSER, still accepted.
  ['createuser', { kind: 'superuser', value: true }], ['nocreateuser', { kind: 'superuser', value: false }],
  ['login', { kind: 'login', value: true }], ['nologin', { kind: 'login', value: false }],
  ['createdb', { kind: 'createdb', value: true }], ['nocreatedb', { kind: 'createdb', value: false }],
  ['createrole', { kind: 'createrole', value: true }], ['nocreaterole', { kind: 'createrole', value: false }],
  ['inherit', { kind: 'inherit', value: true }], ['noinherit', { kind: 'inherit', value: false }],
  ['replication', { kind: 'replication', value: true }], ['noreplication', { kind: 'replication', value: false }],
  ['bypassrls', { kind: 'bypassrls', value: true }], ['nobypassrls', { kind: 'bypassrls', value: false }],
])

/** Words that start a role option of more than one token (never a flag). */
const ROLE_OPTION_WORDS = [kw('password'), kw('encrypted'), kw('connection'), kw('valid'), kw('rename')]

export class ClusterParser extends DdlParser {
  protected readonly roleOption = this.RULE('roleOption', (): RoleOption => this.OR({
    IGNORE_AMBIGUITIES: true,
    DEF: [
      { ALT: () => {
        this.k('password')
        return this.OR1([
          { ALT: () => ({ kind: 'password', value: this.word(this.CONSUME(T.StringLit)) }) satisfies RoleOption },
          { ALT: () => { this.k('null'); return { kind: 'password', value: null } satisfies RoleOption } },
        ])
      } },
      { ALT: () => {
        this.k('encrypted')
        this.CONSUME1(kw('password'))
        return { kind: 'password', value: this.word(this.CONSUME1(T.StringLit)) } satisfies RoleOption
      } },
      { ALT: () => {
        this.k('connection')
        this.k('limit')
        return { kind: 'connection-limit', value: Number(this.SUBRULE(this.signedInt)) } satisfies RoleOption
      } },
      { ALT: () => {
        this.k('valid')
        this.k('until')
        return { kind: 'valid-until', value: this.word(this.CONSUME2(T.StringLit)) } satisfies RoleOption
      } },
      { GATE: () => !this.laIs(1, ...ROLE_OPTION_WORDS), ALT: () => {
        const tok = this.CONSUME(T.Identifier)
        return this.ACTION(() => {
          const option = ROLE_FLAGS.get(this.word(tok))
          if (option === undefined) throw dbError('syntax_error', `unrecognized role option "${this.word(tok)}"`, { position: this.at(tok) })
          return option
        })
      } },
    ],
  }))

  protected readonly roleOptions = this.RULE('roleOptions', (): RoleOption[] => {
    const options: RoleOption[] = []
    this.OPTION(() => this.k('with'))
    this.MANY(() => { options.push(this.SUBRULE(this.roleOption)) })
    return options
  })

  /** `name [=] value` of CREATE DATABASE; CONNECTION LIMIT is the one two-word name; a DEFAULT value is undefined. */
  protected readonly createdbOption = this.RULE('createdbOption', (): { name: string; value: string | undefined } => {
    let name = this.SUBRULE(this.ident)
    this.OPTION(() => { this.k('limit'); name += ' limit' })
    this.OPTION1(() => this.CONSUME(T.Equals))
    const value = this.OR([
      { ALT: () => { this.k('default'); return undefined } },
      { ALT: () => this.SUBRULE(this.settingValue) },
    ])
    return { name, value }
  })

  protected readonly createClusterStmt = this.RULE('createClusterStmt', (): Statement => {
    const position = this.at(this.k('create'))
    return this.OR([
      { ALT: () => {
        this.k('database')
        const name = this.SUBRULE(this.ident)
        this.OPTION(() => this.k('with'))
        const options: { name: string; value: string | undefined }[] = []
        this.MANY(() => { options.push(this.SUBRULE(this.createdbOption)) })
        return { kind: 'create-database', name, options, position } satisfies Statement
      } },
      { ALT: () => {
        const user = this.OR1([{ ALT: () => { this.k('role'); return false } }, { ALT: () => { this.k('user'); return true } }])
        const name = this.SUBRULE1(this.ident)
        return { kind: 'create-role', name, user, options: this.SUBRULE(this.roleOptions), position } satisfies Statement
      } },
    ])
  })

  protected readonly alterRoleStmt = this.RULE('alterRoleStmt', (): Statement => {
    const position = this.at(this.k('alter'))
    this.OR([{ ALT: () => this.k('role') }, { ALT: () => this.k('user') }])
    const name = this.SUBRULE(this.ident)
    return this.OR1([
      { ALT: () => {
        this.k('rename')
        this.k('to')
        return { kind: 'rename-role', name, to: this.SUBRULE1(this.ident), position } satisfies Statement
      } },
      { ALT: () => ({ kind: 'alter-role', name, options: this.SUBRULE(this.roleOptions), position }) satisfies Statement },
    ])
  })

  protected readonly alterDatabaseStmt = this.RULE('alterDatabaseStmt', (): Statement => {
    const position = this.at(this.k('alter'))
    this.k('database')
    const name = this.SUBRULE(this.ident)
    return this.OR([
      { ALT: () => {
        this.k('rename')
        this.k('to')
        return { kind: 'alter-database', name, action: { kind: 'rename', to: this.SUBRULE1(this.ident) }, position } satisfies Statement
      } },
      { ALT: () => {
        this.k('owner')
        this.CONSUME1(kw('to'))
        return { kind: 'alter-database', name, action: { kind: 'owner', owner: this.SUBRULE2(this.ident) }, position } satisfies Statement
      } },
    ])
  })

  protected readonly dropClusterStmt = this.RULE('dropClusterStmt', (): Statement => {
    const position = this.at(this.k('drop'))
    return this.OR([
      { ALT: () => {
        this.k('database')
        const ifExists = this.SUBRULE(this.ifExists)
        const name = this.SUBRULE(this.ident)
        let force = false
        this.OPTION(() => {
          this.OPTION1(() => this.k('with'))
          this.CONSUME(T.LParen)
          this.AT_LEAST_ONE_SEP({ SEP: T.Comma, DEF: () => {
            const tok = this.CONSUME(T.Identifier)
            this.ACTION(() => {
              // gram.y knows only FORCE here: anything else is a plain syntax error.
              if (this.word(tok) !== 'force') throw dbError('syntax_error', `syntax error at or near "${tok.image}"`, { position: this.at(tok) })
              force = true
            })
          } })
          this.CONSUME(T.RParen)
        })
        return { kind: 'drop-database', name, ifExists, force, position } satisfies Statement
      } },
      { ALT: () => {
        this.OR1([{ ALT: () => this.k('role') }, { ALT: () => this.k('user') }])
        const ifExists = this.SUBRULE1(this.ifExists)
        return { kind: 'drop-role', names: this.SUBRULE(this.nameList), ifExists, position } satisfies Statement
      } },
    ])
  })
}
