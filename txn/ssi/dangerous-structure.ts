/**
 * The rule that decides a 40001: a dangerous structure
 *
 * ```
 *        Tin ──rw──► Tpivot ──rw──► Tout
 * ```
 *
 * (Tin may be Tout: the two-transaction write skew) is only a problem when Tout
 * commits first (Fekete et al., Theorem 2.1; README-SSI), that is when
 *
 * 1. Tout has prepared (passed preCommit: from then on it may commit at any moment);
 * 2. Tpivot has not committed, or committed after Tout prepared;
 * 3. Tin has not committed, or committed after Tout prepared;
 * 4. if Tin is read-only (declared, or committed without writing), Tout committed
 *    before Tin's snapshot (Ports & Grittner's read-only refinement: a cycle through
 *    a read-only Tin needs a wr-dependency into Tin from a transaction that committed
 *    before its snapshot, and Tout commits before that one).
 *
 * The conditions are monotone: once true they stay true, once false (by commit
 * order) they stay false. So checking when each edge is created and when each
 * transaction prepares sees every structure at the first moment it is dangerous.
 *
 * The victim is chosen among transactions that can still fail: the pivot if it has
 * not prepared (retrying the others would then not hit the same structure), else
 * the transaction making the call (a reader that met a prepared pivot, or the Tout
 * committing over a prepared pivot), else Tin. A victim other than the caller is
 * *doomed*: it fails at its next call, as PostgreSQL's SXACT_FLAG_DOOMED.
 */
import { dbError, type IsolaError } from '../../common/errors.js'
import type { Timestamp, TxnId } from '../../common/ids.js'
import type { TableId } from '../types.js'
import { type Doom, NO_SNAPSHOT, type Sxact } from './sxact.js'

/** Where in a transaction's life the check ran (for the reason code, as PostgreSQL words it). */
export type Moment = 'commit attempt' | 'write' | 'read' | 'conflict in checking' | 'conflict out checking'

export interface KeyRef {
  readonly table: TableId
  readonly key: Uint8Array
}

/**
 * One structure found: `tin` undefined stands for summarised transactions (the
 * pivot's summary-in flag), `tout` undefined for a summarised or forgotten one.
 */
export interface Structure {
  readonly tin: Sxact | undefined
  readonly pivot: Sxact
  readonly tout: Sxact | undefined
  /** The id of a forgotten Tout, when known. */
  readonly toutId?: TxnId | undefined
  readonly inKey: KeyRef | undefined
  readonly outKey: KeyRef | undefined
}

/** Conditions 1–4 with Tout's prepareSeq `q` (0: not prepared) and commit timestamp if known. */
function toutFirst(
  q: number,
  pivot: Sxact,
  tinCommitted: boolean,
  tinCommitSeq: number,
  tinReadOnly: boolean,
  tinSnapSeq: number,
  tinSnapshot: Timestamp,
  toutCommitTs: Timestamp | undefined,
): boolean {
  if (q === 0) return false
  if (pivot.committed && q > pivot.commitSeq) return false
  if (tinCommitted && q > tinCommitSeq) return false
  if (tinReadOnly && q > tinSnapSeq && !(toutCommitTs !== undefined && toutCommitTs <= tinSnapshot)) return false
  return true
}

/** Is `tin →rw pivot →rw Tout` dangerous, Tout having prepared at `q`? */
export function dangerous(tin: Sxact, pivot: Sxact, q: number, toutCommitTs: Timestamp | undefined): boolean {
  return toutFirst(q, pivot, tin.committed, tin.commitSeq, tin.readOnly, tin.snapSeq, tin.snapshot, toutCommitTs)
}

/** The same with Tin the summarised transactions behind the pivot's summary-in flag. */
export function dangerousFromSummary(pivot: Sxact, q: number, toutCommitTs: Timestamp | undefined): boolean {
  return (
    pivot.summaryIn &&
    toutFirst(q, pivot, true, pivot.summaryInSeq, pivot.summaryInReadOnly, pivot.summaryInSnapSeq, NO_SNAPSHOT, toutCommitTs)
  )
}

/** Who fails: see the module comment. Undefined when nobody can any more (every member has prepared). */
export function chooseVictim(s: Structure, actor: Sxact | undefined): Sxact | undefined {
  if (s.pivot.abortable) return s.pivot
  if (actor !== undefined && actor.abortable && (actor === s.tin || actor === s.tout)) return actor
  if (s.tin !== undefined && s.tin.abortable) return s.tin
  return undefined
}

/** How the victim is to be told: the parts of the 40001 detail that do not depend on when it is raised. */
export function doomFor(s: Structure, victim: Sxact): Doom {
  const structure = describe(s)
  if (victim === s.pivot) return { role: 'pivot', conflict: conflictWith(s.tout?.id ?? s.toutId, s.outKey), structure, other: s.tout?.id }
  if (victim === s.tin) return { role: 'in', conflict: conflictWith(s.pivot.id, s.inKey), structure, other: s.pivot.id }
  return { role: 'out', conflict: conflictWith(s.pivot.id, s.outKey), structure, other: s.pivot.id }
}

/** The 40001 for a doomed transaction raised at `moment`. */
export function failure(d: Doom, moment: Moment): IsolaError {
  let reason: string
  if (d.role === 'pivot') reason = `Canceled on identification as a pivot, during ${moment}.`
  else if (d.role === 'in') reason = `Canceled on conflict out to pivot ${d.other}, during ${moment}.`
  else if (d.role === 'old-pivot') reason = `Canceled on conflict out to old pivot ${d.other}, during ${moment}.`
  else reason = 'Canceled on commit attempt with conflict in from prepared pivot.'
  return dbError('serialization_failure', 'could not serialize access due to read/write dependencies among transactions', {
    detail: `Reason code: ${reason} ${d.conflict} ${d.structure}`,
    hint: 'The transaction might succeed if retried.',
  })
}

export function keyHex(key: Uint8Array): string {
  return Buffer.from(key.buffer, key.byteOffset, key.byteLength).toString('hex')
}

export function conflictWith(txn: TxnId | undefined, key: KeyRef | undefined): string {
  const who = txn === undefined ? 'a summarised old committed transaction' : `transaction ${txn}`
  const what = key === undefined ? 'a key no longer recorded' : `key ${keyHex(key.key)} of table ${key.table}`
  return `Conflict: ${who} (rw-antidependency on ${what}).`
}

function describe(s: Structure): string {
  const tin = s.tin === undefined ? 'an old committed transaction' : `transaction ${s.tin.id}`
  const toutId = s.tout?.id ?? s.toutId
  const tout = toutId === undefined ? 'an old committed transaction' : `transaction ${toutId}`
  return `Dangerous structure: ${tin} →rw transaction ${s.pivot.id} →rw ${tout}, which commits first.`
}
