/**
 * Distributed deadlock detection (ARCHITECTURE.md §9.10): the coordinator's side.
 *
 * A shard finds a deadlock of its own waits at once (txn/lock-table.ts); a cycle
 * through two shards it cannot see. The coordinator can: it merges every shard's
 * `isola_lock_waits` into one graph (deadlock-graph.ts), and fails one wait of the
 * victim on each shard where it waits, with `isola_reject_lock_wait`: the victim's
 * statement ends with 40P01, its DistributedTxn rolls back all its branches, and the
 * others go on.
 *
 * Searching costs a query to every shard, so it runs only when it may find
 * something, as PostgreSQL's deadlock_timeout: when some distributed statement has
 * been running for `timeoutMs` (default 1 s, PostgreSQL's). A statement costs a map
 * entry; one timer runs while any statement does. A plain long wait (a holder that
 * sleeps, then commits) costs a search every `timeoutMs` and is never a victim:
 * without a cycle, nothing is rejected.
 */
import type { ShardId } from '../common/ids.js'
import { deadlocks, stableEdges, waitForGraph, type Deadlock, type ShardWaits, type WaitEdge } from './deadlock-graph.js'
import type { Participant } from './participant.js'

/** PostgreSQL's deadlock_timeout default. */
export const DEFAULT_DEADLOCK_TIMEOUT_MS = 1000

/** What a distributed transaction tells the detector: a statement began (a token back) and ended. */
export interface StatementWatch {
  started(): number
  ended(token: number): void
}

export class DeadlockDetector implements StatementWatch {
  /** deadlock_timeout: how long a statement runs before a search (settable while running). */
  timeoutMs: number
  /** Running statements by token, with Date.now() at their start; insertion order makes the first the oldest. */
  private readonly running = new Map<number, number>()
  private lastToken = 0
  private timer: NodeJS.Timeout | undefined
  private searching: Promise<readonly Deadlock[]> | undefined
  private closed = false
  /** Figures for tests and tools: searches run, deadlocks found. */
  readonly stats = { searches: 0, deadlocks: 0 }

  constructor(
    private readonly participants: () => readonly Participant[],
    timeoutMs = DEFAULT_DEADLOCK_TIMEOUT_MS,
  ) {
    this.timeoutMs = timeoutMs
  }

  started(): number {
    const token = ++this.lastToken
    this.running.set(token, Date.now())
    if (this.timer === undefined) {
      if (!this.closed) this.arm(this.timeoutMs)
    } else if (this.running.size === 1) this.timer.ref()
    return token
  }

  /**
   * The timer stays when the last statement ends (it finds nothing and stops): one
   * statement after another would otherwise set and clear a timer each. It stops
   * keeping the process alive, though.
   */
  ended(token: number): void {
    this.running.delete(token)
    if (this.running.size === 0) this.timer?.unref()
  }

  /**
   * Reads every shard's waits, twice when the first reading has a cycle (a cycle
   * counts only if all its edges are in both: deadlock-graph.ts), and rejects a wait
   * of each victim on every shard where it waits. Resolves with the deadlocks found.
   * One search at a time: a caller during a search gets that search's answer.
   */
  search(): Promise<readonly Deadlock[]> {
    this.searching ??= this.runSearch().finally(() => (this.searching = undefined))
    return this.searching
  }

  close(): void {
    this.closed = true
    clearTimeout(this.timer)
    this.timer = undefined
  }

  /**
   * The timer keeps the process alive while statements run: a deadlock of in-process
   * shards is nothing but promises, so without it a program whose only work is two
   * deadlocked transactions would exit instead of seeing 40P01.
   */
  private arm(ms: number): void {
    this.timer = setTimeout(() => this.tick(), Math.max(1, ms))
  }

  private tick(): void {
    this.timer = undefined
    const oldest = this.running.values().next()
    if (oldest.done || this.closed) return
    const due = oldest.value + this.timeoutMs - Date.now()
    if (due > 0) return this.arm(due)
    void this.search()
      .catch(() => undefined) // a shard that cannot answer: the next search tries again
      .finally(() => {
        if (this.running.size > 0 && this.timer === undefined && !this.closed) this.arm(this.timeoutMs)
      })
  }

  private async runSearch(): Promise<readonly Deadlock[]> {
    this.stats.searches++
    const first = await this.readGraph()
    if (deadlocks(first).length === 0) return []
    const found = deadlocks(stableEdges(first, await this.readGraph()))
    for (const d of found) {
      this.stats.deadlocks++
      await Promise.allSettled(d.waits.map((w) => this.participant(w.shard)?.rejectLockWait(w.waitId, d.detail)))
    }
    return found
  }

  /** Every shard's edges; a shard that fails to answer adds none this time. */
  private async readGraph(): Promise<WaitEdge[]> {
    const shards = this.participants()
    const read = await Promise.allSettled(shards.map(async (p): Promise<ShardWaits> => ({ shard: p.id, waits: await p.lockWaits() })))
    return waitForGraph(read.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : [])))
  }

  private participant(id: ShardId): Participant | undefined {
    return this.participants().find((p) => p.id === id)
  }
}
