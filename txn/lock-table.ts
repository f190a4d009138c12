/**
 * Row locks: exclusive (writes, FOR UPDATE) and shared (FOR SHARE), held until the
 * transaction ends, with a FIFO queue of waiters per row.
 *
 * Deadlocks are found when a wait begins, not after a timeout: the wait-for graph
 * (waiter → holders of the lock it waits for → the locks *they* wait for …) is
 * searched from the new waiter, and if it leads back to the waiter, the waiter
 * fails with 40P01. PostgreSQL runs the same search after deadlock_timeout (1 s);
 * searching at once is cheap here (one process) and makes the victim deterministic:
 * the transaction whose wait closed the cycle.
 *
 * A cycle through several nodes (a distributed transaction waits on one shard for
 * a row its other branch's opponent holds on another) is invisible here: each
 * table sees one edge. `waits` lists the edges, each wait with an id that no other
 * wait ever gets, and `rejectWait` fails one of them with the coordinator's verdict
 * (coordinator/deadlock-detector.ts, ARCHITECTURE.md §9.10).
 */
import { dbError } from '../common/errors.js'
import type { TxnId } from '../common/ids.js'
import type { LockWait, LockWaitEdge, RowLockMode } from './types.js'

interface Waiter {
  readonly txn: TxnId
  readonly mode: RowLockMode
  /** Names this one wait (a transaction that waits again gets a new id): a rejection aimed at an old wait misses. */
  readonly id: number
  /** Date.now() when it began. */
  readonly since: number
  resolve(): void
  reject(e: unknown): void
}

/**
 * One locked row. The list of sharers and the queue are made when first needed:
 * most locks are a writer's exclusive lock that nobody waits for, and a write
 * takes one per row (and per index entry). Sharers are a list, not a set: there
 * are few of them, and a set reallocates as it fills and empties.
 *
 * `keep`: the entry stays in the table when nobody holds it. Object locks (tables)
 * are such: every statement takes one, and making and dropping the entry each
 * time costs more than the lock. (A dropped table leaves its small entry behind.)
 */
interface RowLock {
  readonly row: string
  exclusive: TxnId | undefined
  shared: TxnId[] | undefined
  queue: Waiter[] | undefined
  readonly keep: boolean
}

const NO_SHARERS: readonly TxnId[] = []
const sharers = (lock: RowLock): readonly TxnId[] => lock.shared ?? NO_SHARERS
const queueLength = (lock: RowLock): number => lock.queue?.length ?? 0

function removeSharer(lock: RowLock, txn: TxnId): void {
  const shared = lock.shared
  if (shared === undefined) return
  const i = shared.indexOf(txn)
  if (i < 0) return
  const last = shared.pop()!
  if (i < shared.length) shared[i] = last
}

export class LockTable {
  private readonly rows = new Map<string, RowLock>()
  /** The row each waiting transaction waits for (the wait-for graph's edges start here). */
  private readonly waitingFor = new Map<TxnId, string>()
  /**
   * The locks each transaction holds, to release them at its end: a list, each lock
   * once (it goes in when first granted to the transaction in any mode), since a
   * writer takes a lock per row it writes, and a set, or looking the rows up again
   * at the end, would hash each row once more.
   */
  private readonly held = new Map<TxnId, RowLock[]>()
  private lastWaitId = 0

