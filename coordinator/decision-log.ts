/**
 * The coordinator's decision log (DESIGN.md §5): where a two-phase commit becomes
 * a commit. Presumed abort: only COMMIT decisions are written; a prepared transaction
 * with no decision is aborted once its coordinator epoch is over.
 *
 * One SQLite database (better-sqlite3) in WAL mode with synchronous=FULL, so a
 * committed SQLite transaction is on disk. Decisions of concurrent transactions share
 * one SQLite transaction (group commit): `append` queues the decision; the decisions
 * queued during one turn of the event loop are written together at the next, by the
 * writer thread (decision-log-writer.ts: the fsync does not stop the event loop),
 * and those queued while a batch is being written go together as the next batch. A
 * decision is forgotten (deleted) once every participant has acknowledged COMMIT
 * PREPARED. Forgetting needs no durability (a decision that comes back after a crash
 * is re-driven, and a participant answers "unknown", which means done), so forgets
 * are queued and ride along with the next batch of decisions, or are written
 * FORGET_DELAY_MS later when none comes: a forget costs no fsync of its own under
 * load. `decisions()` leaves out the forgotten ones still queued.
 *
 * The same database keeps the coordinator's identity, its epoch (one more at every
 * open: gids carry it, so recovery can tell an earlier life's undecided prepared
 * transactions from this one's in-flight ones) and the oracle's reservation.
 *
 * Tables:
 *
 *     meta(key TEXT PRIMARY KEY, value)       'epoch' → integer, 'reserved' → integer
 *     decisions(gid TEXT PRIMARY KEY, commit_ts INTEGER, participants TEXT,   participants: JSON array of shard ids
 *               out_conflict INTEGER)                                      1: COMMIT PREPARED says so (Decision.outConflict)
 */
import fs from 'node:fs'
import path from 'node:path'
import Sqlite from 'better-sqlite3'
import { asShardId, asTimestamp, type ShardId, type Timestamp } from '../common/ids.js'
import { DecisionLogWriter } from './decision-log-writer.js'
import type { ReservationStore } from './oracle.js'

/** A decision as the log's row: gid, commit timestamp, participants (JSON), out_conflict. */
const row = (d: Decision): readonly [string, number, string, number] => [d.gid, d.commitTs, JSON.stringify(d.participants), d.outConflict === true ? 1 : 0]

/** How long a forget waits for a batch of decisions to ride along with before it is written alone. */
const FORGET_DELAY_MS = 100

/** A COMMIT decision: the commit point of a two-phase commit. */
export interface Decision {
  readonly gid: string
  readonly commitTs: Timestamp
  readonly participants: readonly ShardId[]
  /**
   * Cross-shard SSI: the transaction read what one that committed first wrote, and
   * its shards hear so at COMMIT PREPARED (global-ssi.ts). Logged with the decision,
   * so that recovery's COMMIT PREPARED says so too.
   */
  readonly outConflict?: boolean
}

/** What the coordinator's core needs of its log (the SQLite one below; a simulated one in tests to come). */
export interface DecisionLog {
  /** This life of the coordinator: one more than the last (recorded durably at open). */
  readonly epoch: number
  /** Resolves once the decision is durable: the commit point. */
  append(decision: Decision): Promise<void>
  /** Every participant acknowledged: the decision is no longer needed. */
  forget(gid: string): void
  /** The decisions not yet forgotten (recovery re-drives them). */
  decisions(): readonly Decision[]
  close(): void
}

interface Pending {
  readonly decision: Decision
  readonly resolve: () => void
  readonly reject: (e: unknown) => void
}

export class SqliteDecisionLog implements DecisionLog, ReservationStore {
  readonly epoch: number
  private pending: Pending[] = []
  private forgotten: string[] = []
  /** The batch the writer thread is writing: its decisions' callers, and its forgets. */
  private writing: { readonly batch: Pending[]; readonly forgotten: string[] } | undefined
  private scheduled = false
  private forgetTimer: NodeJS.Timeout | undefined
  private readonly writer: DecisionLogWriter
  private closed = false
  /** SQLite transactions that wrote decisions, and decisions written (tests check the grouping). */
  readonly stats = { flushes: 0, appended: 0 }
  private readonly insert: Sqlite.Statement
  private readonly remove: Sqlite.Statement
  private readonly setMeta: Sqlite.Statement
  private readonly getMeta: Sqlite.Statement

