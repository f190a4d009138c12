/**
 * One MVCC transaction (txn/api.ts has the contract).
 *
 * Reads walk a key's versions newest first and take the first one this snapshot
 * may see (own writes always; committed writes with commitTs ≤ snapshot). A version
 * of a prepared writer that prepared before the snapshot makes the reader wait for
 * the decision (DESIGN.md §2, Clock-SI); anything else invisible is skipped, so
 * readers never block writers and writers never block readers.
 *
 * Writes lock the row first, then look at the newest version: under REPEATABLE READ
 * and SERIALIZABLE a version committed after the snapshot is a write conflict
 * (first-updater-wins: 40001); under READ COMMITTED the writer goes on from the
 * newest committed row, as PostgreSQL's UPDATE re-checks it.
 */
import { dbError, internalError } from '../common/errors.js'
import type { Timestamp, TreeId, TxnId } from '../common/ids.js'
import type { StoreTxn } from '../storage/store-txn.js'
import type { Cursor } from '../storage/cursor.js'
import type { ModifyResult, RowChange, Transaction, VisibleRow } from './api.js'
import type { MvccDatabase } from './database.js'
import { encodePrepared } from './prepared-payload.js'
import { statusKey, statusValue } from './registry.js'
import { successorKey, type IsolationLevel, type KeyRange, type LockWait, type RowLockMode, type TableId, type TxnOptions, type TxnState } from './types.js'
import { comparePrefix, VERSION_HEADER, SEQ_BYTES, encodeVersion, hasPrefix, isTombstone, keyPrefix, malformedVersionKey, prefixLength, prefixOf, samePrefixInPlace, sharesPrefix, userKeyOf, versionKey, versionRow, versionWriter } from './version-key.js'

type Wait = { readonly kind: 'wait'; readonly until: Promise<void> }
type ScanResult = [Buffer, Buffer][] | Wait
/**
 * What a reader makes of one version (`judge`): its row when visible, null when it
 * is a visible tombstone, undefined when invisible (look at older versions), or a
 * prepared writer's decision to wait for. Plain values rather than result objects:
 * a scan judges every row it passes.
 */
type Verdict = Buffer | null | undefined | Wait
const isWait = (v: Verdict): v is Wait => v !== null && v !== undefined && !(v instanceof Uint8Array)

const VISIBLE = 1
const DELETED = 2
const INVISIBLE = 0
type Visibility = typeof VISIBLE | typeof DELETED | typeof INVISIBLE | Wait

const EMPTY = Buffer.alloc(0)

/** The VisibleRow of a scanEach: the row of the version under the cursor, in its page (or in a copy of an overflowing value). */
class CursorRow implements VisibleRow {
  bytes: Uint8Array = EMPTY
  start = 0
  end = 0
  keyCopy: Buffer | undefined

  constructor(private readonly cursor: Cursor) {}

  key(): Buffer {
    return (this.keyCopy ??= userKeyOf(this.cursor.key))
  }
}

/** The prefix of the version being looked at in a scan, copied here rather than into a new buffer per key (scans are synchronous). */
let prefixScratch = Buffer.allocUnsafe(64)

export class MvccTransaction implements Transaction {
  state: TxnState = 'active'
  snapshot: Timestamp | undefined
  readonly isolation: IsolationLevel
  readonly readOnly: boolean
  private readonly lockTimeoutMs: number
  private readonly savepoints: { readonly name: string; readonly mark: number }[] = []
  private wrote = false
  /** Whether SSI tracks it (SERIALIZABLE, and an SSI module is present; not once its snapshot is safe). */
  private tracked: boolean
  private readonly deferrable: boolean
  private readonly skipPrepared: boolean
  private readonly snapshotSource: (() => Timestamp) | undefined
  gid: string | undefined
  /** The distributed transaction it is a branch of (TxnOptions.globalId). */
  readonly globalId: string | undefined

