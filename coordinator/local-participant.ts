/**
 * A shard in the coordinator's process: the Participant interface over one engine
 * Database (one shard = one engine database in its own sub-directory). Each branch
 * is an engine session holding an explicit transaction block whose snapshots come
 * from the coordinator; PREPARE and COMMIT PREPARED are the engine's own.
 *
 * A shard's version GC runs below the horizon the coordinator gives it
 * (`advanceHorizon`): a branch may arrive with a snapshot older than any the shard has
 * seen, so the shard alone cannot know which versions are garbage.
 */
import path from 'node:path'
import { asTimestamp, type ShardId, type Timestamp } from '../common/ids.js'
import { open, type Database, type OpenOptions, type Session, type StatementResult } from '../engine/index.js'
import { quoteLiteral } from '../parser/index.js'
import type { ConflictReport } from '../txn/index.js'
import type { ShardLockWait } from './deadlock-graph.js'
import { beginSql, refuseTransactionControl, resolved, type Branch, type BranchOptions, type Participant, type PreparedBranch, type Resolution, type StatementOptions, type Vote } from './participant.js'

export class LocalParticipant implements Participant {
  constructor(
    readonly id: ShardId,
    readonly db: Database,
  ) {}

  /** Opens shard `id` in `<dir>/shard<id>` (in memory when `dir` is undefined). */
  static async open(id: ShardId, dir: string | undefined, options: OpenOptions = {}): Promise<LocalParticipant> {
    const db = await open({ owner: `shard${id}`, ...options, ...(dir === undefined ? { memory: true } : { dir: path.join(dir, `shard${id}`) }) })
    db.txn.limitHorizon(asTimestamp(0)) // nothing is garbage until the coordinator says so
    return new LocalParticipant(id, db)
  }

  async begin(options: BranchOptions): Promise<Branch> {
    await this.db.txn.advanceClock(options.snapshot)
    const branch = new LocalBranch(this, options.snapshot)
    await branch.session.execute(beginSql(options).join(';\n'))
    return branch
  }

  async commitPrepared(gid: string, commitTs: Timestamp, outConflict = false): Promise<Resolution> {
    return resolved(this.db.commitPrepared(gid, commitTs, outConflict))
  }

  async rollbackPrepared(gid: string): Promise<Resolution> {
    return resolved(this.db.txn.rollbackPrepared(gid))
  }

  async listPrepared(): Promise<readonly PreparedBranch[]> {
    return this.db.txn.prepared().map((p) => ({ gid: p.gid, preparedAt: p.preparedAt }))
  }

  async advanceHorizon(ts: Timestamp): Promise<void> {
    this.db.txn.limitHorizon(ts)
  }

  /** What `SELECT … FROM isola_lock_waits` returns, without the SQL. */
  async lockWaits(): Promise<readonly ShardLockWait[]> {
    const now = Date.now()
    return this.db.txn.lockWaits().map((w) => ({ waitId: w.waitId, waiter: String(w.waiter), waiterGxid: w.waiterGid, holder: String(w.holder), holderGxid: w.holderGid, lock: w.lockName, waitedMs: now - w.since }))
  }

  async rejectLockWait(waitId: number, detail: string): Promise<boolean> {
    return this.db.txn.rejectLockWait(waitId, detail)
  }

  close(): Promise<void> {
    return this.db.close()
  }
}

class LocalBranch implements Branch {
  readonly session: Session
  /** The snapshot the session's next statement takes (the coordinator's). */
  private snapshot: Timestamp

  constructor(
    private readonly shard: LocalParticipant,
    snapshot: Timestamp,
  ) {
    this.snapshot = snapshot
    this.session = shard.db.session({ snapshot: () => this.snapshot })
  }

  get participant(): ShardId {
    return this.shard.id
  }

  get hasWrites(): boolean {
    return this.session.hasWrites
  }

  get hasCatalogChanges(): boolean {
    return this.session.hasCatalogChanges
  }

  async execute(sql: string, params: readonly unknown[] = [], options: StatementOptions = {}): Promise<StatementResult> {
    if (options.snapshot !== undefined) {
      await this.shard.db.txn.advanceClock(options.snapshot)
      this.snapshot = options.snapshot
    }
    refuseTransactionControl(sql)
    const results = await this.session.execute(sql, params)
    return results[results.length - 1]!
  }

  async prepare(gid: string): Promise<Vote> {
    try {
      const r = await this.session.execute(`PREPARE TRANSACTION ${quoteLiteral(gid)}`)
      // A failed block answers PREPARE with ROLLBACK, as PostgreSQL does.
      if (r[0]?.command !== 'PREPARE TRANSACTION') return { kind: 'refused', error: new Error(`shard ${this.shard.id} rolled back a failed transaction at PREPARE`) }
      const p = this.shard.db.txn.preparedTransaction(gid)
      if (p === undefined) return { kind: 'refused', error: new Error(`shard ${this.shard.id} lost prepared transaction ${gid}`) }
      return { kind: 'prepared', prepareTs: p.preparedAt, conflicts: this.shard.db.txn.conflicts(p.txn) }
    } catch (error) {
      return { kind: 'refused', error }
    } finally {
      await this.session.close()
    }
  }

  async conflicts(): Promise<ConflictReport> {
    return JSON.parse(String((await this.session.execute('SHOW isola.rw_conflicts'))[0]!.rows[0]![0])) as ConflictReport
  }

  async commit(proposedTs: Timestamp): Promise<Timestamp | undefined> {
    try {
      await this.shard.db.txn.advanceClock(proposedTs)
      return await this.session.commitAt(proposedTs)
    } finally {
      await this.session.close()
    }
  }

  cancel(): void {
    this.session.cancel()
  }

  rollback(): Promise<void> {
    // Closing the session rolls its transaction back.
    return this.session.close()
  }
}
