/**
 * A tiny in-memory MVCC key/value store that drives the SSI hooks the way
 * txn/transaction.ts does: a read takes a SIREAD lock and reports every version it
 * skips; a scan locks its range; a write is first-updater-wins and then reports the
 * write. It records what each transaction read and wrote, so a checker can build the
 * dependency graph of the committed transactions (`isSerializable`).
 */
import { isIsolaError } from '../../../common/errors.js'
import { asTimestamp, asTxnId, type Timestamp, type TxnId } from '../../../common/ids.js'
import type { TableId } from '../../../txn/types.js'
import { createSsi, type Ssi, type SsiOptions } from '../../../txn/ssi/index.js'

export const TABLE = 1 as TableId
export const key = (s: string): Buffer => Buffer.from(s)

interface Version {
  readonly writer: SimTxn
  readonly value: string | null
}

export type Level = 'serializable' | 'read committed'

export class SimTxn {
  state: 'active' | 'committed' | 'aborted' = 'active'
  commitTs: Timestamp | undefined
  /** What each read saw: the writer of the version (undefined: the initial state). */
  readonly reads: { readonly key: string; readonly from: SimTxn | undefined }[] = []
  readonly writes = new Set<string>()
  error: unknown

  constructor(
    readonly id: TxnId,
    readonly snapshot: Timestamp,
    readonly readOnly: boolean,
    readonly level: Level,
    readonly name: string,
  ) {}
}

export class SimDb {
  readonly ssi: Ssi
  /** Newest version first. */
  private readonly versions = new Map<string, Version[]>()
  private clock = 1
  private nextId = 1
  readonly txns: SimTxn[] = []

  constructor(options?: SsiOptions) {
    this.ssi = createSsi(options)
  }

  get now(): Timestamp {
    return asTimestamp(this.clock)
  }

  begin(name = '', opts: { readOnly?: boolean; level?: Level } = {}): SimTxn {
    const t = new SimTxn(asTxnId(this.nextId++), asTimestamp(this.clock), opts.readOnly ?? false, opts.level ?? 'serializable', name)
    this.txns.push(t)
    if (t.level === 'serializable') this.ssi.begin({ id: t.id, snapshot: t.snapshot, readOnly: t.readOnly })
    return t
  }

  /** The value visible to `t`; reports skipped versions as rw-antidependencies. */
  read(t: SimTxn, k: string): string | null {
    this.assertActive(t)
    if (t.level === 'serializable') this.ssi.onRead(t.id, TABLE, key(k))
    return this.visible(t, k)
  }

  /** Keys in [from, to) with a visible value, in order. */
  scan(t: SimTxn, from: string | undefined, to: string | undefined, universe?: readonly string[]): Map<string, string> {
    this.assertActive(t)
    if (t.level === 'serializable') this.ssi.onScan(t.id, TABLE, from === undefined ? undefined : key(from), to === undefined ? undefined : key(to))
    const out = new Map<string, string>()
    const inRange = (k: string): boolean => (from === undefined || k >= from) && (to === undefined || k < to)
    const keys = new Set([...this.versions.keys(), ...(universe ?? [])].filter(inRange))
    for (const k of [...keys].sort()) {
      const v = this.visible(t, k)
      if (v !== null) out.set(k, v)
    }
    return out
  }

  /** First-updater-wins; a row with an uncommitted version of another writer fails here (the real store would wait). */
  write(t: SimTxn, k: string, value: string | null): void {
    this.assertActive(t)
    const vs = this.versions.get(k) ?? []
    const newest = vs[0]
    if (newest !== undefined && newest.writer !== t) {
      if (newest.writer.state === 'active') throw new WouldWait(newest.writer)
      if (t.level === 'serializable' && newest.writer.commitTs! > t.snapshot) throw new WriteConflict()
    }
    if (t.level === 'serializable') this.ssi.onRead(t.id, TABLE, key(k))
    if (newest?.writer === t) vs.shift()
    vs.unshift({ writer: t, value })
    this.versions.set(k, vs)
    t.writes.add(k)
    this.ssi.onWrite(t.id, TABLE, key(k))
  }

  commit(t: SimTxn): Timestamp | undefined {
    this.assertActive(t)
    if (t.level === 'serializable') {
      try {
        this.ssi.preCommit(t.id)
      } catch (e) {
        this.abort(t, e)
        throw e
      }
    }
    if (t.writes.size === 0) {
      t.state = 'committed'
      this.ssi.committed(t.id, t.snapshot)
      return undefined
    }
    t.commitTs = asTimestamp(++this.clock)
    t.state = 'committed'
    this.ssi.committed(t.id, t.commitTs)
    return t.commitTs
  }

