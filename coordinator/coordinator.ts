/**
 * The coordinator: runs transactions across shards atomically, with one snapshot
 * order for all of them (DESIGN.md §2, §5). It sees shards only as Participants and
 * its durable state only as a DecisionLog and the oracle's ReservationStore.
 *
 * Global transaction ids are `isola:<coordinator id>:<epoch>:<sequence>`. The epoch
 * is one more at every open, so at start-up a prepared transaction of this
 * coordinator with an earlier epoch and no decision can only be the leftover of a
 * crash (roll it back: presumed abort), while one of the current epoch is a PREPARE
 * in flight and is never touched by recovery.
 *
 * Recovery (`open`), before any transaction begins:
 *   1. every logged decision is re-driven: COMMIT PREPARED at its timestamp on each of
 *      its participants until acknowledged ("unknown" means it was done before the
 *      crash), then forgotten;
 *   2. every participant's prepared transactions of this coordinator, of an earlier
 *      epoch and without a decision, are rolled back.
 * A participant that cannot be reached does not hold the open up: `open` waits for
 * the decisions whose participants all answered and resolves the prepared
 * transactions of those that did; the rest goes on in the background (decisions
 * re-driven with retries as phase two is; the missing participant asked for its
 * prepared transactions again, with the same retries, until it answers; settled()
 * waits for all of it). Meanwhile
 * statements that need it fail with 08006, as they would if it went away later, and
 * the other shards serve. Deciding nothing for the missing shard is safe: its
 * undecided branches of earlier epochs can only be rolled back (presumed abort), and
 * a logged decision stays logged until every participant acknowledged it.
 */
import { dbError, isIsolaError } from '../common/errors.js'
import type { ShardId, Timestamp } from '../common/ids.js'
import { DeadlockDetector, DEFAULT_DEADLOCK_TIMEOUT_MS } from './deadlock-detector.js'
import type { Decision, DecisionLog } from './decision-log.js'
import { GlobalSsi } from './global-ssi.js'
import { DistributedTxn, type DistributedTxnOptions, type TxnContext } from './distributed-txn.js'
import { NO_FAULTS, type FaultInjector } from './faults.js'
import type { TimestampOracle } from './oracle.js'
import type { Participant } from './participant.js'

/** How often the shards hear the horizon (the oldest snapshot still in use), which bounds their version GC. */
const HORIZON_PUSH_MS = 200

/** First wait before COMMIT PREPARED is sent again to a participant that failed it; doubles up to RETRY_MAX_MS. */
const RETRY_MIN_MS = 20
const RETRY_MAX_MS = 1000

/** How often recovery asks an unreachable participant again for its prepared transactions. */

export interface CoordinatorOptions {
  /** Names this coordinator in gids: letters, digits, '-' and '_'. */
  readonly id: string
  readonly participants: readonly Participant[]
  readonly log: DecisionLog
  readonly oracle: TimestampOracle
  /** Named fault points (faults.ts); default none. */
  readonly faults?: FaultInjector
  /** deadlock_timeout: how long a statement runs before the shards' lock waits are searched for a cycle (default 1 s). */
  readonly deadlockTimeoutMs?: number
}

/** A participant that cannot be reached now (08006, or 57P01/57P03: shutting down or starting). */
const isUnreachable = (e: unknown): boolean => isIsolaError(e, 'connection_failure') || isIsolaError(e, 'admin_shutdown') || isIsolaError(e, 'cannot_connect_now')

/** A gid's parts; undefined for a gid some other program made. */
export function parseGid(gid: string): { readonly coordinator: string; readonly epoch: number; readonly seq: number } | undefined {
  const m = /^isola:([\w-]+):(\d+):(\d+)$/.exec(gid)
  return m ? { coordinator: m[1]!, epoch: Number(m[2]), seq: Number(m[3]) } : undefined
}

export class Coordinator implements TxnContext {
  readonly oracle: TimestampOracle
  readonly log: DecisionLog
  readonly faults: FaultInjector
  readonly id: string
  readonly ssi = new GlobalSsi()
  private readonly participants = new Map<ShardId, Participant>()
  private seq = 0
  /** Phase twos in progress (close waits for them, or abandons them to the next recovery). */
  private readonly driving = new Set<Promise<void>>()
  private closing = false
  /** Transactions begun and not yet committed or aborted (their snapshots hold the horizon back). */
  private readonly active = new Set<DistributedTxn>()
  private horizonTimer: NodeJS.Timeout | undefined
  /** Distributed deadlock detection (§9.10); `deadlocks.timeoutMs` is deadlock_timeout. */
  readonly deadlocks: DeadlockDetector
  /** Participants whose recovery waits for them to answer (unreachable at open). */
  private readonly unrecovered = new Set<ShardId>()

