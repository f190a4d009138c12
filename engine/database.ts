/**
 * One SQL database: the transaction layer, the shared (committed) catalog, and
 * what sessions share — sequences, oids, hidden row ids, the plan cache, row-count
 * estimates, and trees waiting to be dropped.
 *
 * The catalog lives in the transaction layer's table 3 (catalog-store.ts). At open
 * it is loaded whole; after a transaction that ran DDL commits, its private changes
 * are merged into the shared catalog. So that no statement plans against a catalog
 * that is about to change, a *gate* is raised before such a commit and lowered
 * after the merge: statements wait at the gate after taking their locks (the
 * committing transaction still held the locks they waited for).
 *
 *     open(dir) ─► txn layer (storage, recovery) ─► catalog table ─► Catalog
 *                                                          ▲
 *     session DDL ─► TxnCatalog ─► commit ─► merge ────────┘
 */
import path from 'node:path'
import { dbError } from '../common/errors.js'
import type { Timestamp } from '../common/ids.js'
import { decodeInt64Key } from '../common/key-encoding.js'
import { MemoryFileSystem } from '../storage/memory-file-system.js'
import { openTxnDatabase, type KeyRange, type TableId, type TxnDatabase, type TxnDatabaseOptions } from '../txn/index.js'
import { Catalog } from './catalog/catalog.js'
import type { ClusterAdmin } from './cluster-admin.js'
import { CatalogStore, statsKey, toJson } from './catalog/catalog-store.js'
import { FIRST_USER_OID, type Oid, type Relation, type TableInfo, type TableStats } from './catalog/schema.js'
import type { LockWaitRow } from './catalog/virtual-table.js'
import type { TxnCatalog } from './ddl/context.js'
import { PlanCache } from './plan-cache.js'
import type { TableEstimates } from './plan/access-path.js'
import { OidAllocator, SequenceValues } from './sequences.js'
import { Session, type SessionOptions } from './session.js'

/** The catalog's table id in a fresh store: the first table the engine creates (after the txn layer's two). */
export const CATALOG_TABLE = 3 as TableId

export interface OpenOptions extends Partial<Omit<TxnDatabaseOptions, 'dir'>> {
  /** Data directory; created if missing, recovered if a crash left it. */
  readonly dir?: string
  /** Everything in memory: nothing survives close(). */
  readonly memory?: boolean
  /** The user and database sessions report (current_user, current_database()). */
  readonly user?: string
  readonly database?: string
  /**
   * The cluster this database belongs to (server/cluster): CREATE/DROP DATABASE and
   * CREATE/ALTER/DROP ROLE go to it, pg_database and pg_roles list its objects.
   * Absent for a database opened alone: those statements are 0A000.
   */
  readonly cluster?: ClusterAdmin
}

export interface TransactionOptions {
  readonly isolation?: 'read committed' | 'repeatable read' | 'serializable'
  readonly readOnly?: boolean
  readonly deferrable?: boolean
  /** Times to retry after 40001 (serialization failure) or 40P01 (deadlock). Default 0. */
  readonly retries?: number
}

let memoryDatabases = 0

/** How long dropped trees wait before their snapshot horizon is checked again. */
const DROP_CHECK_MS = 500

export class Database {
  catalog: Catalog
  /** Bumped whenever the shared catalog changes (plans made before are stale). */
  catalogVersion = 0
  private gate: { promise: Promise<void>; release: () => void; depth: number } | undefined
  readonly oids: OidAllocator
  readonly sequences: SequenceValues
  readonly planCache = new PlanCache()
  private readonly rowIds = new Map<TableId, bigint>()
  private readonly liveRows = new Map<Oid, number>()
  private pendingDrops: { tree: TableId; after: Timestamp }[] = []
  private readonly dropTimer: NodeJS.Timeout
  private readonly sessions = new Set<Session>()
  private nextPid = 1000
  private closed = false

  private constructor(
    readonly txn: TxnDatabase,
    readonly store: CatalogStore,
    loaded: Awaited<ReturnType<CatalogStore['load']>>,
    readonly user: string,
    readonly name: string,
    readonly cluster: ClusterAdmin | undefined,
  ) {
    this.catalog = Catalog.of(loaded.relations.map((r) => withStats(r, loaded.stats)))
    this.oids = new OidAllocator(store, loaded.oidHigh, FIRST_USER_OID)
    this.sequences = new SequenceValues(store, loaded.sequenceHigh)
    this.dropTimer = setInterval(() => void this.dropUnusedTrees(), DROP_CHECK_MS)
    this.dropTimer.unref()
  }

