/**
 * The tree catalog: which B+trees exist in the data file and where their roots are.
 *
 * It is itself a B+tree, rooted at the fixed logical page 1, mapping a tree id
 * (u32 big-endian, so ids sort numerically) to its root page id (u32). Roots never
 * move (btree.ts), so the catalog changes only when a tree is created or dropped.
 * It is not logged on its own: create-tree and drop-tree log records redo it.
 */
import { internalError } from '../common/errors.js'
import type { PageId, TreeId } from '../common/ids.js'
import { BTree } from './btree.js'
import { Cursor } from './cursor.js'
import { CATALOG_ROOT } from './pager.js'
import type { TreeSpace } from './tree-space.js'

export class TreeCatalog {
  private readonly catalog: BTree
  private readonly trees = new Map<number, BTree>()
  private readonly key = Buffer.alloc(4)

  constructor(private readonly space: TreeSpace) {
    this.catalog = new BTree(space, CATALOG_ROOT)
    const c = new Cursor(this.catalog)
    for (let ok = c.first(); ok; ok = c.next()) {
      this.trees.set(c.key.readUInt32BE(0), new BTree(space, c.value.readUInt32LE(0) as PageId))
    }
    c.close()
  }

  get(id: TreeId): BTree | undefined {
    return this.trees.get(id)
  }

  require(id: TreeId): BTree {
    const t = this.trees.get(id)
    if (!t) throw internalError(`storage tree ${id} does not exist`)
    return t
  }

  ids(): TreeId[] {
    return [...this.trees.keys()] as TreeId[]
  }

  create(id: TreeId): BTree {
    if (this.trees.has(id)) throw internalError(`storage tree ${id} already exists`)
    const root = BTree.create(this.space)
    const value = Buffer.alloc(4)
    value.writeUInt32LE(root, 0)
    this.key.writeUInt32BE(id, 0)
    this.catalog.put(this.key, value)
    const tree = new BTree(this.space, root)
    this.trees.set(id, tree)
    return tree
  }

  drop(id: TreeId): void {
    const tree = this.require(id)
    tree.destroy()
    this.key.writeUInt32BE(id, 0)
    this.catalog.delete(this.key)
    this.trees.delete(id)
  }

  /** The catalog tree itself (for the invariant checker). */
  get catalogTree(): BTree {
    return this.catalog
  }
}
