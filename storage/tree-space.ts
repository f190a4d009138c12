/**
 * What one B+tree needs from the store around it: the buffer pool, page
 * allocation, and the size limits derived from the page size.
 */
import { dbError } from '../common/errors.js'
import type { PageId } from '../common/ids.js'
import type { BufferPool } from './buffer-pool.js'
import { capacity, LEAF_CELL_HEADER, SLOT_SIZE } from './node.js'
import { HEADER_SIZE } from './page-layout.js'

export interface TreeLimits {
  readonly pageSize: number
  /** Bytes for cells and slots in a node. */
  readonly capacity: number
  /** Largest cell: a quarter of the capacity (less its slot), so every split leaves ≥ 3 cells' room. */
  readonly maxCell: number
  /** Largest key: a cell with this key and an overflow pointer still fits `maxCell`. */
  readonly maxKey: number
  /** A non-root node below this many used bytes is merged or rebalanced with a sibling. */
  readonly minFill: number
  /** Value bytes per overflow page. */
  readonly overflowData: number
}

export function treeLimits(pageSize: number): TreeLimits {
  const cap = capacity(pageSize)
  const maxCell = Math.floor(cap / 4) - SLOT_SIZE
  return {
    pageSize,
    capacity: cap,
    maxCell,
    maxKey: maxCell - LEAF_CELL_HEADER - 4,
    minFill: Math.floor(cap / 4),
    overflowData: pageSize - HEADER_SIZE,
  }
}

export interface TreeSpace {
  readonly pool: BufferPool
  readonly limits: TreeLimits
  allocate(): PageId
  free(id: PageId): void
}

export function checkKeySize(limits: TreeLimits, key: Uint8Array): void {
  if (key.length > limits.maxKey)
    throw dbError('program_limit_exceeded', `index row size ${key.length} exceeds maximum ${limits.maxKey} for a key`, {
      hint: 'Values larger than a quarter of a page cannot be indexed; index a hash of the value instead.',
    })
}
