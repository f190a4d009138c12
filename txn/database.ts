/**
 * The transaction layer of one node: MVCC over a Store (txn/api.ts has the contract).
 *
 * Two storage trees are its own: the meta tree (the oracle's reservation) and the
 * status tree (commit timestamps). Every other tree is a table of versioned keys
 * (version-key.ts).
 *
 * Garbage collection removes versions no snapshot can see: below the *horizon* (the
 * oldest snapshot in use, or the newest visible timestamp when none is), a key needs
 * only its newest committed version, and not even that when it is a tombstone.
 * `gcStep` does a bounded amount of that work from where the last step stopped; a
 * timer runs it in the background.
 */
import { dbError } from '../common/errors.js'
import { asTreeId, type Timestamp, type TreeId, type TxnId } from '../common/ids.js'
import { Store, type StoreOptions } from '../storage/store.js'
import type { TxnDatabase } from './api.js'
import { LockTable } from './lock-table.js'
import { Oracle } from './oracle.js'
import { decodePrepared } from './prepared-payload.js'
import { statusKey, statusValue, TxnRegistry } from './registry.js'
import { NO_CONFLICTS, type ConflictReport, type SsiHooks } from './ssi-hooks.js'
import { createSsi } from './ssi/index.js'
import { MvccTransaction } from './transaction.js'
import type { LockWaitInfo, PreparedInfo, TableId, TxnOptions } from './types.js'
import { hasPrefix, isTombstone, keyPrefix, prefixOf, userKeyOf, versionWriter } from './version-key.js'

export const META_TREE = asTreeId(1)
export const STATUS_TREE = asTreeId(2)

export interface TxnDatabaseOptions extends StoreOptions {
  /**
   * SERIALIZABLE's conflict tracking: by default the SSI module (txn/ssi/); another
   * implementation, or `false` to run SERIALIZABLE as REPEATABLE READ (for measuring
   * SSI's cost).
   */
  readonly ssi?: SsiHooks | false
  /** Name recorded as the owner of prepared transactions. */
  readonly owner?: string
  /** Background GC period; 0 turns it off (tests call gcStep). Default 200 ms. */
  readonly gcIntervalMs?: number
}

export class MvccDatabase implements TxnDatabase {
  readonly locks = new LockTable()
  readonly transactions = new Map<TxnId, MvccTransaction>()
  readonly preparedByGid = new Map<string, MvccTransaction>()
  readonly statusTree = STATUS_TREE
  /** Transactions holding a snapshot, for the GC horizon. */
  private gcCursor: { table: number; key: Buffer | undefined } = { table: 0, key: undefined }
  private gcTimer: NodeJS.Timeout | undefined
  private gcRunning = false

  private constructor(
    readonly store: Store,
    readonly oracle: Oracle,
    readonly registry: TxnRegistry,
    readonly ssi: SsiHooks | undefined,
    readonly owner: string,
  ) {}

  static async open(options: TxnDatabaseOptions): Promise<MvccDatabase> {
    const store = await Store.open(options)
    if (!store.hasTree(META_TREE)) {
      const t = store.begin()
      if (t.createTree() !== META_TREE || t.createTree() !== STATUS_TREE) throw dbError('data_corrupted', 'the store holds trees but not the transaction layer’s')
      await t.commit()
    }
    const ssi = options.ssi === false ? undefined : (options.ssi ?? createSsi())
    const db = new MvccDatabase(store, await Oracle.open(store, META_TREE), new TxnRegistry(store, STATUS_TREE), ssi, options.owner ?? 'isola')
    for (const st of store.prepared()) {
      const p = decodePrepared(st.preparePayload ?? new Uint8Array())
      const t = new MvccTransaction(db, st)
      t.state = 'prepared'
      t.gid = p.gid
      db.transactions.set(t.id, t)
      db.preparedByGid.set(p.gid, t)
      db.registry.prepared(t.id, p.prepareTs)
      db.oracle.observe(p.prepareTs)
      for (const l of p.locks) db.locks.acquire(t.id, l.row, l.mode, 'nowait')
    }
    const every = options.gcIntervalMs ?? 200
    if (every > 0) {
      db.gcTimer = setInterval(() => void db.backgroundGc(), every)
      db.gcTimer.unref()
    }
    return db
  }

  begin(options?: TxnOptions): MvccTransaction {
    const t = new MvccTransaction(this, this.store.begin(), options)
    this.transactions.set(t.id, t)
    if (options?.globalId !== undefined) this.ssi?.name?.(t.id, options.globalId)
    return t
  }

