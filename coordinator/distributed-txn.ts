/**
 * One distributed transaction: a branch on every shard it touches, one snapshot from
 * the coordinator's oracle for all of them, and at the end a one-phase commit (at
 * most one shard wrote) or a presumed-abort two-phase commit.
 *
 *                      execute(shard, sql)
 *                          ┌────┐
 *                          ▼    │  statement error
 *     ┌──────────────► active ──┴──────────────────► failed ──rollback()/commit()──► aborted
 *     │                    │
 *     │   commit(), ≤ 1 writer                  commit(), ≥ 2 writers (or SERIALIZABLE
 *     │        │                                        │  over several shards with 1 writer)
 *     │        ▼                                        ▼
 *     │   committing-one ──ok──► committed       preparing ──a refusal──► aborted (rollbackPrepared on every writer)
 *     │        │                                        │ all voted yes
 *     │        └─error──► aborted                       ▼
 *     │                                             deciding ──log failed──► aborted
 *     │                                                 │ COMMIT(gid, commitTs, participants) durable
 *     │                                                 ▼
 *     │                                             committed ──► (phase two: COMMIT PREPARED on every
 *     │                                                           writer, retried until acknowledged;
 *     └── rollback() from active or failed ─► aborted              then the decision is forgotten)
 *
 * | transition                         | function                         |
 * |------------------------------------|----------------------------------|
 * | active → active / failed           | `execute`                        |
 * | active → committing-one → …        | `commit` → `commitOnePhase`      |
 * | active → preparing → deciding → …  | `commit` → `commitTwoPhase`      |
 * | preparing → aborted                | `commitTwoPhase` → `abortPrepared` |
 * | committed → forgotten              | `Coordinator.driveDecision`      |
 * | active / failed → aborted          | `rollback`                       |
 *
 * Branches that only read finish with the first phase (a commit that writes
 * nothing); they take no part in the decision. SERIALIZABLE over several shards
 * adds cross-shard SSI (global-ssi.ts): before the decision, the branches' rw edges
 * are joined and checked (a dangerous structure: 40001, everything rolled back),
 * and the read-only branches end at the commit timestamp, once it is chosen.
 */
import { dbError, isIsolaError } from '../common/errors.js'
import type { ShardId, Timestamp } from '../common/ids.js'
import type { StatementResult } from '../engine/index.js'
import { quoteIdent } from '../parser/index.js'
import type { ConflictReport, IsolationLevel } from '../txn/index.js'
import type { StatementWatch } from './deadlock-detector.js'
import type { Decision, DecisionLog } from './decision-log.js'
import type { FaultInjector } from './faults.js'
import type { TimestampOracle } from './oracle.js'
import { crossShardFailure, type CheckResult, type GlobalSsi } from './global-ssi.js'
import type { Branch, Participant, Vote } from './participant.js'

/** How a transaction ended, for a deferrable one's safe snapshot (DistributedTxn.outcome). */
export interface Outcome {
  readonly committed: boolean
  /** It read what a transaction that committed first wrote (undefined: no cross-shard check said). */
  readonly outFirst: boolean | undefined
}

export type DistributedTxnState = 'active' | 'failed' | 'committing-one' | 'preparing' | 'deciding' | 'committed' | 'aborted'

export interface DistributedTxnOptions {
  /** Default 'read committed', as PostgreSQL's. */
  readonly isolation?: IsolationLevel
  readonly readOnly?: boolean
  /**
   * SERIALIZABLE READ ONLY DEFERRABLE: its snapshot is one no cross-shard dangerous
   * structure can involve (Coordinator.safeSnapshot), taken at its first statement,
   * which waits for it; then it cannot fail with 40001, as in PostgreSQL.
   */
  readonly deferrable?: boolean
  /** Settings each branch takes at its begin (BranchOptions.settings: the client's lock_timeout), read then. */
  readonly settings?: () => Readonly<Record<string, string>> | undefined
}