  constructor(
    private readonly db: MvccDatabase,
    readonly storeTxn: StoreTxn,
    options: TxnOptions = {},
  ) {
    this.isolation = options.isolation ?? 'read committed'
    this.readOnly = options.readOnly ?? false
    this.lockTimeoutMs = options.lockTimeoutMs ?? 0
    this.skipPrepared = options.skipPrepared ?? false
    this.snapshotSource = options.snapshot
    this.globalId = options.globalId
    this.tracked = this.isolation === 'serializable' && db.ssi !== undefined
    this.deferrable = this.tracked && this.readOnly && (options.deferrable ?? false) && db.ssi?.whenSafe !== undefined
  }

  get id(): TxnId {
    return this.storeTxn.id
  }

  get hasWrites(): boolean {
    return this.wrote
  }

  nextStatement(): void {
    if (this.isolation === 'read committed' && this.state === 'active') this.dropSnapshot()
  }

  // ---- reads ----------------------------------------------------------------------

  async get(table: TableId, key: Uint8Array): Promise<Buffer | undefined> {
    return this.getNow(table, key)
  }

  getNow(table: TableId, key: Uint8Array): Buffer | undefined | Promise<Buffer | undefined> {
    const begun = this.beginStatement()
    if (begun !== undefined) return begun.then(() => this.getNow(table, key))
    if (this.tracked) this.ssi(() => this.db.ssi!.onRead(this.id, table, key))
    const prefix = keyPrefix(key)
    const r = this.readVisible(table, prefix, key)
    return isWait(r) ? this.getAfterWait(table, prefix, key, r) : r
  }

  private async getAfterWait(table: TableId, prefix: Buffer, key: Uint8Array, wait: Wait): Promise<Buffer | undefined> {
    for (let r: Buffer | undefined | Wait = wait; ; r = this.readVisible(table, prefix, key)) {
      if (!isWait(r)) return r
      await this.interruptible(r.until, this.lockTimeoutMs)
    }
  }

  async scan(table: TableId, range: KeyRange = {}): Promise<[Buffer, Buffer][]> {
    const begun = this.beginStatement()
    if (begun !== undefined) await begun
    for (;;) {
      const r = range.reverse ? this.scanBackward(table, range) : this.scanForward(table, range)
      if (Array.isArray(r)) return r
      await this.interruptible(r.until, this.lockTimeoutMs)
    }
  }

  async scanEach(table: TableId, range: KeyRange, visit: (row: VisibleRow) => void): Promise<Buffer | undefined> {
    const begun = this.beginStatement()
    if (begun !== undefined) await begun
    if (range.reverse) {
      // Backwards scans are rare (ORDER BY … DESC): the copying scan serves them.
      const rows = await this.scan(table, range)
      const view: { bytes: Uint8Array; start: number; end: number; key: () => Buffer } = { bytes: EMPTY, start: 0, end: 0, key: () => EMPTY }
      for (const [k, v] of rows) {
        view.bytes = v
        view.end = v.length
        view.key = () => k
        visit(view)
      }
      return rows.length === range.limit ? rows[rows.length - 1]![0] : undefined
    }
    const pass = { from: range.from, visited: 0 }
    for (;;) {
      const r = this.scanForwardEach(table, range, pass, visit)
      if (!isWait(r)) return r
      // A prepared writer's decision: wait, then go on from the key it held (the rows before it were visited).
      await this.interruptible(r.until, this.lockTimeoutMs)
    }
  }

  /** The visible row of one key (undefined: none), or what to wait for. */
  private readVisible(table: TableId, prefix: Buffer, key: Uint8Array): Buffer | undefined | Wait {
    const c = this.db.store.cursor(table as unknown as TreeId)
    try {
      for (let ok = c.seek(prefix); ok && hasPrefix(c.key, prefix); ok = c.next()) {
        const r = this.judge(c.value, table, key)
        if (r !== undefined) return r ?? undefined
      }
      return undefined
    } finally {
      c.close()
    }
  }