  static async open(options: OpenOptions = {}): Promise<Database> {
    const memory = options.memory === true || options.dir === undefined
    const dir = memory ? path.join(path.sep, 'isola-memory', String(++memoryDatabases)) : options.dir!
    const txn = await openTxnDatabase({ ...options, dir, fs: memory ? new MemoryFileSystem() : options.fs })
    try {
      if (!txn.tables().includes(CATALOG_TABLE)) {
        const t = await txn.createTable()
        if (t !== CATALOG_TABLE) throw dbError('data_corrupted', 'the store holds tables but no SQL catalog')
      }
      const store = new CatalogStore(txn, CATALOG_TABLE)
      const db = new Database(txn, store, await store.load(), options.user ?? 'postgres', options.database ?? 'postgres', options.cluster)
      await db.dropOrphanTrees()
      return db
    } catch (e) {
      await txn.close()
      throw e
    }
  }

  /** Trees no catalog entry names: left by DDL that a crash interrupted. Not while prepared transactions (whose DDL is pending) exist. */
  private async dropOrphanTrees(): Promise<void> {
    if (this.txn.prepared().length > 0) return
    const used = new Set<TableId>([CATALOG_TABLE])
    for (const t of this.catalog.tables()) {
      used.add(t.tree)
      for (const i of t.indexes) used.add(i.tree)
    }
    for (const tree of this.txn.tables()) if (!used.has(tree)) await this.txn.dropTable(tree)
  }

  /**
   * The node's lock waits (view isola_lock_waits), with the sessions (pg_backend_pid)
   * of the waiting and holding transactions, for an operator; a coordinator reads the
   * gids (a branch's `isola.global_xid`, a prepared transaction's gid).
   */
  lockWaits(): LockWaitRow[] {
    const pids = new Map<number, number>()
    for (const s of this.sessions) {
      const id = s.txnId
      if (id !== undefined) pids.set(id, s.pid)
    }
    return this.txn.lockWaits().map((w) => ({ ...w, waiterPid: pids.get(w.waiter), holderPid: pids.get(w.holder) }))
  }

  session(options: SessionOptions = {}): Session {
    if (this.closed) throw dbError('admin_shutdown', 'the database is closed')
    const s = new Session(this, { user: this.user, database: this.name, ...options }, this.nextPid++)
    this.sessions.add(s)
    return s
  }

  /**
   * COMMIT PREPARED, at a coordinator's timestamp when given (a single node picks its
   * own); the prepared transaction's DDL, if any, reaches the shared catalog.
   *
   * Only a transaction that wrote the catalog table (its prepared locks say so) raises
   * the DDL gate and reloads the catalog: every cross-shard transfer's phase two comes
   * here, and for plain DML both would stall every session through the commit's fsyncs
   * and empty the plan cache for nothing (profiled: 10% of a shard's time under
   * cross-shard transfers).
   */
  async commitPrepared(gid: string, commitTs?: Timestamp, outConflict = false): Promise<Timestamp> {
    const prepared = this.txn.preparedTransaction(gid)
    if (prepared !== undefined && !prepared.holds.some((h) => h.table === CATALOG_TABLE)) return this.txn.commitPrepared(gid, commitTs, outConflict)
    this.raiseGate()
    try {
      const ts = await this.txn.commitPrepared(gid, commitTs, outConflict)
      // Its DDL, if any, is in the catalog table now.
      await this.reloadCatalog()
      return ts
    } finally {
      this.lowerGate()
    }
  }

    /** Sessions open now (DROP DATABASE refuses a database in use). */
  get sessionCount(): number {
    return this.sessions.size
  }

  /** @internal */
  sessionClosed(s: Session): void {
    this.sessions.delete(s)
  }

  /**
   * Runs `fn` in a transaction on a session of its own; commits when it returns,
   * rolls back when it throws, and retries on 40001/40P01 as many times as asked.
   */
  async transaction<T>(fn: (tx: Session) => Promise<T>, options: TransactionOptions = {}): Promise<T> {
    const modes = [`ISOLATION LEVEL ${(options.isolation ?? 'read committed').toUpperCase()}`]
    if (options.readOnly) modes.push('READ ONLY')
    if (options.deferrable) modes.push('DEFERRABLE')
    for (let attempt = 0; ; attempt++) {
      const s = this.session()
      try {
        await s.query(`BEGIN ${modes.join(', ')}`)
        const result = await fn(s)
        const done = await s.query('COMMIT')
        if (done.command === 'ROLLBACK') {
          throw dbError('in_failed_sql_transaction', 'the transaction was rolled back because a statement in it failed')
        }
        return result
      } catch (e) {
        await s.query('ROLLBACK').catch(() => undefined)
        const code = (e as { code?: string }).code
        if ((code === '40001' || code === '40P01') && attempt < (options.retries ?? 0)) {
          await new Promise((r) => setTimeout(r, Math.random() * 5 * (attempt + 1)))
          continue
        }
        throw e
      } finally {
        await s.close()
      }
    }
  }