/** What a distributed transaction needs of its coordinator. */
export interface TxnContext {
  readonly oracle: TimestampOracle
  readonly log: DecisionLog
  readonly faults: FaultInjector
  /** Distributed deadlock detection watches running statements (it searches when one runs long). */
  readonly deadlocks: StatementWatch
  /** Cross-shard SSI: the records of transactions' commits, and the check before one commits. */
  readonly ssi: GlobalSsi
  participant(id: ShardId): Participant
  /** A safe snapshot for a READ ONLY DEFERRABLE transaction (waits until one is). */
  safeSnapshot(txn: DistributedTxn): Promise<Timestamp>
  /** The transaction is committed or aborted (it no longer holds the horizon back). */
  ended(txn: DistributedTxn): void
  /** Phase two of a logged decision, in the background: COMMIT PREPARED until acknowledged, then forget. Resolves when acknowledged everywhere. */
  driveDecision(decision: Decision): Promise<void>
  /** ROLLBACK PREPARED in the background on shards that could not be reached, each retried until it answers. */
  driveAbort(gid: string, participants: readonly ShardId[]): Promise<void>
}

export class DistributedTxn {
  state: DistributedTxnState = 'active'
  readonly isolation: IsolationLevel
  readonly readOnly: boolean
  private readonly settings: (() => Readonly<Record<string, string>> | undefined) | undefined
  /** When it began (ms since the epoch): its age in isola_distributed_xacts. */
  readonly startedAt = Date.now()
  /** The one snapshot of a REPEATABLE READ or SERIALIZABLE transaction, taken at its first statement. */
  private snapshot: Timestamp | undefined
  /**
   * The first snapshot it took: the oldest any of its branches may still be reading
   * at (READ COMMITTED's later statements take newer ones, but a branch may still be
   * beginning at an older one), so the coordinator's horizon stays at or below it.
   */
  oldestSnapshot: Timestamp | undefined
  /** Branches by shard, as promises: two statements sent at once to a new shard begin it once. */
  private readonly branches = new Map<ShardId, Promise<Branch>>()
  /** The block's savepoints, oldest first, each with the shards whose branches hold it. */
  private readonly savepoints: { readonly name: string; readonly shards: ReadonlySet<ShardId> }[] = []
  /** Statements still running: commit waits for them (a branch's writes decide how it commits). */
  private readonly running = new Set<Promise<unknown>>()
  private readonly deferrable: boolean
  /** A deferrable transaction's snapshot, being waited for (its statements share the wait). */
  private safe: Promise<Timestamp> | undefined
  /**
   * Whether it read what a transaction that committed first wrote (an rw edge out to
   * one), as its commit's cross-shard check found; false when it wrote nothing
   * (it cannot be a pivot); undefined when no check told (one shard).
   */
  private outFirst: boolean | undefined
  /** How it ended, once it has; and who waits for that (made only when someone asks: most transactions are never waited for). */
  private ended: Outcome | undefined
  private waiters: ((o: Outcome) => void)[] | undefined

  constructor(
    private readonly ctx: TxnContext,
    /** The global transaction id the branches are prepared under: coordinator id, epoch, sequence. */
    readonly gid: string,
    options: DistributedTxnOptions = {},
  ) {
    this.isolation = options.isolation ?? 'read committed'
    this.readOnly = options.readOnly ?? false
    this.deferrable = this.isolation === 'serializable' && this.readOnly && options.deferrable === true
    this.settings = options.settings
  }

  /** Settles when it has committed or rolled back: what a deferrable transaction's safe snapshot waits for. */
  outcome(): Promise<Outcome> {
    return this.ended !== undefined ? Promise.resolve(this.ended) : new Promise((resolve) => (this.waiters ??= []).push(resolve))
  }

  private settle(o: Outcome): void {
    this.ended = o
    for (const w of this.waiters ?? []) w(o)
    this.waiters = undefined
  }