  /**
   * Visible rows of a range in key order, up to `range.limit`. The SIREAD lock
   * (SERIALIZABLE) covers what was read: the whole range, or up to just past the last
   * row when the limit stopped the scan. It is taken after the synchronous read, which
   * no writer can interleave with, and not at all when the scan must wait.
   */
  private scanForward(table: TableId, range: KeyRange): ScanResult {
    const out: [Buffer, Buffer][] = []
    const limit = range.limit ?? Infinity
    const c = this.db.store.cursor(table as unknown as TreeId)
    const to = range.to ? keyPrefix(range.to) : undefined
    try {
      let ok = range.from ? c.seek(keyPrefix(range.from)) : c.first()
      while (ok && out.length < limit) {
        // Versions of one key are adjacent, newest first: the first visible one decides.
        const first = c.key
        const n = prefixLength(first)
        if (to && comparePrefix(first, n, to) >= 0) break
        if (prefixScratch.length < n) prefixScratch = Buffer.allocUnsafe(n * 2)
        const prefix = prefixScratch
        for (let i = 0; i < n; i++) prefix[i] = first[i]! // a short key: a loop beats Buffer.copy's native call
        const userKey = userKeyOf(first)
        let decided = false
        do {
          if (!decided) {
            const r = this.judge(c.value, table, userKey)
            if (r !== undefined) {
              if (isWait(r)) return r
              if (r !== null) out.push([userKey, r])
              decided = true
            }
          }
          ok = c.next()
        } while (ok && sharesPrefix(c.key, prefix, n))
      }
    } finally {
      c.close()
    }
    if (this.tracked) {
      const last = out.length === limit ? out[out.length - 1]![0] : undefined
      this.ssi(() => this.db.ssi!.onScan(this.id, table, range.from, last ? successorKey(last) : range.to))
    }
    return out
  }

  /**
   * scanForward for scanEach: the same walk, reading each version in place in its
   * leaf page (no view per entry), and a visible row goes to `visit` uncopied. It
   * starts at `pass.from` and counts into `pass.visited`; when it must wait,
   * `pass.from` is left at the key it waits for, so that the next pass resumes there
   * (the SIREAD lock, taken when the scan ends, still covers the whole range from
   * `range.from`).
   */
  private scanForwardEach(table: TableId, range: KeyRange, pass: { from: Uint8Array | undefined; visited: number }, visit: (row: VisibleRow) => void): Buffer | undefined | Wait {
    const limit = range.limit ?? Infinity
    const c = this.db.store.cursor(table as unknown as TreeId)
    const to = range.to ? keyPrefix(range.to) : undefined
    const row = new CursorRow(c)
    let last: Buffer | undefined
    try {
      let ok = pass.from ? c.seek(keyPrefix(pass.from)) : c.first()
      let page = ok ? c.readInPlace() : EMPTY
      // At the top of the loop the cursor is at the newest version of a user key.
      while (ok && pass.visited < limit) {
        const n = c.keyLength - SEQ_BYTES
        if (n < 2) throw malformedVersionKey()
        if (to && comparePrefix(page, n, to, c.keyAt) >= 0) break
        // judge reads the key only for SSI's bookkeeping: an untracked reader skips making it.
        const userKey = this.tracked ? userKeyOf(c.key) : EMPTY
        let decided = false
        for (;;) {
          if (!decided) {
            const inline = c.valueLength >= 0
            const bytes = inline ? page : c.value
            const at = inline ? c.valueAt : 0
            const v = this.visibility(bytes, at, table, userKey)
            // The writer's status may have been read from the status tree (a store
            // operation of its own, which may evict frames): then fetch the page again.
            if (!c.inPlace) page = c.readInPlace()
            if (v !== INVISIBLE) {
              if (v !== VISIBLE && v !== DELETED) {
                pass.from = userKeyOf(c.key)
                return v
              }
              if (v === VISIBLE) {
                row.bytes = inline ? page : bytes
                row.start = at + VERSION_HEADER
                row.end = inline ? at + c.valueLength : bytes.length
                row.keyCopy = undefined
                visit(row)
                if (++pass.visited === limit) last = row.key()
              }
              decided = true
            }
          }
          // On to the next version: an older one of this key (skipped once decided), or the next key.
          const keyAt = c.keyAt
          if (c.nextInLeaf()) {
            if (!samePrefixInPlace(page, keyAt, n, c.keyAt, c.keyLength)) break
            continue
          }
          // Leaving the leaf: keep this key's prefix to compare with (the leaf may be evicted).
          if (!c.inPlace) page = c.readInPlace()
          if (prefixScratch.length < n) prefixScratch = Buffer.allocUnsafe(n * 2)
          for (let i = 0; i < n; i++) prefixScratch[i] = page[keyAt + i]! // a short key: a loop beats Buffer.copy's native call
          ok = c.next()
          if (!ok) break
          page = c.readInPlace()
          if (!sharesPrefix(page, prefixScratch, n, c.keyAt, c.keyLength)) break
        }
      }
    } finally {
      c.close()
    }
    if (this.tracked) this.ssi(() => this.db.ssi!.onScan(this.id, table, range.from, last ? successorKey(last) : range.to))
    return last
  }

