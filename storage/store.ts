/**
 * The storage engine of one node: trees of byte keys in one data file, a
 * write-ahead log, transactions that are atomic and durable, and checkpoints.
 *
 * ```
 *  StoreTxn ─ put/delete ─► BTree (buffer pool) ─ evict ─► Pager: scratch slots
 *      │                                                     ▲
 *      └─ log record (redo + before-image) ─► Wal ── checkpoint: pages + map + meta
 * ```
 * A write changes the tree in memory and appends a logical log record; a commit
 * appends a commit record and waits for the log to be durable. Pages reach the
 * data file only at eviction (to slots no checkpoint refers to) and at
 * checkpoints, which write every dirty page and the page map, force the log to
 * the checkpoint's LSN, and then flip the meta page (pager.ts). Recovery loads the
 * newest checkpoint, replays the log from its LSN and undoes the transactions
 * that never committed (recovery.ts).
 */
import path from 'node:path'
import { dbError, internalError, IsolaError } from '../common/errors.js'
import { asLsn, asTreeId, asTxnId, type Lsn, type TreeId, type TxnId } from '../common/ids.js'
import { BufferPool } from './buffer-pool.js'
import { lockDirectory, type DirLock } from './dir-lock.js'
import { Cursor } from './cursor.js'
import { nodeFileSystem, type FileSystem } from './file-system.js'
import { initNode } from './node.js'
import { CATALOG_ROOT, Pager } from './pager.js'
import { DEFAULT_PAGE_SIZE, isValidPageSize, PageType } from './page-layout.js'
import { recover } from './recovery.js'
import { StoreTxn } from './store-txn.js'
import { TreeCatalog } from './tree-catalog.js'
import { checkTree } from './tree-check.js'
import { checkKeySize, treeLimits, type TreeSpace } from './tree-space.js'
import { UndoKind } from './undo-log.js'
import { appendDelete, appendPut, appendRecord } from './wal/log-record.js'
import { Wal } from './wal/wal.js'

export interface StoreOptions {
  readonly dir: string
  readonly fs?: FileSystem
  /** Page size of a new data file (an existing file keeps its own). Default 8 KiB. */
  readonly pageSize?: number
  /** Buffer pool size. Default 64 MiB. */
  readonly poolBytes?: number
  /** Log growth since the last checkpoint that starts a new one. Default 64 MiB. */
  readonly checkpointBytes?: number
  /** Size at which the log starts a new segment file. Default 64 MiB. */
  readonly segmentBytes?: number
}

export const DEFAULT_POOL_BYTES = 64 * 1024 * 1024
export const DEFAULT_CHECKPOINT_BYTES = 64 * 1024 * 1024

export interface StoreStats {
  readonly pageSize: number
  readonly pages: number
  readonly slots: number
  readonly poolFrames: number
  readonly poolHits: number
  readonly poolMisses: number
  readonly pageReads: number
  readonly pageWrites: number
  readonly walEnd: Lsn
  readonly walDurable: Lsn
  readonly checkpoints: number
}

const RESOLVED: Promise<void> = Promise.resolve()

export class Store {
  /** @internal */ readonly catalog: TreeCatalog
  /**
   * @internal Transactions that have logged something, from their first record on:
   * what checkpoints, prepared transactions and close need. A transaction that logs
   * nothing (a reader) never enters, so reading costs no change to this map.
   */
  readonly active = new Map<TxnId, StoreTxn>()
  /** @internal */ nextTxnId: number
  /** @internal */ nextTreeId: number
  private failure: IsolaError | undefined
  private checkpointing: Promise<void> | undefined
  private lastCheckpointLsn: Lsn
  private checkpoints = 0
  private closed = false

  private constructor(
    /** @internal */ readonly pool: BufferPool,
    /** @internal */ readonly pager: Pager,
    /** @internal */ readonly wal: Wal,
    /** @internal */ readonly space: TreeSpace,
    private readonly checkpointBytes: number,
    private readonly dirLock: DirLock,
  ) {
    const meta = pager.meta
    this.nextTxnId = meta?.nextTxnId ?? 1
    this.nextTreeId = meta?.nextTreeId ?? 1
    this.lastCheckpointLsn = meta?.checkpointLsn ?? wal.endLsn
    if (pager.isNew) initNode(pool.create(CATALOG_ROOT), PageType.leaf)
    this.catalog = new TreeCatalog(space)
  }

