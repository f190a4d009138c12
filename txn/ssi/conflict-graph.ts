/**
 * The rw-antidependency graph: edges `reader →rw writer` between transactions
 * that overlap, and the summary flags that stand in for edges whose other end was
 * summarised away (README-SSI: SXACT_FLAG_SUMMARY_CONFLICT_IN / _OUT).
 *
 * Each transaction keeps its edges in two maps keyed by the other end, so "does
 * this edge exist" is one lookup and a hot transaction with thousands of readers
 * does not make edge creation quadratic. Edges are created only on a conflict, so
 * they may allocate.
 */
import { NO_CONFLICTS, type ConflictEnd, type ConflictReport } from '../ssi-hooks.js'
import type { TableId } from '../types.js'
import { Edge, type Sxact } from './sxact.js'

export function hasEdge(from: Sxact, to: Sxact): boolean {
  return from.outs !== undefined && from.outs.has(to)
}

/** Records `from →rw to`, keeping a copy of the key that caused it. */
export function addEdge(from: Sxact, to: Sxact, table: TableId, key: Uint8Array): Edge {
  const e = new Edge(from, to, table, Uint8Array.prototype.slice.call(key))
  ;(from.outs ??= new Map()).set(to, e)
  ;(to.ins ??= new Map()).set(from, e)
  return e
}

/** Forgets every edge of `x`, in and out. */
export function removeEdges(x: Sxact): void {
  if (x.outs !== undefined) {
    for (const other of x.outs.keys()) other.ins?.delete(x)
    x.outs = undefined
  }
  if (x.ins !== undefined) {
    for (const other of x.ins.keys()) other.outs?.delete(x)
    x.ins = undefined
  }
}

/**
 * `x` (committed) is being summarised: its neighbours keep what they need as
 * flags. A transaction that read what `x` wrote gets a conflict out to an old
 * committed transaction (unless it has committed itself: its `earliestOut` was
 * fixed then); one whose writes `x` read gets a conflict in from one.
 */
export function foldEdgesIntoFlags(x: Sxact): void {
  if (x.ins !== undefined) {
    for (const [reader, e] of x.ins) {
      if (reader.committed) continue
      reader.summaryOut = true
      if (x.prepareSeq < reader.summaryOutSeq) {
        reader.summaryOutSeq = x.prepareSeq
        reader.summaryOutRef = { txn: x.id, table: e.table, key: e.key }
      }
    }
  }
  if (x.outs !== undefined) {
    for (const writer of x.outs.keys()) {
      writer.summaryIn = true
      if (x.commitSeq > writer.summaryInSeq) writer.summaryInSeq = x.commitSeq
      if (!x.readOnly) writer.summaryInReadOnly = false
      else if (x.snapSeq > writer.summaryInSnapSeq) writer.summaryInSnapSeq = x.snapSeq
    }
  }
  removeEdges(x)
}

/**
 * At commit: fixes `earliestOut`, the earliest prepareSeq among the transactions `x`
 * has a conflict out to that may have committed before it (prepared before its
 * commitSeq), summarised ones included; 0 when there are none. A later edge out of
 * a committed `x` can only go to a transaction that commits after it, so this never
 * changes again, and it stands for those edges once their other ends are forgotten.
 */
export function fixEarliestOut(x: Sxact): void {
  let m = x.summaryOut ? x.summaryOutSeq : Number.POSITIVE_INFINITY
  let ref = x.summaryOut ? x.summaryOutRef : undefined
  if (x.outs !== undefined) {
    for (const [t, e] of x.outs) {
      if (t.doomed === undefined && t.prepared && t.prepareSeq < x.commitSeq && t.prepareSeq < m) {
        m = t.prepareSeq
        ref = { txn: t.id, table: e.table, key: e.key }
      }
    }
  }
  x.earliestOut = m === Number.POSITIVE_INFINITY ? 0 : m
  x.earliestOutRef = ref
}

/** How a shard reports `x`'s edges to a coordinator (ssi-hooks.ts `conflicts`). */
export function conflictsOf(x: Sxact | undefined): ConflictReport {
  if (x === undefined) return NO_CONFLICTS
  const ins: ConflictEnd[] = []
  const outs: ConflictEnd[] = []
  x.ins?.forEach((e) => e.from.live && ins.push(endOf(e.from)))
  x.outs?.forEach((e) => e.to.live && outs.push(endOf(e.to)))
  if (x.summaryIn) ins.push(SUMMARISED)
  // A committed transaction's earliestOut stands for out edges whose ends are forgotten.
  if (x.summaryOut || x.earliestOut !== 0) outs.push(SUMMARISED)
  return ins.length === 0 && outs.length === 0 ? NO_CONFLICTS : { ins, outs }
}

const SUMMARISED: ConflictEnd = Object.freeze({ name: '*', state: 'committed' })

function endOf(t: Sxact): ConflictEnd {
  const name = t.globalId ?? `local:${t.id}`
  if (t.committed) return { name, state: 'committed', commitTs: t.commitTs }
  return { name, state: t.prepared ? 'prepared' : 'active' }
}
