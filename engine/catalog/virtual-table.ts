/**
 * Virtual tables: relations computed from the catalog and the session when they
 * are scanned (pg_catalog, information_schema), with no storage of their own.
 */
import type { ConflictReport, LockWaitInfo } from '../../txn/index.js'
import type { SqlType, SqlValue } from '../values/index.js'
import type { Catalog } from './catalog.js'
import type { DatabaseInfo, RoleInfo } from '../cluster-admin.js'

/** A lock wait with the pids of the sessions whose transactions wait and hold (undefined: a prepared holder, or none). */
export interface LockWaitRow extends LockWaitInfo {
  readonly waiterPid: number | undefined
  readonly holderPid: number | undefined
}

/** What a virtual table may read when it is scanned. */
export interface VirtualContext {
  readonly catalog: Catalog
  readonly user: string
  readonly database: string
  /** Current values of the session's settings (pg_settings). */
  readonly settings: ReadonlyMap<string, string>
  /** Prepared transactions of this node (pg_prepared_xacts). */
  readonly prepared: readonly { readonly gid: string; readonly txn: number; readonly preparedAt: bigint; readonly owner: string; readonly conflicts: ConflictReport }[]
  /** The node's lock waits, one per edge of its wait-for graph, with the sessions involved (isola_lock_waits). */
  readonly lockWaits: readonly LockWaitRow[]
  /** The cluster's databases and roles (pg_database, pg_roles); absent for a database opened alone. */
  readonly cluster: { roles(): readonly RoleInfo[]; databases(): readonly DatabaseInfo[] } | undefined
}

export interface VirtualTable {
  readonly schema: 'pg_catalog' | 'information_schema'
  readonly name: string
  readonly oid: number
  readonly columns: readonly { readonly name: string; readonly type: SqlType }[]
  rows(ctx: VirtualContext): SqlValue[][]
}
