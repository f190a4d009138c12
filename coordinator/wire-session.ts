/**
 * A session over shards in the shape the wire server's connections use (the
 * server's WireSession), for `isola start --shards N` and `isola coordinator`:
 * statements run through a ClusterSession; the rest is kept here.
 *
 *   - Parse and Describe ask a Describer: one local shard's engine session (`start
 *     --shards`), or a remote shard over the wire (remote-describer.ts, `isola
 *     coordinator`, which has no engine of its own). Every shard has the same
 *     schema, so parameter types and result columns are what one node would say.
 *   - SET, SHOW and RESET keep the session's settings in a settings session: an
 *     engine session that runs nothing else (shard 0's for `start --shards`, one of
 *     a tiny in-memory engine in a coordinator process). It follows the client's
 *     transaction blocks, so SET LOCAL and a rolled-back SET behave as in PostgreSQL.
 *   - Settings that must hold on the shards reach them: default_transaction_isolation
 *     and default_transaction_read_only choose the distributed transaction's modes
 *     (BEGIN's own modes win); lock_timeout goes as SET LOCAL in each branch at its
 *     begin (read then); statement_timeout is kept here, by the coordinator,
 *     which cancels the statement on its shards when it runs out (so it also covers
 *     a change in the middle of a block), and reports 57014 as PostgreSQL does.
 *   - CancelRequest cancels the statement running on the shards (Branch.cancel:
 *     the engine session's cancel, or the wire protocol's CancelRequest with the
 *     shard connection's BackendKeyData): the client gets 57014.
 *   - `isola_distributed_xacts` (distributed-xacts.ts) is answered here.
 *
 * COPY runs through the coordinator (cluster-copy.ts).
 *
 * Shortcuts we admit: each statement of the extended protocol outside a block is its own distributed
 * transaction; statement_timeout does not interrupt the coordinator's own work
 * (merging, pull plans), only the shards' statements.
 */
import { dbError, isIsolaError } from '../common/errors.js'
import { durationMs, result, type CopyIn, type PreparedStatement, type Session, type SqlType, type StatementResult } from '../engine/index.js'
import { parse, type Statement } from '../parser/index.js'
import { ClusterSession, type ClientSettings, type ClusterMetadata } from './cluster-session.js'
import type { CopyStatement } from './cluster-copy.js'
import type { Coordinator } from './coordinator.js'
import { assertReadOfView, distributedXacts, readsDistributedXacts, withDistributedXacts } from './distributed-xacts.js'
import type { Describer } from './remote-describer.js'

const LOCAL = new Set(['set', 'show', 'reset'])
const SAVEPOINTS = new Set(['savepoint', 'release', 'rollback-to'])

/** Statements that leave the schema as it is; anything else may change what a Describe says. */
const NOT_DDL = new Set(['query', 'insert', 'update', 'delete', 'values', 'begin', 'commit', 'rollback', 'savepoint', 'release', 'rollback-to', 'set-transaction', 'explain', 'set', 'show', 'reset', 'copy', 'analyze', 'vacuum', 'check', 'prepare-transaction', 'commit-prepared', 'rollback-prepared'])

function copyStatement(sql: string, direction: 'from-stdin' | 'to-stdout'): CopyStatement {
  const s = parse(sql)[0]
  if (s?.kind !== 'copy' || s.direction !== direction) throw dbError('syntax_error', `not a COPY … ${direction === 'from-stdin' ? 'FROM STDIN' : 'TO STDOUT'} statement`)
  return s
}

/** Settings a branch takes from the client's session when its transaction begins (only when not at their default). */
const BRANCH_SETTINGS = ['lock_timeout'] as const

/**
 * The client session's settings as its distributed transactions take them: the
 * branches' (BranchOptions.settings) and the default isolation and read-only mode.
 */
export function clientSettings(settings: Session['settings']): ClientSettings {
  return {
    branch() {
      let out: Record<string, string> | undefined
      for (const name of BRANCH_SETTINGS) {
        const v = settings.get(name)
        if (v !== undefined && durationMs(v) > 0) (out ??= {})[name] = v
      }
      return out
    },
    defaults() {
      const iso = settings.get('default_transaction_isolation') ?? 'read committed'
      return {
        isolation: iso === 'serializable' || iso === 'repeatable read' ? iso : 'read committed',
        readOnly: settings.get('default_transaction_read_only') === 'on',
      }
    },
  }
}

export class ShardedWireSession {
  constructor(
    private readonly cluster: ClusterSession,
    /** The keeper of settings (SET, SHOW, RESET run there). */
    private readonly local: Session,
    /** Answers Parse and Describe. */
    private readonly describer: Describer,
    /** For isola_distributed_xacts. */
    private readonly coordinator: Coordinator,
  ) {}

  /** The block ran DDL: the describer's cache is dropped when it ends. */
  private ddlInBlock = false

  /**
   * A client's session over a coordinator: `local` keeps its settings (and
   * describes statements, unless a describer is given); its branches take the
   * settings' lock_timeout.
   */
  static open(coordinator: Coordinator, metadata: ClusterMetadata, local: Session, describer: Describer = local): ShardedWireSession {
    return new ShardedWireSession(new ClusterSession(coordinator, metadata, clientSettings(local.settings)), local, describer, coordinator)
  }