  async createTable(): Promise<TableId> {
    const t = this.store.begin()
    const id = t.createTree()
    await t.commit()
    return id as number as TableId
  }

  async dropTable(table: TableId): Promise<void> {
    const t = this.store.begin()
    t.dropTree(table as unknown as TreeId)
    await t.commit()
  }

  maxKey(table: TableId): Buffer | undefined {
    const c = this.store.cursor(table as unknown as TreeId)
    try {
      return c.last() ? userKeyOf(c.key) : undefined
    } finally {
      c.close()
    }
  }

  tables(): TableId[] {
    return this.store.trees().filter((t) => t !== META_TREE && t !== STATUS_TREE) as number[] as TableId[]
  }

  // ---- prepared transactions -----------------------------------------------------------

  async commitPrepared(gid: string, commitTs?: Timestamp, outConflict = false): Promise<Timestamp> {
    const t = this.preparedTxn(gid)
    if (outConflict) this.ssi?.outConflictElsewhere?.(t.id)
    // The timestamp becomes visible to new local snapshots when the commit is durable (afterCommit).
    if (commitTs !== undefined) {
      await this.oracle.advance(commitTs)
      this.oracle.serve(commitTs) // later local commits land above it
    }
    const ts = commitTs ?? this.oracle.next()
    // A prepared storage transaction takes no more writes: its status goes in first,
    // in a transaction of its own. If we crash in between, the transaction is still
    // prepared after the restart and the coordinator commits it again at `ts`. Both
    // commit records are appended before either is waited for, so that one group
    // commit round can make both durable (the log is sequential: the second record's
    // durability implies the first's).
    const status = this.store.begin()
    status.put(STATUS_TREE, statusKey(t.id), statusValue(ts))
    const statusDurable = status.commit()
    this.registry.committing(t.id, ts, this.coordinated)
    await Promise.all([statusDurable, t.storeTxn.commit(statusValue(ts))])
    t.afterCommit(ts)
    return ts
  }

  advanceClock(ts: Timestamp): Promise<void> {
    if (!this.coordinated) this.ssi?.externalSnapshots?.()
    this.coordinated = true
    return this.oracle.advance(ts)
  }
  /** Timestamps come from a coordinator (`advanceClock` was called): snapshots may reach commits that are not yet durable. */
  coordinated = false

  async rollbackPrepared(gid: string): Promise<void> {
    await this.preparedTxn(gid).rollback()
  }

  conflicts(txn: TxnId): ConflictReport {
    return this.ssi?.conflicts(txn) ?? NO_CONFLICTS
  }

  prepared(): PreparedInfo[] {
    return [...this.preparedByGid.values()].map(preparedInfo)
  }

  preparedTransaction(gid: string): PreparedInfo | undefined {
    const t = this.preparedByGid.get(gid)
    return t === undefined ? undefined : preparedInfo(t)
  }

  // ---- lock waits (distributed deadlock detection) -------------------------------------

  lockWaits(): LockWaitInfo[] {
    const gid = (id: TxnId): string | undefined => {
      const t = this.transactions.get(id)
      return t?.state === 'prepared' ? t.gid : t?.globalId
    }
    return this.locks.waits().map((e) => ({ ...e, lockName: lockName(e.lock), waiterGid: gid(e.waiter), holderGid: gid(e.holder) }))
  }

  rejectLockWait(waitId: number, detail: string): boolean {
    return this.locks.rejectWait(waitId, dbError('deadlock_detected', 'deadlock detected', { detail, hint: 'A coordinator found the cycle across shards; the transaction of this wait was chosen as the victim.' }))
  }

  private preparedTxn(gid: string): MvccTransaction {
    const t = this.preparedByGid.get(gid)
    if (!t || t.state !== 'prepared') throw dbError('undefined_object', `prepared transaction with identifier "${gid}" does not exist`)
    return t
  }

  // ---- snapshots and garbage collection -----------------------------------------------

  /**
   * The oldest snapshot in use: versions below it that are shadowed are garbage.
   * Every transaction until it ends is in `transactions`, with its snapshot while it
   * holds one (a prepared transaction reads no more). Asked for rarely (GC, dropped
   * tables), so it walks them rather than keep a set that every statement would
   * change.
   */
  horizon(): Timestamp {
    let h = this.oracle.visible
    if (this.horizonLimit !== undefined && this.horizonLimit < h) h = this.horizonLimit
    for (const t of this.transactions.values()) if (t.state !== 'prepared' && t.snapshot !== undefined && t.snapshot < h) h = t.snapshot
    return h
  }