  // ── catalog changes ───────────────────────────────────────────────────────

  /** Waits while a DDL transaction is committing. */
  catalogReady(): Promise<void> | undefined {
    return this.gate?.promise
  }

  /** Raised by a committing DDL transaction; statements wait at it until `lowerGate`. */
  raiseGate(): void {
    if (this.gate !== undefined) {
      this.gate.depth++
      return
    }
    let release!: () => void
    const promise = new Promise<void>((r) => (release = r))
    this.gate = { promise, release, depth: 1 }
  }

  lowerGate(): void {
    const g = this.gate
    if (g === undefined) return
    if (--g.depth > 0) return
    this.gate = undefined
    g.release()
  }

  /** A committed DDL transaction's changes become everyone's; its dropped trees go once no snapshot can read them. */
  publish(tc: TxnCatalog, commitTs: Timestamp | undefined): void {
    if (tc.changes.size > 0) this.setCatalog(this.catalog.merge(tc.changes))
    for (const tree of tc.droppedTrees) this.pendingDrops.push({ tree, after: commitTs ?? this.txn.horizon() })
    for (const [oid, rel] of tc.changes) if (rel === null || rel.kind === 'sequence') this.liveRows.delete(oid)
  }

  setCatalog(c: Catalog): void {
    this.catalog = c
    this.catalogVersion++
    this.planCache.clear()
  }

  /** After COMMIT PREPARED of a transaction that may have run DDL: the catalog as stored. */
  async reloadCatalog(): Promise<void> {
    const loaded = await this.store.load()
    this.setCatalog(Catalog.of(loaded.relations.map((r) => withStats(r, loaded.stats))))
  }

  async createTree(): Promise<TableId> {
    return this.txn.createTable()
  }

  async dropTreesNow(trees: readonly TableId[]): Promise<void> {
    for (const t of trees) await this.txn.dropTable(t).catch(() => undefined)
  }

  private async dropUnusedTrees(): Promise<void> {
    if (this.pendingDrops.length === 0 || this.closed) return
    const horizon = this.txn.horizon()
    const ready = this.pendingDrops.filter((d) => d.after <= horizon)
    this.pendingDrops = this.pendingDrops.filter((d) => d.after > horizon)
    await this.dropTreesNow(ready.map((d) => d.tree))
  }

  /** ANALYZE's results: stored (not transactionally, as PostgreSQL's pg_statistic updates) and used by the planner. */
  async setStats(oid: Oid, stats: TableStats): Promise<void> {
    await this.store.putAutonomous(statsKey(oid), toJson(stats))
    const t = this.catalog.table(oid)
    if (t !== undefined) this.setCatalog(this.catalog.with({ ...t, stats }))
    this.liveRows.set(oid, stats.rows)
  }

  // ── rows ──────────────────────────────────────────────────────────────────

  nextRowId(t: TableInfo): bigint {
    let next = this.rowIds.get(t.tree)
    if (next === undefined) {
      const max = this.txn.maxKey(t.tree)
      next = max === undefined ? 1n : decodeInt64Key(max) + 1n
    }
    this.rowIds.set(t.tree, next + 1n)
    return next
  }

  counted(t: TableInfo, delta: number): void {
    this.liveRows.set(t.oid, Math.max(0, (this.liveRows.get(t.oid) ?? t.stats?.rows ?? 0) + delta))
  }

  estimates(t: TableInfo): TableEstimates {
    const rows = this.liveRows.get(t.oid) ?? t.stats?.rows ?? 1000
    return { rows: Math.max(rows, 1), distinct: (attnum) => t.stats?.columns[attnum]?.distinct }
  }

  /** A read at a fresh snapshot, outside any session's transaction. */
  async freshScan(table: TableId, range: KeyRange): Promise<[Buffer, Buffer][]> {
    const t = this.txn.begin({ isolation: 'read committed', readOnly: true })
    try {
      return await t.scan(table, range)
    } finally {
      await t.commit()
    }
  }

  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    clearInterval(this.dropTimer)
    for (const s of [...this.sessions]) await s.close()
    await this.txn.close()
  }
}

function withStats(r: Relation, stats: Map<Oid, TableStats>): Relation {
  if (r.kind !== 'table') return r
  const s = stats.get(r.oid)
  return s === undefined ? r : { ...r, stats: s }
}
