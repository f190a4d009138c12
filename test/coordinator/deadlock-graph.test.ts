/** The global wait-for graph alone (coordinator/deadlock-graph.ts): merging shards' edges, confirming them, cycles and victims. */
import { describe, expect, it } from 'vitest'
import { asShardId } from '../../common/ids.js'
import { chooseVictim, deadlocks, findCycle, stableEdges, waitForGraph, type ShardLockWait } from '../../coordinator/deadlock-graph.js'

const S0 = asShardId(0)
const S1 = asShardId(1)
const g = (seq: number) => `isola:c1:3:${seq}`
let nextWait = 1
const wait = (waiter: string | number, holder: string | number): ShardLockWait => ({
  waitId: nextWait++,
  waiter: typeof waiter === 'number' ? String(waiter) : '100',
  waiterGxid: typeof waiter === 'string' ? waiter : undefined,
  holder: typeof holder === 'number' ? String(holder) : '200',
  holderGxid: typeof holder === 'string' ? holder : undefined,
  lock: 'table 5 key 01',
  waitedMs: 1000,
})

describe('the global wait-for graph', () => {
  it('joins two shards at their distributed transactions: a cycle neither shard has', () => {
    const edges = waitForGraph([
      { shard: S0, waits: [wait(g(2), g(1))] },
      { shard: S1, waits: [wait(g(1), g(2))] },
    ])
    expect(findCycle([edges[0]!])).toBeUndefined()
    const cycle = findCycle(edges)!
    expect(cycle.map((e) => `${e.from}>${e.to}@${e.shard}`).sort()).toEqual([`${g(1)}>${g(2)}@1`, `${g(2)}>${g(1)}@0`])
    const [d] = deadlocks(edges)
    expect(d!.victim).toBe(g(2)) // the younger
    expect(d!.waits).toEqual([{ shard: S0, waitId: edges[0]!.waitId }])
    expect(d!.detail).toContain(`Transaction ${g(2)} waits for table 5 key 01 on shard 0; blocked by transaction ${g(1)}.`)
  })

  it('a victim waiting on two shards at once (a broadcast statement) has both its waits rejected', () => {
    const edges = waitForGraph([
      { shard: S0, waits: [wait(g(1), g(2)), wait(g(2), g(1))] },
      { shard: S1, waits: [wait(g(2), 8)] },
    ])
    const [d] = deadlocks(edges)
    expect(d!.victim).toBe(g(2))
    expect(d!.waits.map((w) => w.shard).sort()).toEqual([S0, S1])
  })

  it('a victim queued ahead of another: the queue closes up, and a cycle left through it is found in the same search', () => {
    // Row a on shard 0: held by g(1), queue g(3) then g(2). Row b on shard 1: held by g(2), g(1) waits.
    const q3 = wait(g(3), g(1))
    const edges = waitForGraph([
      { shard: S0, waits: [q3, wait(g(2), g(3))] },
      { shard: S1, waits: [wait(g(1), g(2))] },
    ])
    expect(deadlocks(edges).map((d) => d.victim)).toEqual([g(3), g(2)])
    // Without the close-up g(2) would wait for nobody once g(3) is gone.
    expect(deadlocks(edges)[1]!.cycle.map((e) => `${e.from}>${e.to}`).sort()).toEqual([`${g(1)}>${g(2)}`, `${g(2)}>${g(1)}`])
  })

  it('a transaction local to a shard is a node of that shard only', () => {
    // Local txn 7 on shard 0 and local txn 7 on shard 1 are different transactions: no cycle.
    const edges = waitForGraph([
      { shard: S0, waits: [wait(g(1), 7), wait(7, g(2))] },
      { shard: S1, waits: [wait(g(2), 7)] },
    ])
    expect(findCycle(edges)).toBeUndefined()
    const closed = waitForGraph([
      { shard: S0, waits: [wait(g(1), 7), wait(7, g(2))] },
      { shard: S1, waits: [wait(g(2), g(1))] },
    ])
    expect(deadlocks(closed).map((d) => d.victim)).toEqual([g(2)])
    expect(deadlocks(closed)[0]!.detail).toContain('7 (local to shard 0)')
  })

  it('counts only edges seen in both readings (a wait that ended in between was no deadlock)', () => {
    const a = wait(g(1), g(2))
    const b = wait(g(2), g(1))
    const first = waitForGraph([{ shard: S0, waits: [a] }, { shard: S1, waits: [b] }])
    // By the second reading g(1)'s wait ended, and a new wait of g(1) (another id) began.
    const second = waitForGraph([{ shard: S0, waits: [{ ...a, waitId: 999 }] }, { shard: S1, waits: [b] }])
    expect(deadlocks(first)).toHaveLength(1)
    expect(deadlocks(stableEdges(first, second))).toEqual([])
    expect(deadlocks(stableEdges(first, first))).toHaveLength(1)
  })

  it('picks victims deterministically: the youngest distributed transaction, then the next cycle without it', () => {
    const w4 = wait(g(4), g(3))
    const edges = waitForGraph([
      { shard: S0, waits: [wait(g(10), g(9)), wait(g(3), g(4))] },
      { shard: S1, waits: [wait(g(9), g(10)), w4, { ...wait(g(4), 5), waitId: w4.waitId }] },
    ])
    const found = deadlocks(edges)
    expect(found.map((d) => d.victim).sort()).toEqual([g(10), g(4)].sort())
    // The victim's every wait is rejected, once: g(4) waits on shard 1 for two transactions, in one wait.
    expect(found.find((d) => d.victim === g(4))!.waits).toEqual([{ shard: S1, waitId: w4.waitId }])
    expect(chooseVictim(findCycle(waitForGraph([{ shard: S0, waits: [wait(3, 4), wait(4, 3)] }]))!)).toBe('local:0:4')
    // Same answer whatever the order the shards reported in.
    expect(deadlocks([...edges].reverse()).map((d) => d.victim).sort()).toEqual(found.map((d) => d.victim).sort())
  })
})
