/**
 * Statement nodes: what one `;`-separated piece of SQL text becomes.
 *
 * Expressions and queries live in `ast.ts`; this file holds DML, transaction
 * control, session settings and DDL. Every statement is a readonly object whose
 * `kind` says which, so the engine can dispatch with a `Record<kind, handler>`.
 */
import type { Expr, FromItem, Query, SelectItem, TypeName } from './ast.js'

export type Returning = readonly SelectItem[]

export type OnConflict =
  | { readonly action: 'nothing'; readonly columns: readonly string[] }
  | { readonly action: 'update'; readonly columns: readonly string[]; readonly set: readonly Assignment[]; readonly where: Expr | undefined }

export type Assignment = { readonly column: string; readonly value: Expr; readonly position: number }

export const ISOLATION_LEVELS = ['read uncommitted', 'read committed', 'repeatable read', 'serializable'] as const
export type IsolationLevel = (typeof ISOLATION_LEVELS)[number]

export type TransactionModes = {
  readonly isolation: IsolationLevel | undefined
  readonly readOnly: boolean | undefined
  readonly deferrable: boolean | undefined
}

export const REFERENTIAL_ACTIONS = ['no action', 'restrict', 'cascade', 'set null', 'set default'] as const
export type ReferentialAction = (typeof REFERENTIAL_ACTIONS)[number]

export type References = {
  readonly table: string
  readonly columns: readonly string[]
  readonly onDelete: ReferentialAction | undefined
  readonly onUpdate: ReferentialAction | undefined
}

export type ColumnConstraintBody =
  | { readonly kind: 'primary-key' }
  | { readonly kind: 'not-null' }
  | { readonly kind: 'null' }
  | { readonly kind: 'unique' }
  | { readonly kind: 'default'; readonly expr: Expr }
  | { readonly kind: 'check'; readonly expr: Expr }
  | { readonly kind: 'references'; readonly references: References }
  | { readonly kind: 'identity'; readonly always: boolean }


export type ColumnConstraint = { readonly name: string | undefined; readonly position: number } & ColumnConstraintBody

export type TableConstraint = { readonly name: string | undefined } & (
  | { readonly kind: 'primary-key'; readonly columns: readonly string[] }
  | { readonly kind: 'unique'; readonly columns: readonly string[] }
  | { readonly kind: 'check'; readonly expr: Expr }
  | { readonly kind: 'foreign-key'; readonly columns: readonly string[]; readonly references: References }
)

/**
 * Greenplum's distribution clause of CREATE TABLE, which Isola takes for its shards
 * (coordinator/routing/distribution.ts): `DISTRIBUTED BY (col)` hash-partitions the
 * table on col; `DISTRIBUTED REPLICATED` copies it whole to every shard (a reference
 * table). The engine of one node accepts and ignores it.
 */
export type DistributionClause =
  | { readonly kind: 'hash'; readonly columns: readonly string[]; readonly position: number }
  | { readonly kind: 'replicated'; readonly position: number }

export type ColumnDef = { readonly name: string; readonly type: TypeName; readonly constraints: readonly ColumnConstraint[]; readonly position: number }

export type AlterAction =
  | { readonly kind: 'add-column'; readonly column: ColumnDef; readonly ifNotExists: boolean }
  | { readonly kind: 'drop-column'; readonly name: string; readonly ifExists: boolean; readonly behavior: 'cascade' | 'restrict' | undefined }
  | { readonly kind: 'add-constraint'; readonly constraint: TableConstraint }
  | { readonly kind: 'rename-column'; readonly from: string; readonly to: string }
  | { readonly kind: 'rename-table'; readonly to: string }

export type IndexColumn = { readonly expr: Expr; readonly direction: 'asc' | 'desc' | undefined; readonly nulls: 'first' | 'last' | undefined }

/**
 * A role attribute of CREATE/ALTER ROLE (gram.y's AlterOptRoleElem): flags such as
 * SUPERUSER / NOSUPERUSER, a password (null: PASSWORD NULL), or an attribute
 * accepted and ignored (CONNECTION LIMIT, VALID UNTIL, INHERIT, REPLICATION, BYPASSRLS).
 */
export type RoleOption =
  | { readonly kind: 'superuser' | 'login' | 'createdb' | 'createrole' | 'inherit' | 'replication' | 'bypassrls'; readonly value: boolean }
  | { readonly kind: 'password'; readonly value: string | null }
  | { readonly kind: 'connection-limit'; readonly value: number }
  | { readonly kind: 'valid-until'; readonly value: string }

export type SettingValue = { readonly kind: 'default' } | { readonly kind: 'values'; readonly values: readonly string[] }

