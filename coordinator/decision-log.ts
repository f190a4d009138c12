/**
 * The coordinator's decision log (DESIGN.md §5): where a two-phase commit becomes
 * a commit. Presumed abort: only COMMIT decisions are written; a prepared transaction
 * with no decision is aborted once its coordinator epoch is over.
 *
 * One SQLite database (better-sqlite3) in WAL mode with synchronous=FULL, so a
 * committed SQLite transaction is on disk. Decisions of concurrent transactions share
 * one SQLite transaction (group commit): `append` queues the decision, and the
 * decisions queued during one turn of the event loop are written together at the
 * next, with one fsync. A decision is forgotten (deleted) once every participant has
 * acknowledged COMMIT PREPARED. Forgetting needs no durability (a decision that
 * comes back after a crash is re-driven, and a participant answers "unknown", which
 * means done), so forgets are queued too and ride along with the next batch.
 *
 * The same database keeps the coordinator's identity, its epoch (one more at every
 * open: gids carry it, so recovery can tell an earlier life's undecided prepared
 * transactions from this one's in-flight ones) and the oracle's reservation.
 *
 * Tables:
 *
 *     meta(key TEXT PRIMARY KEY, value)       'epoch' → integer, 'reserved' → integer
 *     decisions(gid TEXT PRIMARY KEY, commit_ts INTEGER, participants TEXT)   participants: JSON array of shard ids
 */
import fs from 'node:fs'
import path from 'node:path'
import Sqlite from 'better-sqlite3'
import { asShardId, asTimestamp, type ShardId, type Timestamp } from '../common/ids.js'
import type { ReservationStore } from './oracle.js'

/** A COMMIT decision: the commit point of a two-phase commit. */
export interface Decision {
  readonly gid: string
  readonly commitTs: Timestamp
  readonly participants: readonly ShardId[]
  /**
   * Cross-shard SSI: the transaction read what one that committed first wrote, and
   * its shards hear so at COMMIT PREPARED (global-ssi.ts). Not logged: a decision
   * re-driven by recovery commits without it (see ARCHITECTURE.md §9.10).
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
  private scheduled = false
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
             CREATE TABLE IF NOT EXISTS decisions (gid TEXT PRIMARY KEY, commit_ts INTEGER NOT NULL, participants TEXT NOT NULL)`)
    this.insert = db.prepare('INSERT OR REPLACE INTO decisions (gid, commit_ts, participants) VALUES (?, ?, ?)')
    this.remove = db.prepare('DELETE FROM decisions WHERE gid = ?')
    this.setMeta = db.prepare('INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)')
    this.getMeta = db.prepare('SELECT value FROM meta WHERE key = ?').pluck()
    this.epoch = (this.meta('epoch') ?? 0) + 1
    this.setMeta.run('epoch', this.epoch)
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
    this.schedule()
  }

  decisions(): readonly Decision[] {
    const rows = this.db.prepare('SELECT gid, commit_ts, participants FROM decisions ORDER BY commit_ts').all() as { gid: string; commit_ts: number; participants: string }[]
    return rows.map((r) => ({ gid: r.gid, commitTs: asTimestamp(r.commit_ts), participants: (JSON.parse(r.participants) as number[]).map(asShardId) }))
  }

  reserved(): number {
    return this.meta('reserved') ?? 0
  }

  reserve(upTo: number): void {
    this.setMeta.run('reserved', upTo)
  }

  /** Writes what is queued, then closes; appends after this fail. */
  close(): void {
    if (this.closed) return
    this.flush()
    this.closed = true
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

  /** One SQLite transaction for everything queued: one fsync for a turn's decisions. */
  private flush(): void {
    this.scheduled = false
    const batch = this.pending
    const forgotten = this.forgotten
    this.pending = []
    this.forgotten = []
    if (batch.length === 0 && forgotten.length === 0) return
    try {
      this.db.transaction(() => {
        for (const p of batch) this.insert.run(p.decision.gid, p.decision.commitTs, JSON.stringify(p.decision.participants))
        for (const gid of forgotten) this.remove.run(gid)
      })()
    } catch (e) {
      // Not committed: no decision of the batch exists, so each of those transactions aborts (presumed abort).
      for (const p of batch) p.reject(e)
      return
    }
    if (batch.length > 0) {
      this.stats.flushes++
      this.stats.appended += batch.length
    }
    for (const p of batch) p.resolve()
  }
}
