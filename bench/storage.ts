/**
 * Storage benchmark: Isola's store against SQLite (better-sqlite3) in one process,
 * on the same data: a table (k INTEGER PRIMARY KEY, v BLOB) with 100-byte values.
 *
 *   npm run bench:storage [-- --keys 1000000 --commits 10000]
 *
 * Both run durable: SQLite in WAL mode with synchronous=FULL, Isola with its log
 * fsynced at every commit. Each bulk load includes a checkpoint, so the work it
 * leaves behind is not billed to the phases after it. Commits write a new value
 * each time (SQLite skips writing a row that does not change). SQLite uses prepared statements; Isola skips SQL
 * entirely here (this measures the storage engines, not the SQL layers).
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import Database from 'better-sqlite3'
import { Store } from '../storage/store.js'

const arg = (name: string, dflt: number) => {
  const i = process.argv.indexOf(`--${name}`)
  return i >= 0 ? Number(process.argv[i + 1]) : dflt
}
const KEYS = arg('keys', 1_000_000)
const COMMITS = arg('commits', 10_000)
const CONCURRENT = 8

const root = fs.mkdtempSync(path.join(process.env.BENCH_DIR ?? os.tmpdir(), 'isola-bench-'))
/** The 8-byte order-preserving encoding of a non-negative integer below 2^32 (sign bit flipped). */
const key = (i: number, into = Buffer.alloc(8)) => {
  into.writeUInt32BE(0x80000000, 0)
  into.writeUInt32BE(i, 4)
  return into
}
const value = Buffer.alloc(100, 7)
/** A value that differs per commit: SQLite skips the write (and the fsync) of an unchanged row. */
const changed = (i: number) => {
  const v = Buffer.from(value)
  v.writeUInt32LE(i + 1, 0)
  return v
}

/** A fixed random permutation, the same for both engines. */
function permutation(n: number): Uint32Array {
  const p = new Uint32Array(n)
  for (let i = 0; i < n; i++) p[i] = i
  let s = 42
  for (let i = n - 1; i > 0; i--) {
    s = (s * 1103515245 + 12345) % 2147483648
    const j = s % (i + 1)
    const t = p[i]!
    p[i] = p[j]!
    p[j] = t
  }
  return p
}

function time(fn: () => void): number {
  const t = process.hrtime.bigint()
  fn()
  return Number(process.hrtime.bigint() - t) / 1e9
}
async function timeAsync(fn: () => Promise<void>): Promise<number> {
  const t = process.hrtime.bigint()
  await fn()
  return Number(process.hrtime.bigint() - t) / 1e9
}

interface Row {
  readonly name: string
  readonly ops: number
  readonly isola: number
  readonly sqlite: number
}
const rows: Row[] = []
const record = (name: string, ops: number, isola: number, sqlite: number) => {
  rows.push({ name, ops, isola, sqlite })
  const r = (ops / isola) / (ops / sqlite)
  console.log(`${name.padEnd(34)} isola ${fmt(ops / isola)} ops/s   sqlite ${fmt(ops / sqlite)} ops/s   ratio ${r.toFixed(2)}x`)
}
const fmt = (n: number) => Math.round(n).toLocaleString('en-US').padStart(11)

async function main(): Promise<void> {
  console.log(`storage benchmark: ${KEYS.toLocaleString()} keys, ${COMMITS.toLocaleString()} durable commits, node ${process.version}, ${os.cpus().length} cpus`)
  const order = permutation(KEYS)

  // --- SQLite -----------------------------------------------------------------
  const db = new Database(path.join(root, 'sqlite.db'))
  db.pragma('journal_mode = WAL')
  db.pragma('synchronous = FULL')
  db.exec('CREATE TABLE t (k INTEGER PRIMARY KEY, v BLOB)')
  const ins = db.prepare('INSERT INTO t (k, v) VALUES (?, ?)')
  const get = db.prepare('SELECT v FROM t WHERE k = ?')
  const scan = db.prepare('SELECT k, v FROM t ORDER BY k')
  const upd = db.prepare('UPDATE t SET v = ? WHERE k = ?')
  // Each load includes its checkpoint, so the phases after it start settled on both sides.
  const sLoad = time(() => {
    db.transaction(() => { for (let i = 0; i < KEYS; i++) ins.run(i, value) })()
    db.pragma('wal_checkpoint(TRUNCATE)')
  })
  const sGet = time(() => { for (let i = 0; i < KEYS; i++) if (!get.get(order[i]!)) throw new Error('missing') })
  const sScan = time(() => { let n = 0; for (const _ of scan.iterate()) n++; if (n !== KEYS) throw new Error('scan') })
  const sCommit = time(() => { for (let i = 0; i < COMMITS; i++) upd.run(changed(i), order[i]!) })
  // better-sqlite3 is synchronous: 8 "concurrent" committers on 8 connections still commit one at a time.
  const conns = Array.from({ length: CONCURRENT }, () => {
    const c = new Database(path.join(root, 'sqlite.db'))
    c.pragma('synchronous = FULL')
    return c.prepare('UPDATE t SET v = ? WHERE k = ?')
  })
  const sConc = time(() => { for (let i = 0; i < COMMITS; i++) conns[i % CONCURRENT]!.run(changed(COMMITS + i), order[i]!) })

  // --- Isola --------------------------------------------------------------------
  const store = await Store.open({ dir: path.join(root, 'isola') })
  const setup = store.begin()
  const tree = setup.createTree()
  await setup.commit()
  const k = Buffer.alloc(8)
  const iLoad = await timeAsync(async () => {
    const t = store.begin()
    for (let i = 0; i < KEYS; i++) t.put(tree, key(i, k), value)
    await t.commit()
    await store.checkpoint()
  })
  const iGet = time(() => { for (let i = 0; i < KEYS; i++) if (!store.get(tree, key(order[i]!, k))) throw new Error('missing') })
  const iScan = time(() => {
    const c = store.cursor(tree)
    let n = 0
    for (let ok = c.first(); ok; ok = c.next()) {
      // Copy the value out as SQLite's iterate() does, so both hand the caller the same.
      Buffer.from(c.value)
      n++
    }
    c.close()
    if (n !== KEYS) throw new Error('scan')
  })
  const phase = (name: string) => {
    const s = store.stats()
    if (process.env.BENCH_VERBOSE) console.log(`  after ${name}: page reads ${s.pageReads}, page writes ${s.pageWrites}, checkpoints ${s.checkpoints}, pool frames ${s.poolFrames}`)
  }
  phase('load, gets, scan')
  const iCommit = await timeAsync(async () => {
    for (let i = 0; i < COMMITS; i++) {
      const t = store.begin()
      t.put(tree, key(order[i]!), changed(i))
      await t.commit()
    }
  })
  phase('commits one at a time')
  const iConc = await timeAsync(async () => {
    let next = 0
    await Promise.all(Array.from({ length: CONCURRENT }, async () => {
      while (next < COMMITS) {
        const i = next++
        const t = store.begin()
        t.put(tree, key(order[i]!), changed(COMMITS + i))
        await t.commit()
      }
    }))
  })
  phase('concurrent commits')
  await store.close()
  db.close()
  for (const c of conns) c.database.close()

  record('bulk load (1 transaction)', KEYS, iLoad, sLoad)
  record('random point get', KEYS, iGet, sGet)
  record('full ordered scan', KEYS, iScan, sScan)
  record('durable commits, one at a time', COMMITS, iCommit, sCommit)
  record(`durable commits, ${CONCURRENT} concurrent`, COMMITS, iConc, sConc)
  fs.rmSync(root, { recursive: true, force: true })
}

await main()