  /** The same backwards: from the last key below `range.to` down to `range.from`. */
  private scanBackward(table: TableId, range: KeyRange): ScanResult {
    const out: [Buffer, Buffer][] = []
    const limit = range.limit ?? Infinity
    const c = this.db.store.cursor(table as unknown as TreeId)
    const from = range.from ? keyPrefix(range.from) : undefined
    const group: Buffer[] = []
    try {
      // Every version key of a user key below `to` sorts below keyPrefix(to).
      let ok = range.to ? c.seekAtOrBefore(keyPrefix(range.to)) : c.last()
      while (ok && out.length < limit) {
        // Backwards the oldest version of a key comes first: gather the key's versions, judge newest first.
        const prefix = Buffer.from(prefixOf(c.key))
        if (from && Buffer.compare(prefix, from) < 0) break
        const userKey = userKeyOf(c.key)
        group.length = 0
        for (; ok && hasPrefix(c.key, prefix); ok = c.prev()) group.push(Buffer.from(c.value))
        for (let i = group.length - 1; i >= 0; i--) {
          const r = this.judge(group[i]!, table, userKey)
          if (r === undefined) continue
          if (isWait(r)) return r
          if (r !== null) out.push([userKey, r])
          break
        }
      }
    } finally {
      c.close()
    }
    if (this.tracked) {
      const last = out.length === limit ? out[out.length - 1]![0] : undefined
      this.ssi(() => this.db.ssi!.onScan(this.id, table, last ?? range.from, range.to))
    }
    return out
  }

  /** Decides about one version (see Verdict). */
  private judge(value: Buffer, table: TableId, key: Uint8Array): Verdict {
    const v = this.visibility(value, 0, table, key)
    return v === VISIBLE ? versionRow(value) : v === DELETED ? null : v === INVISIBLE ? undefined : v
  }

  /**
   * Whether this transaction sees the version whose value starts at `value[at]`: its
   * row, its tombstone, neither (look further back), or it must wait.
   */
  private visibility(value: Uint8Array, at: number, table: TableId, key: Uint8Array): Visibility {
    const writer = versionWriter(value, at)
    if (writer === this.id || (writer === this.seenWriter && this.snapshot === this.seenAt)) return isTombstone(value, at) ? DELETED : VISIBLE
    const st = this.db.registry.status(writer)
    if (st.kind === 'committed' && st.commitTs <= this.snapshot!) {
      if (st.durable !== undefined && !this.skipPrepared) return { kind: 'wait', until: st.durable }
      this.seenWriter = writer
      this.seenAt = this.snapshot
      return isTombstone(value, at) ? DELETED : VISIBLE
    }
    if (st.kind === 'prepared' && st.prepareTs < this.snapshot! && !this.skipPrepared) return { kind: 'wait', until: st.decided }
    if (this.tracked) this.ssi(() => this.db.ssi!.onInvisibleVersion(this.id, writer, table, key))
    return INVISIBLE
  }
  /**
   * The last writer found committed within the snapshot `seenAt`: rows written by one
   * transaction lie together, so a scan asks the registry once per run of them rather
   * than once per row. (A commit within a snapshot stays so: the cache never lies.)
   */
  private seenWriter = 0 as TxnId
  private seenAt: Timestamp | undefined

