/**
 * A serializability checker for recorded histories: Adya's direct serialization
 * graph (DSG) over committed transactions, and its cycles.
 *
 * Input: the committed transactions, each with the reads it made (the value it saw,
 * or null for "no row") and the writes it made, plus the version order of every key.
 * Every written value is unique per key, so a read names its writer. The edges:
 *
 *     Ti -ww(x)-> Tj   Tj installed the version of x right after Ti's
 *     Ti -wr(x)-> Tj   Tj read the version of x that Ti installed
 *     Ti -rw(x)-> Tj   Ti read a version of x, and Tj installed the next one
 *
 * The initial state is written by a pseudo-transaction `T0` that precedes everyone
 * (it has no incoming edges, so it is never on a cycle). A cycle is an anomaly;
 * its kind is the strongest phenomenon of Adya's hierarchy it shows:
 *
 *     G0        ww edges only (write cycle)
 *     G1c       ww and wr edges (circular information flow)
 *     G-single  exactly one rw edge (read skew)
 *     G2        two or more rw edges (write skew, and other anti-dependency cycles)
 *
 * For every strongly connected component the report holds one cycle, the one of the
 * strongest kind (a component with a G0 cycle reports it even if G2 cycles are there
 * too). Reads that name no committed version are reported too: G1a (the value was
 * never installed by a committed transaction: aborted or made up) and G1b (the value
 * was an intermediate write its transaction later overwrote).
 *
 * The version order comes from commit timestamps (`commitTs` of each transaction:
 * the versions of a key are ordered as their writers' commits, as in an MVCC store
 * that installs at commit) or, when given, from an explicit list per key; see also
 * `versionOrderFromDb`, which reads it from `TxnDatabase.versions`.
 */
import type { TableId, TxnDatabase } from '../../txn/index.js'

/** A key or value as the history names it (compared with ===). */
export type Atom = string | number

export interface HistoryRead {
  readonly key: Atom
  /** The value observed; null when the row did not exist (or was deleted). */
  readonly value: Atom | null
  /** The writer, when the value alone does not name it (a read of a deleted row). */
  readonly from?: Atom
}

export interface HistoryWrite {
  readonly key: Atom
  /** The value written; null for a delete (deletes need not be unique). */
  readonly value: Atom | null
}

export interface HistoryTxn {
  readonly id: Atom
  readonly reads: readonly HistoryRead[]
  /** In program order: the last write of each key is the version it installed. */
  readonly writes: readonly HistoryWrite[]
  /** Commit timestamp, the version order when none is given explicitly. */
  readonly commitTs?: number
}

export interface History {
  /** Committed transactions only. */
  readonly txns: readonly HistoryTxn[]
  /** The initial value of each key (written by `T0`); absent keys start as "no row". */
  readonly initial?: ReadonlyMap<Atom, Atom | null> | Readonly<Record<string, Atom | null>>
  /** Explicit version order: for each key, the writers of its versions, oldest first (T0 implied first). */
  readonly versionOrder?: ReadonlyMap<Atom, readonly Atom[]>
}

export type EdgeKind = 'ww' | 'wr' | 'rw'

export interface Edge {
  readonly from: Atom
  readonly to: Atom
  readonly kind: EdgeKind
  readonly key: Atom
}

export type CycleKind = 'G0' | 'G1c' | 'G-single' | 'G2'

export interface Cycle {
  readonly kind: CycleKind
  /** Edges in order; the last one leads back to the first one's `from`. */
  readonly edges: readonly Edge[]
  /** "T3 -rw(x)-> T5 -wr(y)-> T3" */
  readonly text: string
}

export interface ReadAnomaly {
  readonly kind: 'G1a' | 'G1b'
  readonly txn: Atom
  readonly key: Atom
  readonly value: Atom | null
  readonly text: string
}

