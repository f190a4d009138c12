/**
 * What the catalog knows: tables with their columns, indexes and constraints, views
 * and sequences. Plain readonly data (serialised as JSON into the catalog table by
 * catalog-store.ts), so a transaction's private copy is a cheap structural clone.
 *
 * Columns keep PostgreSQL's attnum: 1-based, never reused, so a dropped column
 * leaves a gap. A stored row has one slot per attnum ever assigned (slot = attnum
 * - 1); a row written before ADD COLUMN is shorter and reads the column's
 * `missing` value, as PostgreSQL's attmissingval, so adding a column with a
 * constant default rewrites nothing.
 *
 * Expressions (defaults, CHECK, partial-index predicates, views) are SQL text
 * (parser/deparse.ts), bound again where they are used.
 */
import type { SqlType } from '../values/index.js'
import type { TableId } from '../../txn/index.js'
import type { ReferentialAction } from '../../parser/index.js'

/** Object ids, as PostgreSQL's: user objects start at 16384 (FirstNormalObjectId). */
export type Oid = number
export const FIRST_USER_OID = 16384

export interface ColumnInfo {
  readonly name: string
  /** 1-based, never reused (PostgreSQL's attnum); the stored row's slot is attnum - 1. */
  readonly attnum: number
  readonly type: SqlType
  readonly notNull: boolean
  /** DEFAULT as SQL text (nextval('…') for serial and identity columns). */
  readonly default: string | undefined
  readonly identity: 'always' | 'by-default' | undefined
  /** Text of the value rows stored before the column was added have (null: NULL). */
  readonly missing: string | null
}

/** One key column of an index: a table column or an expression over the row. */
export interface IndexKey {
  readonly attnum: number | undefined
  /** SQL text when the key is an expression (attnum undefined). */
  readonly expr: string | undefined
  /** The key's type: the column's, or the expression's. */
  readonly type: SqlType
  readonly desc: boolean
  readonly nullsFirst: boolean
}

export interface IndexInfo {
  readonly oid: Oid
  readonly name: string
  /** The tree of index entries; for the primary key, the table's own tree. */
  readonly tree: TableId
  readonly unique: boolean
  readonly primary: boolean
  readonly keys: readonly IndexKey[]
  /** WHERE of a partial index, as SQL text. */
  readonly predicate: string | undefined
  /** The UNIQUE or PRIMARY KEY constraint the index implements, if any. */
  readonly constraint: string | undefined
}

export interface CheckInfo {
  readonly oid: Oid
  readonly name: string
  readonly expr: string
}

export interface ForeignKeyInfo {
  readonly oid: Oid
  readonly name: string
  readonly columns: readonly number[]
  readonly refTable: Oid
  readonly refColumns: readonly number[]
  readonly onDelete: ReferentialAction
  readonly onUpdate: ReferentialAction
}

/** What ANALYZE found, for the planner's estimates. */
export interface TableStats {
  readonly rows: number
  /** Per attnum: distinct non-null values and the fraction of NULLs. */
  readonly columns: Readonly<Record<number, { readonly distinct: number; readonly nullFraction: number }>>
}

export interface TableInfo {
  readonly kind: 'table'
  readonly oid: Oid
  readonly name: string
  /** Live columns in attnum order. */
  readonly columns: readonly ColumnInfo[]
  /** Slots a stored row may have (the highest attnum ever assigned). */
  readonly slots: number
  readonly tree: TableId
  /**
   * The clustered key: attnums of the primary key, or empty when the table has
   * none and rows are keyed by a hidden row id (PostgreSQL's ctid, roughly).
   */
  readonly primaryKey: readonly number[]
  readonly indexes: readonly IndexInfo[]
  readonly checks: readonly CheckInfo[]
  readonly foreignKeys: readonly ForeignKeyInfo[]
  readonly options: Readonly<Record<string, string>>
  readonly stats: TableStats | undefined
  /**
   * The distribution CREATE TABLE declared (DISTRIBUTED BY / REPLICATED): a single
   * node ignores it, and a coordinator rebuilds its routing metadata from it (by
   * attnum, so a renamed column keeps it). Absent: the default, by the first
   * primary-key column.
   */
  readonly distribution?: { readonly kind: 'hash'; readonly attnum: number } | { readonly kind: 'replicated' }
}

export interface ViewInfo {
  readonly kind: 'view'
  readonly oid: Oid
  readonly name: string
  /** Output column names (the view's own, or the query's). */
  readonly columns: readonly string[]
  /** The columns' types (pg_attribute of a view); absent in catalogs written before they were recorded. */
  readonly columnTypes?: readonly SqlType[]
  readonly query: string
  /** Tables and views its query reads (DROP … RESTRICT refuses to drop them). */
  readonly dependsOn: readonly Oid[]
}

export interface SequenceInfo {
  readonly kind: 'sequence'
  readonly oid: Oid
  readonly name: string
  readonly start: bigint
  readonly increment: bigint
  readonly min: bigint
  readonly max: bigint
  /** The column that owns it (serial, identity): dropped with its table. */
  readonly ownedBy: { readonly table: Oid; readonly attnum: number } | undefined
}

export type Relation = TableInfo | ViewInfo | SequenceInfo
export type RelationKind = Relation['kind']

export const columnByName = (t: TableInfo, name: string): ColumnInfo | undefined => t.columns.find((c) => c.name === name)
export const columnByAttnum = (t: TableInfo, attnum: number): ColumnInfo | undefined => t.columns.find((c) => c.attnum === attnum)

/** The primary key as an index (what pg_index and \d show), if the table has one. */
export const primaryIndex = (t: TableInfo): IndexInfo | undefined => t.indexes.find((i) => i.primary)
