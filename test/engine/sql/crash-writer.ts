/**
 * The child process of the SQL crash test: concurrent sessions run transfers
 * between accounts, each logged with its batch number, and report every commit
 * they got an acknowledgement for on stdout, until the process is killed.
 *
 *   node dist/test/engine/sql/crash-writer.js DIR FIRST_BATCH SEED
 *
 * A batch: BEGIN; two UPDATEs that move an amount between accounts (the total never
 * changes); an INSERT into `log` (a bigserial key); sometimes a CREATE TABLE of
 * its own with a row in it (DDL commits atomically with the rest); COMMIT. Some
 * batches roll back instead, some roll back to a savepoint first.
 */
import { open } from '../../../index.js'
import { writerRandom } from '../../helpers/kill-writer.js'
import { ACCOUNTS, INITIAL } from './crash-model.js'

const [dir, firstArg, seedArg] = process.argv.slice(2)
let next = Number(firstArg)
const random = writerRandom(seedArg)
const CONCURRENCY = 4

const db = await open({ dir: dir! })
const setup = db.session()
await setup.query('CREATE TABLE IF NOT EXISTS acct (id int PRIMARY KEY, balance int NOT NULL)')
await setup.query('CREATE INDEX IF NOT EXISTS acct_balance ON acct (balance)')
await setup.query('CREATE TABLE IF NOT EXISTS log (id bigserial PRIMARY KEY, batch int NOT NULL, amount int)')
if (Number((await setup.query<{ n: bigint }>('SELECT count(*) AS n FROM acct')).rows[0]!.n) === 0) {
  await setup.query(`INSERT INTO acct SELECT g, ${INITIAL} FROM generate_series(1, ${ACCOUNTS}) g`)
}
process.stdout.write('ready\n')

async function worker(): Promise<void> {
  const s = db.session()
  for (;;) {
    const b = next++
    const from = 1 + Math.floor(random() * ACCOUNTS)
    const to = 1 + Math.floor(random() * ACCOUNTS)
    const amount = 1 + Math.floor(random() * 20)
    try {
      await s.query('BEGIN')
      await s.query('UPDATE acct SET balance = balance - $1 WHERE id = $2', [amount, from])
      await s.query('UPDATE acct SET balance = balance + $1 WHERE id = $2', [amount, to])
      if (random() < 0.1) {
        await s.query('SAVEPOINT sp')
        await s.query('UPDATE acct SET balance = 0')
        await s.query('ROLLBACK TO sp')
      }
      await s.query('INSERT INTO log (batch, amount) VALUES ($1, $2)', [b, amount])
      if (random() < 0.05) {
        await s.query(`CREATE TABLE t_${b} (x int)`)
        await s.query(`INSERT INTO t_${b} VALUES (${b})`)
      }
      if (random() < 0.1) {
        await s.query('ROLLBACK')
        continue
      }
      await s.query('COMMIT')
      process.stdout.write(`ack ${b}\n`)
    } catch (e) {
      // Deadlocks between transfers are expected: 40P01 rolls the batch back.
      await s.query('ROLLBACK').catch(() => undefined)
      if ((e as { code?: string }).code !== '40P01') throw e
    }
  }
}

await Promise.all(Array.from({ length: CONCURRENCY }, worker))
