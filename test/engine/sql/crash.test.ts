/**
 * Kill -9 of a process running SQL transactions (crash-writer.ts), again and again:
 * after each restart every acknowledged commit is there (its log row, its table),
 * transfers are all-or-nothing (the total balance never changes), the secondary
 * index agrees with the table, and the log's sequence never hands out a value twice.
 */
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { open } from '../../../index.js'
import { crashSeed, runAndKill } from '../../helpers/kill-writer.js'
import { Rng } from '../../helpers/random.js'
import { ACCOUNTS, INITIAL } from './crash-model.js'
import { tempDir } from './helpers.js'

const WRITER = path.resolve('dist/test/engine/sql/crash-writer.js')
const ROUNDS = 8

const rng = new Rng(crashSeed)
const random = () => rng.next()

describe('SQL transactions across kill -9', () => {
  it(`keeps every acknowledged commit and never half of one (${ROUNDS} kills, seed ${crashSeed})`, async () => {
    const dir = tempDir()
    const acked = new Set<number>()
    let first = 0
    for (let round = 0; round < ROUNDS; round++) {
      const run = await runAndKill(WRITER, [dir, String(first), String(Math.floor(random() * 1e6))], 150 + Math.floor(random() * 400))
      for (const b of run.acked) acked.add(b)
      first += 100_000
      const db = await open({ dir, gcIntervalMs: 0 })
      try {
        const s = db.session()
        const total = await s.query<{ t: bigint }>('SELECT sum(balance) AS t FROM acct')
        expect(total.rows[0]!.t).toBe(BigInt(ACCOUNTS * INITIAL))
        const logged = new Set((await s.query<{ batch: number }>('SELECT batch FROM log')).rows.map((r) => r.batch))
        for (const b of acked) expect(logged.has(b), `batch ${b} acknowledged but missing`).toBe(true)
        // Tables created by acknowledged batches exist, with their row.
        const tables = (await s.query<{ tablename: string }>("SELECT tablename FROM pg_tables WHERE tablename LIKE 't\\_%'")).rows.map((r) => r.tablename)
        for (const t of tables) {
          const b = Number(t.slice(2))
          expect((await s.query(`SELECT x FROM ${t}`)).rows).toEqual([{ x: b }])
          expect(logged.has(b), `table ${t} without its batch`).toBe(true)
        }
        // The index on balance returns exactly the table's rows.
        const byTable = (await s.query('SELECT id, balance FROM acct ORDER BY id')).rows
        const byIndex = (await s.query('SELECT id, balance FROM acct WHERE balance BETWEEN -1000000 AND 1000000')).rows
        expect((await s.query('EXPLAIN SELECT id, balance FROM acct WHERE balance BETWEEN -1000000 AND 1000000')).rows[0]!['QUERY PLAN']).toContain('acct_balance')
        expect([...byIndex].sort((a, b) => (a.id as number) - (b.id as number))).toEqual(byTable)
        // The sequence continues past every id it handed out before the crash.
        const max = (await s.query<{ m: bigint | null }>('SELECT max(id) AS m FROM log')).rows[0]!.m ?? 0n
        const fresh = await s.query<{ id: bigint }>('INSERT INTO log (batch) VALUES (-1) RETURNING id')
        expect(fresh.rows[0]!.id > max).toBe(true)
        await s.query('DELETE FROM log WHERE batch = -1')
      } finally {
        await db.close()
      }
    }
    expect(acked.size).toBeGreaterThan(ROUNDS)
  }, 180_000)
})
