/**
 * A storage-level transaction: atomic and durable, not isolated.
 *
 * Its writes go into the trees at once (so the MVCC layer above can keep its
 * versions in the trees, DESIGN.md §3) and into the log with before-images;
 * rollback restores the before-images, newest first, logging each restoration
 * as a redo-only "compensation" record, as ARIES does. Commit appends a commit
 * record and resolves once the log is durable (group commit).
 *
 * Isolation is the caller's job: two open transactions must never write the same
 * key of the same tree (the txn layer's row locks guarantee it), or undoing one
 * would clobber the other.
 */
import { dbError } from '../common/errors.js'
import type { Lsn, TreeId, TxnId } from '../common/ids.js'
import type { Store } from './store.js'
import { UndoLog } from './undo-log.js'

export type StoreTxnState = 'active' | 'prepared' | 'committed' | 'aborted'

const EMPTY = new Uint8Array(0)

export class StoreTxn {
  state: StoreTxnState = 'active'
  /** LSN of its first log record; the log is kept from here while it is open. */
  firstLsn: Lsn | undefined
  readonly undo = new UndoLog()
  /** Trees to drop when it commits (a drop cannot be undone, so it waits for the commit). */
  readonly drops: TreeId[] = []
  /** What the layer above recorded at PREPARE (gid, locks …), also after a restart. */
  preparePayload: Uint8Array | undefined

  constructor(
    private readonly store: Store,
    readonly id: TxnId,
  ) {}

  put(tree: TreeId, key: Uint8Array, value: Uint8Array): void {
    this.assertActive()
    this.store.writeOp(this, tree, key, value)
  }

  /** Deletes the key; false when it was absent. */
  delete(tree: TreeId, key: Uint8Array): boolean {
    this.assertActive()
    return this.store.writeOp(this, tree, key, null)
  }

  createTree(): TreeId {
    this.assertActive()
    return this.store.createTreeOp(this)
  }

  /** The tree disappears when the transaction commits. */
  dropTree(tree: TreeId): void {
    this.assertActive()
    this.store.dropTreeOp(this, tree)
  }

  /** A mark to roll back to: the writes after it can be undone alone. */
  savepoint(): number {
    return this.undo.length
  }

  rollbackTo(savepoint: number): void {
    this.assertActive()
    this.store.undoTo(this, savepoint, false)
  }

  /** Makes the writes durable; `payload` is kept in the commit record for the layer above. */
  commit(payload: Uint8Array = EMPTY): Promise<void> {
    if (this.state !== 'active' && this.state !== 'prepared') return Promise.reject(notActive(this))
    return this.store.commitTxn(this, payload)
  }

  /** Makes the writes durable without committing; after this only commit or rollback is possible. */
  prepare(payload: Uint8Array = EMPTY): Promise<void> {
    this.assertActive()
    return this.store.prepareTxn(this, payload)
  }

  /** Undoes every write. Allowed on an active or a prepared transaction. */
  rollback(): void {
    if (this.state === 'aborted') return
    if (this.state === 'committed') throw notActive(this)
    this.store.undoTo(this, 0, true)
  }

  private assertActive(): void {
    if (this.state !== 'active') throw notActive(this)
  }
}

function notActive(t: StoreTxn) {
  return dbError('object_not_in_prerequisite_state', `storage transaction ${t.id} is ${t.state}`)
}
