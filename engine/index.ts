/**
 * The SQL engine of one node: `open()` a database, take sessions, run SQL.
 *
 * ```ts
 * const db = await open({ dir: './data' })           // or { memory: true }
 * const s = db.session()
 * const r = await s.query('SELECT $1::int + 1 AS x', [41])   // r.rows = [{ x: 42 }]
 * await db.transaction(async (tx) => { … }, { isolation: 'serializable', retries: 5 })
 * await s.close(); await db.close()
 * ```
 */
import { Database, type OpenOptions } from './database.js'

export { Database, type OpenOptions, type TransactionOptions } from './database.js'
export { EXPLAIN_COLUMNS, result } from './results.js'
export type { Notice, PreparedStatement, QueryOptions, QueryResult, ResultColumn, StatementResult } from './results.js'
export type { Session, SessionOptions } from './session.js'
export { CopyRecords, copyFailure, copyHeader, copyLine, utf8, type CopyIn } from './copy.js'
export { durationMs } from './settings.js'
export type { SqlType, SqlValue } from './values/index.js'
/** What the wire layer needs of the value layer: type oids and sizes, text output, values it encodes in binary. */
export { Decimal, formatDate, formatTimestamp, formatValue, parseValue, T, TYPE_LENGTHS, TYPE_OIDS, typeOid, typeOfOid, typmod } from './values/index.js'

export function open(options: OpenOptions = {}): Promise<Database> {
  return Database.open(options)
}
