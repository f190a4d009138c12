/**
 * Name resolution: what a column name means at a point of a query.
 *
 * A FROM clause yields namespace items, as in PostgreSQL's parse_relation.c: one per
 * table, subquery or function, and one per join, whose column list merges USING
 * columns and hides nothing else. Unqualified names are looked up in the top-level
 * items (a name found in two is ambiguous, 42702); qualified names (`t.x`) in the
 * item whose alias is `t`, however deep in a join tree. A name not found here is
 * looked up in the enclosing query's scope: a correlated reference.
 */
import { dbError } from '../../common/errors.js'
import type { Oid, TableInfo } from '../catalog/schema.js'
import type { ColumnId } from '../plan/bound.js'
import type { SqlType } from '../values/index.js'

export interface ScopeColumn {
  readonly name: string
  readonly id: ColumnId
  readonly type: SqlType
  /** The table column it reads, for result metadata (RowDescription) and GROUP BY's functional dependency. */
  readonly source?: { readonly table: Oid; readonly attnum: number } | undefined
}

export interface NsItem {
  /** The alias (or table name); undefined for an unaliased join. */
  readonly alias: string | undefined
  readonly columns: readonly ScopeColumn[]
  /** Items nested in a join, still reachable by qualified names. */
  readonly children: readonly NsItem[]
  /** The table scanned, for FOR UPDATE and the primary key's functional dependency. */
  readonly table?: TableInfo | undefined
  /** The row key column of a scanned table, when one was asked for. */
  readonly rowKey?: ColumnId | undefined
}

export type Resolution = { readonly column: ScopeColumn; readonly item: NsItem; readonly depth: number }

export class Scope {
  constructor(
    readonly items: readonly NsItem[],
    readonly parent: Scope | undefined,
    /** Called with each column of an enclosing scope that this scope's query reads. */
    readonly onOuter?: (id: ColumnId, depth: number) => void,
  ) {}

  static empty(parent?: Scope, onOuter?: (id: ColumnId, depth: number) => void): Scope {
    return new Scope([], parent, onOuter)
  }

  resolve(table: string | undefined, name: string, position: number): Resolution {
    for (let s: Scope | undefined = this, depth = 0; s !== undefined; s = s.parent, depth++) {
      const found = s.lookupHere(table, name, position)
      if (found !== undefined) {
        if (depth > 0) this.noteOuter(found.column.id, depth)
        return { ...found, depth }
      }
    }
    if (table !== undefined) {
      if (!this.hasAlias(table)) throw dbError('undefined_table', `missing FROM-clause entry for table "${table}"`, { position })
      throw dbError('undefined_column', `column ${table}.${name} does not exist`, { position })
    }
    throw dbError('undefined_column', `column "${name}" does not exist`, { position })
  }

  /** Tells every scope between here and the owner of an outer column that it is read. */
  private noteOuter(id: ColumnId, depth: number): void {
    let s: Scope | undefined = this
    for (let d = depth; d > 0 && s !== undefined; d--, s = s.parent) s.onOuter?.(id, d)
  }

  private hasAlias(alias: string): boolean {
    for (let s: Scope | undefined = this; s !== undefined; s = s.parent) if (s.findItem(alias) !== undefined) return true
    return false
  }

  private lookupHere(table: string | undefined, name: string, position: number): { column: ScopeColumn; item: NsItem } | undefined {
    if (table !== undefined) {
      const item = this.findItem(table)
      if (item === undefined) return undefined
      const cols = item.columns.filter((c) => c.name === name)
      if (cols.length > 1) throw dbError('ambiguous_column', `column reference "${table}.${name}" is ambiguous`, { position })
      if (cols.length === 0) throw dbError('undefined_column', `column ${table}.${name} does not exist`, { position })
      return { column: cols[0]!, item }
    }
    let hit: { column: ScopeColumn; item: NsItem } | undefined
    for (const item of this.items) {
      for (const c of item.columns) {
        if (c.name !== name) continue
        if (hit !== undefined) throw dbError('ambiguous_column', `column reference "${name}" is ambiguous`, { position })
        hit = { column: c, item }
      }
    }
    return hit
  }

  /** The item with this alias, searching into joins. */
  findItem(alias: string): NsItem | undefined {
    const search = (items: readonly NsItem[]): NsItem | undefined => {
      for (const i of items) {
        if (i.alias === alias) return i
        const inner = search(i.children)
        if (inner !== undefined) return inner
      }
      return undefined
    }
    return search(this.items)
  }

  /** Every column `*` expands to. */
  star(): ScopeColumn[] {
    return this.items.flatMap((i) => i.columns)
  }
}

/** Every aliased item of a join tree (for FOR UPDATE and duplicate-alias checks). */
export function leafItems(items: readonly NsItem[]): NsItem[] {
  return items.flatMap((i) => (i.children.length > 0 ? leafItems(i.children) : [i]))
}