export interface CheckResult {
  readonly edges: readonly Edge[]
  readonly cycles: readonly Cycle[]
  readonly readAnomalies: readonly ReadAnomaly[]
  /** True when there is neither a cycle nor a read anomaly. */
  readonly serializable: boolean
}

/** The pseudo-transaction that wrote the initial state. */
export const T0 = 'T0'

const name = (id: Atom): string => (typeof id === 'number' ? `T${id}` : id)

export function formatCycle(edges: readonly Edge[]): string {
  if (edges.length === 0) return ''
  return edges.map((e) => `${name(e.from)} -${e.kind}(${String(e.key)})-> `).join('') + name(edges[0]!.from)
}

/** Builds the DSG of `h` and reports its cycles and impossible reads. */
export function checkHistory(h: History): CheckResult {
  const ids = new Set<Atom>()
  for (const t of h.txns) {
    if (ids.has(t.id)) throw new Error(`transaction ${name(t.id)} appears twice in the history`)
    if (t.id === T0) throw new Error(`${T0} is reserved for the initial state`)
    ids.add(t.id)
  }

  // Installed versions: key → value → writer; intermediate (overwritten) writes too.
  const installed = new Map<Atom, Map<Atom, Atom>>()
  const intermediate = new Map<Atom, Map<Atom, Atom>>()
  const writersOf = new Map<Atom, Atom[]>() // key → writers (unordered) of installed versions
  const put = (m: Map<Atom, Map<Atom, Atom>>, key: Atom, value: Atom, writer: Atom) => {
    let byValue = m.get(key)
    if (!byValue) m.set(key, (byValue = new Map()))
    const other = byValue.get(value)
    if (other !== undefined && other !== writer)
      throw new Error(`value ${String(value)} of key ${String(key)} is written by both ${name(other)} and ${name(writer)}: written values must be unique`)
    byValue.set(value, writer)
  }
  for (const [key, value] of initialEntries(h.initial)) {
    if (value !== null) put(installed, key, value, T0)
  }
  for (const t of h.txns) {
    const last = new Map<Atom, Atom | null>()
    for (const w of t.writes) {
      const prev = last.get(w.key)
      if (prev !== undefined && prev !== null) put(intermediate, w.key, prev, t.id)
      last.set(w.key, w.value)
    }
    for (const [key, value] of last) {
      if (value !== null) put(installed, key, value, t.id)
      let ws = writersOf.get(key)
      if (!ws) writersOf.set(key, (ws = []))
      ws.push(t.id)
    }
  }

  // Version order per key: T0 first, then the writers.
  const order = new Map<Atom, Atom[]>()
  const commitTs = new Map<Atom, number | undefined>(h.txns.map((t) => [t.id, t.commitTs]))
  for (const [key, ws] of writersOf) {
    const explicit = h.versionOrder?.get(key)
    let seq: Atom[]
    if (explicit) {
      seq = explicit.filter((w) => w !== T0)
      const a = [...seq].map(String).sort()
      const b = [...ws].map(String).sort()
      if (a.join('\u0000') !== b.join('\u0000'))
        throw new Error(`version order of key ${String(key)} names ${a.join(', ')} but its writers are ${b.join(', ')}`)
    } else {
      for (const w of ws) if (commitTs.get(w) === undefined) throw new Error(`${name(w)} wrote ${String(key)} but has no commitTs and no version order was given`)
      seq = [...ws].sort((x, y) => commitTs.get(x)! - commitTs.get(y)!)
    }
    order.set(key, [T0, ...seq])
  }
  const nextWriter = (key: Atom, writer: Atom): Atom | undefined => {
    const seq = order.get(key)
    if (!seq) return undefined
    const i = seq.indexOf(writer)
    return i >= 0 ? seq[i + 1] : undefined
  }

  const edges: Edge[] = []
  const seen = new Set<string>()
  const addEdge = (from: Atom, to: Atom, kind: EdgeKind, key: Atom) => {
    if (from === to) return
    const sig = `${String(from)}\u0000${String(to)}\u0000${kind}\u0000${String(key)}`
    if (seen.has(sig)) return
    seen.add(sig)
    edges.push({ from, to, kind, key })
  }

  for (const [key, seq] of order) for (let i = 1; i + 1 < seq.length; i++) addEdge(seq[i]!, seq[i + 1]!, 'ww', key)

  const readAnomalies: ReadAnomaly[] = []
  for (const t of h.txns) {
    const ownWrites = new Set(t.writes.map((w) => w.key))
    for (const r of t.reads) {
      let writer: Atom | undefined = r.from
      if (writer === undefined) {
        if (r.value === null) {
          // "No row": the initial state, unless some transaction deleted the key; then
          // the history must say whose delete was read.
          const deleters = h.txns.filter((x) => x.writes.some((w) => w.key === r.key && w.value === null))
          writer = deleters.length === 0 ? T0 : undefined
          if (writer === undefined) {
            if (deleters.some((d) => d.id === t.id) && ownWrites.has(r.key)) continue
            throw new Error(`${name(t.id)} read no row of ${String(r.key)}, which was deleted: name the writer with 'from'`)
          }
        } else {
          writer = installed.get(r.key)?.get(r.value)
          if (writer === undefined) {
            const mid = intermediate.get(r.key)?.get(r.value)
            if (mid === t.id) continue // its own earlier write
            if (mid !== undefined) {
              readAnomalies.push({ kind: 'G1b', txn: t.id, key: r.key, value: r.value, text: `${name(t.id)} read ${String(r.key)} = ${String(r.value)}, an intermediate write of ${name(mid)}` })
            } else {
              readAnomalies.push({ kind: 'G1a', txn: t.id, key: r.key, value: r.value, text: `${name(t.id)} read ${String(r.key)} = ${String(r.value)}, which no committed transaction wrote` })
            }
            continue
          }
        }
      }
      if (writer === t.id) continue // read its own write
      if (writer !== T0 && !ids.has(writer)) throw new Error(`${name(t.id)} read from ${name(writer)}, which is not in the history`)
      addEdge(writer, t.id, 'wr', r.key)
      const next = nextWriter(r.key, writer)
      if (next !== undefined) addEdge(t.id, next, 'rw', r.key)
    }
  }

  const cycles = findCycles([...ids], edges)
  return { edges, cycles, readAnomalies, serializable: cycles.length === 0 && readAnomalies.length === 0 }
}