  /**
   * Takes a lock on `row`. Resolves true once held; false when it is busy and
   * `wait` is 'skip-locked'. 'nowait' and a lock timeout fail with 55P03; a deadlock
   * with 40P01.
   */
  acquire(txn: TxnId, row: string, mode: RowLockMode, wait: LockWait = 'wait', timeoutMs = 0, keep = false): Promise<boolean> | boolean {
    let lock = this.rows.get(row)
    if (!lock) {
      lock = { row, exclusive: undefined, shared: undefined, queue: undefined, keep }
      this.rows.set(row, lock)
    }
    if (this.grantable(lock, txn, mode)) {
      this.grant(lock, txn, mode)
      return true
    }
    if (wait === 'skip-locked') return false
    if (wait === 'nowait') throw dbError('lock_not_available', 'could not obtain lock on row')
    this.waitingFor.set(txn, row)
    const cycle = this.findCycle(txn)
    if (cycle) {
      this.waitingFor.delete(txn)
      throw dbError('deadlock_detected', 'deadlock detected', {
        detail: cycle.map((t, i) => `Process ${t} waits for a row lock held by process ${cycle[(i + 1) % cycle.length]}.`).join('\n'),
        hint: 'See server log for query details.',
      })
    }
    const owner = lock
    return new Promise<boolean>((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined
      const waiter: Waiter = {
        txn,
        mode,
        id: ++this.lastWaitId,
        since: Date.now(),
        resolve: () => {
          clearTimeout(timer)
          this.waitingFor.delete(txn)
          this.grant(owner, txn, mode)
          resolve(true)
        },
        reject: (e) => {
          clearTimeout(timer)
          this.waitingFor.delete(txn)
          reject(e)
        },
      }
      const queue = (owner.queue ??= [])
      queue.push(waiter)
      if (timeoutMs > 0)
        timer = setTimeout(() => this.dropWaiter(owner, waiter, dbError('lock_not_available', 'canceling statement due to lock timeout')), timeoutMs)
    })
  }

  /** True when `txn` holds an exclusive lock on `row`. */
  holdsExclusive(txn: TxnId, row: string): boolean {
    return this.rows.get(row)?.exclusive === txn
  }

  /** The transactions holding `row` (for tools and pg_locks). */
  holders(row: string): TxnId[] {
    const lock = this.rows.get(row)
    if (!lock) return []
    return lock.exclusive !== undefined ? [lock.exclusive, ...sharers(lock)] : [...sharers(lock)]
  }

  /** Every row `txn` holds. */
  heldBy(txn: TxnId): string[] {
    return (this.held.get(txn) ?? []).map((l) => l.row)
  }

  /** Cancels the wait of `txn`, if it waits (its statement was cancelled or timed out elsewhere). */
  cancelWait(txn: TxnId, error: unknown): void {
    const row = this.waitingFor.get(txn)
    if (row === undefined) return
    const lock = this.rows.get(row)
    const w = lock?.queue?.find((x) => x.txn === txn)
    if (lock && w) this.dropWaiter(lock, w, error)
  }

  /**
   * The wait-for graph's edges, each with the wait's id: what view `isola_lock_waits`
   * shows and a coordinator merges across shards. The first waiter of a queue waits
   * for the lock's holders; each other waiter for the one just ahead of it (FIFO:
   * the holders block it through that chain). The same cycles as edges to everyone
   * ahead, in edges linear in the queue's length, not quadratic: a hot row with
   * hundreds of waiters stays cheap to search.
   */
  waits(): LockWaitEdge[] {
    const edges: LockWaitEdge[] = []
    for (const row of new Set(this.waitingFor.values())) {
      const lock = this.rows.get(row)
      const queue = lock?.queue
      if (!lock || !queue) continue
      queue.forEach((w, i) => {
        const blockers = i > 0 ? [queue[i - 1]!.txn] : lock.exclusive !== undefined ? [lock.exclusive, ...sharers(lock)] : sharers(lock)
        for (const holder of blockers) if (holder !== w.txn) edges.push({ waitId: w.id, waiter: w.txn, holder, lock: row, mode: w.mode, since: w.since })
      })
    }
    return edges
  }

  /**
   * Fails the wait `waitId` with `error` (a coordinator found it on a deadlock
   * cycle). False when no such wait is in progress: it was granted or ended since,
   * and a wait of the same transaction begun later is not the one that was judged.
   */
  rejectWait(waitId: number, error: unknown): boolean {
    for (const [txn, row] of this.waitingFor) {
      const lock = this.rows.get(row)
      const w = lock?.queue?.find((x) => x.txn === txn)
      if (lock && w?.id === waitId) {
        this.dropWaiter(lock, w, error)
        return true
      }
    }
    return false
  }

