/**
 * Isola's public surface: the only module other programs import.
 *
 * `open()` is the SQL database (sessions that run SQL with real concurrency); the
 * layers below it are public too: MVCC transactions at the key/value level
 * (`openTxnDatabase`) and the storage engine (`Store`).
 */
export { open, Database, type OpenOptions, type TransactionOptions, type Session, type SessionOptions, type QueryResult, type QueryOptions, type StatementResult, type ResultColumn, type Notice, type PreparedStatement, type CopyIn } from './engine/index.js'
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