  private constructor(options: CoordinatorOptions) {
    if (!/^[\w-]+$/.test(options.id)) throw dbError('invalid_parameter_value', `invalid coordinator id "${options.id}"`)
    this.id = options.id
    this.oracle = options.oracle
    this.log = options.log
    this.faults = options.faults ?? NO_FAULTS
    for (const p of options.participants) this.participants.set(p.id, p)
    this.deadlocks = new DeadlockDetector(() => [...this.participants.values()], options.deadlockTimeoutMs ?? DEFAULT_DEADLOCK_TIMEOUT_MS)
  }

  /** A coordinator ready for transactions: recovery has finished (on a shard that cannot be reached, it goes on in the background). */
  static async open(options: CoordinatorOptions): Promise<Coordinator> {
    const c = new Coordinator(options)
    try {
      await c.recover()
    } catch (e) {
      c.closing = true // stops the retries of the recovery left running
      throw e
    }
    c.horizonTimer = setInterval(() => void c.pushHorizon(), HORIZON_PUSH_MS)
    c.horizonTimer.unref()
    return c
  }

  get epoch(): number {
    return this.log.epoch
  }

  /** The participants' ids, in order. */
  get shardIds(): ShardId[] {
    return [...this.participants.keys()]
  }

  /** Transactions begun and not yet committed or aborted (isola_distributed_xacts). */
  inFlight(): readonly DistributedTxn[] {
    return [...this.active]
  }

  /** Participants whose prepared transactions recovery has not resolved yet: they did not answer. */
  get unrecoveredShards(): ShardId[] {
    return [...this.unrecovered]
  }

  /** Resolves once recovery has resolved every participant (tests; an operator's wait). */
  async recovered(pollMs = 50): Promise<void> {
    while (this.unrecovered.size > 0) await new Promise((r) => setTimeout(r, pollMs))
  }

  begin(options: DistributedTxnOptions = {}): DistributedTxn {
    if (this.closing) throw dbError('admin_shutdown', 'the coordinator is closing')
    const t = new DistributedTxn(this, `isola:${this.id}:${this.log.epoch}:${++this.seq}`, options)
    this.active.add(t)
    return t
  }

  ended(txn: DistributedTxn): void {
    this.active.delete(txn)
  }

  /**
   * A safe snapshot for a SERIALIZABLE READ ONLY DEFERRABLE transaction (Ports &
   * Grittner §4.2, across shards): a snapshot no dangerous structure can involve. The
   * read-only anomaly needs a read-write transaction that ran when the snapshot was
   * taken to commit with a conflict out to one that committed before. So: take a
   * snapshot, wait for every SERIALIZABLE read-write transaction that had one by then
   * to end, and keep the snapshot if none of them committed with such a conflict;
   * else try again with a new one. A shard's own SSI only knows its own transactions,
   * and a transaction whose commit took no cross-shard check (one shard) is not known
   * to be free of one: it counts as unsafe. The shards then track the transaction as
   * a plain READ ONLY one (txn/ssi: a branch's snapshot is never judged safe there).
   */
  async safeSnapshot(txn: DistributedTxn): Promise<Timestamp> {
    for (;;) {
      const s = this.oracle.snapshot()
      const concurrent = [...this.active].filter((t) => t !== txn && t.isolation === 'serializable' && !t.readOnly && t.oldestSnapshot !== undefined && t.oldestSnapshot <= s)
      const outcomes = await Promise.all(concurrent.map((t) => t.outcome()))
      if (outcomes.every((o) => !o.committed || o.outFirst === false)) return s
      if (this.closing) throw dbError('admin_shutdown', 'the coordinator is closing')
    }
  }

  /**
   * The oldest snapshot a transaction may still read at: the oldest of the running
   * transactions' first snapshots, or the newest snapshot when none runs (a
   * transaction that has not taken one yet will take a newer one).
   */
  horizon(): Timestamp {
    let h = this.oracle.snapshot()
    for (const t of this.active) if (t.oldestSnapshot !== undefined && t.oldestSnapshot < h) h = t.oldestSnapshot
    return h
  }

  /** Tells every shard the horizon (a shard that does not answer hears it next time). */
  async pushHorizon(): Promise<void> {
    const h = this.horizon()
    this.ssi.prune(h)
    await Promise.allSettled([...this.participants.values()].map((p) => p.advanceHorizon(h)))
  }

  participant(id: ShardId): Participant {
    const p = this.participants.get(id)
    if (p === undefined) throw dbError('undefined_object', `shard ${id} does not exist`)
    return p
  }

  driveDecision(decision: Decision): Promise<void> {
    // Closing: the decision stays logged for the next recovery.
    return this.track(Promise.all(this.commitOnEach(decision, 'after-some-commit-prepared')).then(() => this.log.forget(decision.gid)))
  }

  /** Background work that settled() waits for; a failure (only when closing) is left to the next recovery. */
  private track(work: Promise<void>): Promise<void> {
    const tracked = work.catch(() => undefined)
    this.driving.add(tracked)
    void tracked.finally(() => this.driving.delete(tracked))
    return tracked
  }