  /** Releases everything `txn` holds and wakes the waiters that can now go. */
  releaseAll(txn: TxnId): void {
    const locks = this.held.get(txn)
    if (!locks) return
    this.held.delete(txn)
    // A lock with a holder is never dropped from `rows`, so these are the table's own entries.
    for (const lock of locks) {
      if (lock.exclusive === txn) lock.exclusive = undefined
      removeSharer(lock, txn)
      if (lock.queue !== undefined) this.wake(lock)
      if (!lock.keep && lock.exclusive === undefined && sharers(lock).length === 0 && queueLength(lock) === 0) this.rows.delete(lock.row)
    }
  }

  /**
   * Takes a waiter out of the queue and fails its wait. The ones behind it may now go
   * (a share request queued behind an exclusive one that gave up joins the sharers).
   */
  private dropWaiter(lock: RowLock, w: Waiter, error: unknown): void {
    const queue = lock.queue!
    const i = queue.indexOf(w)
    if (i < 0) return
    queue.splice(i, 1)
    w.reject(error)
    if (queue.length > 0) this.wake(lock)
    else if (!lock.keep && lock.exclusive === undefined && sharers(lock).length === 0) this.rows.delete(lock.row)
  }

  /** Who `txn`, waiting for `lock`, waits for: its holders, and the waiters queued ahead of it (FIFO: they are granted first). */
  private blockers(lock: RowLock, txn: TxnId): TxnId[] {
    const blockers = lock.exclusive !== undefined ? [lock.exclusive, ...sharers(lock)] : [...sharers(lock)]
    for (const w of lock.queue ?? []) {
      if (w.txn === txn) break
      blockers.push(w.txn)
    }
    return blockers.filter((b) => b !== txn)
  }

  private grantable(lock: RowLock, txn: TxnId, mode: RowLockMode): boolean {
    if (lock.exclusive === txn) return true
    const shared = sharers(lock)
    if (mode === 'share') {
      if (shared.includes(txn)) return true
      return lock.exclusive === undefined && queueLength(lock) === 0
    }
    // Exclusive: free, or only this transaction shares it (an upgrade).
    return lock.exclusive === undefined && (shared.length === 0 || (shared.length === 1 && shared[0] === txn))
  }

  private grant(lock: RowLock, txn: TxnId, mode: RowLockMode): void {
    const had = lock.exclusive === txn || sharers(lock).includes(txn)
    if (mode === 'update') {
      lock.exclusive = txn
      removeSharer(lock, txn)
    } else if (lock.exclusive !== txn && !had) (lock.shared ??= []).push(txn)
    if (had) return
    const locks = this.held.get(txn)
    if (locks === undefined) this.held.set(txn, [lock])
    else locks.push(lock)
  }

  /** Grants queued requests in order while they are compatible. */
  private wake(lock: RowLock): void {
    const queue = lock.queue!
    while (queue.length > 0) {
      const w = queue[0]!
      const shared = sharers(lock)
      const free =
        w.mode === 'share'
          ? lock.exclusive === undefined || lock.exclusive === w.txn
          : (lock.exclusive === undefined || lock.exclusive === w.txn) && (shared.length === 0 || (shared.length === 1 && shared[0] === w.txn))
      if (!free) return
      queue.shift()
      w.resolve()
    }
  }

  /** A cycle in the wait-for graph through `start`, as the list of transactions on it. */
  private findCycle(start: TxnId): TxnId[] | undefined {
    const path: TxnId[] = []
    const seen = new Set<TxnId>()
    const visit = (txn: TxnId): boolean => {
      const row = this.waitingFor.get(txn)
      if (row === undefined) return false
      const lock = this.rows.get(row)
      if (!lock) return false
      path.push(txn)
      for (const b of this.blockers(lock, txn)) {
        if (b === start) return true
        if (seen.has(b)) continue
        seen.add(b)
        if (visit(b)) return true
      }
      path.pop()
      return false
    }
    return visit(start) ? path : undefined
  }
}