  /** Opens a store, creating it or recovering it from its last checkpoint and log. */
  static async open(options: StoreOptions): Promise<Store> {
    const fs = options.fs ?? nodeFileSystem
    const pageSize = options.pageSize ?? DEFAULT_PAGE_SIZE
    if (!isValidPageSize(pageSize)) throw dbError('invalid_parameter_value', `invalid page size ${pageSize}`)
    fs.mkdirp(options.dir)
    const dirLock = lockDirectory(fs, options.dir)
    let pager: Pager | undefined
    let wal: Wal
    try {
      pager = Pager.open(fs, path.join(options.dir, 'data.isola'), pageSize)
      wal = Wal.open({ fs, dir: path.join(options.dir, 'wal'), segmentBytes: options.segmentBytes })
    } catch (e) {
      pager?.close()
      dirLock.release()
      throw e
    }
    const frames = Math.max(16, Math.floor((options.poolBytes ?? DEFAULT_POOL_BYTES) / pager.pageSize))
    const pool = new BufferPool(pager, pager.pageSize, frames)
    const space: TreeSpace = {
      pool,
      limits: treeLimits(pager.pageSize),
      allocate: () => pager.allocate(),
      free: (id) => pager.free(id),
    }
    const store = new Store(pool, pager, wal, space, options.checkpointBytes ?? DEFAULT_CHECKPOINT_BYTES, dirLock)
    try {
      const meta = pager.meta
      if (meta) {
        const start = asLsn(Math.min(meta.checkpointLsn, meta.undoStartLsn))
        if (wal.firstLsn > start)
          throw dbError('data_corrupted', `the write-ahead log in "${options.dir}" begins after the checkpoint's LSN ${start}`)
        // A checkpoint forces the log to its LSN before its meta page is written, so a
        // log that ends earlier was truncated: refuse it rather than reuse those LSNs.
        if (wal.endLsn < meta.checkpointLsn)
          throw dbError('data_corrupted', `the write-ahead log in "${options.dir}" ends at LSN ${wal.endLsn}, before the checkpoint's LSN ${meta.checkpointLsn}`, {
            detail: 'The log was truncated after the checkpoint was written.',
          })
        recover(store, start, meta.checkpointLsn)
      }
      // A checkpoint now makes the recovered state (or the new file) durable on its own.
      await store.checkpoint()
    } catch (e) {
      // A store that cannot open leaves the directory as it found it, lock included.
      store.abandon()
      throw e
    }
    return store
  }

  // ---- reads ------------------------------------------------------------------

  /** A copy of the value under `key`, or undefined. */
  get(tree: TreeId, key: Uint8Array): Buffer | undefined {
    this.beginOperation()
    return this.catalog.require(tree).get(key)
  }

  /** An unpositioned cursor over a tree; close it when done. */
  cursor(tree: TreeId): Cursor {
    this.assertUsable()
    return new Cursor(this.catalog.require(tree), () => this.beginOperation())
  }

  /**
   * The log position the next record will get. It only grows, across restarts too,
   * so the transaction layer uses it as a write sequence to order versions.
   */
  get nextLsn(): Lsn {
    return this.wal.endLsn
  }

  hasTree(tree: TreeId): boolean {
    return this.catalog.get(tree) !== undefined
  }

  trees(): TreeId[] {
    return this.catalog.ids()
  }

  // ---- transactions -------------------------------------------------------------

  begin(): StoreTxn {
    this.assertUsable()
    return new StoreTxn(this, asTxnId(this.nextTxnId++))
  }

  /** Prepared transactions, including those reloaded by recovery. */
  prepared(): StoreTxn[] {
    return [...this.active.values()].filter((t) => t.state === 'prepared')
  }