  /**
   * ROLLBACK PREPARED of an aborted transaction, in the background, on shards that
   * could not be reached when it aborted: each retried until it answers, so that a
   * PREPARE the shard made durable (its vote lost with the connection) does not hold
   * its rows until the next recovery. Closing abandons it: by then the gid is of an
   * earlier epoch, which the next recovery rolls back.
   */
  driveAbort(gid: string, participants: readonly ShardId[]): Promise<void> {
    return this.track(Promise.all(participants.map((shard) => this.untilAcknowledged(() => this.participant(shard).rollbackPrepared(gid)))).then(() => undefined))
  }

  /** Waits for every phase two in progress (and every abort still being driven) to be acknowledged. */
  async settled(): Promise<void> {
    while (this.driving.size > 0) await Promise.all(this.driving)
  }

  /**
   * Stops: phase twos still retrying are abandoned (their decisions stay logged, and
   * the next open re-drives them); ones that can finish are waited for.
   */
  async close(): Promise<void> {
    this.closing = true
    clearInterval(this.horizonTimer)
    this.deadlocks.close()
    await this.settled()
  }

  // ── phase two and recovery ──────────────────────────────────────────────────

  /** COMMIT PREPARED on every participant of a decision, each retried until acknowledged: one promise per participant. */
  private commitOnEach(decision: Decision, point: 'after-some-commit-prepared' | 'during-recovery'): Promise<void>[] {
    let acknowledged = 0
    return decision.participants.map(async (shard) => {
      await this.untilAcknowledged(() => this.participant(shard).commitPrepared(decision.gid, decision.commitTs, decision.outConflict))
      if (++acknowledged === 1) this.faults(point)
    })
  }

  /** Sends a phase-two message again, waiting longer each time, until the shard answers (or the coordinator closes). */
  private async untilAcknowledged(send: () => Promise<unknown>): Promise<void> {
    for (let wait = RETRY_MIN_MS; ; wait = Math.min(wait * 2, RETRY_MAX_MS)) {
      try {
        await send()
        return
      } catch (e) {
        if (this.closing) throw e
        await new Promise((r) => setTimeout(r, wait))
      }
    }
  }

  private async recover(): Promise<void> {
    const decided = this.log.decisions()
    for (const d of decided) this.oracle.observe(d.commitTs)
    // Which participants answer now (each asked once; a refused connection answers fast).
    const answers = await Promise.all(
      [...this.participants.values()].map((p) =>
        p.listPrepared().then(
          (prepared) => ({ p, prepared }),
          (e: unknown) => {
            // Unreachable (or shutting down): later. Anything else (a shard that refuses this coordinator) fails the open.
            if (!isUnreachable(e)) throw e
            return { p, prepared: undefined }
          },
        ),
      ),
    )
    const down = new Set(answers.filter((a) => a.prepared === undefined).map((a) => a.p.id))
    // Every decision is re-driven (retried in the background as phase two is); open waits for those it can finish.
    // Open waits for the participants that answered; a missing one's COMMIT PREPARED goes on being retried.
    await Promise.all(
      decided.map((d) => {
        const each = this.commitOnEach(d, 'during-recovery')
        const work = this.track(Promise.all(each).then(() => this.log.forget(d.gid)))
        return d.participants.every((s) => !down.has(s)) ? work : Promise.allSettled(each.filter((_, i) => !down.has(d.participants[i]!)))
      }),
    )
    const known = new Set(decided.map((d) => d.gid))
    for (const { p, prepared } of answers) if (prepared !== undefined) await this.rollBackUndecided(p, prepared, known)
    for (const s of down) this.recoverLater(this.participant(s), known)
  }

  /** Rolls back a participant's prepared transactions of this coordinator's earlier epochs that have no decision. */
  private async rollBackUndecided(p: Participant, prepared: readonly { readonly gid: string }[], decided: ReadonlySet<string>): Promise<void> {
    for (const x of prepared) {
      const g = parseGid(x.gid)
      if (g === undefined || g.coordinator !== this.id || g.epoch >= this.log.epoch || decided.has(x.gid)) continue
      await p.rollbackPrepared(x.gid)
    }
  }

  /**
   * A participant recovery could not reach: asked again (retried as phase two is)
   * until it answers, then its undecided branches are rolled back. Tracked, so
   * settled() waits for it; closing abandons it to the next recovery.
   */
  private recoverLater(p: Participant, decided: ReadonlySet<string>): void {
    this.unrecovered.add(p.id)
    void this.track(
      (async () => {
        // Decisions logged at open are re-driven by their own retries; what is left is presumed abort.
        let prepared: readonly { readonly gid: string }[] = []
        await this.untilAcknowledged(async () => (prepared = await p.listPrepared()))
        await this.rollBackUndecided(p, prepared, decided)
        this.unrecovered.delete(p.id)
      })(),
    )
  }

}