  /** The shards touched so far. */
  get shards(): ShardId[] {
    return [...this.branches.keys()]
  }

  /**
   * Runs SQL on one shard in this transaction. An error fails the transaction as
   * PostgreSQL fails a block: it can then only be rolled back.
   */
  execute(shard: ShardId, sql: string, params: readonly unknown[] = []): Promise<StatementResult> {
    const p = this.run(shard, sql, params)
    this.running.add(p)
    const done = (): void => void this.running.delete(p)
    p.then(done, done)
    return p
  }

  private async run(shard: ShardId, sql: string, params: readonly unknown[]): Promise<StatementResult> {
    if (this.state === 'failed') throw dbError('in_failed_sql_transaction', 'current transaction is aborted, commands ignored until end of transaction block')
    this.assertActive()
    // DEFERRABLE: the first statement waits for a safe snapshot (every statement after it too, until it is known).
    if (this.deferrable && this.snapshot === undefined) this.snapshot = await (this.safe ??= this.ctx.safeSnapshot(this))
    // READ COMMITTED: a snapshot per statement; otherwise the transaction's, the same on every shard.
    const snapshot = this.isolation === 'read committed' ? this.ctx.oracle.snapshot() : (this.snapshot ??= this.ctx.oracle.snapshot())
    this.oldestSnapshot ??= snapshot
    const watch = this.ctx.deadlocks.started()
    try {
      let branch = this.branches.get(shard)
      if (branch === undefined) {
        branch = this.ctx.participant(shard).begin({ isolation: this.isolation, readOnly: this.readOnly, snapshot, globalId: this.gid, settings: this.settings?.() })
        this.branches.set(shard, branch)
        return await (await branch).execute(sql, params)
      }
      return await (await branch).execute(sql, params, this.isolation === 'read committed' ? { snapshot } : {})
    } catch (e) {
      this.state = 'failed'
      if (isIsolaError(e, 'deadlock_detected')) void this.releaseLocks()
      throw e
    } finally {
      this.ctx.deadlocks.ended(watch)
    }
  }

  /**
   * A deadlock victim lets go at once (ARCHITECTURE.md §9.10): its branches on the
   * other shards hold the locks the others of the cycle wait for, and the client's
   * ROLLBACK may be long in coming. The transaction stays 'failed' until then, as a
   * PostgreSQL block does; rolling back a branch twice is harmless.
   */
  private async releaseLocks(): Promise<void> {
    await Promise.allSettled(this.running)
    if (this.state === 'failed') await this.rollbackBranches([...this.branches.values()])
  }

  /**
   * Commits on every shard or on none; resolves with the commit timestamp (undefined
   * when nothing was written) once the commit is decided and new snapshots see it.
   * A failed transaction is rolled back and the call fails with 25P02.
   */
  async commit(): Promise<Timestamp | undefined> {
    let commitTs: Timestamp | undefined
    try {
      return (commitTs = await this.commitOrRollBack())
    } finally {
      if (this.state === 'committed' || this.state === 'aborted') {
        this.ctx.ssi.ended(this.gid, commitTs, this.state === 'committed')
        this.ctx.ended(this)
        this.settle({ committed: this.state === 'committed', outFirst: commitTs === undefined ? false : this.outFirst })
      }
    }
  }

  private async commitOrRollBack(): Promise<Timestamp | undefined> {
    await Promise.allSettled(this.running)
    if (this.state === 'failed') {
      await this.rollback()
      throw dbError('in_failed_sql_transaction', 'the transaction was rolled back because a statement in it failed')
    }
    this.assertActive()
    const branches = await this.begunBranches()
    const writers = branches.filter((b) => b.hasWrites)
    const readers = branches.filter((b) => !b.hasWrites)
    const serializable = this.crossShardSerializable(branches)
    if (writers.length > 1 || (serializable && writers.length === 1)) return this.commitTwoPhase(writers, readers, serializable)
    if (serializable) await this.checkReadOnly(readers)
    this.ctx.ssi.committing(this.gid)
    return this.commitOnePhase(writers[0], readers)
  }