  private constructor(/** @internal (tests check the pragmas) */ readonly db: Sqlite.Database) {
    db.pragma('journal_mode = WAL')
    db.pragma('synchronous = FULL')
    db.exec(`CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);
             CREATE TABLE IF NOT EXISTS decisions (gid TEXT PRIMARY KEY, commit_ts INTEGER NOT NULL, participants TEXT NOT NULL, out_conflict INTEGER NOT NULL DEFAULT 0)`)
    // A log made before cross-shard SSI has no out_conflict column: its decisions had none.
    if (!(db.prepare('PRAGMA table_info(decisions)').all() as { name: string }[]).some((c) => c.name === 'out_conflict')) db.exec('ALTER TABLE decisions ADD COLUMN out_conflict INTEGER NOT NULL DEFAULT 0')
    this.insert = db.prepare('INSERT OR REPLACE INTO decisions (gid, commit_ts, participants, out_conflict) VALUES (?, ?, ?, ?)')
    this.remove = db.prepare('DELETE FROM decisions WHERE gid = ?')
    this.setMeta = db.prepare('INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)')
    this.getMeta = db.prepare('SELECT value FROM meta WHERE key = ?').pluck()
    this.epoch = (this.meta('epoch') ?? 0) + 1
    this.setMeta.run('epoch', this.epoch)
    this.writer = new DecisionLogWriter(db.name)
  }

  /** Opens (or creates) the log in `dir/decisions.sqlite`. */
  static open(dir: string): SqliteDecisionLog {
    fs.mkdirSync(dir, { recursive: true })
    return new SqliteDecisionLog(new Sqlite(path.join(dir, 'decisions.sqlite')))
  }

  append(decision: Decision): Promise<void> {
    if (this.closed) return Promise.reject(new Error('the decision log is closed'))
    return new Promise((resolve, reject) => {
      this.pending.push({ decision, resolve, reject })
      this.schedule()
    })
  }

  forget(gid: string): void {
    if (this.closed) return
    this.forgotten.push(gid)
    this.armForgetTimer()
  }

  decisions(): readonly Decision[] {
    const rows = this.db.prepare('SELECT gid, commit_ts, participants, out_conflict FROM decisions ORDER BY commit_ts').all() as { gid: string; commit_ts: number; participants: string; out_conflict: number }[]
    const gone = new Set([...this.forgotten, ...(this.writing?.forgotten ?? [])])
    return rows
      .filter((r) => !gone.has(r.gid))
      .map((r) => ({ gid: r.gid, commitTs: asTimestamp(r.commit_ts), participants: (JSON.parse(r.participants) as number[]).map(asShardId), ...(r.out_conflict === 1 ? { outConflict: true } : {}) }))
  }

  reserved(): number {
    return this.meta('reserved') ?? 0
  }

  reserve(upTo: number): void {
    this.setMeta.run('reserved', upTo)
  }

  /** Waits for the batch being written, writes what is queued, then closes; appends after this fail. */
  close(): void {
    if (this.closed) return
    this.closed = true
    clearTimeout(this.forgetTimer)
    this.writer.waitSync()
    const batch = this.pending
    const forgotten = this.forgotten
    this.pending = []
    this.forgotten = []
    let error: unknown
    try {
      if (batch.length > 0 || forgotten.length > 0) {
        this.db.transaction(() => {
          for (const p of batch) this.insert.run(...row(p.decision))
          for (const gid of forgotten) this.remove.run(gid)
        })()
      }
    } catch (e) {
      error = e
    }
    this.written(batch, error)
    this.writer.close()
    this.db.close()
  }

  private meta(key: string): number | undefined {
    return this.getMeta.get(key) as number | undefined
  }

  private schedule(): void {
    if (this.scheduled) return
    this.scheduled = true
    setImmediate(() => this.flush())
  }

  /**
   * Hands everything queued to the writer thread as one SQLite transaction (one
   * fsync), unless a batch is being written: its end starts the next.
   */
  private flush(): void {
    this.scheduled = false
    if (this.closed || this.writer.busy) return
    const batch = this.pending
    const forgotten = this.forgotten
    if (batch.length === 0 && forgotten.length === 0) return
    this.pending = []
    this.forgotten = []
    this.writing = { batch, forgotten }
    const inserts = batch.map((p) => row(p.decision))
    this.writer.write({ inserts, removes: forgotten }).then(
      () => this.written(batch, undefined),
      (e: unknown) => this.written(batch, e),
    ).finally(() => {
      this.writing = undefined
      // What was queued meanwhile is the next batch (forgets alone wait for their timer).
      if (this.pending.length > 0) this.flush()
      else if (this.forgotten.length > 0) this.armForgetTimer()
    })
  }

  private armForgetTimer(): void {
    if (this.forgetTimer !== undefined || this.closed) return
    this.forgetTimer = setTimeout(() => {
      this.forgetTimer = undefined
      this.schedule()
    }, FORGET_DELAY_MS)
    this.forgetTimer.unref()
  }

  /** A batch's SQLite transaction committed (error undefined) or did not. */
  private written(batch: readonly Pending[], error: unknown): void {
    if (error !== undefined) {
      // Not committed: no decision of the batch exists, so each of those transactions aborts (presumed abort).
      for (const p of batch) p.reject(error)
      return
    }
    if (batch.length > 0) {
      this.stats.flushes++
      this.stats.appended += batch.length
    }
    for (const p of batch) p.resolve()
  }
}
