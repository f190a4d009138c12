/** A B+tree over an in-memory page store, for tests that need no files. */
import type { PageId } from '../../common/ids.js'
import { BufferPool, type PageIo } from '../../storage/buffer-pool.js'
import { treeLimits, type TreeSpace } from '../../storage/tree-space.js'

export function memorySpace(pageSize: number, frames: number): TreeSpace & { pages: Map<number, Buffer> } {
  const pages = new Map<number, Buffer>()
  const free: number[] = []
  let next = 1
  const io: PageIo = {
    readPage(id, into) {
      const p = pages.get(id)
      if (!p) throw new Error(`page ${id} was never written`)
      p.copy(into)
    },
    writePage(id, page) {
      pages.set(id, Buffer.from(page))
    },
  }
  const pool = new BufferPool(io, pageSize, frames)
  return {
    pool,
    pages,
    limits: treeLimits(pageSize),
    allocate: () => (free.pop() ?? next++) as PageId,
    free: (id) => {
      pages.delete(id)
      free.push(id)
    },
  }
}
