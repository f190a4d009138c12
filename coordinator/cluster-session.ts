/**
 * SQL through the coordinator: one client's session over a cluster of shards, where
 * the router (routing/) meets distributed transactions (distributed-txn.ts).
 *
 *     text ─ statements ─► route ─► plan ─┬─ shardStatements ─► txn.execute(shard, …) ─► gather
 *                                         ├─ pull: executePull, its inputs through txn.execute
 *                                         └─ explain: the plan's shards and reasons
 *
 * (the statements of a text and the plan of a statement are cached: statement-cache.ts)
 *
 * Each statement outside BEGIN … COMMIT is a distributed transaction of its own
 * (one shard written: one-phase; several: two-phase); inside a block they share one,
 * with one snapshot on every shard (REPEATABLE READ, SERIALIZABLE) or one per
 * statement (READ COMMITTED). DDL is broadcast inside the transaction, so every
 * shard's catalog changes through the same 2PC; the distribution metadata follows
 * at commit.
 *
 * The distribution metadata (`ClusterMetadata`) is rebuilt at start from a shard's
 * catalog, where CREATE TABLE keeps its DISTRIBUTED clause.
 *
 * SET and SHOW are the wire session's (wire-session.ts); savepoints and COPY are
 * here (DistributedTxn.savepoint, cluster-copy.ts). A failed block answers 25P02
 * until ROLLBACK (or ROLLBACK TO a savepoint), as PostgreSQL's.
 */
import { dbError } from '../common/errors.js'
import { asShardId, type ShardId } from '../common/ids.js'
import { EXPLAIN_COLUMNS, result, type CopyIn, type Database, type StatementResult } from '../engine/index.js'
import { parse, type Statement, type TransactionModes } from '../parser/index.js'
import type { IsolationLevel } from '../txn/index.js'
import { copyIntoCluster, copyOutOfCluster, type CopyStatement } from './cluster-copy.js'
import type { Coordinator } from './coordinator.js'
import { StatementCache, type ParsedText } from './statement-cache.js'
import type { DistributedTxn } from './distributed-txn.js'
import { allShards, applyDdl, catalogOf, executeInsertSelect, executePull, explainPlan, gather, shardStatements, uniformPartitionMap, type DistributedPlan, type DistributionCatalog, type ShardStatement, type TableDistribution } from './routing/index.js'