  /** SERIALIZABLE over several shards: a dangerous structure may have its edges on two of them (global-ssi.ts). */
  private crossShardSerializable(branches: readonly Branch[]): boolean {
    return this.isolation === 'serializable' && branches.length > 1
  }

  /** A read-only SERIALIZABLE transaction over several shards: every branch's edges, joined and checked, before it ends. */
  private async checkReadOnly(branches: readonly Branch[]): Promise<void> {
    let reports
    try {
      reports = await Promise.all(branches.map(async (b) => ({ shard: b.participant, report: await b.conflicts() })))
    } catch (e) {
      this.state = 'aborted'
      await this.rollbackBranches(branches.map((b) => Promise.resolve(b)))
      throw e
    }
    const checked = this.ctx.ssi.check(this.gid, reports)
    if (checked.kind === 'safe') return
    this.state = 'aborted'
    await this.rollbackBranches(branches.map((b) => Promise.resolve(b)))
    throw crossShardFailure(checked.structure)
  }

  /**
   * Interrupts the statements running in its branches (a client's CancelRequest, a
   * statement timeout): each fails with 57014 and the transaction fails with it.
   * Only while active: a commit in progress is not interrupted.
   */
  cancel(): void {
    if (this.state !== 'active' || this.running.size === 0) return
    for (const b of this.branches.values()) void b.then((branch) => branch.cancel(), () => undefined)
  }

  async rollback(): Promise<void> {
    if (this.state === 'aborted') return
    if (this.state !== 'active' && this.state !== 'failed') throw dbError('invalid_transaction_state', `cannot roll back a transaction that is ${this.state}`)
    this.state = 'aborted'
    this.ctx.ended(this)
    this.settle({ committed: false, outFirst: undefined })
    await this.rollbackBranches([...this.branches.values()])
  }

  // ── savepoints ──────────────────────────────────────────────────────────────

  /**
   * SAVEPOINT on every branch begun so far. A branch begun later does not hold it:
   * ROLLBACK TO that savepoint rolls such a branch back whole (it began after it) and
   * forgets it, so the next statement on that shard begins a new one, in the same
   * snapshot under REPEATABLE READ and SERIALIZABLE.
   */
  async savepoint(name: string): Promise<void> {
    const branches = await this.settledBranches()
    this.assertNotFailed()
    await this.onEach(branches, `SAVEPOINT ${quoteIdent(name)}`)
    this.savepoints.push({ name, shards: new Set(branches.map((b) => b.participant)) })
  }

  get savepointCount(): number {
    return this.savepoints.length
  }

  async releaseSavepoint(name: string): Promise<void> {
    const branches = await this.settledBranches()
    this.assertNotFailed()
    const i = this.savepointIndex(name)
    const sp = this.savepoints[i]!
    await this.onEach(branches.filter((b) => sp.shards.has(b.participant)), `RELEASE SAVEPOINT ${quoteIdent(name)}`)
    this.savepoints.length = i
  }

  /** Undoes what came after the savepoint on every shard; a failed transaction is active again (as a failed block is in PostgreSQL). */
  async rollbackToSavepoint(name: string): Promise<void> {
    await Promise.allSettled(this.running)
    if (this.state !== 'failed') this.assertActive()
    const i = this.savepointIndex(name)
    const sp = this.savepoints[i]!
    const held: Branch[] = []
    for (const [shard, promise] of [...this.branches]) {
      const b = await promise.catch(() => undefined)
      if (b !== undefined && sp.shards.has(shard)) held.push(b)
      else {
        this.branches.delete(shard)
        await b?.rollback()
      }
    }
    await this.onEach(held, `ROLLBACK TO SAVEPOINT ${quoteIdent(name)}`)
    this.savepoints.length = i + 1
    this.state = 'active'
  }