  abort(t: SimTxn, error?: unknown): void {
    if (t.state !== 'active') return
    for (const k of t.writes) {
      const vs = this.versions.get(k)!
      if (vs[0]?.writer === t) vs.shift()
    }
    t.state = 'aborted'
    t.error = error
    this.ssi.aborted(t.id)
  }

  /** Runs `op`; on a 40001 or a write-write conflict the transaction rolls back and false is returned. */
  attempt(t: SimTxn, op: () => unknown): boolean {
    if (t.state !== 'active') return false
    try {
      op()
      return true
    } catch (e) {
      if (!(isIsolaError(e, 'serialization_failure') || e instanceof WouldWait || e instanceof WriteConflict)) throw e
      this.abort(t, e)
      return false
    }
  }

  private visible(t: SimTxn, k: string): string | null {
    for (const v of this.versions.get(k) ?? []) {
      if (v.writer === t) return v.value // own writes are not dependencies
      const snapshot = t.level === 'serializable' ? t.snapshot : asTimestamp(this.clock)
      if (v.writer.state === 'committed' && v.writer.commitTs! <= snapshot) {
        t.reads.push({ key: k, from: v.writer })
        return v.value
      }
      if (t.level === 'serializable') this.ssi.onInvisibleVersion(t.id, v.writer.id, TABLE, key(k))
    }
    t.reads.push({ key: k, from: undefined })
    return null
  }

  private assertActive(t: SimTxn): void {
    if (t.state !== 'active') throw new Error(`${t.name || t.id} is ${t.state}`)
  }
}

export class WouldWait extends Error {
  constructor(readonly holder: SimTxn) {
    super('row is locked by an active writer')
  }
}

export class WriteConflict extends Error {
  constructor() {
    super('could not serialize access due to concurrent update')
  }
}

/**
 * Is the history of the committed transactions serializable? Builds ww, wr and rw
 * dependencies (Adya) from what each transaction read and wrote and looks for a
 * cycle; returns the cycle's names, or undefined.
 */
export function findCycle(txns: readonly SimTxn[]): string[] | undefined {
  const committed = txns.filter((t) => t.state === 'committed')
  // Versions of each key in commit order.
  const order = new Map<string, SimTxn[]>()
  for (const t of [...committed].filter((t) => t.commitTs !== undefined).sort((a, b) => a.commitTs! - b.commitTs!)) {
    for (const k of t.writes) {
      let list = order.get(k)
      if (!list) order.set(k, (list = []))
      list.push(t)
    }
  }
  const edges = new Map<SimTxn, Set<SimTxn>>(committed.map((t) => [t, new Set()]))
  const add = (a: SimTxn, b: SimTxn): void => {
    if (a !== b) edges.get(a)?.add(b)
  }
  for (const list of order.values()) for (let i = 1; i < list.length; i++) add(list[i - 1]!, list[i]!) // ww
  for (const t of committed) {
    for (const r of t.reads) {
      if (r.from !== undefined) add(r.from, t) // wr
      const list = order.get(r.key) ?? []
      const next = r.from === undefined ? list[0] : list[list.indexOf(r.from) + 1]
      if (next !== undefined) add(t, next) // rw: t read a version that `next` replaced
    }
  }
  // DFS for a cycle.
  const colour = new Map<SimTxn, 0 | 1 | 2>()
  const stack: SimTxn[] = []
  const visit = (t: SimTxn): string[] | undefined => {
    colour.set(t, 1)
    stack.push(t)
    for (const n of edges.get(t) ?? []) {
      const c = colour.get(n) ?? 0
      if (c === 1) return stack.slice(stack.indexOf(n)).map((x) => x.name || String(x.id))
      if (c === 0) {
        const found = visit(n)
        if (found) return found
      }
    }
    stack.pop()
    colour.set(t, 2)
    return undefined
  }
  for (const t of committed) if ((colour.get(t) ?? 0) === 0) {
    const found = visit(t)
    if (found) return found
  }
  return undefined
}

/** The detail of the 40001 that `fn` throws (fails the test if it throws nothing or something else). */
export function detailOf(fn: () => unknown): string {
  try {
    fn()
  } catch (e) {
    if (isIsolaError(e, 'serialization_failure')) return e.detail ?? ''
    throw e
  }
  throw new Error('expected a 40001')
}
