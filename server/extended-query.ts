/**
 * The extended query protocol of one connection: prepared statements and portals.
 *
 *     Parse(name, sql, types) ─► statement ──Bind(params, formats)──► portal
 *     Describe S: ParameterDescription + RowDescription | NoData
 *     Describe P: RowDescription | NoData
 *     Execute(portal, maxRows): DataRow* then CommandComplete, or PortalSuspended
 *                               when maxRows stopped it (the next Execute goes on)
 *     Close S/P, Sync
 *
 * A portal runs its statement at its first Execute and keeps the result; later
 * Executes page through it (PostgreSQL runs the executor incrementally; the rows
 * are the same). After an error every message up to the next Sync is skipped.
 * The unnamed statement and portal are replaced by the next unnamed Parse/Bind.
 *
 * Statements executed between two Syncs outside a block share one implicit
 * transaction that Sync commits (or rolls back, after an error), as in PostgreSQL:
 * a pipeline whose third statement fails leaves nothing of the first two.
 */
import type { WireSession } from './server-options.js'
import { dbError } from '../common/errors.js'
import { TYPE_OIDS, typeOfOid, typeOid, type PreparedStatement, type SqlType, type StatementResult } from '../engine/index.js'
import type { BackendWriter } from './protocol/backend.js'
import { errorFields } from './protocol/error-fields.js'
import type { FrontendMessage } from './protocol/frontend.js'
import { sendNotices, sendRowDescription, sendRows } from './results-out.js'
import { binaryParamText } from './wire-values.js'

interface Portal {
  readonly statement: PreparedStatement
  readonly params: readonly (string | null)[]
  readonly resultFormats: readonly number[]
  result: StatementResult | undefined
  /** Rows of `result` already sent. */
  sent: number
}

export class ExtendedQuery {
  private readonly statements = new Map<string, PreparedStatement>()
  private readonly portals = new Map<string, Portal>()
  /** An error happened since the last Sync: skip to it. */
  private skipping = false

  constructor(
    private readonly session: WireSession,
    private readonly out: BackendWriter,
  ) {}

  /** A malformed message in the extended protocol: like an error, it skips to Sync. */
  failed(): void {
    this.skipping = true
  }

  /** Handles a message; a promise only when it must wait (Parse, Execute), so Bind, Describe and Close cost no await. */
  handle(m: FrontendMessage): void | Promise<void> {
    if (this.skipping) return
    try {
      switch (m.kind) {
        case 'parse':
          return this.parse(m.name, m.sql, m.paramTypes).catch(this.fail)
        case 'bind':
          return this.bind(m)
        case 'describe':
          return this.describe(m.target, m.name)
        case 'execute':
          return this.execute(m.portal, m.maxRows).catch(this.fail)
        case 'close':
          if (m.target === 'S') this.statements.delete(m.name)
          else this.portals.delete(m.name)
          return this.out.closeComplete()
        default:
          return
      }
    } catch (e) {
      this.fail(e)
    }
  }

  /** Not only database errors: whatever failed, the client hears of it, skips to Sync, and the connection goes on. */
  private readonly fail = (e: unknown): void => {
    this.out.errorOrNotice('E', errorFields(e))
    this.skipping = true
  }

  /**
   * Sync: the implicit transaction ends (committed, or rolled back after an error; a
   * failed commit is reported here), the error state ends, and portals do not
   * outlive their transaction.
   */
  sync(): void | Promise<void> {
    this.skipping = false
    const ended = this.session.endImplicitBlock()
    if (ended === undefined) return this.clearPortals()
    return ended.then(this.clearPortals, (e: unknown) => {
      this.out.errorOrNotice('E', errorFields(e))
      this.clearPortals()
    })
  }

  private readonly clearPortals = (): void => {
    if (this.session.status === 'I') this.portals.clear()
  }

  private async parse(name: string, sql: string, oids: readonly number[]): Promise<void> {
    if (name !== '' && this.statements.has(name)) throw dbError('duplicate_prepared_statement', `prepared statement "${name}" already exists`)
    const ps = await this.session.prepare(sql, oids.map(paramTypeOfOid))
    this.statements.set(name, ps)
    this.out.parseComplete()
  }

  private bind(m: FrontendMessage & { kind: 'bind' }): void {
    const ps = this.statement(m.statement)
    const types = ps.paramTypes
    if (m.params.length !== types.length) {
      throw dbError('protocol_violation', `bind message supplies ${m.params.length} parameters, but prepared statement "${m.statement}" requires ${types.length}`)
    }
    if (m.portal !== '' && this.portals.has(m.portal)) throw dbError('duplicate_cursor', `portal "${m.portal}" already exists`)
    const params = m.params.map((b, i) => {
      if (b === null) return null
      const binary = (m.paramFormats.length === 1 ? m.paramFormats[0] : m.paramFormats[i]) === 1
      return binary ? binaryParamText(types[i]!, b) : b.toString('utf8')
    })
    this.portals.set(m.portal, { statement: ps, params, resultFormats: m.resultFormats, result: undefined, sent: 0 })
    this.out.bindComplete()
  }

  private describe(target: 'S' | 'P', name: string): void {
    if (target === 'S') {
      const ps = this.statement(name)
      this.out.parameterDescription(ps.paramTypes.map((t) => (t.kind === 'unknown' ? TYPE_OIDS.text : typeOid(t))))
      if (ps.columns === undefined) this.out.noData()
      else sendRowDescription(this.out, ps.columns)
      return
    }
    const p = this.portal(name)
    const columns = p.statement.columns
    if (columns === undefined) this.out.noData()
    else sendRowDescription(this.out, columns, p.resultFormats)
  }

  private async execute(name: string, maxRows: number): Promise<void> {
    const p = this.portal(name)
    if (p.statement.statement === undefined) return this.out.emptyQueryResponse()
    if (p.statement.statement.kind === 'copy') throw dbError('feature_not_supported', 'COPY is supported in the simple query protocol only')
    if (p.result === undefined) {
      this.session.beginImplicitBlock(p.statement)
      p.result = await this.session.executePrepared(p.statement, p.params)
      sendNotices(this.out, p.result)
    }
    const r = p.result
    if (r.columns === undefined) return this.out.commandComplete(r.tag)
    const from = p.sent
    const to = maxRows > 0 ? Math.min(r.rows.length, from + maxRows) : r.rows.length
    sendRows(this.out, r, from, to, p.resultFormats)
    p.sent = to
    // Suspended whenever the limit was reached, even by the last row: PostgreSQL's executor stops at the
    // count without looking further, and the next Execute finds the end (SELECT 0).
    if (maxRows > 0 && to - from === maxRows) return this.out.portalSuspended()
    // A portal fetched in pieces reports the rows of its last piece, as PostgreSQL does.
    this.out.commandComplete(from === 0 ? r.tag : `${r.command} ${to - from}`)
  }

  private statement(name: string): PreparedStatement {
    const ps = this.statements.get(name)
    if (ps === undefined) throw dbError('invalid_sql_statement_name', `prepared statement "${name}" does not exist`)
    return ps
  }

  private portal(name: string): Portal {
    const p = this.portals.get(name)
    if (p === undefined) throw dbError('invalid_cursor_name', `portal "${name}" does not exist`)
    return p
  }
}

/** A Parse message's parameter type: unspecified (0), array and unknown oids are left to inference. */
function paramTypeOfOid(oid: number): SqlType | undefined {
  const t = typeOfOid(oid)
  return t?.kind === 'array' ? undefined : t
}
