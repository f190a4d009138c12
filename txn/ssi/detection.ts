/**
 * Where dangerous structures are looked for (the rule itself is in
 * dangerous-structure.ts): when an edge is created, with the new edge as either
 * half of a structure, and when a transaction prepares, as Tout or pivot.
 *
 * ```
 *   new edge r →rw w:   r →rw w →rw (each Tout of w)       checkOuts: r is Tin
 *                       (each Tin of r) →rw r →rw w        checkIns:  w is Tout
 *   preCommit(x):       (each Tin of p) →rw p →rw x        for every pivot p reading from x
 * ```
 *
 * Summary flags stand in for edges to or from summarised transactions, and a
 * committed pivot's `earliestOut` for its out-edges to transactions forgotten since.
 */
import type { Timestamp, TxnId } from '../../common/ids.js'
import type { TableId } from '../types.js'
import { addEdge } from './conflict-graph.js'
import { chooseVictim, conflictWith, dangerous, dangerousFromSummary, doomFor, failure, type KeyRef, type Moment, type Structure } from './dangerous-structure.js'
import type { SerialEntry } from './summary.js'
import { EARLIEST_SEQ, type Sxact } from './sxact.js'

export class Detector {
  /** Dangerous structures found when none of their members could fail any more (should stay 0). */
  unpreventable = 0

  /** Records `r →rw w` and checks the structures it completes, with r as Tin and with r as pivot. */
  flag(r: Sxact, w: Sxact, table: TableId, key: Uint8Array, actor: Sxact, moment: Moment): void {
    const e = addEdge(r, w, table, key)
    this.checkOuts(r, e, w, actor, moment)
    if (w.prepared && w.live && r.live) this.checkIns(r, w, e, w.prepareSeq, w.commitTs, actor, moment)
  }

  /**
   * `tin →rw p →rw (each Tout of p)`. A committed pivot's Touts may have been
   * forgotten since (they overlap no running transaction), so for it the
   * `earliestOut` fixed at its commit stands for them all.
   */
  private checkOuts(tin: Sxact, inKey: KeyRef, p: Sxact, actor: Sxact, moment: Moment): void {
    if (!p.live || !tin.live) return
    if (p.outs !== undefined) {
      for (const [tout, outKey] of p.outs) {
        if (!tout.live || !tout.prepared) continue
        if (dangerous(tin, p, tout.prepareSeq, tout.commitTs) && this.resolve({ tin, pivot: p, tout, inKey, outKey }, actor, moment) !== undefined) return
      }
    }
    const q = p.committed ? p.earliestOut : p.summaryOut ? p.summaryOutSeq : 0
    if (q !== 0 && dangerous(tin, p, q, undefined)) {
      const ref = p.committed ? p.earliestOutRef : p.summaryOutRef
      this.resolve({ tin, pivot: p, tout: undefined, toutId: ref?.txn, inKey, outKey: ref }, actor, moment)
    }
  }

  /** `(each Tin of p) →rw p →rw tout`, Tout having prepared at `q` (tout undefined: a summarised or forgotten one). */
  checkIns(
    p: Sxact,
    tout: Sxact | undefined,
    outKey: KeyRef | undefined,
    q: number,
    toutCommitTs: Timestamp | undefined,
    actor: Sxact | undefined,
    moment: Moment,
    toutId?: TxnId,
  ): void {
    if (p.ins !== undefined) {
      for (const [tin, inKey] of p.ins) {
        if (!p.live) return
        if (!tin.live || !dangerous(tin, p, q, toutCommitTs)) continue
        this.resolve({ tin, pivot: p, tout, toutId, inKey, outKey }, actor, moment)
      }
    }
    if (p.live && dangerousFromSummary(p, q, toutCommitTs)) {
      this.resolve({ tin: undefined, pivot: p, tout, toutId, inKey: undefined, outKey }, actor, moment)
    }
  }

  /** Dooms the victim, or throws if it is the caller. Returns the victim. */
  private resolve(s: Structure, actor: Sxact | undefined, moment: Moment): Sxact | undefined {
    const victim = chooseVictim(s, actor)
    if (victim === undefined) {
      this.unpreventable++
      return undefined
    }
    victim.doomed = doomFor(s, victim)
    if (victim === actor) throw failure(victim.doomed, moment)
    return victim
  }

  /** Writer `w` met a SIREAD lock of summarised transactions: a conflict in from an old committed transaction. */
  conflictInFromSummary(b: Sxact, w: Sxact, table: TableId, key: Uint8Array): void {
    if (w.serializable && w.outs !== undefined) {
      for (const [tout, outKey] of w.outs) {
        if (!w.live) break
        if (!tout.live || !tout.prepared) continue
        if (dangerous(b, w, tout.prepareSeq, tout.commitTs)) {
          this.resolve({ tin: undefined, pivot: w, tout, inKey: { table, key: copy(key) }, outKey }, w, 'write')
        }
      }
    }
    if (w.summaryOut && w.live && dangerous(b, w, w.summaryOutSeq, undefined)) {
      this.resolve({ tin: undefined, pivot: w, tout: undefined, toutId: w.summaryOutRef?.txn, inKey: { table, key: copy(key) }, outKey: w.summaryOutRef }, w, 'write')
    }
    w.summaryIn = true
    if (b.commitSeq > w.summaryInSeq) w.summaryInSeq = b.commitSeq
    if (!b.readOnly) w.summaryInReadOnly = false
    else if (b.snapSeq > w.summaryInSnapSeq) w.summaryInSnapSeq = b.snapSeq
  }

  /**
   * Reader `r` skipped a version of a writer we no longer have: summarised (its
   * serial entry says what we need) or, past the serial cap, forgotten (assume the
   * worst: it had a conflict out to a transaction committed before everything).
   */
  conflictOutToForgotten(r: Sxact, writer: TxnId, table: TableId, key: Uint8Array, s: SerialEntry | undefined): void {
    if (s !== undefined && s.commitTs <= r.snapshot) return
    const earliest = s === undefined ? EARLIEST_SEQ : s.earliestOut
    const prepareSeq = s === undefined ? EARLIEST_SEQ : s.prepareSeq
    const keyRef: KeyRef = { table, key: copy(key) }
    // r →rw W →rw T, T committed before W: W is a pivot that can no longer fail.
    if (earliest !== 0 && (!r.readOnly || earliest <= r.snapSeq)) {
      r.doomed = {
        role: 'old-pivot',
        conflict: conflictWith(writer, keyRef),
        structure: `Dangerous structure: transaction ${r.id} →rw transaction ${writer} →rw an old committed transaction, which commits first.`,
        other: writer,
      }
      throw failure(r.doomed, 'read')
    }
    if (r.readOnly) return // it can only be a Tin, and W has no early conflict out
    // r as a pivot with the committed W as Tout.
    this.checkIns(r, undefined, keyRef, prepareSeq, s?.commitTs, r, 'read', writer)
    r.summaryOut = true
    if (prepareSeq < r.summaryOutSeq) {
      r.summaryOutSeq = prepareSeq
      r.summaryOutRef = { txn: writer, ...keyRef }
    }
  }
}

function copy(key: Uint8Array): Uint8Array {
  return Uint8Array.prototype.slice.call(key)
}
