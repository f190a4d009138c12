/**
 * Child process for the prepared-transaction crash test: writes rows, prepares two
 * transactions, reports "prepared" on stdout and waits to be killed.
 *
 *   node dist/test/txn/prepared-writer.js DIR
 */
import { MvccDatabase } from '../../txn/database.js'

const db = await MvccDatabase.open({ dir: process.argv[2]!, pageSize: 1024, gcIntervalMs: 0 })
const table = await db.createTable()
const seed = db.begin()
for (const k of ['a', 'b', 'c']) await seed.put(table, Buffer.from(k), Buffer.from('0'))
await seed.commit()
for (const [gid, k] of [['to-commit', 'a'], ['to-abort', 'b']] as const) {
  const t = db.begin()
  await t.put(table, Buffer.from(k), Buffer.from(gid))
  await t.lockRow(table, Buffer.from('c'), 'share')
  await t.prepare(gid)
}
process.stdout.write(`prepared ${table}\n`)
setInterval(() => undefined, 1000)