function initialEntries(init: History['initial']): [Atom, Atom | null][] {
  if (!init) return []
  if (init instanceof Map) return [...init.entries()]
  return Object.entries(init).map(([k, v]) => [/^-?\d+$/.test(k) ? Number(k) : k, v])
}

/**
 * One cycle per strongly connected component of the DSG, of the strongest kind the
 * component holds: G0, else G1c, else G-single, else G2.
 */
export function findCycles(nodes: readonly Atom[], edges: readonly Edge[]): Cycle[] {
  const out: Cycle[] = []
  for (const comp of stronglyConnected(nodes, edges)) {
    if (comp.size < 2) continue
    const inComp = edges.filter((e) => comp.has(e.from) && comp.has(e.to))
    const ww = inComp.filter((e) => e.kind === 'ww')
    const dep = inComp.filter((e) => e.kind !== 'rw')
    let cycle = shortestCycle(ww)
    let kind: CycleKind = 'G0'
    if (!cycle) {
      cycle = shortestCycle(dep)
      kind = 'G1c'
    }
    if (!cycle) {
      // One rw edge a → b closed by a path of ww/wr edges from b back to a.
      for (const rw of inComp.filter((e) => e.kind === 'rw')) {
        const back = shortestPath(dep, rw.to, rw.from)
        if (back && (!cycle || back.length + 1 < cycle.length)) cycle = [rw, ...back]
      }
      kind = 'G-single'
    }
    if (!cycle) {
      cycle = shortestCycle(inComp)
      kind = 'G2'
    }
    if (!cycle) throw new Error('a strongly connected component without a cycle')
    out.push({ kind, edges: cycle, text: formatCycle(cycle) })
  }
  return out
}

