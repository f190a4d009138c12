/**
 * A session: what one connection is. It owns a transaction state, settings and
 * prepared statements, and runs statements one at a time.
 *
 * Transaction states, as PostgreSQL's (xact.c):
 *
 *     idle ──BEGIN──► block ──error──► failed ──ROLLBACK [TO]──► idle / block
 *       │               │  COMMIT/ROLLBACK/PREPARE TRANSACTION ─► idle
 *       └─ a statement outside a block runs in its own (implicit) transaction
 *
 * Several statements in one `execute()` call (one simple-query message) share an
 * implicit transaction unless they manage their own, and an error ends the
 * message. In a failed block every statement but ROLLBACK (or COMMIT, which then
 * rolls back) is 25P02.
 */
import { dbError, IsolaError } from '../common/errors.js'
import { parse, type Statement, type TransactionModes } from '../parser/index.js'
import { NO_CONFLICTS, type Transaction } from '../txn/index.js'
import type { BindEnvironment } from './bind/binder.js'
import type { Catalog } from './catalog/catalog.js'
import type { SequenceInfo } from './catalog/schema.js'
import { SYSTEM_VIEWS, systemView } from './catalog/system-views.js'
import type { VirtualContext } from './catalog/virtual-table.js'
import { runClusterStatement, type ClusterStatement } from './cluster-admin.js'
import { copyIn, copyOut, type CopyIn } from './copy.js'
import type { Database } from './database.js'
import { TxnCatalog, type DdlContext } from './ddl/context.js'
import { DDL_TAGS, runDdl, isDdl, type Ddl } from './ddl/index.js'
import type { ExecContext, NodeStats, Row } from './exec/context.js'
import { regName } from './catalog/object-names.js'
import { runDelete, runInsert, runUpdate } from './exec/dml.js'
import { collectNow, StaleLockedRow } from './exec/run.js'
import type { WriteEnv } from './exec/table-writer.js'
import { currentTimestamp, type FunctionContext } from './functions/index.js'
import { asTimestamp, type Timestamp } from '../common/ids.js'
import { fromJs, toJs } from './js-values.js'
import { analyze, vacuum, type MaintenanceControl } from './maintenance.js'
import { ALL_METHODS, type PlanMethods } from './plan/access-path.js'
import { explainPlan } from './plan/explain.js'
import type { PhysicalPlan } from './plan/physical.js'
import { canonicalName, DEFAULTS, defaults, describeSetting, durationMs, normalize, settingNames } from './settings.js'
import { EXPLAIN_COLUMNS, result, resultColumns, SHOW_ALL_COLUMNS, textColumn, type Notice, type PreparedStatement, type QueryOptions, type QueryResult, type ResultColumn, type StatementResult } from './results.js'
import { isPlannable, planStatement, type PlannedStatement } from './statement-plan.js'
import { REG_TYPES, T, typeName, type SqlType, type SqlValue } from './values/index.js'

export interface SessionOptions {
  readonly user?: string
  readonly database?: string
  readonly applicationName?: string
  /**
   * Where the session's transactions take their snapshots: a coordinator's timestamp
   * oracle when the session runs a branch of a distributed transaction (the timestamps
   * must have been `Database.advanceClock`ed). Default: the node's own.
   */
  readonly snapshot?: () => Timestamp
}

/** Settings that show the current transaction's modes (reset when it ends). */
const TXN_SETTINGS = ['transaction_isolation', 'transaction_read_only', 'transaction_deferrable'] as const

/** Statements that may not run inside a transaction block (PreventInTransactionBlock in PostgreSQL). */
const OUTSIDE_BLOCKS: ReadonlySet<Statement['kind']> = new Set(['vacuum', 'commit-prepared', 'rollback-prepared', 'create-database', 'drop-database'])

/** Times a lock-taking query runs again with a new snapshot before it fails (see StaleLockedRow). */
const MAX_RESTARTS = 100

const concurrentUpdateError = () => dbError('serialization_failure', 'could not serialize access due to concurrent update', { hint: 'The transaction might succeed if retried.' })

/** How long a statement may keep the event loop before it lets timers and cancel requests in. */
const TURN_EVERY_MS = 20

const NO_MODES: TransactionModes = { isolation: undefined, readOnly: undefined, deferrable: undefined }

export class Session {
  readonly settings = defaults()
  private txn: Transaction | undefined
  private block: 'none' | 'implicit' | 'explicit' = 'none'
  private failed = false
  private modes: TransactionModes = NO_MODES
  private tc: TxnCatalog | undefined
  private savepoints: string[] = []
  /**
   * In a transaction block, the values settings had when it began, of those SET or RESET
   * since (undefined: it had none), so ROLLBACK can undo them; SET LOCAL's are undone at
   * the block's end. Kept per change rather than as a copy of every setting per BEGIN.
   */
  private settingsAtBegin: Map<string, string | undefined> | undefined
  private localSettings: Map<string, string> | undefined
  /** The settings (and SET LOCAL's undo) at each savepoint of the block, as `savepoints`: ROLLBACK TO takes back the SETs after it, as PostgreSQL does. */
  private settingsAtSavepoint: { readonly settings: Map<string, string>; readonly local: Map<string, string> | undefined }[] = []
  private txnStart = 0n
  /** The open transaction takes its snapshots from `isola.snapshot` (a coordinator's branch). */
  private txnCoordinated = false
  /** The transaction began for the statement about to start (its start is the statement's too). */
  private txnJustBegun = false
  private statementStart = 0n
  private readonly currvals = new Map<number, bigint>()
  private interrupted: IsolaError | undefined
  /** The transaction a running VACUUM or ANALYZE reads in (not the session's). */
  private maintenanceTxn: Transaction | undefined
  private timer: NodeJS.Timeout | undefined
  private queue: Promise<unknown> = Promise.resolve()
  /** The COPY FROM STDIN waiting for its data, if any. */
  private copying: CopyIn | undefined
  private closed = false
  private notices: Notice[] = []

  constructor(
    readonly db: Database,
    readonly options: SessionOptions & { readonly user: string; readonly database: string },
    readonly pid: number,
  ) {
    this.settings.set('session_authorization', options.user)
    if (options.applicationName !== undefined) this.settings.set('application_name', options.applicationName)
  }

  /** The transaction layer's id of the open transaction (isola_lock_waits names its session by it). */
  get txnId(): number | undefined {
    return this.txn?.id
  }

  /** Whether the open transaction has written anything (a coordinator skips phase two for a branch that has not). */
  get hasWrites(): boolean {
    return this.txn?.hasWrites ?? false
  }

  /** Whether the open transaction has changed the catalog (DDL): its changes reach other sessions when it commits. */
  get hasCatalogChanges(): boolean {
    return this.tc?.dirty ?? false
  }

