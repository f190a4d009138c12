/**
 * The global wait-for graph (ARCHITECTURE.md §9.10): pure functions over the lock
 * waits the shards report (view `isola_lock_waits`), no I/O.
 *
 * A node is a transaction: a distributed one is one node whatever shards it waits
 * or holds on, named by its gid; a transaction of one shard alone (a psql session on
 * the shard) is a node of its own, `local:<shard>:<txn>`. A shard's view names
 * waiter and holder by gid: a branch knows its own (`isola.global_xid`, which every
 * branch sets at its begin, as cross-shard SSI needs it too), and a prepared one is
 * its gid. An edge is one shard's "waiter waits for holder", with the wait's id on
 * that shard. Two shards' edges meet at distributed nodes:
 *
 *     shard 0:  T2 ──waits for row a──► T1          T1 ──────► T2
 *     shard 1:  T1 ──waits for row b──► T2    =     ◄──────
 *
 * Each shard sees one edge and no cycle; the merged graph has one.
 *
 * The shards are read one after the other, not at one instant, so a cycle in one
 * reading may never have existed (an edge that ended before another began). A cycle
 * counts only if every edge is in two readings, the second begun after the first
 * ended (`stableEdges`): a wait id names one wait, and a lock is held until its
 * transaction ends, so an edge seen twice existed all the time in between, and all
 * those intervals share the instant between the readings. A cycle of waits that all
 * exist at one instant is a deadlock: none of them can end by itself.
 */
import type { ShardId } from '../common/ids.js'

/** A shard's lock wait with its transactions named: the gid of a distributed one, undefined for one of this shard alone. */
export interface ShardLockWait {
  readonly waitId: number
  /** The shard's transaction ids (decimal text: int8). */
  readonly waiter: string
  readonly waiterGxid: string | undefined
  readonly holder: string
  readonly holderGxid: string | undefined
  readonly lock: string
  readonly waitedMs: number
}

export interface ShardWaits {
  readonly shard: ShardId
  readonly waits: readonly ShardLockWait[]
}

export type NodeId = string

export interface WaitEdge {
  readonly from: NodeId
  readonly to: NodeId
  readonly shard: ShardId
  readonly waitId: number
  readonly lock: string
}

/** A deadlock found: its cycle, the victim, and the victim's waits to reject (on every shard where it waits). */
export interface Deadlock {
  readonly cycle: readonly WaitEdge[]
  readonly victim: NodeId
  readonly waits: readonly { readonly shard: ShardId; readonly waitId: number }[]
  /** The DETAIL of the victim's 40P01: the cycle, edge by edge. */
  readonly detail: string
}

const nodeOf = (shard: ShardId, txn: string, gxid: string | undefined): NodeId => gxid ?? `local:${shard}:${txn}`

/** The merged graph's edges (self-edges, which a transaction cannot form across shards, dropped). */
export function waitForGraph(shards: readonly ShardWaits[]): WaitEdge[] {
  const edges: WaitEdge[] = []
  for (const { shard, waits } of shards)
    for (const w of waits) {
      const from = nodeOf(shard, w.waiter, w.waiterGxid)
      const to = nodeOf(shard, w.holder, w.holderGxid)
      if (from !== to) edges.push({ from, to, shard, waitId: w.waitId, lock: w.lock })
    }
  return edges
}

const edgeKey = (e: WaitEdge): string => `${e.shard}/${e.waitId}/${e.to}`

/** The edges of `second` that `first` had too (the same wait on the same shard, for the same holder). */
export function stableEdges(first: readonly WaitEdge[], second: readonly WaitEdge[]): WaitEdge[] {
  const before = new Set(first.map(edgeKey))
  return second.filter((e) => before.has(edgeKey(e)))
}