/** Tarjan's algorithm, iterative. */
function stronglyConnected(nodes: readonly Atom[], edges: readonly Edge[]): Set<Atom>[] {
  const adj = adjacency(edges)
  const index = new Map<Atom, number>()
  const low = new Map<Atom, number>()
  const onStack = new Set<Atom>()
  const stack: Atom[] = []
  const comps: Set<Atom>[] = []
  let counter = 0
  for (const start of nodes) {
    if (index.has(start)) continue
    const work: { node: Atom; next: number }[] = [{ node: start, next: 0 }]
    index.set(start, counter)
    low.set(start, counter++)
    stack.push(start)
    onStack.add(start)
    while (work.length > 0) {
      const frame = work[work.length - 1]!
      const succ = adj.get(frame.node) ?? []
      if (frame.next < succ.length) {
        const w = succ[frame.next++]!.to
        if (!index.has(w)) {
          index.set(w, counter)
          low.set(w, counter++)
          stack.push(w)
          onStack.add(w)
          work.push({ node: w, next: 0 })
        } else if (onStack.has(w)) {
          low.set(frame.node, Math.min(low.get(frame.node)!, index.get(w)!))
        }
        continue
      }
      work.pop()
      const parent = work[work.length - 1]
      if (parent) low.set(parent.node, Math.min(low.get(parent.node)!, low.get(frame.node)!))
      if (low.get(frame.node) === index.get(frame.node)) {
        const comp = new Set<Atom>()
        for (;;) {
          const w = stack.pop()!
          onStack.delete(w)
          comp.add(w)
          if (w === frame.node) break
        }
        comps.push(comp)
      }
    }
  }
  return comps
}

function adjacency(edges: readonly Edge[]): Map<Atom, Edge[]> {
  const adj = new Map<Atom, Edge[]>()
  for (const e of edges) {
    let list = adj.get(e.from)
    if (!list) adj.set(e.from, (list = []))
    list.push(e)
  }
  return adj
}

/** Shortest path of edges from `from` to `to` (BFS), or undefined. */
function shortestPath(edges: readonly Edge[], from: Atom, to: Atom): Edge[] | undefined {
  const adj = adjacency(edges)
  const via = new Map<Atom, Edge | null>([[from, null]])
  const queue: Atom[] = [from]
  for (let i = 0; i < queue.length; i++) {
    const n = queue[i]!
    if (n === to) {
      const path: Edge[] = []
      for (let e = via.get(n); e; e = via.get(e.from)) path.unshift(e)
      return path
    }
    for (const e of adj.get(n) ?? []) {
      if (via.has(e.to)) continue
      via.set(e.to, e)
      queue.push(e.to)
    }
  }
  return undefined
}

/** The shortest cycle among `edges`, or undefined. */
function shortestCycle(edges: readonly Edge[]): Edge[] | undefined {
  let best: Edge[] | undefined
  for (const e of edges) {
    const back = shortestPath(edges, e.to, e.from)
    if (back && (!best || back.length + 1 < best.length)) best = [e, ...back]
  }
  return best
}

/**
 * The version order of `keys` as the store has it: committed versions ordered by
 * their writers' commit timestamps, oldest first (the writers are Isola TxnIds).
 */
export function versionOrderFromDb(db: TxnDatabase, table: TableId, keys: readonly { readonly name: Atom; readonly bytes: Uint8Array }[]): Map<Atom, Atom[]> {
  const out = new Map<Atom, Atom[]>()
  for (const k of keys) {
    const vs = db
      .versions(table, k.bytes)
      .filter((v) => v.commitTs !== undefined)
      .sort((a, b) => a.commitTs! - b.commitTs!)
    out.set(
      k.name,
      vs.map((v) => v.writer as number),
    )
  }
  return out
}