  /**
   * COMMIT of the open transaction block at a coordinator's proposed timestamp (a
   * one-phase commit, DESIGN.md §2; `Database.advanceClock` it first): resolves with
   * the timestamp it committed at, max(proposed, highest served + 1), or undefined
   * when it wrote nothing. A failed block rolls back and fails with 25P02.
   */
  commitAt(proposedTs: Timestamp): Promise<Timestamp | undefined> {
    return this.serialized(async () => {
      if (this.block !== 'explicit') throw dbError('no_active_sql_transaction', 'there is no transaction in progress')
      if (this.failed) {
        await this.rollbackTxn()
        this.block = 'none'
        throw dbError('in_failed_sql_transaction', 'current transaction is aborted, commands ignored until end of transaction block')
      }
      try {
        return await this.commitTxn(proposedTs)
      } finally {
        this.block = 'none'
      }
    })
  }

  /** I (idle), T (in a transaction block) or E (failed block): ReadyForQuery's status. */
  get status(): 'I' | 'T' | 'E' {
    return this.block === 'explicit' ? (this.failed ? 'E' : 'T') : 'I'
  }

  // ── public API ────────────────────────────────────────────────────────────

  /** Runs SQL (several statements allowed) and returns the last statement's result, as JavaScript values. */
  async query<R = Record<string, unknown>>(sql: string, params: readonly unknown[] = [], options: QueryOptions = {}): Promise<QueryResult<R>> {
    const results = await this.execute(sql, params)
    const last = results[results.length - 1]
    if (last === undefined) return { rows: [], rowCount: 0, command: '', fields: [], notices: [] }
    const cols = last.columns ?? []
    const rows = last.rows.map((r) => {
      if (options.rowMode === 'array') return r.map((v, i) => toJs(v, cols[i]!.type)) as R
      const o: Record<string, unknown> = {}
      cols.forEach((c, i) => (o[c.name] = toJs(r[i] ?? null, c.type)))
      return o as R
    })
    return {
      rows,
      rowCount: last.rowCount ?? rows.length,
      command: last.command,
      fields: cols.map((c) => ({ name: c.name, dataType: typeName(c.type), tableOid: c.tableOid, columnAttnum: c.attnum })),
      notices: results.flatMap((r) => r.notices),
    }
  }

  /**
   * Runs SQL text as one simple-query message: every statement's result, in order.
   * Parameters (JavaScript values) are allowed only with a single statement.
   * `onResult` hears each result as its statement finishes, so a caller that fails
   * later still has the earlier ones (the wire protocol sends them before the error).
   */
  execute(sql: string, params: readonly unknown[] = [], onResult?: (r: StatementResult) => void): Promise<StatementResult[]> {
    return this.serialized(async () => {
      const statements = parse(sql)
      if (statements.length > 1 && params.length > 0) throw dbError('syntax_error', 'cannot insert multiple commands into a prepared statement')
      const results: StatementResult[] = []
      const implicit = statements.length > 1 && this.block === 'none'
      if (implicit) this.block = 'implicit'
      try {
        for (const stmt of statements) {
          const r = await this.run(stmt, params, statements.length === 1 ? sql : undefined)
          results.push(r)
          onResult?.(r)
        }
        if (this.block === 'implicit') await this.commitTxn()
      } catch (e) {
        if (this.block === 'implicit') await this.rollbackTxn()
        throw e
      } finally {
        if (this.block === 'implicit') this.block = 'none'
      }
      return results
    })
  }

  /** Parses and plans one statement without running it (describe its parameters and columns). */
  prepare(sql: string, paramTypes: readonly (SqlType | undefined)[] = []): Promise<PreparedStatement> {
    return this.serialized(async () => {
      const statements = parse(sql)
      if (statements.length > 1) throw dbError('syntax_error', 'cannot insert multiple commands into a prepared statement')
      const statement = statements[0]
      if (statement === undefined || !isPlannable(statement)) return { sql, statement, paramTypes: paramTypes.map((t) => t ?? T.text), columns: this.unplannedColumns(statement) }
      let p: PlannedStatement
      try {
        p = this.plan(statement, paramTypes, sql)
      } catch (e) {
        throw limitError(e)
      }
      return { sql, statement, paramTypes: p.paramTypes, columns: resultColumns(p) }
    })
  }

  /** Runs a prepared statement with parameter values (JavaScript values or strings in the types' text form). */
  executePrepared(ps: PreparedStatement, params: readonly unknown[] = []): Promise<StatementResult> {
    const stmt = ps.statement
    if (stmt === undefined) return this.serialized(async () => result('', undefined, undefined, [], []))
    return this.serialized(() => this.run(stmt, params, ps.sql, ps.paramTypes))
  }

  /**
   * COPY table FROM STDIN: returns a sink that takes the data and, at `end()`, the row
   * count. Until `end()` or `fail()` the session is in COPY mode, as a connection is:
   * its other statements wait (they would otherwise run inside the COPY's transaction).
   */
  copyFrom(sql: string): Promise<CopyIn> {
    let release: () => void = () => undefined
    const copying = new Promise<void>((resolve) => (release = resolve))
    const sink = this.serialized(async () => {
      try {
        // Closed while this waited in the queue: no one would end the data.
        if (this.closed) throw dbError('admin_shutdown', 'the session is closed')
        const stmt = this.single(sql)
        if (stmt.kind !== 'copy' || stmt.direction !== 'from-stdin') throw dbError('syntax_error', 'not a COPY … FROM STDIN statement')
        this.checkNotFailed(stmt)
        const auto = this.block === 'none'
        const txn = this.ensureTxn()
        this.beginStatement(txn)
        try {
          this.copying = copyIn(this.execContext(txn, [], new Map(), undefined), this.writeEnvFor, stmt, this.catalogView(), async (ok) => {
            this.copying = undefined
            release()
            this.endStatement()
            if (!auto) {
              if (!ok) this.failed = true
              return
            }
            if (ok) await this.commitTxn()
            else await this.rollbackTxn()
          })
          return this.copying
        } catch (e) {
          this.endStatement()
          if (auto) await this.rollbackTxn()
          else this.failed = true
          throw e
        }
      } catch (e) {
        release()
        throw e
      }
    }, true)
    if (!this.closed) {
      // COPY mode holds the queue until the data ends: the calls after it wait (and are pending meanwhile).
      this.pending++
      this.queue = this.queue.then(() => copying).then(this.settled, this.settled)
    }
    return sink
  }

  /** COPY table TO STDOUT: the data, as text. */
  copyTo(sql: string): Promise<{ data: string; rowCount: number }> {
    return this.serialized(async () => {
      const stmt = this.single(sql)
      if (stmt.kind !== 'copy' || stmt.direction !== 'to-stdout') throw dbError('syntax_error', 'not a COPY … TO STDOUT statement')
      this.checkNotFailed(stmt)
      return this.inTxn(async (txn) => {
        const lines: string[] = []
        const n = await copyOut(this.execContext(txn, [], new Map(), undefined), stmt, this.catalogView(), (line) => lines.push(line))
        return { data: lines.join(''), rowCount: n }
      })
    })
  }