  limitHorizon(ts: Timestamp): void {
    if (this.horizonLimit === undefined || ts > this.horizonLimit) this.horizonLimit = ts
  }
  private horizonLimit: Timestamp | undefined

  async gcStep(maxVersions = 1000): Promise<number> {
    const horizon = this.horizon()
    this.ssi?.cleanup(horizon)
    const tables = this.store.trees().filter((t) => t !== META_TREE && t !== STATUS_TREE).sort((a, b) => a - b)
    const doomed: { table: TreeId; key: Buffer }[] = []
    let examined = 0
    let { table, key } = this.gcCursor
    for (const t of tables) {
      if (t < table) continue
      if (t > table) key = undefined
      const c = this.store.cursor(t)
      try {
        let ok = key ? c.seek(key) : c.first()
        while (ok && examined < maxVersions * 4 && doomed.length < maxVersions) {
          const prefix = Buffer.from(prefixOf(c.key))
          let keep = false // a committed version at or below the horizon was found: older ones go
          let newest = true
          for (; ok && hasPrefix(c.key, prefix); ok = c.next(), examined++) {
            if (keep) {
              doomed.push({ table: t, key: Buffer.from(c.key) })
              continue
            }
            const st = this.registry.status(versionWriter(c.value))
            if (st.kind === 'committed' && st.commitTs <= horizon) {
              keep = true
              // A tombstone that every snapshot sees, with nothing newer: the key is gone.
              if (newest && isTombstone(c.value)) doomed.push({ table: t, key: Buffer.from(c.key) })
            }
            newest = false
          }
        }
        if (ok) {
          this.gcCursor = { table: t, key: Buffer.from(c.key) }
          break
        }
        this.gcCursor = { table: t + 1, key: undefined }
      } finally {
        c.close()
      }
    }
    if (this.gcCursor.table > (tables[tables.length - 1] ?? 0)) this.gcCursor = { table: 0, key: undefined }
    if (doomed.length === 0) return 0
    const g = this.store.begin()
    for (const d of doomed) g.delete(d.table, d.key)
    await g.commit()
    return doomed.length
  }

  private async backgroundGc(): Promise<void> {
    if (this.gcRunning) return
    this.gcRunning = true
    try {
      await this.gcStep()
    } catch {
      // A failing store reports its failure to the next caller; GC just stops trying.
    } finally {
      this.gcRunning = false
    }
  }

  versions(table: TableId, key: Uint8Array) {
    const out: { writer: TxnId; commitTs: Timestamp | undefined; deleted: boolean }[] = []
    const c = this.store.cursor(table as unknown as TreeId)
    const prefix = keyPrefix(key)
    try {
      for (let ok = c.seek(prefix); ok && hasPrefix(c.key, prefix); ok = c.next()) {
        const writer = versionWriter(c.value)
        const st = this.registry.status(writer)
        out.push({ writer, commitTs: st.kind === 'committed' ? st.commitTs : undefined, deleted: isTombstone(c.value) })
      }
    } finally {
      c.close()
    }
    return out
  }

  async close(): Promise<void> {
    clearInterval(this.gcTimer)
    for (const t of [...this.transactions.values()]) if (t.state === 'active') await t.rollback()
    await this.store.close()
  }
}

export async function openTxnDatabase(options: TxnDatabaseOptions): Promise<TxnDatabase> {
  return MvccDatabase.open(options)
}

/** A lock id printable: `object <oid>` (table 0, transaction.ts objectLockId) or `table <id> key <hex>`. */
function lockName(lock: string): string {
  const colon = lock.indexOf(':')
  const table = lock.slice(0, colon)
  const rest = lock.slice(colon + 1)
  return table === '0' ? `object ${rest}` : `table ${table} key ${Buffer.from(rest, 'latin1').toString('hex')}`
}

/** What a prepared transaction's payload says of it (decoded: only on request). */
function preparedInfo(t: MvccTransaction): PreparedInfo {
  const p = decodePrepared(t.storeTxn.preparePayload ?? new Uint8Array())
  return {
    gid: p.gid,
    txn: t.id,
    preparedAt: p.prepareTs,
    owner: p.owner,
    holds: p.locks.map((l) => {
      const colon = l.row.indexOf(':')
      return { table: Number(l.row.slice(0, colon)) as TableId, key: Buffer.from(l.row.slice(colon + 1), 'latin1') }
    }),
  }
}
