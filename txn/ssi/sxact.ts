/**
 * What SSI remembers about one transaction: PostgreSQL's SERIALIZABLEXACT.
 *
 * Three kinds share the record, so that lock holders and edge ends are one type:
 *
 * - a *serializable* transaction (it called `begin`): takes SIREAD locks, has rw
 *   edges in and out, is checked for dangerous structures;
 * - a *writer* of another isolation level: known only because it wrote, so that
 *   serializable readers that skip its versions know whether it committed and when
 *   (it can only ever be the `Tout` of a structure: it has no reads to be a pivot);
 * - a *summary* bucket: old committed transactions folded together (summary.ts). It
 *   holds their SIREAD locks and has no edges.
 *
 * Ordering uses sequence numbers from one counter, as PostgreSQL's SerCommitSeqNo:
 * `snapSeq` (the counter when the snapshot was taken: PostgreSQL's
 * lastCommitBeforeSnapshot), `prepareSeq` (taken in preCommit: from then on the
 * transaction may commit at any moment, so it counts as "may have committed first")
 * and `commitSeq` (when `committed` is reported). Every comparison errs on the side
 * of "committed earlier": a transaction is assumed committed from its prepareSeq,
 * and assumed to have committed as late as its commitSeq.
 */
import type { Timestamp, TxnId } from '../../common/ids.js'
import type { TableId } from '../types.js'
import type { HeldLocks, LockHolder } from './siread-locks.js'

export type SxactKind = 'serializable' | 'writer' | 'summary'
export type SxactState = 'active' | 'prepared' | 'committed' | 'aborted'

/**
 * Read-only snapshot safety (Ports & Grittner §4.2): 'pending' while a concurrent
 * read-write transaction could still make it unsafe, 'safe' once none can (the
 * transaction then stops SSI tracking), 'unsafe' when one committed with a conflict
 * out to a transaction that committed before the snapshot.
 */
export type Safety = 'safe' | 'unsafe' | 'pending'

/** The lowest sequence number: "as early as anything". Used for what we no longer know. */
export const EARLIEST_SEQ = 1
/** Snapshot of a transaction we know only as a writer: compares below every timestamp. */
export const NO_SNAPSHOT = -Infinity as Timestamp

/** An rw-antidependency `from →rw to`: `from` read (table, key), `to` wrote a version of it `from` cannot see. */
export class Edge {
  constructor(
    readonly from: Sxact,
    readonly to: Sxact,
    readonly table: TableId,
    /** A copy of the first key that created the edge (for the 40001 detail). */
    readonly key: Uint8Array,
  ) {}
}

/** Which transaction and key stand behind a flag, once the edge itself is gone (for the 40001 detail). */
export interface ConflictRef {
  readonly txn: TxnId
  readonly table: TableId
  readonly key: Uint8Array
}

/** Why a transaction was marked to fail at its next call (PostgreSQL's DOOMED flag). */
export interface Doom {
  /**
   * 'pivot': it was Tpivot; 'in': Tin of a pivot that could no longer fail; 'out':
   * the Tout committing over a prepared pivot; 'old-pivot': it read past a version of
   * a summarised transaction that had itself a conflict out to an earlier commit.
   */
  readonly role: 'pivot' | 'in' | 'out' | 'old-pivot'
  /** "Conflict: transaction … (rw-antidependency on key … of table …)." */
  readonly conflict: string
  /** "Dangerous structure: …" */
  readonly structure: string
  /** The other transaction the reason names. */
  readonly other: TxnId | undefined
}

export class Sxact implements LockHolder<Sxact> {
  state: SxactState = 'active'
  /** Still takes SIREAD locks and is checked (false for writers of other levels, summaries and safe read-only transactions). */
  tracking: boolean
  readOnly: boolean
  readonly declaredReadOnly: boolean
  didWrite = false
  snapshot: Timestamp
  snapSeq: number
  prepareSeq = 0
  commitSeq = 0
  commitTs: Timestamp | undefined
  /**
   * A committed transaction is of no use to transactions whose snapshot is at or
   * after this: its commit timestamp, or its snapshot if it wrote nothing (an
   * implicitly read-only transaction can only be a Tin, and a Tout that committed
   * before its snapshot cannot be concurrent with a later pivot).
   */
  horizonTs: Timestamp
  doomed: Doom | undefined
  /** The coordinator's gid when it is a branch of a distributed transaction (how reports name it). */
  globalId: string | undefined

  /** Edges out (it read what they wrote) and in (they read what it wrote), by the other end. */
  outs: Map<Sxact, Edge> | undefined
  ins: Map<Sxact, Edge> | undefined

  /** A conflict in from a transaction that was summarised: the latest commit among them, and whether all were read-only (then the latest snapshot). */
  summaryIn = false
  summaryInSeq = 0
  summaryInReadOnly = true
  summaryInSnapSeq = 0
  /** A conflict out to a summarised (or forgotten) committed transaction: the earliest prepareSeq among them. */
  summaryOut = false
  summaryOutSeq = Number.POSITIVE_INFINITY
  summaryOutRef: ConflictRef | undefined
  /**
   * Fixed at commit: the earliest prepareSeq of a transaction it has a conflict out
   * to that may have committed before it (0: none). PostgreSQL's
   * earliestOutConflictCommit with the CONFLICT_OUT flag.
   */
  earliestOut = 0
  earliestOutRef: ConflictRef | undefined
  /** Its locks and edges are gone; only its flags and sequence numbers remain (PostgreSQL's partial release). */
  partiallyCleared = false

  /**
   * Read-only transaction: the read-write transactions that could still make its
   * snapshot unsafe. Read-write transaction: the read-only transactions watching it.
   */
  possibleUnsafe: Set<Sxact> | undefined
  safety: Safety | undefined
  waiters: ((safe: boolean) => void)[] | undefined

  held: Map<TableId, HeldLocks<Sxact>> | undefined
  fineLocks = 0

  constructor(
    readonly id: TxnId,
    readonly kind: SxactKind,
    snapshot: Timestamp,
    snapSeq: number,
    readOnly: boolean,
  ) {
    this.tracking = kind === 'serializable'
    this.readOnly = readOnly
    this.declaredReadOnly = readOnly
    this.snapshot = snapshot
    this.snapSeq = snapSeq
    this.horizonTs = snapshot
  }

  get serializable(): boolean {
    return this.kind === 'serializable'
  }

  /** It has passed preCommit (or committed): it may commit before anything that has not. */
  get prepared(): boolean {
    return this.prepareSeq !== 0
  }

  get committed(): boolean {
    return this.state === 'committed'
  }

  /** Can still be made to fail: a serializable transaction that has not prepared and is not doomed already. */
  get abortable(): boolean {
    return this.kind === 'serializable' && this.state === 'active' && this.doomed === undefined
  }

  /** Counts in a dangerous structure: not doomed (it will roll back) and not rolled back. */
  get live(): boolean {
    return this.doomed === undefined && this.state !== 'aborted'
  }
}
