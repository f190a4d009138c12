/**
 * Overflow chains: values too large for a quarter page live in a linked list of
 * pages, and the leaf cell keeps only the total length and the first page id.
 *
 * Overflow page: the common header (type overflow, count = data bytes in this
 * page, link = next page or 0), then the data. Chains are accessed without
 * protecting their frames, so a 64 MiB value streams through a small pool.
 */
import { dbError } from '../common/errors.js'
import type { PageId } from '../common/ids.js'
import { HEADER_SIZE, OFF_COUNT, OFF_LINK, OFF_TYPE, PageType } from './page-layout.js'
import type { TreeSpace } from './tree-space.js'

export function writeOverflow(space: TreeSpace, value: Uint8Array): PageId {
  const per = space.limits.overflowData
  const count = Math.ceil(value.length / per)
  const ids: PageId[] = []
  for (let i = 0; i < count; i++) ids.push(space.allocate())
  for (let i = 0; i < count; i++) {
    const p = space.pool.create(ids[i]!, false)
    const from = i * per
    const n = Math.min(per, value.length - from)
    p[OFF_TYPE] = PageType.overflow
    p.writeUInt16LE(n, OFF_COUNT)
    p.writeUInt32LE(ids[i + 1] ?? 0, OFF_LINK)
    p.set(value.subarray(from, from + n), HEADER_SIZE)
  }
  return ids[0]!
}

export function readOverflow(space: TreeSpace, first: PageId, length: number): Buffer {
  const out = Buffer.allocUnsafe(length)
  let id = first
  let at = 0
  while (at < length) {
    const p = space.pool.get(id, false)
    const n = p.readUInt16LE(OFF_COUNT)
    p.copy(out, at, HEADER_SIZE, HEADER_SIZE + n)
    at += n
    id = p.readUInt32LE(OFF_LINK) as PageId
    if (n === 0 || (id === 0 && at < length)) break
  }
  if (at !== length) throw dbError('data_corrupted', `overflow chain from page ${first} holds ${at} of ${length} bytes`)
  return out
}

export function freeOverflow(space: TreeSpace, first: PageId): void {
  let id = first
  while (id !== 0) {
    const next = space.pool.get(id, false).readUInt32LE(OFF_LINK) as PageId
    space.pool.discard(id)
    space.free(id)
    id = next
  }
}

/** The ids of a chain's pages (for the invariant checker). */
export function overflowPages(space: TreeSpace, first: PageId): PageId[] {
  const ids: PageId[] = []
  let id = first
  while (id !== 0) {
    ids.push(id)
    id = space.pool.get(id, false).readUInt32LE(OFF_LINK) as PageId
  }
  return ids
}