  /**
   * The extended protocol's implicit transaction (PostgreSQL's): what a client
   * executes before Sync runs in one transaction, which `endImplicitBlock` (at Sync)
   * commits, or rolls back if a statement failed. Called before each execution;
   * outside a block it begins one, unless the statement may not run inside one
   * (VACUUM, CREATE DATABASE …: alone before a Sync, it runs on its own, as in
   * PostgreSQL). BEGIN inside it turns it into an explicit block.
   */
  beginImplicitBlock(ps: PreparedStatement): void {
    if (this.block === 'none' && ps.statement !== undefined && !OUTSIDE_BLOCKS.has(ps.statement.kind)) this.block = 'implicit'
  }

  /** Sync: ends the implicit transaction; a failure to commit it is the caller's error to report. */
  endImplicitBlock(): void | Promise<void> {
    if (this.block !== 'implicit') return
    return this.serialized(async () => {
      if (this.block !== 'implicit') return
      this.block = 'none'
      if (this.failed) await this.rollbackTxn()
      else await this.commitTxn()
    })
  }

  /** Cancels the running statement (57014), as a CancelRequest does. */
  cancel(): void {
    this.interrupt(dbError('query_canceled', 'canceling statement due to user request'))
  }

  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    this.cancel()
    await this.copying?.fail('the session was closed').catch(() => undefined)
    await this.queue.catch(() => undefined)
    if (this.txn !== undefined) await this.rollbackTxn()
    this.db.sessionClosed(this)
  }

  // ── running statements ──────────────────────────────────────────────────────

  /**
   * Runs the session's calls one at a time, in call order. An idle session starts
   * the work at once (a promise chained on the queue would cost a turn of the
   * microtask queue and a promise adoption per statement), unless `queued` asks it
   * to wait its turn like any call made while another runs (COPY: a close() right
   * after copyFrom() then fails the copy before it begins).
   */
  private serialized<T>(work: () => Promise<T>, queued = false): Promise<T> {
    if (this.closed) return Promise.reject(dbError('admin_shutdown', 'the session is closed'))
    let next: Promise<T>
    if (this.pending === 0 && !queued) {
      try {
        next = work()
      } catch (e) {
        next = Promise.reject(e)
      }
    } else next = this.queue.then(work, work)
    this.pending++
    this.queue = next.then(this.settled, this.settled)
    return next
  }

  /** Calls started by `serialized` and not yet settled. */
  private pending = 0
  private readonly settled = (): void => {
    this.pending--
  }

  private single(sql: string): Statement {
    const s = parse(sql)
    if (s.length !== 1) throw dbError('syntax_error', 'expected exactly one statement')
    return s[0]!
  }

  private checkNotFailed(stmt: Statement): void {
    if (!this.failed) return
    if (stmt.kind === 'rollback' || stmt.kind === 'commit' || stmt.kind === 'rollback-to' || stmt.kind === 'prepare-transaction') return
    throw dbError('in_failed_sql_transaction', 'current transaction is aborted, commands ignored until end of transaction block')
  }

  private async run(stmt: Statement, params: readonly unknown[], sqlKey: string | undefined, paramTypes?: readonly SqlType[]): Promise<StatementResult> {
    try {
      return await this.runStatement(stmt, params, sqlKey, paramTypes)
    } catch (e) {
      throw limitError(e)
    }
  }

  private async runStatement(stmt: Statement, params: readonly unknown[], sqlKey: string | undefined, paramTypes?: readonly SqlType[]): Promise<StatementResult> {
    this.checkNotFailed(stmt)
    this.notices = []
    switch (stmt.kind) {
      case 'begin':
        return this.begin(stmt.modes)
      case 'commit':
        return this.commit()
      case 'rollback':
        return this.rollback()
      case 'savepoint':
      case 'rollback-to':
      case 'release':
        return this.savepoint(stmt)
      case 'prepare-transaction':
        return this.prepareTransaction(stmt.gid)
      case 'commit-prepared':
      case 'rollback-prepared':
        return this.finishPrepared(stmt.kind, stmt.gid)
      case 'set-transaction':
        this.setTransaction(stmt.modes)
        return this.done('SET')
      case 'set':
        return await this.set(stmt)
      case 'show':
        return this.show(stmt.name)
      case 'reset':
        return this.reset(stmt.name)
      case 'vacuum':
        if (this.block !== 'none') throw dbError('active_sql_transaction', `VACUUM cannot run inside a transaction block`)
        await this.maintenance(async (control) => {
          await vacuum(this.db, stmt.tables, this.catalogView(), control)
          if (stmt.analyze) await analyze(this.db, stmt.tables, this.catalogView(), control)
        })
        return this.done('VACUUM')
      case 'analyze':
        await this.maintenance((control) => analyze(this.db, stmt.tables, this.catalogView(), control))
        return this.done('ANALYZE')
      case 'copy':
        throw dbError('feature_not_supported', `COPY ${stmt.direction === 'from-stdin' ? 'FROM STDIN' : 'TO STDOUT'} needs the copy protocol: use copyFrom() / copyTo()`)
      case 'explain':
        return this.inTxn((txn) => this.explain(txn, stmt.statement, stmt.analyze, params))
      case 'create-database':
      case 'alter-database':
      case 'drop-database':
      case 'create-role':
      case 'alter-role':
      case 'rename-role':
      case 'drop-role':
        return this.clusterStatement(stmt)
      default:
        if (isPlannable(stmt)) return this.runPlanned(stmt, params, sqlKey, paramTypes)
        if (isDdl(stmt)) return this.inTxn((txn) => this.runDdlStatement(txn, stmt))
        throw dbError('feature_not_supported', `statement ${stmt.kind} is not supported`)
    }
  }

  /** CREATE/DROP DATABASE, CREATE/ALTER/DROP ROLE: outside the transaction layer, but an error still fails the block. */
  private async clusterStatement(stmt: ClusterStatement): Promise<StatementResult> {
    try {
      return this.done(await runClusterStatement(stmt, {
        cluster: this.db.cluster,
        user: this.options.user,
        database: this.options.database,
        inTransactionBlock: this.block !== 'none',
        passwordEncryption: this.settings.get('password_encryption') ?? 'scram-sha-256',
        notice: (message) => this.notices.push({ severity: 'NOTICE', code: '00000', message }),
      }))
    } catch (e) {
      if (this.block === 'explicit') this.failed = true
      throw e
    }
  }

  /** Runs `work` in the session's transaction, or in an implicit one for this statement alone. */
  private async inTxn<T>(work: (txn: Transaction) => Promise<T>): Promise<T> {
    const auto = this.block === 'none'
    const txn = this.ensureTxn()
    this.beginStatement(txn)
    try {
      const r = await work(txn)
      if (auto) await this.commitTxn()
      return r
    } catch (e) {
      if (auto) await this.rollbackTxn()
      else this.failed = true
      throw e
    } finally {
      this.endStatement()
    }
  }

  private beginStatement(txn: Transaction | undefined): void {
    this.interrupted = undefined
    // A transaction's first statement starts when the transaction does (as in PostgreSQL).
    this.statementStart = this.txnJustBegun ? this.txnStart : currentTimestamp()
    this.txnJustBegun = false
    this.nextTurn = performance.now() + TURN_EVERY_MS
    txn?.nextStatement()
    const timeout = durationMs(this.settings.get('statement_timeout') ?? '0')
    if (timeout > 0) {
      this.timer = setTimeout(() => this.interrupt(dbError('query_canceled', 'canceling statement due to statement timeout')), timeout)
    }
  }

  /**
   * VACUUM and ANALYZE read in transactions of their own, outside the session's:
   * statement_timeout and cancel reach them through `maintenanceTxn` (ANALYZE's
   * scan can wait for a prepared writer's decision) and their interrupt points.
   */
  private async maintenance(work: (control: MaintenanceControl) => Promise<void>): Promise<void> {
    this.beginStatement(undefined)
    try {
      await work({ ...this.interruptHooks(), track: (txn) => (this.maintenanceTxn = txn) })
    } finally {
      this.maintenanceTxn = undefined
      this.endStatement()
    }
  }

  private endStatement(): void {
    clearTimeout(this.timer)
    this.timer = undefined
  }

  private interrupt(e: IsolaError): void {
    this.interrupted = e
    this.txn?.cancelWait(e)
    this.maintenanceTxn?.cancelWait(e)
  }

  /** checkInterrupt and pause for the running statement (ExecContext's). */
  private interruptHooks(): Pick<ExecContext, 'checkInterrupt' | 'pause'> {
    return { checkInterrupt: this.checkInterrupt, pause: this.pause }
  }

  /** When the running statement is next due to give the event loop a turn (set as it begins). */
  private nextTurn = 0

  /** ExecContext.pause: made once for the session, not per statement (the clock is the session's, reset per statement). */
  private readonly pause = (): Promise<void> | undefined => {
    const now = performance.now()
    if (now < this.nextTurn) return undefined
    this.nextTurn = now + TURN_EVERY_MS
    return new Promise<void>((resolve) => setImmediate(resolve))
  }

  // ── planned statements (queries and DML) ─────────────────────────────────────

  private catalogView(): Catalog {
    return this.tc === undefined ? this.db.catalog : this.tc.view(this.db.catalog)
  }

  private bindEnv(): BindEnvironment {
    return { catalog: this.catalogView(), virtualTable: systemView }
  }

  private plan(stmt: Statement & { kind: 'query' | 'insert' | 'update' | 'delete' }, declared: readonly (SqlType | undefined)[], sqlKey: string | undefined): PlannedStatement {
    const catalog = this.catalogView()
    const methods = this.planMethods()
    // Cached plans are made with every method on; a session that switches one off plans afresh.
    const cacheable = sqlKey !== undefined && methods === ALL_METHODS
    if (cacheable) {
      const hit = this.db.planCache.get(sqlKey, declared)
      if (hit !== undefined && hit.catalog === catalog) return hit
    }
    const p = planStatement(stmt, this.bindEnv(), declared, { estimates: (t) => this.db.estimates(t), methods })
    if (cacheable && this.tc === undefined) this.db.planCache.set(sqlKey, declared, p)
    return p
  }

  /** enable_seqscan, enable_indexscan, enable_hashjoin, enable_nestloop (ALL_METHODS itself when all are on). */
  private planMethods(): PlanMethods {
    const on = (name: string) => this.settings.get(name) !== 'off'
    const m = { seqscan: on('enable_seqscan'), indexscan: on('enable_indexscan'), hashjoin: on('enable_hashjoin'), nestloop: on('enable_nestloop') }
    return m.seqscan && m.indexscan && m.hashjoin && m.nestloop ? ALL_METHODS : m
  }

  /**
   * Locks the statement's tables (shared: DDL that changes them waits, and they wait
   * for DDL); true when it had to wait. Synchronous when nothing is in the way, the
   * usual case, so that a statement pays no promise for it.
   */
  private lockTables(txn: Transaction, p: PlannedStatement): false | Promise<boolean> {
    const n = p.reads.length
    for (let i = 0; i < n + p.writes.length; i++) {
      const r = txn.lockObject(i < n ? p.reads[i]! : p.writes[i - n]!, 'share')
      if (r !== true) return this.lockTablesAfterWait(txn, p, i + 1, r)
    }
    const gate = this.db.catalogReady()
    return gate === undefined ? false : gate.then(() => true)
  }

  /** The rest of `lockTables` once a lock had to be waited for: from lock `next` on. */
  private async lockTablesAfterWait(txn: Transaction, p: PlannedStatement, next: number, waiting: boolean | Promise<boolean>): Promise<boolean> {
    await waiting
    const n = p.reads.length
    for (let i = next; i < n + p.writes.length; i++) await txn.lockObject(i < n ? p.reads[i]! : p.writes[i - n]!, 'share')
    await this.db.catalogReady()
    return true
  }

  /**
   * A query or DML statement, in the session's transaction or an implicit one of its
   * own: `inTxn` and the statement in one async function, since this is the path
   * every statement of an application takes.
   */
  private async runPlanned(stmt: Statement & { kind: 'query' | 'insert' | 'update' | 'delete' }, params: readonly unknown[], sqlKey: string | undefined, declared?: readonly SqlType[]): Promise<StatementResult> {
    const auto = this.block === 'none'
    const txn = this.ensureTxn()
    this.beginStatement(txn)
    try {
      const r = await this.executeStatement(txn, stmt, params, sqlKey, declared)
      if (auto) await this.commitTxn()
      return r
    } catch (e) {
      if (auto) await this.rollbackTxn()
      else this.failed = true
      throw e
    } finally {
      this.endStatement()
    }
  }

  private executeStatement(txn: Transaction, stmt: Statement & { kind: 'query' | 'insert' | 'update' | 'delete' }, params: readonly unknown[], sqlKey: string | undefined, declared: readonly SqlType[] | undefined): Promise<StatementResult> {
    let p = this.plan(stmt, declared ?? [], sqlKey)
    const waited = this.lockTables(txn, p)
    if (waited !== false) return this.executeAfterWait(waited, txn, stmt, p, params, sqlKey, declared)
    return this.executeChecked(txn, p, params, declared)
  }

  /** A plan made before a lock wait may be stale: the DDL it waited for changed the catalog. */
  private async executeAfterWait(waited: Promise<boolean>, txn: Transaction, stmt: Statement & { kind: 'query' | 'insert' | 'update' | 'delete' }, p: PlannedStatement, params: readonly unknown[], sqlKey: string | undefined, declared: readonly SqlType[] | undefined): Promise<StatementResult> {
    if ((await waited) && p.catalog !== this.catalogView()) {
      p = this.plan(stmt, declared ?? [], sqlKey)
      await this.lockTables(txn, p)
    }
    return this.executeChecked(txn, p, params, declared)
  }

  private executeChecked(txn: Transaction, p: PlannedStatement, params: readonly unknown[], declared: readonly SqlType[] | undefined): Promise<StatementResult> {
    if (declared === undefined && params.length === 0 && p.paramTypes.length > 0) {
      // A simple query has no parameters: $n refers to nothing (PostgreSQL's 42P02 at parse analysis).
      throw dbError('undefined_parameter', 'there is no parameter $1', { position: p.paramPositions.get(1) })
    }
    if (p.planned.kind !== 'query' && txn.readOnly) {
      throw dbError('read_only_sql_transaction', `cannot execute ${p.planned.kind.toUpperCase()} in a read-only transaction`)
    }
    const values = this.paramValues(p.paramTypes, params)
    return this.executePlanned(txn, p, values, undefined)
  }

  private paramValues(types: readonly SqlType[], params: readonly unknown[]): SqlValue[] {
    if (params.length < types.length) {
      throw dbError('protocol_violation', `bind message supplies ${params.length} parameters, but prepared statement requires ${types.length}`)
    }
    return types.map((t, i) => fromJs(params[i], t))
  }

  private async executePlanned(txn: Transaction, p: PlannedStatement, values: SqlValue[], stats: Map<PhysicalPlan, NodeStats> | undefined): Promise<StatementResult> {
    const pl = p.planned
    if (pl.kind === 'query') {
      for (let restarts = 0; ; restarts++) {
        const ctx = this.execContext(txn, values, pl.query.subplans, stats)
        try {
          const found = collectNow(pl.query.root, ctx)
          const rows = Array.isArray(found) ? found : await found
          const columns = resultColumns(p)
          return result('SELECT', rows.length, columns, this.withRegNames(columns, rows), this.notices)
        } catch (e) {
          if (!(e instanceof StaleLockedRow)) throw e
          // Rows keep changing under a lock-taking query: give up as PostgreSQL never has to (it re-checks row by row).
          if (restarts >= MAX_RESTARTS) throw concurrentUpdateError()
          txn.nextStatement()
        }
      }
    }
    const ctx = this.execContext(txn, values, pl.read.subplans, stats)
    const env = this.writeEnvFor(ctx)
    let r
    try {
      r = pl.kind === 'insert' ? await runInsert(pl.dml, pl.read.root, ctx, env) : pl.kind === 'update' ? await runUpdate(pl.dml, pl.read.root, ctx, env) : await runDelete(pl.dml, pl.read.root, ctx, env)
    } catch (e) {
      // A statement that writes is not run again (it may have written): a stale locked row ends it, retryably.
      throw e instanceof StaleLockedRow ? concurrentUpdateError() : e
    }
    const command = pl.kind.toUpperCase()
    const columns = r.rows === undefined ? undefined : resultColumns(p)
    return result(command, r.rowCount, columns, this.withRegNames(columns, r.rows ?? []), this.notices)
  }

  /**
   * reg* result values become the names they print as (regclassout reads the
   * catalog, which the value layer's formatValue cannot): a result's reg* cells are
   * strings, which formatValue prints as they are and the embedded API returns.
   */
  private withRegNames(columns: readonly ResultColumn[] | undefined, rows: Row[]): Row[] {
    const regs = columns === undefined ? NO_REGS : regColumns(columns)
    if (regs.length === 0) return rows
    const objects = { catalog: this.catalogView(), systemViews: SYSTEM_VIEWS }
    // Copies: a row may be shared with the plan (a VALUES row, a cached subquery's).
    return rows.map((row) => {
      const out = [...row]
      for (const [i, kind] of regs) if (typeof out[i] === 'number') out[i] = regName(objects, kind, out[i] as number)
      return out
    })
  }

  private readonly writeEnvFor = (ctx: ExecContext): WriteEnv => ({
    txn: ctx.txn,
    catalog: this.catalogView(),
    exec: ctx,
    nextRowId: (t) => this.db.nextRowId(t),
    counted: (t, d) => this.db.counted(t, d),
    freshScan: (table, range) => this.db.freshScan(table, range),
    deferred: [],
  })

  private execContext(txn: Transaction, params: readonly SqlValue[], subplans: ReadonlyMap<number, PhysicalPlan>, stats: Map<PhysicalPlan, NodeStats> | undefined): ExecContext {
    return {
      txn,
      params,
      outer: [],
      fn: this.functionContext(),
      subplans,
      subqueryCache: new Map(),
      worktables: new Map(),
      virtual: this.virtual,
      checkInterrupt: this.checkInterrupt,
      pause: this.pause,
      stats,
    }
  }

  private readonly checkInterrupt = (): void => {
    if (this.interrupted !== undefined) throw this.interrupted
  }

  /** What virtual tables read: the session's, read when a virtual table is scanned (one object for the session's life). */
  private readonly virtual: VirtualContext = (() => {
    const session = this
    return {
      get catalog() {
        return session.catalogView()
      },
      get user() {
        return session.options.user
      },
      get database() {
        return session.options.database
      },
      settings: this.settings,
      get prepared() {
        return session.db.txn.prepared().map((p) => ({ gid: p.gid, txn: p.txn, preparedAt: BigInt(p.preparedAt), owner: p.owner, conflicts: session.db.txn.conflicts(p.txn) }))
      },
      get lockWaits() {
        return session.db.lockWaits()
      },
      get cluster() {
        return session.db.cluster
      },
    }
  })()

  /** A statement's function context: its timestamps, and the session's parts that stay (made once, not per statement). */
  private functionContext(): FunctionContext {
    const shared = this.functionParts
    return { transactionTimestamp: this.txnStart, statementTimestamp: this.statementStart, setting: shared.setting, sequences: shared.sequences, locks: shared.locks, session: shared.session, objects: shared.objects }
  }

  private readonly functionParts: Omit<FunctionContext, 'transactionTimestamp' | 'statementTimestamp'> = (() => {
    const sequence = (name: string): SequenceInfo => {
      const n = name.replace(/^public\./, '').replace(/^"(.*)"$/, '$1')
      const rel = this.catalogView().byName(n)
      if (rel === undefined) throw dbError('undefined_table', `relation "${name}" does not exist`)
      if (rel.kind !== 'sequence') throw dbError('wrong_object_type', `"${name}" is not a sequence`)
      return rel
    }
    const session = this
    return {
      get objects() {
        return { catalog: session.catalogView(), systemViews: SYSTEM_VIEWS }
      },
      setting: (name: string) => {
        try {
          return this.settings.get(canonicalName(name))
        } catch {
          return undefined
        }
      },
      sequences: {
        nextval: async (name: string) => {
          const seq = sequence(name)
          const v = await this.db.sequences.nextval(seq)
          this.currvals.set(seq.oid, v)
          return v
        },
        currval: (name: string) => {
          const seq = sequence(name)
          const v = this.currvals.get(seq.oid)
          if (v === undefined) throw dbError('object_not_in_prerequisite_state', `currval of sequence "${seq.name}" is not yet defined in this session`)
          return v
        },
        setval: async (name: string, value: bigint, isCalled: boolean) => {
          const seq = sequence(name)
          const v = await this.db.sequences.setval(seq, value, isCalled)
          if (isCalled) this.currvals.set(seq.oid, v)
          return v
        },
      },
      locks: {
        reject: (waitId: number, detail: string) => this.db.txn.rejectLockWait(waitId, detail),
      },
      session: {
        get user() {
          return session.options.user
        },
        get database() {
          return session.options.database
        },
        get pid() {
          return session.pid
        },
      },
    }
  })()

  private async explain(txn: Transaction, inner: Statement, analyzeIt: boolean, params: readonly unknown[]): Promise<StatementResult> {
    if (!isPlannable(inner)) throw dbError('feature_not_supported', `EXPLAIN of ${inner.kind} is not supported`)
    const p = this.plan(inner, [], undefined)
    await this.lockTables(txn, p)
    const q = p.planned.kind === 'query' ? p.planned.query : p.planned.read
    let lines: string[]
    if (analyzeIt) {
      const stats = new Map<PhysicalPlan, NodeStats>()
      const t0 = performance.now()
      await this.executePlanned(txn, p, this.paramValues(p.paramTypes, params), stats)
      const ms = performance.now() - t0
      lines = [...explainPlan(q, { names: p.names, stats }), `Execution Time: ${ms.toFixed(3)} ms`]
    } else lines = explainPlan(q, { names: p.names })
    if (p.planned.kind !== 'query') lines = [`${p.planned.kind[0]!.toUpperCase()}${p.planned.kind.slice(1)} on ${p.planned.dml.table.name}`, ...lines.map((l) => `  ->  ${l}`.replace('  ->    ', '        '))]
    return result('EXPLAIN', undefined, EXPLAIN_COLUMNS, lines.map((l) => [l]), this.notices)
  }

  // ── DDL ───────────────────────────────────────────────────────────────────

  private async runDdlStatement(txn: Transaction, stmt: Ddl): Promise<StatementResult> {
    if (txn.readOnly) throw dbError('read_only_sql_transaction', `cannot execute ${DDL_TAGS[stmt.kind]} in a read-only transaction`)
    if (this.tc === undefined) {
      this.tc = new TxnCatalog()
      for (const s of this.savepoints) this.tc.savepoint(s)
    }
    const tc = this.tc
    const exec = this.execContext(txn, [], new Map(), undefined)
    const ctx: DdlContext = {
      engine: this.db,
      txn,
      tc,
      catalog: () => this.catalogView(),
      lockForDdl: async (oid) => {
        const r = txn.lockObject(oid, 'update')
        if (r !== true) await r
        await this.db.catalogReady()
      },
      lockShared: async (oid) => {
        const r = txn.lockObject(oid, 'share')
        if (r !== true) await r
        await this.db.catalogReady()
      },
      notice: (message, detail) => this.notices.push({ severity: 'NOTICE', code: '00000', message, detail }),
      exec,
      writeEnv: () => this.writeEnvFor(exec),
      readCommitted: txn.isolation === 'read committed',
    }
    const tag = await runDdl(ctx, stmt, this.bindEnv())
    return this.done(tag)
  }

  // ── transaction control ───────────────────────────────────────────────────

  /** The modes the next transaction takes: BEGIN's, else the session defaults. */
  private effectiveModes(): { isolation: 'read committed' | 'repeatable read' | 'serializable'; readOnly: boolean; deferrable: boolean } {
    const iso = this.modes.isolation ?? (this.settings.get('default_transaction_isolation') as TransactionModes['isolation'])
    return {
      isolation: iso === 'read uncommitted' || iso === undefined ? 'read committed' : iso,
      readOnly: this.modes.readOnly ?? this.settings.get('default_transaction_read_only') === 'on',
      deferrable: this.modes.deferrable ?? this.settings.get('default_transaction_deferrable') === 'on',
    }
  }

  /** transaction_isolation and friends show the block's modes as soon as it begins. */
  private showModes(m = this.effectiveModes()): void {
    this.settings.set('transaction_isolation', m.isolation)
    this.settings.set('transaction_read_only', m.readOnly ? 'on' : 'off')
    this.settings.set('transaction_deferrable', m.deferrable ? 'on' : 'off')
  }

  private ensureTxn(): Transaction {
    if (this.txn !== undefined) return this.txn
    const m = this.effectiveModes()
    const coordinated = this.options.snapshot === undefined ? this.coordinatorSnapshot() : undefined
    this.txnCoordinated = coordinated !== undefined
    this.txn = this.db.txn.begin({ isolation: m.isolation, readOnly: m.readOnly, deferrable: m.deferrable, lockTimeoutMs: durationMs(this.settings.get('lock_timeout') ?? '0'), snapshot: this.options.snapshot ?? coordinated, globalId: this.settings.get('isola.global_xid') || undefined })
    this.txnStart = currentTimestamp()
    this.txnJustBegun = true
    this.showModes(m)
    return this.txn
  }

  /**
   * The snapshot source of a transaction that begins while `isola.snapshot` is set (a
   * coordinator's branch, ARCHITECTURE.md §9.6): the setting's value at each snapshot
   * the transaction takes, so that under READ COMMITTED a `SET LOCAL isola.snapshot`
   * before a statement gives it the coordinator's per-statement snapshot. Undefined
   * when it is not set: the node's own clock.
   */
  private coordinatorSnapshot(): (() => Timestamp) | undefined {
    const at = this.timestampSetting('isola.snapshot')
    if (at === undefined) return undefined
    let last = at
    return () => (last = this.timestampSetting('isola.snapshot') ?? last)
  }

  private timestampSetting(name: string): Timestamp | undefined {
    const v = this.settings.get(name)
    return v === undefined || v === '' ? undefined : asTimestamp(Number(v))
  }

  /**
   * SET isola.snapshot / isola.commit_timestamp: the node's clock rises to the
   * coordinator's timestamp before it is used (a shard serves no snapshot and takes
   * no commit timestamp below what it was told, ARCHITECTURE.md §9.2). A snapshot
   * is the transaction's from its first query, as PostgreSQL's SET TRANSACTION
   * SNAPSHOT; only READ COMMITTED takes a new one per statement.
   */
  private async coordinatorTimestamp(name: string, value: string): Promise<void> {
    if (name === 'isola.snapshot' && this.txn !== undefined) {
      if (!this.txnCoordinated) throw dbError('active_sql_transaction', 'isola.snapshot must be set before the transaction\'s first query')
      if (this.txn.snapshot !== undefined && this.txn.isolation !== 'read committed') throw dbError('active_sql_transaction', 'isola.snapshot cannot change after the first query of a REPEATABLE READ or SERIALIZABLE transaction')
      if (value === '') throw dbError('active_sql_transaction', 'isola.snapshot cannot be unset inside a coordinated transaction')
    }
    if (value !== '') await this.db.txn.advanceClock(asTimestamp(Number(value)))
  }

  private done(tag: string, rowCount?: number): StatementResult {
    return result(tag, rowCount, undefined, [], this.notices)
  }

  private warn(message: string, code: string): void {
    this.notices.push({ severity: 'WARNING', code, message })
  }

  private begin(modes: TransactionModes): StatementResult {
    if (this.block === 'explicit') {
      this.warn('there is already a transaction in progress', '25001')
      return this.done('BEGIN')
    }
    this.block = 'explicit'
    this.modes = modes
    this.settingsAtBegin = new Map()
    this.showModes()
    return this.done('BEGIN')
  }

  private setTransaction(modes: TransactionModes): void {
    if (this.block !== 'explicit') {
      this.warn('SET TRANSACTION can only be used in transaction blocks', '25P01')
      return
    }
    if (this.txn?.snapshot !== undefined && modes.isolation !== undefined) {
      throw dbError('active_sql_transaction', 'SET TRANSACTION ISOLATION LEVEL must be called before any query')
    }
    this.modes = {
      isolation: modes.isolation ?? this.modes.isolation,
      readOnly: modes.readOnly ?? this.modes.readOnly,
      deferrable: modes.deferrable ?? this.modes.deferrable,
    }
    this.showModes()
    if (this.txn !== undefined && this.txn.snapshot === undefined) {
      // Nothing read yet: start over with the new modes.
      void this.txn.rollback()
      this.txn = undefined
    }
  }

  private async commit(): Promise<StatementResult> {
    if (this.block === 'none') {
      this.warn('there is no transaction in progress', '25P01')
      return this.done('COMMIT')
    }
    if (this.failed) {
      await this.rollbackTxn()
      this.block = 'none'
      this.settings.set('isola.last_commit_timestamp', '')
      return this.done('ROLLBACK')
    }
    // A coordinator's one-phase commit: the proposed timestamp in, the actual one out (§9.6).
    const proposed = this.timestampSetting('isola.commit_timestamp')
    this.settings.set('isola.last_commit_timestamp', '')
    try {
      const ts = await this.commitTxn(proposed)
      if (ts !== undefined) this.settings.set('isola.last_commit_timestamp', String(ts))
    } finally {
      this.block = 'none'
    }
    return this.done('COMMIT')
  }

  private async rollback(): Promise<StatementResult> {
    if (this.block === 'none') this.warn('there is no transaction in progress', '25P01')
    await this.rollbackTxn()
    this.block = 'none'
    return this.done('ROLLBACK')
  }

  private async commitTxn(proposedTs?: Timestamp): Promise<Timestamp | undefined> {
    const txn = this.txn
    const tc = this.tc
    this.endTxn(true)
    if (txn === undefined) return undefined
    const publish = tc !== undefined && tc.dirty
    if (publish) this.db.raiseGate()
    try {
      const ts = await txn.commit(proposedTs)
      if (publish) this.db.publish(tc!, ts)
      return ts
    } catch (e) {
      await txn.rollback()
      if (tc !== undefined) await this.db.dropTreesNow(tc.createdTrees)
      throw e
    } finally {
      if (publish) this.db.lowerGate()
    }
  }

  private async rollbackTxn(): Promise<void> {
    const txn = this.txn
    const tc = this.tc
    this.endTxn(false)
    if (txn !== undefined) await txn.rollback()
    if (tc !== undefined) await this.db.dropTreesNow(tc.createdTrees)
  }

  /** Session state after a transaction ends (committed: true keeps SET, drops SET LOCAL). */
  private endTxn(committed: boolean): void {
    this.txn = undefined
    this.txnCoordinated = false
    this.tc = undefined
    this.failed = false
    this.modes = NO_MODES
    this.savepoints = []
    this.settingsAtSavepoint = []
    // SET LOCAL's undo first: after a rollback the values at BEGIN win (SET x; SET LOCAL x; ROLLBACK restores x's first value).
    if (this.localSettings !== undefined) for (const [k, v] of this.localSettings) this.settings.set(k, v)
    if (!committed && this.settingsAtBegin !== undefined) for (const [k, v] of this.settingsAtBegin) v === undefined ? this.settings.delete(k) : this.settings.set(k, v)
    this.settingsAtBegin = undefined
    this.localSettings = undefined
    for (const k of TXN_SETTINGS) this.settings.set(k, DEFAULTS.get(k)!)
  }

  private async savepoint(stmt: Statement & { kind: 'savepoint' | 'rollback-to' | 'release' }): Promise<StatementResult> {
    const word = stmt.kind === 'savepoint' ? 'SAVEPOINT' : stmt.kind === 'release' ? 'RELEASE' : 'ROLLBACK'
    if (this.block !== 'explicit') throw dbError('no_active_sql_transaction', `${word === 'ROLLBACK' ? 'ROLLBACK TO SAVEPOINT' : word} can only be used in transaction blocks`)
    const txn = this.ensureTxn()
    if (stmt.kind === 'savepoint') {
      txn.savepoint(stmt.name)
      this.savepoints.push(stmt.name)
      this.settingsAtSavepoint.push({ settings: new Map(this.settings), local: this.localSettings === undefined ? undefined : new Map(this.localSettings) })
      this.tc?.savepoint(stmt.name)
      return this.done('SAVEPOINT')
    }
    if (!this.savepoints.includes(stmt.name)) {
      if (!this.failed) this.failed = true
      throw dbError('invalid_savepoint_specification', `savepoint "${stmt.name}" does not exist`)
    }
    if (stmt.kind === 'release') {
      txn.releaseSavepoint(stmt.name)
      this.savepoints = this.savepoints.slice(0, this.savepoints.lastIndexOf(stmt.name))
      this.settingsAtSavepoint.length = this.savepoints.length
      this.tc?.release(stmt.name)
      return this.done('RELEASE')
    }
    if (txn.state !== 'active') throw dbError('in_failed_sql_transaction', 'current transaction is aborted, commands ignored until end of transaction block')
    txn.rollbackToSavepoint(stmt.name)
    this.savepoints = this.savepoints.slice(0, this.savepoints.lastIndexOf(stmt.name) + 1)
    this.settingsAtSavepoint.length = this.savepoints.length
    const at = this.settingsAtSavepoint[this.savepoints.length - 1]!
    for (const k of [...this.settings.keys()]) if (!at.settings.has(k)) this.settings.delete(k)
    for (const [k, v] of at.settings) this.settings.set(k, v)
    this.localSettings = at.local === undefined ? undefined : new Map(at.local)
    if (this.tc !== undefined) await this.db.dropTreesNow(this.tc.rollbackTo(stmt.name))
    this.failed = false
    return this.done('ROLLBACK')
  }

  private async prepareTransaction(gid: string): Promise<StatementResult> {
    if (this.block !== 'explicit') {
      this.warn('there is no transaction in progress', '25P01')
      return this.done('PREPARE TRANSACTION')
    }
    if (this.failed) {
      await this.rollbackTxn()
      this.block = 'none'
      return this.done('ROLLBACK')
    }
    const txn = this.ensureTxn()
    this.endTxn(true)
    this.block = 'none'
    try {
      await txn.prepare(gid)
    } catch (e) {
      await txn.rollback()
      throw e
    }
    return this.done('PREPARE TRANSACTION')
  }

  private async finishPrepared(kind: 'commit-prepared' | 'rollback-prepared', gid: string): Promise<StatementResult> {
    const word = kind === 'commit-prepared' ? 'COMMIT PREPARED' : 'ROLLBACK PREPARED'
    if (this.block !== 'none') throw dbError('active_sql_transaction', `${word} cannot run inside a transaction block`)
    if (kind === 'commit-prepared') {
      // A coordinator's decision timestamp (§9.6), used once: a later COMMIT PREPARED must name its own.
      const at = this.timestampSetting('isola.commit_timestamp')
      // A coordinator's transaction commits at its decided timestamp or not at all: a
      // coordinator pipelines the SET before this, and if the SET failed this must too.
      if (at === undefined && gid.startsWith('isola:')) {
        throw dbError('object_not_in_prerequisite_state', `COMMIT PREPARED of coordinator transaction "${gid}" needs isola.commit_timestamp`, {
          hint: 'SET isola.commit_timestamp to its decided timestamp (commit_ts in the coordinator\'s isola_distributed_xacts) first.',
        })
      }
      const outConflict = this.settings.get('isola.commit_out_conflict') === 'on'
      this.settings.set('isola.commit_timestamp', '')
      this.settings.set('isola.commit_out_conflict', 'off')
      this.settings.set('isola.last_commit_timestamp', '')
      this.settings.set('isola.last_commit_timestamp', String(await this.db.commitPrepared(gid, at, outConflict)))
    } else await this.db.txn.rollbackPrepared(gid)
    return this.done(word)
  }

  // ── settings ──────────────────────────────────────────────────────────────

  private async set(stmt: Statement & { kind: 'set' }): Promise<StatementResult> {
    const name = canonicalName(stmt.name)
    if (name === 'transaction_isolation') {
      if (stmt.value.kind === 'values') this.setTransaction({ isolation: normalize(name, stmt.value.values.join(' ')) as TransactionModes['isolation'], readOnly: undefined, deferrable: undefined })
      return this.done('SET')
    }
    const value = stmt.value.kind === 'default' ? DEFAULTS.get(name) ?? '' : normalize(name, stmt.value.values.join(', '))
    if (stmt.scope === 'local') {
      if (this.block !== 'explicit') {
        this.warn('SET LOCAL can only be used in transaction blocks', '25P01')
        return this.done('SET')
      }
      this.localSettings ??= new Map()
      if (!this.localSettings.has(name)) this.localSettings.set(name, this.settings.get(name) ?? '')
    } else this.localSettings?.delete(name) // a plain SET after SET LOCAL is what the session keeps at COMMIT, as in PostgreSQL
    if (name === 'isola.snapshot' || name === 'isola.commit_timestamp') await this.coordinatorTimestamp(name, value)
    this.assign(name, value)
    return this.done('SET')
  }

  /**
   * The result columns of a statement that is not planned but returns rows (SHOW,
   * EXPLAIN), known before it runs: the wire protocol's Describe must announce them.
   */
  private unplannedColumns(stmt: Statement | undefined): readonly ResultColumn[] | undefined {
    if (stmt?.kind === 'explain') return EXPLAIN_COLUMNS
    if (stmt?.kind !== 'show') return undefined
    if (stmt.name === 'all') return SHOW_ALL_COLUMNS
    try {
      return [textColumn(canonicalName(stmt.name))]
    } catch {
      return undefined // an unknown setting: the error comes when it runs
    }
  }

  private show(raw: string): StatementResult {
    if (raw === 'all') {
      const rows = [...this.settings].sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => [k, v, describeSetting(k) ?? ''])
      return result('SHOW', undefined, SHOW_ALL_COLUMNS, rows, this.notices)
    }
    const name = canonicalName(raw)
    // Outside a block, SHOW runs in a transaction of its own: it shows the defaults a new one takes.
    if (this.block !== 'explicit' && (TXN_SETTINGS as readonly string[]).includes(name)) this.showModes()
    const value = name === 'isola.rw_conflicts' ? JSON.stringify(this.txn === undefined ? NO_CONFLICTS : this.db.txn.conflicts(this.txn.id)) : this.settings.get(name)
    if (value === undefined) throw dbError('undefined_object', `unrecognized configuration parameter "${raw}"`)
    return result('SHOW', undefined, [textColumn(name)], [[value]], this.notices)
  }

  private reset(raw: string): StatementResult {
    const d = DEFAULTS
    const names = raw === 'all' ? settingNames() : [canonicalName(raw)]
    for (const n of names) if (d.has(n) && !n.startsWith('transaction_')) this.assign(n, d.get(n)!)
    this.assign('session_authorization', this.options.user)
    return this.done('RESET')
  }

  /** SET and RESET: a setting changes, and in a block its value at BEGIN is kept for ROLLBACK. */
  private assign(name: string, value: string): void {
    if (this.settingsAtBegin !== undefined && !this.settingsAtBegin.has(name)) this.settingsAtBegin.set(name, this.settings.get(name))
    this.settings.set(name, value)
  }
}