  /** The branches once every running statement has ended (a savepoint marks a point between statements). */
  private async settledBranches(): Promise<Branch[]> {
    await Promise.allSettled(this.running)
    return this.begunBranches()
  }

  private savepointIndex(name: string): number {
    for (let i = this.savepoints.length - 1; i >= 0; i--) if (this.savepoints[i]!.name === name) return i
    this.state = 'failed'
    throw dbError('invalid_savepoint_specification', `savepoint "${name}" does not exist`)
  }

  private async onEach(branches: readonly Branch[], sql: string): Promise<void> {
    try {
      await Promise.all(branches.map((b) => b.execute(sql)))
    } catch (e) {
      this.state = 'failed'
      throw e
    }
  }

  private assertNotFailed(): void {
    if (this.state === 'failed') throw dbError('in_failed_sql_transaction', 'current transaction is aborted, commands ignored until end of transaction block')
    this.assertActive()
  }

  // ── one phase ───────────────────────────────────────────────────────────────

  /**
   * At most one writer: the readers finish first (a SERIALIZABLE reader may still
   * fail, and then nothing is committed), then the writer commits at
   * max(proposed, its highest served + 1), and the oracle moves past that before the
   * client hears of it, so that the client's next snapshot sees its write.
   */
  private async commitOnePhase(writer: Branch | undefined, readers: readonly Branch[]): Promise<Timestamp | undefined> {
    this.state = 'committing-one'
    try {
      // Ended now: SERIALIZABLE counts a reader as concurrent with every snapshot handed out before.
      const endTs = this.ctx.oracle.next()
      await Promise.all(readers.map((r) => r.commit(endTs)))
    } catch (e) {
      this.state = 'aborted'
      await this.rollbackBranches(writer === undefined ? [] : [Promise.resolve(writer)])
      throw e
    }
    if (writer === undefined) {
      this.state = 'committed'
      return undefined
    }
    let commitTs: Timestamp | undefined
    try {
      commitTs = await writer.commit(this.ctx.oracle.next())
    } catch (e) {
      this.state = 'aborted'
      throw e
    }
    if (commitTs !== undefined) {
      this.ctx.oracle.observe(commitTs)
      this.ctx.oracle.publish(commitTs)
    }
    this.state = 'committed'
    return commitTs
  }

  // ── two phases ──────────────────────────────────────────────────────────────

