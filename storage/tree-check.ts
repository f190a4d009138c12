/**
 * The B+tree invariant checker, for tests and for `isola check`:
 *
 *  1. Keys strictly increase within every node, and every key of a subtree lies
 *     within the bounds its parent's separators give it.
 *  2. All leaves are at the same depth.
 *  3. Every non-root node is non-empty, and every non-root node that is not the
 *     rightmost of its level is at least a quarter full (btree.ts explains why the
 *     rightmost may be thinner: append splits).
 *  4. No page is reachable twice (within a tree, or from two trees), overflow
 *     chains hold exactly their value's length.
 */
import { internalError } from '../common/errors.js'
import type { PageId } from '../common/ids.js'
import type { BTree } from './btree.js'
import { cellCount, childAt, isLeaf, keyAt, OVERFLOW_FLAG, usedBytes, valueField, valueStart } from './node.js'
import { overflowPages } from './overflow.js'
import { OFF_TYPE, PageType } from './page-layout.js'

export function checkTree(tree: BTree, seen: Set<number>): void {
  const { pool, limits } = tree.space
  let leafDepth = -1
  const visit = (id: PageId, depth: number, low: Buffer | null, high: Buffer | null, rightEdge: boolean): void => {
    if (seen.has(id)) fail(tree, id, 'page reachable twice')
    seen.add(id)
    const p = Buffer.from(pool.get(id, false))
    const type = p[OFF_TYPE]
    if (type !== PageType.leaf && type !== PageType.internal) fail(tree, id, `unexpected page type ${type}`)
    const n = cellCount(p)
    const isRoot = id === tree.root
    if (!isRoot && n === 0 && isLeaf(p)) fail(tree, id, 'empty non-root leaf')
    if (!isRoot && !rightEdge && usedBytes(p) < limits.minFill) fail(tree, id, `underfull: ${usedBytes(p)} < ${limits.minFill} bytes`)
    let prev: Buffer | null = low
    for (let i = 0; i < n; i++) {
      const k = keyAt(p, i)
      // Leaves: low ≤ k < high, strictly increasing. Internal separators likewise.
      if (prev !== null && (i === 0 && prev === low ? Buffer.compare(k, prev) < 0 : Buffer.compare(k, prev) <= 0))
        fail(tree, id, `key ${i} out of order`)
      if (high !== null && Buffer.compare(k, high) >= 0) fail(tree, id, `key ${i} not below the parent's separator`)
      prev = k
    }
    if (isLeaf(p)) {
      if (leafDepth === -1) leafDepth = depth
      else if (leafDepth !== depth) fail(tree, id, `leaf at depth ${depth}, others at ${leafDepth}`)
      for (let i = 0; i < n; i++) {
        const field = valueField(p, i)
        if (!(field & OVERFLOW_FLAG)) continue
        const chain = overflowPages(tree.space, p.readUInt32LE(valueStart(p, i)) as PageId)
        const expected = Math.ceil(((field & ~OVERFLOW_FLAG) >>> 0) / limits.overflowData)
        if (chain.length !== expected) fail(tree, id, `overflow chain of cell ${i} has ${chain.length} pages, expected ${expected}`)
        for (const o of chain) {
          if (seen.has(o)) fail(tree, o, 'overflow page reachable twice')
          seen.add(o)
        }
      }
      return
    }
    for (let i = 0; i <= n; i++) {
      const lo = i === 0 ? low : Buffer.from(keyAt(p, i - 1))
      const hi = i === n ? high : Buffer.from(keyAt(p, i))
      visit(childAt(p, i) as PageId, depth + 1, lo, hi, rightEdge && i === n)
    }
  }
  visit(tree.root, 0, null, null, true)
}

function fail(tree: BTree, page: number, why: string): never {
  throw internalError(`B+tree invariant broken in tree rooted at page ${tree.root}, page ${page}: ${why}`)
}