  get settings(): Session['settings'] {
    return this.local.settings
  }

  get status(): 'I' | 'T' | 'E' {
    return this.cluster.status
  }

  /** What a coordinator above this one would ask of a branch (isola.transaction_writes): not tracked here. */
  readonly hasWrites = false
  readonly hasCatalogChanges = false

  async execute(sql: string, params: readonly unknown[] = [], onResult?: (r: StatementResult) => void): Promise<StatementResult[]> {
    const out: StatementResult[] = []
    for (const { text, stmt } of this.cluster.statements(sql)) {
      let results: StatementResult[]
      if (stmt !== undefined && LOCAL.has(stmt.kind)) {
        if (this.cluster.status === 'E') throw dbError('in_failed_sql_transaction', 'current transaction is aborted, commands ignored until end of transaction block')
        results = await this.local.execute(text, params)
      } else {
        let r: StatementResult | undefined
        if (stmt !== undefined && !NOT_DDL.has(stmt.kind)) this.ddlInBlock = true
        try {
          r = await this.statement(text, params, stmt)
          // The settings session keeps the savepoints too: ROLLBACK TO takes back the SET LOCALs after it.
          if (stmt !== undefined && SAVEPOINTS.has(stmt.kind)) await this.local.execute(text)
        } finally {
          await this.followBlock(r, stmt?.kind === 'begin' ? text : 'BEGIN')
        }
        results = [r]
      }
      for (const r of results) {
        out.push(r)
        onResult?.(r)
      }
    }
    return out
  }

  async prepare(sql: string, paramTypes: readonly (SqlType | undefined)[] = []): Promise<PreparedStatement> {
    const stmt = parse(sql)[0]
    if (stmt !== undefined && LOCAL.has(stmt.kind)) return this.local.prepare(sql, paramTypes)
    if (readsDistributedXacts(stmt)) return withDistributedXacts([], (s) => s.prepare(sql, paramTypes))
    return this.describer.prepare(sql, paramTypes)
  }

  async executePrepared(ps: PreparedStatement, params: readonly unknown[] = []): Promise<StatementResult> {
    const results = await this.execute(ps.sql, params)
    return results[results.length - 1] ?? result('', undefined, undefined, [], [])
  }

  async copyFrom(sql: string): Promise<CopyIn> {
    return this.cluster.copyFrom(copyStatement(sql, 'from-stdin'))
  }

  async copyTo(sql: string): Promise<{ data: string; rowCount: number }> {
    return this.cluster.copyTo(copyStatement(sql, 'to-stdout'))
  }

  cancel(): void {
    this.cluster.cancel()
  }

  beginImplicitBlock(_ps: PreparedStatement): void {}

  endImplicitBlock(): void {}

  async close(): Promise<void> {
    await this.cluster.close()
    await this.local.close()
  }

  /**
   * After each statement through the coordinator. A block (or statement) that ran DDL
   * and has ended drops the describer's cache: its DDL is committed on every shard
   * (a transaction with DDL is answered after phase two).
   *
   * The settings session follows the client's transaction blocks, so that SET LOCAL
   * lasts until the block ends and a block that rolls back takes its SETs back, as
   * in PostgreSQL; it begins with the client's BEGIN text, so SHOW
   * transaction_isolation tells the block's level. (Its block holds nothing: it runs
   * only SET, SHOW and RESET.)
   */
  private async followBlock(r: StatementResult | undefined, begin: string): Promise<void> {
    if (this.cluster.status === 'I' && this.ddlInBlock) {
      this.ddlInBlock = false
      this.describer.invalidate?.()
    }
    const inBlock = this.local.status !== 'I'
    if (this.cluster.status !== 'I' && !inBlock) await this.local.execute(begin)
    else if (this.cluster.status === 'I' && inBlock) await this.local.execute(r?.command === 'COMMIT' ? 'COMMIT' : 'ROLLBACK')
  }

  /** One statement through the coordinator, under the session's statement_timeout. */
  private async statement(text: string, params: readonly unknown[], stmt: Statement | undefined): Promise<StatementResult> {
    if (readsDistributedXacts(stmt)) {
      assertReadOfView(stmt!)
      const rows = await distributedXacts(this.coordinator)
      const results = await withDistributedXacts(rows, (s) => s.execute(text, params))
      return results[results.length - 1]!
    }
    const timeout = durationMs(this.local.settings.get('statement_timeout') ?? '0')
    if (timeout <= 0) return this.cluster.statement(text, params, stmt)
    let timedOut = false
    // Cancelled again until it ends: a CancelRequest that reaches a shard before its statement is lost there.
    let timer = setTimeout(function expire(this: void) {
      timedOut = true
      cancel()
      timer = setTimeout(expire, 200)
    }, timeout)
    const cancel = (): void => this.cluster.cancel()
    try {
      return await this.cluster.statement(text, params, stmt)
    } catch (e) {
      if (timedOut && isIsolaError(e, 'query_canceled')) throw dbError('query_canceled', 'canceling statement due to statement timeout')
      throw e
    } finally {
      clearTimeout(timer)
    }
  }
}
