import { describe, expect, it } from 'vitest'
import { checkHistory, type History, type HistoryTxn } from './history-checker.js'

const txn = (id: number, reads: [string, number | null][], writes: [string, number | null][], commitTs = id): HistoryTxn => ({
  id,
  reads: reads.map(([key, value]) => ({ key, value })),
  writes: writes.map(([key, value]) => ({ key, value })),
  commitTs,
})

describe('history checker', () => {
  it('finds no cycle in a serial history', () => {
    const h: History = {
      initial: { x: 0, y: 0 },
      txns: [txn(1, [['x', 0], ['y', 0]], [['x', 1]]), txn(2, [['x', 1]], [['y', 2]]), txn(3, [['x', 1], ['y', 2]], [['x', 3], ['y', 3]])],
    }
    const r = checkHistory(h)
    expect(r.cycles).toEqual([])
    expect(r.readAnomalies).toEqual([])
    expect(r.serializable).toBe(true)
    expect(r.edges.map((e) => `${e.from}-${e.kind}(${e.key})->${e.to}`).sort()).toEqual(
      ['1-ww(x)->3', '1-wr(x)->2', '1-wr(x)->3', '2-ww(y)->3', '2-wr(y)->3', '2-rw(x)->3', 'T0-wr(x)->1', 'T0-wr(y)->1', '1-rw(y)->2'].sort(),
    )
  })

  it('finds write skew: a G2 cycle with two rw edges', () => {
    // Two doctors: each reads both, each takes itself off call.
    const h: History = {
      initial: { alice: 1, bob: 1 },
      txns: [txn(1, [['alice', 1], ['bob', 1]], [['alice', 10]]), txn(2, [['alice', 1], ['bob', 1]], [['bob', 20]])],
    }
    const r = checkHistory(h)
    expect(r.serializable).toBe(false)
    expect(r.cycles).toHaveLength(1)
    const c = r.cycles[0]!
    expect(c.kind).toBe('G2')
    expect(c.edges.filter((e) => e.kind === 'rw')).toHaveLength(2)
    expect(c.text).toMatch(/^T1 -rw\(bob\)-> T2 -rw\(alice\)-> T1$|^T2 -rw\(alice\)-> T1 -rw\(bob\)-> T2$/)
  })

  it('finds a lost update: G-single (one rw, one ww)', () => {
    // Both read x = 10 and write x + 1; T2's write overwrites T1's.
    const h: History = {
      initial: { x: 10 },
      txns: [txn(1, [['x', 10]], [['x', 11]]), txn(2, [['x', 10]], [['x', 111]])],
    }
    const r = checkHistory(h)
    expect(r.cycles).toHaveLength(1)
    expect(r.cycles[0]!.kind).toBe('G-single')
    expect(r.cycles[0]!.text).toMatch(/T2 -rw\(x\)-> T1 -ww\(x\)-> T2|T1 -ww\(x\)-> T2 -rw\(x\)-> T1/)
  })

  it('finds read skew: G-single with a wr edge', () => {
    // T1 reads x before T2 writes x and y, and y after: T1 -rw(x)-> T2 -wr(y)-> T1.
    const h: History = {
      initial: { x: 10, y: 20 },
      txns: [txn(2, [], [['x', 12], ['y', 18]]), txn(1, [['x', 10], ['y', 18]], [], 3)],
    }
    const r = checkHistory(h)
    expect(r.cycles).toHaveLength(1)
    expect(r.cycles[0]!.kind).toBe('G-single')
    expect(r.cycles[0]!.text).toMatch(/T1 -rw\(x\)-> T2 -wr\(y\)-> T1|T2 -wr\(y\)-> T1 -rw\(x\)-> T2/)
  })

  it('finds a cycle through wr edges (G1c)', () => {
    // Each reads what the other wrote.
    const h: History = {
      initial: { x: 0, y: 0 },
      txns: [txn(1, [['y', 2]], [['x', 1]]), txn(2, [['x', 1]], [['y', 2]])],
    }
    const r = checkHistory(h)
    expect(r.cycles).toHaveLength(1)
    expect(r.cycles[0]!.kind).toBe('G1c')
    expect(r.cycles[0]!.edges.every((e) => e.kind === 'wr')).toBe(true)
  })

  it('finds a write cycle (G0) from an explicit version order', () => {
    const h: History = {
      initial: { x: 0, y: 0 },
      txns: [txn(1, [], [['x', 1], ['y', 1]]), txn(2, [], [['x', 2], ['y', 2]])],
      versionOrder: new Map([
        ['x', [1, 2]],
        ['y', [2, 1]],
      ]),
    }
    const r = checkHistory(h)
    expect(r.cycles).toHaveLength(1)
    expect(r.cycles[0]!.kind).toBe('G0')
    expect(r.cycles[0]!.text).toMatch(/T1 -ww\(x\)-> T2 -ww\(y\)-> T1|T2 -ww\(y\)-> T1 -ww\(x\)-> T2/)
  })

  it('reports a longer cycle with its edges in order', () => {
    // T1 -rw(a)-> T2 -rw(b)-> T3 -rw(c)-> T1 (a three-transaction write skew).
    const h: History = {
      initial: { a: 0, b: 0, c: 0 },
      txns: [txn(1, [['a', 0]], [['c', 1]]), txn(2, [['b', 0]], [['a', 2]]), txn(3, [['c', 0]], [['b', 3]])],
    }
    const r = checkHistory(h)
    expect(r.cycles).toHaveLength(1)
    const c = r.cycles[0]!
    expect(c.kind).toBe('G2')
    expect(c.edges).toHaveLength(3)
    for (let i = 0; i < c.edges.length; i++) expect(c.edges[i]!.to).toBe(c.edges[(i + 1) % c.edges.length]!.from)
    expect(c.text.split(' -rw(')).toHaveLength(4)
  })

  it('finds the read-only anomaly (Fekete et al.): a cycle through a read-only transaction', () => {
    // Batch report: T2 (deposit) reads batch 0, writes receipt; T3 (close batch)
    // commits batch 1; T1 (report) reads batch 1 and receipts without T2's.
    const h: History = {
      initial: { batch: 0, receipts: 0 },
      txns: [
        txn(3, [['batch', 0]], [['batch', 1]], 1),
        txn(1, [['batch', 1], ['receipts', 0]], [], 2),
        txn(2, [['batch', 0], ['receipts', 0]], [['receipts', 2]], 3),
      ],
    }
    const r = checkHistory(h)
    expect(r.cycles).toHaveLength(1)
    expect(r.cycles[0]!.kind).toBe('G2')
    expect(r.cycles[0]!.edges.map((e) => e.kind).sort()).toEqual(['rw', 'rw', 'wr'])
  })

  it('reports aborted and intermediate reads', () => {
    const h: History = {
      initial: { x: 0 },
      txns: [txn(1, [], [['x', 1], ['x', 2]]), txn(2, [['x', 1]], []), txn(3, [['x', 99]], [])],
    }
    const r = checkHistory(h)
    expect(r.readAnomalies.map((a) => a.kind).sort()).toEqual(['G1a', 'G1b'])
    expect(r.serializable).toBe(false)
  })

  it('handles deletes and reads of missing rows', () => {
    const h: History = {
      initial: { x: 0 },
      txns: [txn(1, [['x', 0]], [['x', null]]), { id: 2, reads: [{ key: 'x', value: null, from: 1 }, { key: 'y', value: null }], writes: [{ key: 'y', value: 5 }], commitTs: 2 }],
    }
    const r = checkHistory(h)
    expect(r.serializable).toBe(true)
    expect(r.edges.some((e) => e.kind === 'wr' && e.from === 1 && e.to === 2)).toBe(true)
  })

  it('rejects values written twice', () => {
    expect(() => checkHistory({ txns: [txn(1, [], [['x', 1]]), txn(2, [], [['x', 1]])] })).toThrow(/unique/)
  })

  it('finds many independent cycles, one per component', () => {
    const txns: HistoryTxn[] = []
    const initial: Record<string, number> = {}
    for (let i = 0; i < 5; i++) {
      initial[`a${i}`] = 0
      initial[`b${i}`] = 0
      txns.push(txn(10 * i + 1, [[`a${i}`, 0], [`b${i}`, 0]], [[`a${i}`, 10 * i + 1]]))
      txns.push(txn(10 * i + 2, [[`a${i}`, 0], [`b${i}`, 0]], [[`b${i}`, 10 * i + 2]]))
    }
    const r = checkHistory({ initial, txns })
    expect(r.cycles).toHaveLength(5)
    expect(r.cycles.every((c) => c.kind === 'G2')).toBe(true)
  })
})
