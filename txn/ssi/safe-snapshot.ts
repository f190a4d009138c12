/**
 * Safe snapshots for read-only transactions (Ports & Grittner §4.2, README-SSI).
 *
 * A read-only transaction R can only be the Tin of a dangerous structure, and then
 * only if Tout committed before R's snapshot. So R's snapshot is *safe* (R can never
 * take part in an anomaly, and can stop SSI tracking) once every read-write
 * serializable transaction that was running when R took it has finished without a
 * conflict out to a transaction that committed before R's snapshot:
 *
 * ```
 *   R begins ──── W1 commits (no early conflict out) ──── W2 rolls back ──► safe
 *            └─── W1 commits with a conflict out to T, T committed before R ──► unsafe
 * ```
 *
 * With no such W at all, R is safe from the start. READ ONLY DEFERRABLE waits for a
 * safe snapshot: `whenSafe` resolves true when R became safe, false when it became
 * unsafe (the caller then takes a new snapshot, as PostgreSQL's GetSafeSnapshot
 * loops).
 */
import type { Safety, Sxact } from './sxact.js'

export class SafeSnapshots {
  /** Serializable read-write transactions that have not committed or rolled back (prepared ones included). */
  readonly activeReadWrite = new Set<Sxact>()

  beginReadWrite(w: Sxact): void {
    this.activeReadWrite.add(w)
  }

  /** `r` (read-only) took its snapshot: 'safe' at once when no read-write transaction runs. */
  beginReadOnly(r: Sxact): Safety {
    let watched: Set<Sxact> | undefined
    for (const w of this.activeReadWrite) {
      if (w.doomed !== undefined) continue // it will roll back
      ;(watched ??= new Set()).add(w)
      ;(w.possibleUnsafe ??= new Set()).add(r)
    }
    r.possibleUnsafe = watched
    r.safety = watched === undefined ? 'safe' : 'pending'
    return r.safety
  }

  /**
   * Read-write `w` committed (its `earliestOut` fixed) or rolled back. Read-only
   * transactions it was the last worry of are passed to `becameSafe`, which must
   * stop tracking them and then call `settle(r, true)`.
   */
  readWriteEnded(w: Sxact, committed: boolean, becameSafe: (r: Sxact) => void): void {
    this.activeReadWrite.delete(w)
    const watchers = w.possibleUnsafe
    w.possibleUnsafe = undefined
    if (watchers === undefined) return
    for (const r of watchers) {
      if (r.possibleUnsafe === undefined) continue
      r.possibleUnsafe.delete(w)
      if (committed && w.didWrite && w.earliestOut !== 0 && w.earliestOut <= r.snapSeq) this.markUnsafe(r)
      else if (r.possibleUnsafe.size === 0) {
        r.possibleUnsafe = undefined
        becameSafe(r)
      }
    }
  }

  /** Read-only `r` ended (or was forgotten): it stops watching. */
  readOnlyEnded(r: Sxact): void {
    if (r.possibleUnsafe !== undefined) {
      for (const w of r.possibleUnsafe) w.possibleUnsafe?.delete(r)
      r.possibleUnsafe = undefined
    }
    this.settle(r, r.safety === 'safe')
  }

  /** Resolves `whenSafe` promises: true when safe, false when unsafe or ended first. */
  settle(r: Sxact, safe: boolean): void {
    if (safe) r.safety = 'safe'
    const waiters = r.waiters
    r.waiters = undefined
    if (waiters !== undefined) for (const w of waiters) w(safe)
  }

  whenSafe(r: Sxact): Promise<boolean> {
    if (r.safety === 'safe') return Promise.resolve(true)
    if (r.safety !== 'pending' || r.state !== 'active') return Promise.resolve(false)
    return new Promise((resolve) => (r.waiters ??= []).push(resolve))
  }

  private markUnsafe(r: Sxact): void {
    r.safety = 'unsafe'
    for (const w of r.possibleUnsafe ?? []) w.possibleUnsafe?.delete(r)
    r.possibleUnsafe = undefined
    this.settle(r, false)
  }
}
