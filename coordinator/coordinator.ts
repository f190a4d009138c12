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
 * A shard that cannot be reached does not keep the coordinator closed: open returns
 * once the reachable shards are done, and the work on the missing one goes on in the
 * background, retried until it answers (settled() waits for it). Meanwhile its
 * prepared rows stay locked and readers wait on them, as for any phase two in flight.
 */
import { dbError, IsolaError } from '../common/errors.js'
import type { ShardId, Timestamp } from '../common/ids.js'
import type { Decision, DecisionLog } from './decision-log.js'
import { DistributedTxn, type DistributedTxnOptions, type TxnContext } from './distributed-txn.js'
import { NO_FAULTS, type FaultInjector } from './faults.js'
import type { TimestampOracle } from './oracle.js'
import type { Participant, PreparedBranch } from './participant.js'

/** How often the shards hear the horizon (the oldest snapshot still in use), which bounds their version GC. */
const HORIZON_PUSH_MS = 200

/** First wait before COMMIT PREPARED is sent again to a participant that failed it; doubles up to RETRY_MAX_MS. */
const RETRY_MIN_MS = 20
const RETRY_MAX_MS = 1000

export interface CoordinatorOptions {
  /** Names this coordinator in gids: letters, digits, '-' and '_'. */
  readonly id: string
  readonly participants: readonly Participant[]
  readonly log: DecisionLog
  readonly oracle: TimestampOracle
  /** Named fault points (faults.ts); default none. */
  readonly faults?: FaultInjector
}

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
  private readonly participants = new Map<ShardId, Participant>()
  private seq = 0
  /** Phase twos in progress (close waits for them, or abandons them to the next recovery). */
  private readonly driving = new Set<Promise<void>>()
  private closing = false
  /** Transactions begun and not yet committed or aborted (their snapshots hold the horizon back). */
  private readonly active = new Set<DistributedTxn>()
  private horizonTimer: NodeJS.Timeout | undefined

  private constructor(options: CoordinatorOptions) {
    if (!/^[\w-]+$/.test(options.id)) throw dbError('invalid_parameter_value', `invalid coordinator id "${options.id}"`)
    this.id = options.id
    this.oracle = options.oracle
    this.log = options.log
    this.faults = options.faults ?? NO_FAULTS
    for (const p of options.participants) this.participants.set(p.id, p)
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
    await Promise.allSettled([...this.participants.values()].map((p) => p.advanceHorizon(h)))
  }

  participant(id: ShardId): Participant {
    const p = this.participants.get(id)
    if (p === undefined) throw dbError('undefined_object', `shard ${id} does not exist`)
    return p
  }

  driveDecision(decision: Decision): Promise<void> {
    // Closing: the decision stays logged for the next recovery.
    return this.track(this.commitEverywhere(decision).then(() => this.log.forget(decision.gid)))
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
    await this.settled()
  }

  // ── phase two and recovery ──────────────────────────────────────────────────

  /** COMMIT PREPARED on every participant of a decision, each retried until acknowledged. */
  private async commitEverywhere(decision: Decision, point: 'after-some-commit-prepared' | 'during-recovery' = 'after-some-commit-prepared', failed?: (e: unknown) => void): Promise<void> {
    let acknowledged = 0
    await Promise.all(
      decision.participants.map(async (shard) => {
        await this.untilAcknowledged(() => this.participant(shard).commitPrepared(decision.gid, decision.commitTs), failed)
        if (++acknowledged === 1) this.faults(point)
      }),
    )
  }

  /** Sends a phase-two message again, waiting longer each time, until the shard answers (or the coordinator closes); `failed` hears of each failure. */
  private async untilAcknowledged(send: () => Promise<unknown>, failed?: (e: unknown) => void): Promise<void> {
    for (let wait = RETRY_MIN_MS; ; wait = Math.min(wait * 2, RETRY_MAX_MS)) {
      try {
        await send()
        return
      } catch (e) {
        failed?.(e)
        if (this.closing) throw e
        await new Promise((r) => setTimeout(r, wait))
      }
    }
  }

  /**
   * Both steps of recovery at once (their gids are disjoint), every shard's work on its
   * own. Open waits for all of it, unless some shard cannot be reached: then only
   * until that is known, and the rest carries on in the background. Any other error
   * (a shard refusing this coordinator, 28000) fails the open.
   */
  private async recover(): Promise<void> {
    const decided = this.log.decisions()
    for (const d of decided) this.oracle.observe(d.commitTs)
    const known = new Set(decided.map((d) => d.gid))
    let unreachable = (): void => undefined
    let refused = (_e: unknown): void => undefined
    const stop = new Promise<void>((resolve, reject) => {
      unreachable = resolve
      refused = reject
    })
    const failed = (e: unknown): void => (isUnreachable(e) ? unreachable() : refused(e))
    const work = Promise.all([
      ...decided.map(async (d) => {
        await this.commitEverywhere(d, 'during-recovery', failed)
        this.log.forget(d.gid)
      }),
      ...[...this.participants.values()].map((p) => this.rollBackLeftovers(p, known, failed)),
    ]).then(() => undefined)
    void this.track(work)
    await Promise.race([work, stop])
  }

  /** Rolls back a participant's prepared transactions of this coordinator from earlier epochs that have no decision (presumed abort). */
  private async rollBackLeftovers(p: Participant, decided: ReadonlySet<string>, failed: (e: unknown) => void): Promise<void> {
    let prepared: readonly PreparedBranch[] = []
    await this.untilAcknowledged(async () => (prepared = await p.listPrepared()), failed)
    for (const x of prepared) {
      const g = parseGid(x.gid)
      if (g === undefined || g.coordinator !== this.id || g.epoch >= this.log.epoch || decided.has(x.gid)) continue
      await this.untilAcknowledged(() => p.rollbackPrepared(x.gid), failed)
    }
  }
}

/** The shard could not be reached, or is going away (08xxx, 57P0x): worth retrying, and no reason to stay closed. */
function isUnreachable(e: unknown): boolean {
  return e instanceof IsolaError && (e.code.startsWith('08') || e.code.startsWith('57P'))
}