type RegColumns = readonly (readonly [number, SqlType['kind']])[]
const NO_REGS: RegColumns = []
const regColumnsOf = new WeakMap<readonly ResultColumn[], RegColumns>()

/** A result's reg* columns (position, type), found once per plan's columns: every statement's result passes here. */
function regColumns(columns: readonly ResultColumn[]): RegColumns {
  let regs = regColumnsOf.get(columns)
  if (regs === undefined) {
    const found = columns.flatMap((c, i) => (REG_TYPES.has(c.type.kind) ? [[i, c.type.kind] as const] : []))
    regs = found.length === 0 ? NO_REGS : found
    regColumnsOf.set(columns, regs)
  }
  return regs
}

/**
 * The two limits of JavaScript a statement can reach, as PostgreSQL reports its
 * own: the stack (check_stack_depth: the binder, planner and compiled expressions
 * recurse over the statement's nesting, so a 5,000-term `||` chain exhausts it, as
 * it does PostgreSQL's) and the longest string (about 2^29 characters, where
 * PostgreSQL's values stop at 1 GB).
 */
function limitError(e: unknown): unknown {
  if (!(e instanceof RangeError)) return e
  if (e.message.includes('call stack')) return dbError('statement_too_complex', 'stack depth limit exceeded', { cause: e, hint: 'The statement nests expressions or subqueries too deeply.' })
  if (e.message.includes('Invalid string length')) return dbError('program_limit_exceeded', 'string too long: the value exceeds the maximum length of a string', { cause: e })
  return e
}
