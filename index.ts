/**
 * Isola's public surface: the only module other programs import.
 *
 * Today it offers the storage engine (a durable, crash-safe store of B+trees), MVCC
 * transactions over it, and the error type. The SQL database (`open()`) joins them
 * with the SQL layer.
 */
export { IsolaError, isIsolaError } from './common/errors.js'
export { SQLSTATE, type SqlState, type SqlStateName } from './common/sqlstate.js'
export type { Lsn, PageId, TreeId, TxnId } from './common/ids.js'
export { Store, type StoreOptions, type StoreStats } from './storage/store.js'
export type { StoreTxn, StoreTxnState } from './storage/store-txn.js'
export type { Cursor } from './storage/cursor.js'
export {
  openTxnDatabase,
  ISOLATION_LEVELS,
  type IsolationLevel,
  type ModifyResult,
  type PreparedInfo,
  type TableId,
  type Transaction,
  type TxnDatabase,
  type TxnDatabaseOptions,
  type TxnOptions,
} from './txn/index.js'