  // ---- writes ---------------------------------------------------------------------

  async modify(table: TableId, key: Uint8Array, change: (current: Buffer | undefined) => RowChange): Promise<ModifyResult> {
    await this.beginStatement()
    if (this.readOnly) throw dbError('read_only_sql_transaction', 'cannot execute UPDATE in a read-only transaction')
    await this.lock(table, key, 'update', 'wait')
    const prefix = keyPrefix(key)
    const newest = this.newestVersion(table, prefix)
    let current: Buffer | undefined
    let own: Buffer | undefined
    if (newest) {
      const writer = versionWriter(newest.value)
      if (writer === this.id) own = newest.key
      else this.checkConcurrentUpdate(writer, table, key)
      current = isTombstone(newest.value) ? undefined : versionRow(newest.value)
    }
    if (this.tracked) this.ssi(() => this.db.ssi!.onRead(this.id, table, key))
    const next = change(current)
    if (next === undefined || (next === null && current === undefined)) return 'unchanged'
    const vkey = own ?? versionKey(prefix, this.db.store.nextLsn)
    // The registry learns of a transaction at its first write: only versions make readers ask for a writer's status.
    if (!this.wrote) this.db.registry.begin(this.id)
    this.storeTxn.put(table as unknown as TreeId, vkey, encodeVersion(this.id, next))
    this.wrote = true
    if (this.db.ssi) this.ssi(() => this.db.ssi!.onWrite(this.id, table, key))
    return next === null ? 'deleted' : 'updated'
  }

  async put(table: TableId, key: Uint8Array, value: Uint8Array): Promise<void> {
    await this.modify(table, key, () => value)
  }

  async delete(table: TableId, key: Uint8Array): Promise<boolean> {
    return (await this.modify(table, key, () => null)) === 'deleted'
  }

  async lockRow(table: TableId, key: Uint8Array, mode: RowLockMode, wait: LockWait = 'wait'): Promise<boolean | 'changed'> {
    await this.beginStatement()
    if (!(await this.lock(table, key, mode, wait))) return false
    const newest = this.newestVersion(table, keyPrefix(key))
    if (!newest) return false
    const writer = versionWriter(newest.value)
    const changed = writer !== this.id && this.checkConcurrentUpdate(writer, table, key)
    if (this.tracked) this.ssi(() => this.db.ssi!.onRead(this.id, table, key))
    if (isTombstone(newest.value)) return false
    return changed ? 'changed' : true
  }

  lockObject(oid: number, mode: RowLockMode, wait: LockWait = 'wait'): boolean | Promise<boolean> {
    this.assertActive()
    return this.db.locks.acquire(this.id, objectLockId(oid), mode, wait, this.lockTimeoutMs, true)
  }

  cancelWait(error: unknown): void {
    this.db.locks.cancelWait(this.id, error)
    this.cancelDecisionWait?.(error)
  }

  /** Rejects the wait in `interruptible`, while there is one. */
  private cancelDecisionWait: ((error: unknown) => void) | undefined

  /**
   * Waits for something other than a row lock (a prepared writer's decision, a safe
   * snapshot) so that cancelWait and the lock timeout end it as they end a lock
   * wait: a reader stuck behind a prepared transaction nobody resolves must still
   * answer a cancel or statement_timeout.
   */
  private async interruptible<T>(until: Promise<T>, timeoutMs: number): Promise<T> {
    let timer: NodeJS.Timeout | undefined
    const interrupted = new Promise<never>((_, reject) => {
      this.cancelDecisionWait = reject
      if (timeoutMs > 0) timer = setTimeout(() => reject(dbError('lock_not_available', 'canceling statement due to lock timeout')), timeoutMs)
    })
    try {
      return await Promise.race([until, interrupted])
    } finally {
      this.cancelDecisionWait = undefined
      clearTimeout(timer)
    }
  }

