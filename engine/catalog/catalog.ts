/**
 * An immutable view of the catalog: relations by oid and by name, indexes by name,
 * and the foreign keys that point at each table.
 *
 * A change makes a new `Catalog` (copy-on-write of small maps), so a transaction
 * that runs DDL keeps a private one that nobody else sees until it commits, and a
 * savepoint is just a reference to the catalog as it was. Tables, views, sequences
 * and indexes share one namespace, as they share pg_class in PostgreSQL.
 */
import type { ForeignKeyInfo, IndexInfo, Oid, Relation, TableInfo } from './schema.js'

export class Catalog {
  private constructor(
    readonly relations: ReadonlyMap<Oid, Relation>,
    private readonly names: ReadonlyMap<string, Oid>,
    private readonly indexes: ReadonlyMap<string, { readonly table: Oid; readonly index: IndexInfo }>,
  ) {}

  static of(relations: Iterable<Relation>): Catalog {
    const byOid = new Map<Oid, Relation>()
    for (const r of relations) byOid.set(r.oid, r)
    return Catalog.build(byOid)
  }

  private static build(byOid: Map<Oid, Relation>): Catalog {
    const names = new Map<string, Oid>()
    const indexes = new Map<string, { table: Oid; index: IndexInfo }>()
    for (const r of byOid.values()) {
      names.set(r.name, r.oid)
      if (r.kind === 'table') for (const i of r.indexes) indexes.set(i.name, { table: r.oid, index: i })
    }
    return new Catalog(byOid, names, indexes)
  }

  get(oid: Oid): Relation | undefined {
    return this.relations.get(oid)
  }

  byName(name: string): Relation | undefined {
    const oid = this.names.get(name)
    return oid === undefined ? undefined : this.relations.get(oid)
  }

  table(oid: Oid): TableInfo | undefined {
    const r = this.relations.get(oid)
    return r?.kind === 'table' ? r : undefined
  }

  index(name: string): { readonly table: Oid; readonly index: IndexInfo } | undefined {
    return this.indexes.get(name)
  }

  /** Is the name taken by any relation or index? */
  nameTaken(name: string): boolean {
    return this.names.has(name) || this.indexes.has(name)
  }

  /** Foreign keys of other tables (and of the table itself) that reference `table`. */
  referencing(table: Oid): { readonly table: TableInfo; readonly fk: ForeignKeyInfo }[] {
    const out: { table: TableInfo; fk: ForeignKeyInfo }[] = []
    for (const r of this.relations.values()) {
      if (r.kind !== 'table') continue
      for (const fk of r.foreignKeys) if (fk.refTable === table) out.push({ table: r, fk })
    }
    return out
  }

  /** A catalog with `rel` added, or replacing the relation of the same oid. */
  with(rel: Relation): Catalog {
    const byOid = new Map(this.relations)
    byOid.set(rel.oid, rel)
    return Catalog.build(byOid)
  }

  without(oid: Oid): Catalog {
    const byOid = new Map(this.relations)
    byOid.delete(oid)
    return Catalog.build(byOid)
  }

  /** This catalog with every relation in `changes` replaced (null: dropped). */
  merge(changes: ReadonlyMap<Oid, Relation | null>): Catalog {
    const byOid = new Map(this.relations)
    for (const [oid, rel] of changes) {
      if (rel === null) byOid.delete(oid)
      else byOid.set(oid, rel)
    }
    return Catalog.build(byOid)
  }

  tables(): TableInfo[] {
    return [...this.relations.values()].filter((r): r is TableInfo => r.kind === 'table')
  }
}
