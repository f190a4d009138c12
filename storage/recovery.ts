/**
 * Crash recovery: from the newest checkpoint to the state of the last durable
 * log record, minus the transactions that never committed.
 *
 * 1. The pager has loaded the newest intact checkpoint: the trees exactly as they
 *    were at its LSN (pager.ts, invariants 1–3).
 * 2. Scan the log from the oldest record of any transaction open at the
 *    checkpoint ("undo start") to its end. The log itself has already cut a torn
 *    tail and refused a damaged middle (wal.ts).
 * 3. Records at or after the checkpoint LSN are redone in log order. Each write
 *    record carries the before-image the writer saw, and redo checks that the
 *    tree holds exactly that value: a mismatch means the data file and the log
 *    disagree, and recovery stops with XX001 instead of guessing.
 * 4. Every write record, before or after the checkpoint, rebuilds its
 *    transaction's undo log; a compensation record pops the entry it undid; a
 *    commit or abort record forgets the transaction; a prepare record marks it.
 * 5. Drops of trees wait for their transaction's commit record, and are redone
 *    with it when the commit lies at or after the checkpoint LSN.
 * 6. Transactions left active are rolled back through the same code as a live
 *    rollback (compensation records, then an abort record).
 * 7. Prepared transactions stay, with their undo logs, for the layer above to
 *    commit or roll back. The store then takes a checkpoint (store.ts).
 */
import { dbError } from '../common/errors.js'
import type { Lsn, TxnId } from '../common/ids.js'
import type { Store } from './store.js'
import { StoreTxn } from './store-txn.js'
import { UndoKind } from './undo-log.js'
import { decodeRecord } from './wal/log-record.js'

export function recover(store: Store, from: Lsn, checkpointLsn: Lsn): void {
  const txns = new Map<TxnId, StoreTxn>()
  const txnOf = (id: TxnId, lsn: Lsn): StoreTxn => {
    let t = txns.get(id)
    if (!t) {
      t = new StoreTxn(store, id)
      t.firstLsn = lsn
      txns.set(id, t)
    }
    return t
  }
  let maxTxn = 0
  let maxTree = 0
  store.pool.beginOperation()

  for (const { lsn, bytes } of store.wal.scan(from)) {
    const rec = decodeRecord(bytes)
    const redo = lsn >= checkpointLsn
    if (rec.txn > maxTxn) maxTxn = rec.txn
    switch (rec.kind) {
      case 'put':
      case 'delete': {
        if (redo) {
          store.pool.beginOperation()
          const tree = store.catalog.get(rec.tree)
          if (!tree) throw mismatch(lsn, `tree ${rec.tree} does not exist`)
          const found = rec.kind === 'put' ? tree.put(rec.key, rec.value) : tree.delete(rec.key)
          if (!sameBytes(found, rec.before)) throw mismatch(lsn, `the key's value differs from the logged before-image`)
        }
        const t = txnOf(rec.txn, lsn)
        if (rec.compensation) t.undo.pop()
        else t.undo.push(UndoKind.restore, rec.tree, rec.key, rec.before)
        break
      }
      case 'create-tree':
        if (rec.tree > maxTree) maxTree = rec.tree
        if (redo) store.catalog.create(rec.tree)
        txnOf(rec.txn, lsn).undo.push(UndoKind.createTree, rec.tree, null, null)
        break
      case 'drop-tree':
        if (rec.compensation) {
          if (redo) store.catalog.drop(rec.tree)
          txnOf(rec.txn, lsn).undo.pop()
        } else txnOf(rec.txn, lsn).drops.push(rec.tree)
        break
      case 'commit': {
        const t = txns.get(rec.txn)
        if (t && redo) for (const tree of t.drops) store.catalog.drop(tree)
        txns.delete(rec.txn)
        break
      }
      case 'abort':
        txns.delete(rec.txn)
        break
      case 'prepare': {
        const t = txnOf(rec.txn, lsn)
        t.state = 'prepared'
        t.preparePayload = Buffer.from(rec.payload)
        break
      }
    }
  }

  store.nextTxnId = Math.max(store.nextTxnId, maxTxn + 1)
  store.nextTreeId = Math.max(store.nextTreeId, maxTree + 1)
  for (const t of txns.values()) {
    store.active.set(t.id, t)
    if (t.state === 'active') t.rollback()
  }
}

function sameBytes(a: Uint8Array | null, b: Uint8Array | null): boolean {
  if (a === null || b === null) return a === b
  return Buffer.compare(a, b) === 0
}

function mismatch(lsn: Lsn, why: string) {
  return dbError('data_corrupted', `the write-ahead log does not match the data file at LSN ${lsn}: ${why}`)
}