  /**
   * First-updater-wins: a version committed after our snapshot fails REPEATABLE READ
   * and SERIALIZABLE. Under READ COMMITTED it is allowed; returns whether there is one.
   */
  private checkConcurrentUpdate(writer: TxnId, table: TableId, key: Uint8Array): boolean {
    const st = this.db.registry.status(writer)
    if (st.kind !== 'committed') throw internalError(`row of table ${table} is locked by us but has a ${st.kind} version`)
    if (st.commitTs <= this.snapshot!) return false
    if (this.isolation !== 'read committed') throw dbError('serialization_failure', 'could not serialize access due to concurrent update', { hint: 'The transaction might succeed if retried.' })
    return true
  }

  private newestVersion(table: TableId, prefix: Buffer): { key: Buffer; value: Buffer } | undefined {
    const c = this.db.store.cursor(table as unknown as TreeId)
    try {
      if (!c.seek(prefix) || !hasPrefix(c.key, prefix)) return undefined
      return { key: Buffer.from(c.key), value: Buffer.from(c.value) }
    } finally {
      c.close()
    }
  }

  private async lock(table: TableId, key: Uint8Array, mode: RowLockMode, wait: LockWait): Promise<boolean> {
    const got = this.db.locks.acquire(this.id, rowId(table, key), mode, wait, this.lockTimeoutMs)
    return got === true || got === false ? got : await got
  }

  // ---- savepoints -----------------------------------------------------------------------

  savepoint(name: string): void {
    this.assertActive()
    this.savepoints.push({ name, mark: this.storeTxn.savepoint() })
  }

  rollbackToSavepoint(name: string): void {
    this.assertActive()
    const i = this.findSavepoint(name)
    this.storeTxn.rollbackTo(this.savepoints[i]!.mark)
    this.savepoints.length = i + 1 // the savepoint itself stays, as in PostgreSQL
  }

  releaseSavepoint(name: string): void {
    this.assertActive()
    this.savepoints.length = this.findSavepoint(name)
  }

  private findSavepoint(name: string): number {
    for (let i = this.savepoints.length - 1; i >= 0; i--) if (this.savepoints[i]!.name === name) return i
    throw dbError('invalid_savepoint_specification', `savepoint "${name}" does not exist`)
  }

  // ---- ending ------------------------------------------------------------------------

  async prepare(gid: string): Promise<void> {
    this.assertActive()
    if (this.db.preparedByGid.has(gid)) throw dbError('duplicate_object', `transaction identifier "${gid}" is already in use`)
    this.preCommit()
    const prepareTs = this.db.oracle.next()
    const locks = this.db.locks.heldBy(this.id).map((row) => ({ row, mode: this.db.locks.holdsExclusive(this.id, row) ? ('update' as const) : ('share' as const) }))
    this.db.registry.prepared(this.id, prepareTs)
    this.gid = gid
    this.db.preparedByGid.set(gid, this)
    this.state = 'prepared'
    await this.storeTxn.prepare(encodePrepared({ gid, prepareTs, owner: this.db.owner, locks }))
  }

  async commit(proposedTs?: Timestamp): Promise<Timestamp | undefined> {
    this.assertActive()
    this.preCommit()
    if (!this.wrote) {
      await this.storeTxn.commit()
      this.finish('committed')
      // A read-only branch of a distributed transaction ends at the coordinator's commit timestamp.
      this.db.ssi?.committed(this.id, proposedTs ?? this.snapshot ?? this.db.oracle.visible)
      return undefined
    }
    const commitTs = proposedTs === undefined ? this.db.oracle.next() : this.db.oracle.nextAtLeast(proposedTs)
    this.storeTxn.put(this.db.statusTree, statusKey(this.id), statusValue(commitTs))
    this.db.registry.committing(this.id, commitTs, this.db.coordinated)
    // The commit record is appended in this same synchronous step (see oracle.ts).
    const durable = this.storeTxn.commit(statusValue(commitTs))
    this.state = 'committed'
    await durable
    this.afterCommit(commitTs)
    return commitTs
  }

