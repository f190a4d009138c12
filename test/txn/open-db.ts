/**
 * Opens a TxnDatabase for the tests of this folder: GC off (the checker reads every
 * version back), and SERIALIZABLE's SSI module plugged in when the database does not
 * do it by itself (TxnDatabaseOptions.ssi; without it SERIALIZABLE runs as
 * REPEATABLE READ).
 */
import type { TxnDatabase } from '../../txn/index.js'

export async function openTestDatabase(dir: string): Promise<TxnDatabase> {
  const { openTxnDatabase } = await import('../../txn/index.js')
  const { createSsi } = await import('../../txn/ssi/index.js')
  return openTxnDatabase({ dir, pageSize: 4096, gcIntervalMs: 0, ssi: createSsi() })
}
