/**
 * What DDL needs from the session running it, and the transaction's private
 * catalog.
 *
 * DDL changes the catalog inside the user's transaction: rows of the catalog
 * table (catalog-store.ts) are written through it, and the in-memory definitions
 * go into a `TxnCatalog` that only this transaction reads, until it commits and the
 * engine merges them into the shared catalog. Storage trees are created at once (a
 * tree is not transactional) and dropped again if the transaction rolls back;
 * trees of dropped tables are dropped after the commit, once no snapshot can still
 * read them.
 */
import type { TableId, Transaction } from '../../txn/index.js'
import type { Catalog } from '../catalog/catalog.js'
import type { CatalogStore } from '../catalog/catalog-store.js'
import type { Oid, Relation } from '../catalog/schema.js'
import type { ExecContext } from '../exec/context.js'
import type { WriteEnv } from '../exec/table-writer.js'
import type { OidAllocator, SequenceValues } from '../sequences.js'

export class TxnCatalog {
  /** Relations this transaction created, changed (new definition) or dropped (null). */
  changes = new Map<Oid, Relation | null>()
  readonly createdTrees: TableId[] = []
  readonly droppedTrees: TableId[] = []
  private readonly marks: { name: string; changes: Map<Oid, Relation | null>; created: number; dropped: number }[] = []
  private cached: { base: Catalog; view: Catalog; size: number } | undefined

  /** The catalog as this transaction sees it: the shared one with its own changes on top. */
  view(shared: Catalog): Catalog {
    const c = this.cached
    if (c !== undefined && c.base === shared && c.size === this.version) return c.view
    const view = shared.merge(this.changes)
    this.cached = { base: shared, view, size: this.version }
    return view
  }

  private version = 0

  put(rel: Relation): void {
    this.changes.set(rel.oid, rel)
    this.version++
  }

  remove(oid: Oid): void {
    this.changes.set(oid, null)
    this.version++
  }

  get dirty(): boolean {
    return this.changes.size > 0 || this.createdTrees.length > 0
  }

  savepoint(name: string): void {
    this.marks.push({ name, changes: new Map(this.changes), created: this.createdTrees.length, dropped: this.droppedTrees.length })
  }

  /** Undoes catalog changes made after the savepoint; returns the trees created since (to drop). */
  rollbackTo(name: string): TableId[] {
    const i = this.marks.findLastIndex((m) => m.name === name)
    if (i < 0) return []
    const m = this.marks[i]!
    this.marks.length = i + 1
    this.changes = new Map(m.changes)
    this.droppedTrees.length = m.dropped
    this.version++
    return this.createdTrees.splice(m.created)
  }

  release(name: string): void {
    const i = this.marks.findLastIndex((m) => m.name === name)
    if (i >= 0) this.marks.length = i
  }
}

/** The engine services DDL uses. */
export interface DdlEngine {
  readonly store: CatalogStore
  readonly oids: OidAllocator
  readonly sequences: SequenceValues
  /** The shared (committed) catalog. */
  readonly catalog: Catalog
  createTree(): Promise<TableId>
}

export interface DdlContext {
  readonly engine: DdlEngine
  readonly txn: Transaction
  readonly tc: TxnCatalog
  /** The catalog this transaction sees. */
  catalog(): Catalog
  /** Takes the exclusive lock on a relation before changing it, then refreshes its definition. */
  lockForDdl(oid: Oid): Promise<void>
  /** A shared lock (the parent of a new foreign key, the tables a view reads). */
  lockShared(oid: Oid): Promise<void>
  notice(message: string, detail?: string): void
  readonly exec: ExecContext
  writeEnv(): WriteEnv
  /** Whether the transaction runs at READ COMMITTED (its statements see fresh snapshots). */
  readonly readCommitted: boolean
}