  /** @internal The durable end of a commit (also COMMIT PREPARED). */
  afterCommit(commitTs: Timestamp): void {
    this.db.oracle.published(commitTs)
    this.db.registry.committedDurably(this.id, commitTs)
    this.finish('committed')
    this.db.ssi?.committed(this.id, commitTs)
  }

  /** Rolls back an active transaction, or a prepared one (ROLLBACK PREPARED). */
  async rollback(): Promise<void> {
    if (this.state === 'aborted' || this.state === 'committed') return
    this.storeTxn.rollback()
    this.db.registry.aborted(this.id)
    this.finish('aborted')
    this.db.ssi?.aborted(this.id)
  }

  private preCommit(): void {
    if (this.tracked) this.ssi(() => this.db.ssi!.preCommit(this.id))
  }

  /** Runs an SSI hook; a 40001 from it ends the transaction (PostgreSQL's failed state, then rollback). */
  private ssi(hook: () => void): void {
    try {
      hook()
    } catch (e) {
      void this.rollback()
      throw e
    }
  }

  private finish(state: 'committed' | 'aborted'): void {
    this.state = state
    this.db.locks.releaseAll(this.id)
    if (this.gid !== undefined) this.db.preparedByGid.delete(this.gid)
    this.db.transactions.delete(this.id)
  }

  // ---- snapshots ----------------------------------------------------------------------

  /** Takes the snapshot at the first statement (every statement's, under READ COMMITTED). */
  private beginStatement(): void | Promise<void> {
    this.assertActive()
    if (this.snapshot !== undefined) return
    this.snapshot = this.takeSnapshot()
    if (!this.tracked || this.ssiBegun) return
    this.ssiBegun = true
    this.db.ssi!.begin({ id: this.id, snapshot: this.snapshot, readOnly: this.readOnly })
    if (this.deferrable) return this.waitForSafeSnapshot()
  }
  private ssiBegun = false

  /**
   * SERIALIZABLE READ ONLY DEFERRABLE: wait until the snapshot is safe (no
   * concurrent read-write transaction can make it part of an anomaly), taking a new
   * one whenever it turns unsafe; then run untracked, never failing with 40001.
   */
  private async waitForSafeSnapshot(): Promise<void> {
    const ssi = this.db.ssi!
    while (!(await this.interruptible(ssi.whenSafe!(this.id), 0))) {
      ssi.aborted(this.id)
      this.dropSnapshot()
      this.snapshot = this.takeSnapshot()
      ssi.begin({ id: this.id, snapshot: this.snapshot, readOnly: true })
    }
    this.tracked = false
  }

  /** The node's newest durable commit, or the coordinator's snapshot (served: later local timestamps are larger). */
  private takeSnapshot(): Timestamp {
    return this.snapshotSource === undefined ? this.db.oracle.visible : this.db.oracle.serve(this.snapshotSource())
  }

  private dropSnapshot(): void {
    this.snapshot = undefined
  }

  private assertActive(): void {
    if (this.state !== 'active')
      throw dbError(this.state === 'aborted' ? 'in_failed_sql_transaction' : 'no_active_sql_transaction', `transaction ${this.id} is ${this.state}`)
  }
}

const objectLockIds = new Map<number, string>()

/** Object locks live under table 0, which no tree has. (The strings are kept: every statement locks its tables.) */
export function objectLockId(oid: number): string {
  let id = objectLockIds.get(oid)
  if (id === undefined) objectLockIds.set(oid, (id = `0:${oid}`))
  return id
}

/** The lock table's name for a row: table id, then the key's bytes as latin1. */
export function rowId(table: TableId, key: Uint8Array): string {
  return `${table}:${Buffer.from(key.buffer, key.byteOffset, key.byteLength).toString('latin1')}`
}