  /** @internal put (value) or delete (value null); returns whether the key existed. */
  writeOp(txn: StoreTxn, tree: TreeId, key: Uint8Array, value: Uint8Array | null): boolean {
    this.beginOperation()
    const t = this.catalog.require(tree)
    checkKeySize(this.space.limits, key)
    // The hot path: `guard`'s protection written inline, without a closure per write.
    try {
      const before = value === null ? t.delete(key) : t.put(key, value)
      if (value === null && before === null) return false
      const lsn =
        value === null
          ? appendDelete(this.wal, txn.id, tree, key, before, false)
          : appendPut(this.wal, txn.id, tree, key, value, before, false)
      this.logged(txn, lsn)
      txn.undo.push(UndoKind.restore, tree, key, before)
      this.maybeCheckpoint()
      return before !== null
    } catch (e) {
      throw this.fail(e)
    }
  }

  /** A transaction's record at `lsn` is logged: the first one makes it active. */
  private logged(txn: StoreTxn, lsn: Lsn): void {
    if (txn.firstLsn !== undefined) return
    txn.firstLsn = lsn
    this.active.set(txn.id, txn)
  }

  /** @internal */
  createTreeOp(txn: StoreTxn, id: TreeId = asTreeId(this.nextTreeId++)): TreeId {
    this.beginOperation()
    return this.guard(() => {
      this.catalog.create(id)
      const lsn = appendRecord(this.wal, { kind: 'create-tree', txn: txn.id, tree: id })
      this.logged(txn, lsn)
      txn.undo.push(UndoKind.createTree, id, null, null)
      return id
    })
  }

  /** @internal */
  dropTreeOp(txn: StoreTxn, tree: TreeId): void {
    this.beginOperation()
    this.catalog.require(tree)
    this.guard(() => {
      const lsn = appendRecord(this.wal, { kind: 'drop-tree', txn: txn.id, tree, compensation: false })
      this.logged(txn, lsn)
      txn.drops.push(tree)
    })
  }

  /**
   * @internal A transaction that logged nothing (a reader) commits synchronously:
   * no async frame for it, only an already resolved promise.
   */
  commitTxn(txn: StoreTxn, payload: Uint8Array): Promise<void> {
    try {
      this.beginOperation()
    } catch (e) {
      return Promise.reject(e)
    }
    if (txn.firstLsn === undefined) {
      txn.state = 'committed'
      this.active.delete(txn.id)
      return RESOLVED
    }
    return this.commitLogged(txn, payload)
  }

  private async commitLogged(txn: StoreTxn, payload: Uint8Array): Promise<void> {
    const end = this.guard(() => {
      appendRecord(this.wal, { kind: 'commit', txn: txn.id, payload })
      txn.state = 'committed'
      this.active.delete(txn.id)
      for (const tree of txn.drops) this.catalog.drop(tree)
      return this.wal.endLsn
    })
    await this.wal.flush(end)
    this.maybeCheckpoint()
  }

  /** @internal */
  async prepareTxn(txn: StoreTxn, payload: Uint8Array): Promise<void> {
    this.beginOperation()
    const end = this.guard(() => {
      const lsn = appendRecord(this.wal, { kind: 'prepare', txn: txn.id, payload })
      this.logged(txn, lsn)
      txn.state = 'prepared'
      txn.preparePayload = payload
      return this.wal.endLsn
    })
    await this.wal.flush(end)
  }

  /**
   * @internal Undoes the transaction's writes down to `mark`, newest first, logging
   * each restoration as a compensation record; `finish` ends it with an abort record.
   */
  undoTo(txn: StoreTxn, mark: number, finish: boolean): void {
    this.beginOperation()
    this.guard(() => {
      const undo = txn.undo
      while (undo.length > mark) {
        const e = undo.top()
        if (e.kind === UndoKind.createTree) {
          this.catalog.drop(e.tree)
          appendRecord(this.wal, { kind: 'drop-tree', txn: txn.id, tree: e.tree, compensation: true })
        } else {
          const t = this.catalog.require(e.tree)
          if (e.before === null) {
            const current = t.delete(e.key)
            appendDelete(this.wal, txn.id, e.tree, e.key, current, true)
          } else {
            const current = t.put(e.key, e.before)
            appendPut(this.wal, txn.id, e.tree, e.key, e.before, current, true)
          }
        }
        undo.pop()
      }
      if (!finish) return
      if (txn.firstLsn !== undefined) appendRecord(this.wal, { kind: 'abort', txn: txn.id })
      txn.state = 'aborted'
      this.active.delete(txn.id)
    })
  }

