/**
 * What the coordinator asks of a shard (DESIGN.md §1, §5): the Participant
 * interface. The coordinator's core sees shards only through it, so a shard in the
 * same process (local-participant.ts) and one behind the wire protocol
 * (remote-participant.ts) are interchangeable, and the same tests run against both.
 *
 * A distributed transaction has one *branch* per shard it touches. A branch runs in
 * the coordinator's snapshot and ends in one of three ways:
 *
 *     begin(snapshot) ─► execute … ─┬─► commit(proposedTs) ─► commitTs       one-phase (one writer, or a reader)
 *                                   ├─► prepare(gid) ─► vote ─► commitPrepared(gid, commitTs) / rollbackPrepared(gid)
 *                                   └─► rollback()
 *
 * After `prepare` the branch is gone from the session that ran it: it lives on the
 * shard under its gid (durably, with its locks) until the coordinator decides, and a
 * shard never decides on its own.
 */
import { dbError, isIsolaError } from '../common/errors.js'
import type { ShardId, Timestamp } from '../common/ids.js'
import type { StatementResult } from '../engine/index.js'
import { parse, quoteLiteral } from '../parser/index.js'
import type { ConflictReport, IsolationLevel } from '../txn/index.js'
import type { ShardLockWait } from './deadlock-graph.js'

export interface BranchOptions {
  readonly isolation: IsolationLevel
  readonly readOnly?: boolean
  /**
   * The snapshot of the branch's first statement, from the coordinator's oracle:
   * the transaction's one snapshot under REPEATABLE READ and SERIALIZABLE (the same
   * for every shard, which is what makes it global), the first statement's under
   * READ COMMITTED.
   */
  readonly snapshot: Timestamp
  /**
   * The distributed transaction's gid. The shard names the branch by it when it
   * reports rw edges (`SET LOCAL isola.global_xid`), so that the coordinator can
   * join edges seen on different shards (cross-shard SSI, global-ssi.ts); the
   * participant names the branch's lock waits by it (ARCHITECTURE.md §9.10).
   */
  readonly globalId?: string
  /**
   * Settings the client's session had when the transaction began that must hold in
   * the branch too (lock_timeout): set with SET LOCAL before its first statement.
   */
  readonly settings?: Readonly<Record<string, string>>
}

export interface StatementOptions {
  /** READ COMMITTED: this statement's snapshot (the coordinator takes one per statement). */
  readonly snapshot?: Timestamp
}

/**
 * A participant's answer to PREPARE. `prepareTs` is the shard's timestamp of the
 * preparation: the coordinator commits above every vote's (Clock-SI), so that a
 * reader whose snapshot is at or below `prepareTs`, and so skipped the prepared
 * versions, can never find that the commit falls inside its snapshot.
 */
export type Vote =
  | { readonly kind: 'prepared'; readonly prepareTs: Timestamp; readonly conflicts: ConflictReport }
  | { readonly kind: 'refused'; readonly error: unknown }

/** A prepared transaction a participant holds (pg_prepared_xacts). */
export interface PreparedBranch {
  readonly gid: string
  readonly preparedAt: Timestamp
}

/** The outcome of COMMIT PREPARED / ROLLBACK PREPARED: 'unknown' when the shard has no such gid (already finished). */
export type Resolution = 'done' | 'unknown'

export interface Branch {
  readonly participant: ShardId
  /** Whether the branch has written (a branch that has not takes no part in phase two). */
  readonly hasWrites: boolean
  /**
   * Whether it ran DDL. A shard's catalog is not versioned by snapshot: DDL reaches
   * its other sessions at COMMIT PREPARED, so the coordinator answers a transaction
   * that ran DDL only after phase two (else the client's next statement might not
   * find the table it just created). Read before PREPARE.
   */
  readonly hasCatalogChanges: boolean
  /** Runs SQL (one statement, or several without parameters) in the branch; the last statement's result. */
  execute(sql: string, params?: readonly unknown[], options?: StatementOptions): Promise<StatementResult>
  /** PREPARE TRANSACTION gid. Never throws: a failure is a refusal, and the branch is then rolled back. */
  prepare(gid: string): Promise<Vote>
  /** The other ends of the branch's rw edges so far (SERIALIZABLE; `SHOW isola.rw_conflicts`), for the coordinator's check before it commits. */
  conflicts(): Promise<ConflictReport>
  /**
   * One-phase commit at the coordinator's proposed timestamp: resolves with the
   * timestamp it committed at, max(proposed, highest served + 1) (DESIGN.md §2), or
   * undefined for a branch that wrote nothing.
   */
  commit(proposedTs: Timestamp): Promise<Timestamp | undefined>
  rollback(): Promise<void>
  /** Interrupts the statement running in the branch, if any (it fails with 57014); nothing else changes. */
  cancel(): void
}