/** A default that takes a sequence's next value (routing/distribution.ts `Sequenced`). */
export const NEXTVAL = /\bnextval\s*\(/i

/** The cluster's distribution metadata, shared by its sessions (updated when DDL commits). */
export class ClusterMetadata {
  catalog: DistributionCatalog
  /** Statements seen and their plans, shared by the sessions (statement-cache.ts). */
  readonly statements = new StatementCache()
  constructor(shards: number, tables: readonly TableDistribution[] = []) {
    this.catalog = catalogOf(uniformPartitionMap(shards), tables)
  }

  /**
   * The metadata as a shard's catalog holds it (every shard has every table, and the
   * DISTRIBUTED clause each was created with): how a restarted coordinator finds
   * where its tables live. Tables without a clause are distributed by their first
   * primary-key column, as at CREATE TABLE.
   */
  static fromShard(shard: Database, shards: number): ClusterMetadata {
    const tables: TableDistribution[] = []
    for (const t of shard.catalog.tables()) {
      const columns = t.columns.map((c) => ({ name: c.name, type: c.type }))
      const seq = t.columns.flatMap((c) => (c.default !== undefined && NEXTVAL.test(c.default) ? [{ column: c.name, nextval: c.default }] : []))
      const sequenced = seq.length > 0 ? { sequenced: seq } : {}
      if (t.distribution?.kind === 'replicated') {
        tables.push({ kind: 'reference', name: t.name, columns, ...sequenced })
        continue
      }
      const attnum = t.distribution?.attnum ?? t.primaryKey[0]
      const column = t.columns.find((c) => c.attnum === attnum)
      if (column !== undefined) tables.push({ kind: 'distributed', name: t.name, columns, column: column.name, columnType: column.type, ...sequenced })
    }
    return new ClusterMetadata(shards, tables)
  }
}

/** The client session's settings that its distributed transactions take. */
export interface ClientSettings {
  /** Settings each branch takes at its begin (lock_timeout), read then. */
  branch(): Readonly<Record<string, string>> | undefined
  /** default_transaction_isolation and default_transaction_read_only: for BEGIN without modes and statements outside a block. */
  defaults(): { readonly isolation: IsolationLevel; readonly readOnly: boolean }
}

const NO_CLIENT_SETTINGS: ClientSettings = { branch: () => undefined, defaults: () => ({ isolation: 'read committed', readOnly: false }) }

const failedBlock = (): Error => dbError('in_failed_sql_transaction', 'current transaction is aborted, commands ignored until end of transaction block')

/** A command's result without rows (BEGIN, COMMIT …). */
const done = (tag: string): StatementResult => result(tag, undefined, undefined, [], [])

export class ClusterSession {
  private txn: DistributedTxn | undefined
  private inBlock = false
  /** The block's catalog at each of its savepoints, oldest first. */
  private catalogs: DistributionCatalog[] = []
  /** The block's catalog: the shared one with this transaction's DDL applied. */
  private catalog: DistributionCatalog | undefined

  constructor(
    private readonly coordinator: Coordinator,
    private readonly metadata: ClusterMetadata,
    /** What the client's session settings say (default: PostgreSQL's defaults, nothing for the branches). */
    private readonly client: ClientSettings = NO_CLIENT_SETTINGS,
  ) {}

  /** Interrupts the statement running on the shards (57014 from them); a commit in progress goes on. */
  cancel(): void {
    this.txn?.cancel()
  }

  /** The statements of a simple-query string, each with its text and parse (cached: statement-cache.ts). */
  statements(sql: string): readonly ParsedText[] {
    return this.metadata.statements.statements(sql)
  }

  /** As PostgreSQL's ReadyForQuery reports it: idle, in a block, or in a failed block. */
  get status(): 'I' | 'T' | 'E' {
    return !this.inBlock ? 'I' : this.txn?.state === 'failed' ? 'E' : 'T'
  }

  /** Runs SQL (one or more statements): each statement's result, in order (and to `onResult` as each finishes). */
  async execute(sql: string, params: readonly unknown[] = [], onResult?: (r: StatementResult) => void): Promise<StatementResult[]> {
    const out: StatementResult[] = []
    for (const { text, stmt } of this.metadata.statements.statements(sql)) {
      const r = await this.statement(text, params, stmt)
      out.push(r)
      onResult?.(r)
    }
    return out
  }

  async close(): Promise<void> {
    await this.endBlock(false)
  }

  /** COPY … FROM STDIN (cluster-copy.ts): in the block, or a distributed transaction of its own that commits when the data ends. */
  async copyFrom(s: CopyStatement): Promise<CopyIn> {
    const own = this.beginCopy()
    const txn = this.txn!
    const finished = async (ok: boolean): Promise<void> => {
      if (own) await this.endBlock(ok)
      else if (!ok && txn.state === 'active') txn.state = 'failed'
    }
    try {
      return copyIntoCluster(s, this.catalog!, { runSource: (plan) => this.runPlan(txn, plan, []), send: (work) => this.send(txn, work), finished })
    } catch (e) {
      await finished(false)
      throw e
    }
  }

  /** COPY … TO STDOUT: a SELECT of its columns through the coordinator, in COPY's format. */
  copyTo(s: CopyStatement): Promise<{ data: string; rowCount: number }> {
    if (this.inBlock && this.txn!.state === 'failed') return Promise.reject(failedBlock())
    return copyOutOfCluster(s, (this.catalog ?? this.metadata.catalog), (sql) => this.statement(sql, []))
  }

  /** A COPY's transaction: the block's, or one begun for it (true). */
  private beginCopy(): boolean {
    if (this.inBlock) {
      if (this.txn!.state === 'failed') throw failedBlock()
      return false
    }
    this.startBlock(undefined)
    return true
  }

  /** One statement's text (and its parse, when the caller has it already). */
  async statement(sql: string, params: readonly unknown[], parsed?: Statement): Promise<StatementResult> {
    const stmt = parsed ?? parse(sql)[0]
    if (stmt === undefined) return done('')
    switch (stmt.kind) {
      case 'begin':
        if (!this.inBlock) this.startBlock(stmt.modes)
        return done('BEGIN')
      case 'commit':
        return done((await this.endBlock(true)) ? 'COMMIT' : 'ROLLBACK')
      case 'rollback':
        await this.endBlock(false)
        return done('ROLLBACK')
      case 'savepoint':
      case 'release':
      case 'rollback-to':
        return this.savepoint(stmt)
      default:
    }
    if (this.inBlock) {
      if (this.txn!.state === 'failed') throw failedBlock()
      return this.run(this.txn!, stmt, sql, params)
    }
    // A statement of its own: its own distributed transaction.
    this.startBlock(undefined)
    try {
      const r = await this.run(this.txn!, stmt, sql, params)
      await this.endBlock(true)
      return r
    } catch (e) {
      await this.endBlock(false)
      throw e
    }
  }

  /**
   * SAVEPOINT, RELEASE and ROLLBACK TO in a block: on the distributed transaction's
   * branches (DistributedTxn.savepoint), and on the block's catalog, so that a
   * rolled-back CREATE TABLE leaves the router too.
   */
  private async savepoint(s: Statement & { kind: 'savepoint' | 'release' | 'rollback-to' }): Promise<StatementResult> {
    const word = s.kind === 'savepoint' ? 'SAVEPOINT' : s.kind === 'release' ? 'RELEASE' : 'ROLLBACK'
    if (!this.inBlock) throw dbError('no_active_sql_transaction', `${s.kind === 'rollback-to' ? 'ROLLBACK TO SAVEPOINT' : word} can only be used in transaction blocks`)
    const txn = this.txn!
    if (s.kind === 'savepoint') {
      await txn.savepoint(s.name)
      this.catalogs.push(this.catalog!)
    } else if (s.kind === 'release') {
      await txn.releaseSavepoint(s.name)
      this.catalogs.length = txn.savepointCount
    } else {
      await txn.rollbackToSavepoint(s.name)
      this.catalogs.length = txn.savepointCount
      this.catalog = this.catalogs[this.catalogs.length - 1]!
    }
    return done(word)
  }

  private startBlock(modes: TransactionModes | undefined): void {
    const defaults = this.client.defaults()
    const isolation = modes?.isolation ?? defaults.isolation
    this.inBlock = true
    this.txn = this.coordinator.begin({
      // READ UNCOMMITTED is READ COMMITTED, as in PostgreSQL.
      isolation: isolation === 'read uncommitted' ? 'read committed' : isolation,
      readOnly: modes?.readOnly ?? defaults.readOnly,
      deferrable: modes?.deferrable ?? false,
      settings: () => this.client.branch(),
    })
    this.catalog = this.metadata.catalog
  }

  /** Ends the block: commits (true when it committed) or rolls back; a failed block rolls back. */
  private async endBlock(commit: boolean): Promise<boolean> {
    const txn = this.txn
    const catalog = this.catalog
    this.txn = undefined
    this.catalog = undefined
    this.catalogs = []
    this.inBlock = false
    if (txn === undefined) return commit
    if (!commit || txn.state === 'failed') {
      await txn.rollback()
      return false
    }
    await txn.commit()
    if (catalog !== undefined) this.metadata.catalog = catalog
    return true
  }

  private async run(txn: DistributedTxn, stmt: Statement, sql: string, params: readonly unknown[]): Promise<StatementResult> {
    const plan = this.metadata.statements.plan(stmt, sql, this.catalog!)
    const r = await this.runPlan(txn, plan, params)
    this.catalog = applyDdl(this.catalog!, stmt)
    return r
  }

  private async runPlan(txn: DistributedTxn, plan: DistributedPlan, params: readonly unknown[]): Promise<StatementResult> {
    const map = this.catalog!.partitions
    switch (plan.kind) {
      case 'coordinator':
        throw dbError('feature_not_supported', `not supported through the coordinator yet: ${plan.reason}`)
      case 'explain': {
        const lines = explainPlan(plan.plan, map)
        return result('EXPLAIN', undefined, EXPLAIN_COLUMNS, lines.map((l) => [l]), [])
      }
      case 'pull':
        return executePull(
          plan,
          (input, inputParams) => Promise.all(this.shardsFor(input.shards).map((s) => txn.execute(s, input.sql, inputParams))),
          params,
        )
      case 'insert-select':
        return executeInsertSelect(plan, this.catalog!, params, (source) => this.runPlan(txn, source, params), (work) => this.send(txn, work))
      default:
        return gather(plan, await this.send(txn, shardStatements(plan, map, params)), params)
    }
  }

  private send(txn: DistributedTxn, work: readonly ShardStatement[]): Promise<StatementResult[]> {
    return Promise.all(work.map((w) => txn.execute(w.shard, w.sql, w.params)))
  }

  /** A pull input's shards, from the partition map the plan was routed against. */
  private shardsFor(which: 'all' | 'any'): readonly ShardId[] {
    return which === 'any' ? [asShardId(0)] : allShards(this.catalog!.partitions)
  }
}