  // ---- checkpoints and life cycle -------------------------------------------------

  /** Writes a checkpoint and trims the log; waits for one already running first. */
  async checkpoint(): Promise<void> {
    while (this.checkpointing) await this.checkpointing.catch(() => undefined)
    this.assertUsable()
    this.checkpointing = this.runCheckpoint().finally(() => (this.checkpointing = undefined))
    return this.checkpointing
  }

  private async runCheckpoint(): Promise<void> {
    const checkpointLsn = this.wal.endLsn
    let undoStart = checkpointLsn as number
    for (const t of this.active.values()) if (t.firstLsn !== undefined && t.firstLsn < undoStart) undoStart = t.firstLsn
    const pending = this.guard(() => {
      this.pool.flushDirty()
      return this.pager.prepareCheckpoint({
        checkpointLsn,
        undoStartLsn: asLsn(undoStart),
        nextTxnId: asTxnId(this.nextTxnId),
        nextTreeId: this.nextTreeId,
      })
    })
    try {
      await this.pager.syncData()
      await this.wal.flush(checkpointLsn)
      await this.pager.completeCheckpoint(pending)
      this.wal.truncateBefore(asLsn(undoStart))
    } catch (e) {
      throw this.fail(e)
    }
    this.lastCheckpointLsn = checkpointLsn
    this.checkpoints++
  }

  private maybeCheckpoint(): void {
    if (this.checkpointing || this.closed || this.wal.endLsn - this.lastCheckpointLsn < this.checkpointBytes) return
    this.checkpoint().catch(() => undefined) // a failure poisons the store; the next call reports it
  }

  /** Rolls back open transactions (prepared ones stay), checkpoints, and closes the files. */
  async close(): Promise<void> {
    if (this.closed) return
    if (!this.failure) {
      for (const t of [...this.active.values()]) if (t.state === 'active') t.rollback()
      await this.checkpoint()
    }
    this.closed = true
    await this.wal.close().catch(() => undefined)
    this.pager.close()
    this.dirLock.release()
  }

  /**
   * Closes the files at once, writing nothing (no log flush, no checkpoint), as a
   * crash would. Unflushed commits are lost exactly as after kill -9. For crash
   * tests and the simulator.
   */
  abandon(): void {
    if (this.closed) return
    this.closed = true
    this.wal.abandon()
    this.pager.close()
    this.dirLock.release()
  }

  /** Checks the invariants of every tree (tests, `isola check`); throws on the first broken one. */
  check(): void {
    this.beginOperation()
    const seen = new Set<number>()
    checkTree(this.catalog.catalogTree, seen)
    for (const id of this.catalog.ids()) checkTree(this.catalog.require(id), seen)
  }

  stats(): StoreStats {
    return {
      pageSize: this.pager.pageSize,
      pages: this.pager.pageCount,
      slots: this.pager.slotCount,
      poolFrames: this.pool.size,
      poolHits: this.pool.hits,
      poolMisses: this.pool.misses,
      pageReads: this.pager.reads,
      pageWrites: this.pager.writes,
      walEnd: this.wal.endLsn,
      walDurable: this.wal.durableLsn,
      checkpoints: this.checkpoints,
    }
  }

  // ---- failure handling ---------------------------------------------------------

  private beginOperation(): void {
    this.assertUsable()
    try {
      this.pool.beginOperation()
    } catch (e) {
      throw this.fail(e)
    }
  }

  private assertUsable(): void {
    if (this.failure) throw this.failure
    if (this.closed) throw dbError('object_not_in_prerequisite_state', 'the store is closed')
  }

  /**
   * Runs a change that touches trees and log together. If it fails half-way the
   * memory state no longer matches the log, so the store refuses all further work;
   * reopening recovers from the durable state, where the change never committed.
   */
  private guard<T>(change: () => T): T {
    try {
      return change()
    } catch (e) {
      throw this.fail(e)
    }
  }

  private fail(e: unknown): IsolaError {
    const err =
      e instanceof IsolaError ? e : internalError(`storage failure: ${e instanceof Error ? e.message : String(e)}`, { cause: e })
    this.failure ??= err
    return err
  }
}