export interface Participant {
  readonly id: ShardId
  begin(options: BranchOptions): Promise<Branch>
  /**
   * COMMIT PREPARED at the coordinator's timestamp; idempotent ('unknown' once done).
   * `outConflict`: the transaction has an rw edge out, on some shard, to one that
   * committed first (`SET isola.commit_out_conflict`, global-ssi.ts).
   */
  commitPrepared(gid: string, commitTs: Timestamp, outConflict?: boolean): Promise<Resolution>
  rollbackPrepared(gid: string): Promise<Resolution>
  listPrepared(): Promise<readonly PreparedBranch[]>
  /**
   * The coordinator will hand out no snapshot older than `ts` any more: the shard may
   * garbage-collect versions below it. (Until told, a shard collects nothing.)
   */
  advanceHorizon(ts: Timestamp): Promise<void>
  /** The shard's wait-for graph (view `isola_lock_waits`), for distributed deadlock detection. */
  lockWaits(): Promise<readonly ShardLockWait[]>
  /** `isola_reject_lock_wait`: fails that wait with 40P01 and `detail`; false when it is over. */
  rejectLockWait(waitId: number, detail: string): Promise<boolean>
  close(): Promise<void>
}

/**
 * What opens a branch on a shard: its BEGIN with the transaction's modes, and the
 * setting that names it by the distributed transaction's gid. (The snapshot, set
 * per statement under READ COMMITTED, is the participant's to send.)
 */
export function beginSql(options: BranchOptions): string[] {
  const modes = [`ISOLATION LEVEL ${options.isolation.toUpperCase()}`]
  if (options.readOnly) modes.push('READ ONLY')
  const out = [`BEGIN ${modes.join(', ')}`, ...settingsSql(options.settings)]
  if (options.globalId !== undefined) out.push(`SET LOCAL isola.global_xid = ${quoteLiteral(options.globalId)}`)
  return out
}

/** Words that may begin a statement that ends or starts a transaction (a cheap test before parsing). */
const CONTROL_WORDS = /\b(begin|start|commit|end|rollback|abort|prepare)\b/i
const CONTROL_KINDS = new Set(['begin', 'commit', 'rollback', 'prepare-transaction', 'commit-prepared', 'rollback-prepared'])

/**
 * A branch's transaction is the coordinator's to end: COMMIT, ROLLBACK, PREPARE
 * TRANSACTION and their kind sent through `execute` would end it behind its back.
 * (Savepoints stay allowed: they live inside the branch.)
 */
export function refuseTransactionControl(sql: string): void {
  if (!CONTROL_WORDS.test(sql)) return
  let statements
  try {
    statements = parse(sql)
  } catch {
    return // the session reports the syntax error
  }
  const s = statements.find((x) => CONTROL_KINDS.has(x.kind))
  if (s !== undefined) throw dbError('active_sql_transaction', `${s.kind.replace('-', ' ').toUpperCase()} cannot run in a branch of a distributed transaction: commit or roll back the distributed transaction`)
}

/** 42704 (no prepared transaction of that gid) means it was finished before: idempotence for the coordinator's retries. */
export async function resolved(work: Promise<unknown>): Promise<Resolution> {
  try {
    await work
    return 'done'
  } catch (e) {
    if (isIsolaError(e, 'undefined_object')) return 'unknown'
    throw e
  }
}

/** The client's settings a branch takes (BranchOptions.settings), as the SET LOCAL statements that follow its BEGIN. */
export function settingsSql(settings: Readonly<Record<string, string>> = {}): string[] {
  return Object.entries(settings).map(([k, v]) => `SET LOCAL ${k} = ${quoteLiteral(v)}`)
}
