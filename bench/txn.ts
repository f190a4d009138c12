/**
 * Transaction-layer benchmark: key/value transfers at each isolation level.
 *
 *   npm run build && node dist/bench/txn.js [--seconds 2]
 *
 * Each transaction reads two accounts and moves 1 from one to the other (two reads,
 * two modifies, a durable commit). Sessions are concurrent async workers in one
 * process, as embedded users run them. A transaction that fails with 40001 or 40P01
 * is counted as an abort and retried. Two data sets: a hot set of 10 keys (heavy
 * contention) and a uniform set of 100,000 keys. Prints commits/s and abort rate.
 * Before each cell, garbage collection finishes the previous cell's versions
 * (untimed), so a cell does not pay for the one before it.
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { isIsolaError } from '../common/errors.js'
import { MvccDatabase } from '../txn/database.js'
import type { IsolationLevel, TableId } from '../txn/types.js'

const arg = (name: string, dflt: number) => {
  const i = process.argv.indexOf(`--${name}`)
  return i >= 0 ? Number(process.argv[i + 1]) : dflt
}
const SECONDS = arg('seconds', 2)
const SETS = { hot: 10, uniform: 100_000 } as const
const SESSIONS = [1, 8, 64]
const LEVELS: IsolationLevel[] = ['read committed', 'repeatable read', 'serializable']

const key = (i: number) => {
  const b = Buffer.alloc(4)
  b.writeUInt32BE(i)
  return b
}
const amount = (b: Buffer | undefined) => (b ? b.readInt32LE(0) : 0)
const encode = (n: number) => {
  const b = Buffer.alloc(4)
  b.writeInt32LE(n)
  return b
}

async function load(db: MvccDatabase, n: number): Promise<TableId> {
  const table = await db.createTable()
  for (let from = 0; from < n; from += 10_000) {
    const t = db.begin()
    for (let i = from; i < Math.min(n, from + 10_000); i++) await t.put(table, key(i), encode(1000))
    await t.commit()
  }
  return table
}

async function run(db: MvccDatabase, table: TableId, n: number, sessions: number, isolation: IsolationLevel) {
  let commits = 0
  let aborts = 0
  const deadline = Date.now() + SECONDS * 1000
  let seed = 7
  const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) % n)
  const worker = async () => {
    while (Date.now() < deadline) {
      const a = rnd()
      let b = rnd()
      if (b === a) b = (a + 1) % n
      const t = db.begin({ isolation })
      try {
        t.nextStatement()
        const va = amount(await t.get(table, key(a)))
        t.nextStatement()
        await t.get(table, key(b))
        t.nextStatement()
        await t.modify(table, key(a), (v) => encode(amount(v) - 1))
        t.nextStatement()
        await t.modify(table, key(b), (v) => encode(amount(v) + 1))
        void va
        await t.commit()
        commits++
      } catch (e) {
        await t.rollback()
        if (isIsolaError(e, 'serialization_failure') || isIsolaError(e, 'deadlock_detected')) aborts++
        else throw e
      }
    }
  }
  const started = Date.now()
  await Promise.all(Array.from({ length: sessions }, worker))
  const secs = (Date.now() - started) / 1000
  return { tps: commits / secs, abortRate: aborts / Math.max(1, commits + aborts) }
}

async function main(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'isola-txn-bench-'))
  const db = await MvccDatabase.open({ dir })
  console.log(`txn benchmark: ${SECONDS} s per cell, node ${process.version}, ${os.cpus().length} cpus`)
  const tables = { hot: await load(db, SETS.hot), uniform: await load(db, SETS.uniform) }
  const results: Record<string, number> = {}
  for (const set of ['hot', 'uniform'] as const)
    for (const sessions of SESSIONS)
      for (const level of LEVELS) {
        // Collect the previous cell's old versions first (untimed), so no cell pays for another's.
        while ((await db.gcStep(100_000)) > 0) {}
        const r = await run(db, tables[set], SETS[set], sessions, level)
        results[`${set}/${sessions}/${level}`] = r.tps
        console.log(`${set.padEnd(8)} ${String(sessions).padStart(2)} sessions  ${level.padEnd(16)} ${Math.round(r.tps).toString().padStart(7)} commits/s  aborts ${(r.abortRate * 100).toFixed(1).padStart(5)}%`)
      }
  for (const sessions of SESSIONS) {
    const si = results[`uniform/${sessions}/repeatable read`]!
    const ser = results[`uniform/${sessions}/serializable`]!
    console.log(`SSI overhead over snapshot isolation, uniform set, ${sessions} sessions: ${(((si - ser) / si) * 100).toFixed(1)}%`)
  }
  // Every transfer keeps the total: check it.
  for (const set of ['hot', 'uniform'] as const) {
    const t = db.begin({ isolation: 'repeatable read' })
    const total = (await t.scan(tables[set])).reduce((s, [, v]) => s + amount(v), 0)
    await t.commit()
    if (total !== SETS[set] * 1000) throw new Error(`${set}: total ${total}, expected ${SETS[set] * 1000}`)
  }
  await db.close()
  fs.rmSync(dir, { recursive: true, force: true })
}

await main()