  /**
   * PREPARE on every writer in parallel (readers finish meanwhile); all yes: the
   * commit timestamp, above every vote's prepare timestamp, then the decision
   * appended durably: that is the commit point. The client is answered then; COMMIT
   * PREPARED goes on in the background until every writer acknowledges it.
   */
  private async commitTwoPhase(writers: readonly Branch[], readers: readonly Branch[], check: boolean): Promise<Timestamp> {
    this.state = 'preparing'
    const { faults } = this.ctx
    const ddl = writers.some((w) => w.hasCatalogChanges)
    const reports: { shard: ShardId; report: ConflictReport }[] = []
    let prepared = 0
    const votes = await Promise.all([
      ...writers.map(async (w): Promise<Vote> => {
        const v = await w.prepare(this.gid)
        if (v.kind === 'prepared' && ++prepared === 1) faults('after-prepare')
        if (v.kind === 'prepared') reports.push({ shard: w.participant, report: v.conflicts })
        return v
      }),
      ...readers.map(async (r): Promise<Vote | undefined> => {
        try {
          if (check) reports.push({ shard: r.participant, report: await r.conflicts() })
          else await r.commit(this.ctx.oracle.snapshot())
          return undefined
        } catch (error) {
          return { kind: 'refused', error }
        }
      }),
    ])
    const refusal = votes.find((v): v is Vote & { kind: 'refused' } => v?.kind === 'refused')
    const checked = refusal === undefined && check ? this.ctx.ssi.check(this.gid, reports) : undefined
    if (refusal !== undefined || checked?.kind === 'dangerous') {
      this.state = 'aborted'
      await Promise.all([this.abortPrepared(writers), check ? this.rollbackBranches(readers.map((r) => Promise.resolve(r))) : undefined])
      throw refusal !== undefined ? refusal.error : crossShardFailure((checked as CheckResult & { kind: 'dangerous' }).structure)
    }
    this.ctx.ssi.committing(this.gid)
    const maxPrepareTs = Math.max(...votes.map((v) => (v?.kind === 'prepared' ? v.prepareTs : 0))) as Timestamp
    const commitTs = this.ctx.oracle.nextAbove(maxPrepareTs)
    if (check) await this.endReaders(readers, writers, commitTs)
    faults('after-votes')

    this.state = 'deciding'
    const outConflict = checked?.kind === 'safe' && checked.outFirst
    if (checked?.kind === 'safe') this.outFirst = checked.outFirst
    const decision: Decision = { gid: this.gid, commitTs, participants: writers.map((w) => w.participant), ...(outConflict ? { outConflict } : {}) }
    try {
      await this.ctx.log.append(decision)
    } catch (e) {
      // The SQLite transaction did not commit: there is no decision, so the answer is abort.
      this.state = 'aborted'
      await this.abortPrepared(writers)
      throw e
    }
    faults('after-decision-logged')
    this.ctx.oracle.publish(commitTs)
    this.state = 'committed'
    const phaseTwo = this.ctx.driveDecision(decision)
    if (ddl) await phaseTwo
    return commitTs
  }

  /**
   * SERIALIZABLE: the read-only branches end at the transaction's commit timestamp,
   * once it is known, so that each shard's SSI counts them concurrent with exactly
   * the transactions the whole one is concurrent with. A reader that fails there
   * (doomed by its shard meanwhile) aborts the transaction: it is not decided yet.
   */
  private async endReaders(readers: readonly Branch[], writers: readonly Branch[], commitTs: Timestamp): Promise<void> {
    try {
      await Promise.all(readers.map((r) => r.commit(commitTs)))
    } catch (e) {
      this.state = 'aborted'
      await Promise.all([this.abortPrepared(writers), this.rollbackBranches(readers.map((r) => Promise.resolve(r)))])
      throw e
    }
  }

  /**
   * ROLLBACK PREPARED on every writer (presumed abort: nothing to log), whatever its
   * vote: a refusal may be a PREPARE the shard made durable whose answer was lost with
   * the connection (the shard died, or the connection broke), and that transaction
   * would hold its rows, of the current epoch, until the next recovery. Where the
   * gid is unknown the shard says so (42704, 'unknown'), harmlessly. A shard that
   * cannot be reached now gets it again in the background until it answers.
   */
  private async abortPrepared(writers: readonly Branch[]): Promise<void> {
    const sent = await Promise.allSettled(writers.map((b) => this.ctx.participant(b.participant).rollbackPrepared(this.gid)))
    const unreached = writers.filter((_, i) => sent[i]!.status === 'rejected').map((b) => b.participant)
    if (unreached.length > 0) void this.ctx.driveAbort(this.gid, unreached)
  }

  // ── helpers ─────────────────────────────────────────────────────────────────

  /** The branches that began (one whose BEGIN failed has nothing to finish). */
  private async begunBranches(): Promise<Branch[]> {
    const settled = await Promise.allSettled(this.branches.values())
    return settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []))
  }

  private async rollbackBranches(branches: readonly Promise<Branch>[]): Promise<void> {
    await Promise.allSettled(branches.map(async (b) => (await b).rollback()))
  }

  private assertActive(): void {
    if (this.state !== 'active') throw dbError(this.state === 'aborted' ? 'in_failed_sql_transaction' : 'invalid_transaction_state', `transaction ${this.gid} is ${this.state}`)
  }
}