/** One cycle of the graph as its edges in order, or undefined. Nodes and edges are visited in sorted order, so the answer depends only on the edges. */
export function findCycle(edges: readonly WaitEdge[]): WaitEdge[] | undefined {
  const out = new Map<NodeId, WaitEdge[]>()
  for (const e of [...edges].sort((a, b) => cmp(a.to, b.to) || a.shard - b.shard || a.waitId - b.waitId)) {
    const list = out.get(e.from)
    if (list === undefined) out.set(e.from, [e])
    else list.push(e)
  }
  const state = new Map<NodeId, 'open' | 'done'>()
  const path: WaitEdge[] = []
  const visit = (node: NodeId): WaitEdge[] | undefined => {
    state.set(node, 'open')
    for (const e of out.get(node) ?? []) {
      const s = state.get(e.to)
      if (s === 'done') continue
      path.push(e)
      if (s === 'open') return path.slice(path.findIndex((p) => p.from === e.to))
      const found = visit(e.to)
      if (found) return found
      path.pop()
    }
    state.set(node, 'done')
    return undefined
  }
  for (const node of [...out.keys()].sort(cmp)) {
    if (state.has(node)) continue
    const found = visit(node)
    if (found) return found
  }
  return undefined
}

/**
 * The victim of a cycle: the youngest distributed transaction on it (the highest
 * epoch and sequence of its gid: it has done the least work, as Citus chooses), or,
 * on a cycle with none (which a shard finds by itself), the youngest local one.
 */
export function chooseVictim(cycle: readonly WaitEdge[]): NodeId {
  const nodes = [...new Set(cycle.map((e) => e.from))]
  return nodes.reduce((best, n) => (age(n) > age(best) ? n : best))
}

/** Orders nodes young to old: distributed transactions above local ones, then by (epoch, sequence) or by (shard, txn id). */
function age(node: NodeId): bigint {
  const g = /:(\d+):(\d+)$/.exec(node)
  if (g === null) return 0n
  const hi = BigInt(g[1]!)
  const lo = BigInt(g[2]!)
  return node.startsWith('local:') ? (hi << 64n) + lo : (1n << 128n) + (hi << 64n) + lo
}

/** Every deadlock among `edges`: a cycle, its victim out of the graph, the next cycle … */
export function deadlocks(edges: readonly WaitEdge[]): Deadlock[] {
  const found: Deadlock[] = []
  let rest = [...edges]
  for (let cycle = findCycle(rest); cycle !== undefined; cycle = findCycle(rest)) {
    const victim = chooseVictim(cycle)
    const waits = new Map<string, { shard: ShardId; waitId: number }>()
    for (const e of rest) if (e.from === victim) waits.set(`${e.shard}/${e.waitId}`, { shard: e.shard, waitId: e.waitId })
    found.push({ cycle, victim, waits: [...waits.values()], detail: describeCycle(cycle) })
    rest = withoutNode(rest, victim)
  }
  return found
}

/**
 * The graph once `node`'s waits are rejected: its edges go, and a waiter queued just
 * behind it for the same lock now waits for what it waited for, as the lock table's
 * queue closes up. (A cycle that ran through the victim's place in a queue may
 * still be there, shorter: it is found in the same search.)
 */
function withoutNode(edges: readonly WaitEdge[], node: NodeId): WaitEdge[] {
  const ahead = edges.filter((e) => e.from === node)
  const rest: WaitEdge[] = []
  for (const e of edges) {
    if (e.from === node) continue
    if (e.to !== node) rest.push(e)
    else for (const a of ahead) if (a.shard === e.shard && a.lock === e.lock && a.to !== e.from) rest.push({ ...e, to: a.to })
  }
  return rest
}

/** PostgreSQL's DETAIL of a deadlock, one line per edge, with the shard each wait is on. */
export function describeCycle(cycle: readonly WaitEdge[]): string {
  return cycle.map((e) => `Transaction ${name(e.from)} waits for ${e.lock} on shard ${e.shard}; blocked by transaction ${name(e.to)}.`).join('\n')
}

function name(node: NodeId): string {
  const m = /^local:(\d+):(\d+)$/.exec(node)
  return m ? `${m[2]} (local to shard ${m[1]})` : node
}

const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0)