export type Statement =
  | Query
  | { readonly kind: 'insert'; readonly schema: string | undefined; readonly table: string; readonly tablePosition: number; readonly alias: string | undefined; readonly columns: readonly string[]; /** Where each target column is named (error positions). */ readonly columnPositions: readonly number[]; readonly source: Query | 'default-values'; readonly onConflict: OnConflict | undefined; readonly returning: Returning; readonly position: number }
  | { readonly kind: 'update'; readonly schema: string | undefined; readonly table: string; readonly tablePosition: number; readonly alias: string | undefined; readonly set: readonly Assignment[]; readonly from: readonly FromItem[]; readonly where: Expr | undefined; readonly returning: Returning; readonly position: number }
  | { readonly kind: 'delete'; readonly schema: string | undefined; readonly table: string; readonly tablePosition: number; readonly alias: string | undefined; readonly using: readonly FromItem[]; readonly where: Expr | undefined; readonly returning: Returning; readonly position: number }
  | { readonly kind: 'begin'; readonly modes: TransactionModes; readonly position: number }
  | { readonly kind: 'set-transaction'; readonly modes: TransactionModes; readonly position: number }
  | { readonly kind: 'commit'; readonly position: number }
  | { readonly kind: 'rollback'; readonly position: number }
  | { readonly kind: 'savepoint'; readonly name: string; readonly position: number }
  | { readonly kind: 'rollback-to'; readonly name: string; readonly position: number }
  | { readonly kind: 'release'; readonly name: string; readonly position: number }
  | { readonly kind: 'prepare-transaction'; readonly gid: string; readonly position: number }
  | { readonly kind: 'commit-prepared'; readonly gid: string; readonly position: number }
  | { readonly kind: 'rollback-prepared'; readonly gid: string; readonly position: number }
  | { readonly kind: 'set'; readonly scope: 'session' | 'local'; readonly name: string; readonly value: SettingValue; readonly position: number }
  | { readonly kind: 'show'; readonly name: string; readonly position: number }
  | { readonly kind: 'reset'; readonly name: string; readonly position: number }
  | { readonly kind: 'create-table'; readonly name: string; readonly ifNotExists: boolean; readonly columns: readonly ColumnDef[]; readonly constraints: readonly TableConstraint[]; readonly options: readonly { readonly name: string; readonly value: string }[]; /** Absent: the default distribution (by the first primary-key column). */ readonly distribution?: DistributionClause; readonly position: number }
  | { readonly kind: 'drop-table'; readonly names: readonly string[]; readonly ifExists: boolean; readonly behavior: 'cascade' | 'restrict' | undefined; readonly position: number }
  | { readonly kind: 'truncate'; readonly names: readonly string[]; readonly position: number }
  | { readonly kind: 'alter-table'; readonly name: string; readonly actions: readonly AlterAction[]; readonly position: number }
  | { readonly kind: 'create-index'; readonly name: string | undefined; readonly unique: boolean; readonly ifNotExists: boolean; readonly table: string; readonly method: string | undefined; readonly columns: readonly IndexColumn[]; readonly where: Expr | undefined; readonly position: number }
  | { readonly kind: 'drop-index'; readonly names: readonly string[]; readonly ifExists: boolean; readonly position: number }
  | { readonly kind: 'create-view'; readonly name: string; readonly orReplace: boolean; readonly columns: readonly string[]; readonly query: Query; readonly position: number }
  | { readonly kind: 'drop-view'; readonly names: readonly string[]; readonly ifExists: boolean; readonly position: number }
  | { readonly kind: 'create-sequence'; readonly name: string; readonly start: bigint | undefined; readonly increment: bigint | undefined; readonly position: number }
  | { readonly kind: 'vacuum'; readonly analyze: boolean; readonly tables: readonly string[]; readonly position: number }
  | { readonly kind: 'analyze'; readonly tables: readonly string[]; readonly position: number }
  | { readonly kind: 'explain'; readonly analyze: boolean; readonly statement: Statement; readonly position: number }
  | { readonly kind: 'create-database'; readonly name: string; readonly options: readonly { readonly name: string; readonly value: string | undefined }[]; readonly position: number }
  | { readonly kind: 'drop-database'; readonly name: string; readonly ifExists: boolean; readonly force: boolean; readonly position: number }
  | { readonly kind: 'create-role'; readonly name: string; /** CREATE USER: LOGIN unless NOLOGIN. */ readonly user: boolean; readonly options: readonly RoleOption[]; readonly position: number }
  | { readonly kind: 'alter-role'; readonly name: string; readonly options: readonly RoleOption[]; readonly position: number }
  | { readonly kind: 'rename-role'; readonly name: string; readonly to: string; readonly position: number }
  | { readonly kind: 'alter-database'; readonly name: string; readonly action: { readonly kind: 'rename'; readonly to: string } | { readonly kind: 'owner'; readonly owner: string }; readonly position: number }
  | { readonly kind: 'drop-role'; readonly names: readonly string[]; readonly ifExists: boolean; readonly position: number }
  | { readonly kind: 'copy'; readonly table: string; readonly columns: readonly string[]; readonly direction: 'from-stdin' | 'to-stdout'; readonly format: 'text' | 'csv'; readonly header: boolean; readonly position: number }

export type StatementKind = Statement['kind']
