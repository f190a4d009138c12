/**
 * A watchdog for statements that never give the event loop back.
 *
 * A statement stuck in a synchronous loop stops every timer in its process, the
 * test's own timeout included: the run would hang without saying which statement
 * hung. So a worker thread (plain JavaScript, evaluated: no TypeScript loader
 * needed) watches a shared counter that the fuzzer bumps per statement. If the
 * counter stands still for `limitMs`, it prints the statement the fuzzer published
 * last and kills the process, which fails the run with the culprit named.
 */
import { Worker } from 'node:worker_threads'

const MAX_SQL_BYTES = 4096

const WORKER = `
const { workerData } = require('node:worker_threads')
const fs = require('node:fs')
const { counter, sql, limitMs } = workerData
const ticks = new Int32Array(counter)
const text = new Uint8Array(sql)
let last = Atomics.load(ticks, 0)
let since = Date.now()
setInterval(() => {
  const now = Atomics.load(ticks, 0)
  if (now < 0) process.exit(0)
  if (now !== last) { last = now; since = Date.now(); return }
  if (Date.now() - since < limitMs) return
  const len = text.indexOf(0) < 0 ? text.length : text.indexOf(0)
  fs.writeSync(2, '\\nFUZZ WATCHDOG: statement #' + now + ' has blocked the event loop for ' + (Date.now() - since) + ' ms:\\n' + Buffer.from(text.subarray(0, len)).toString() + '\\n')
  process.kill(process.pid, 'SIGKILL')
}, 250)
`

export class Watchdog {
  private readonly ticks: Int32Array
  private readonly text: Uint8Array
  private readonly worker: Worker
  private readonly encoder = new TextEncoder()

  constructor(limitMs: number) {
    const counter = new SharedArrayBuffer(4)
    const sql = new SharedArrayBuffer(MAX_SQL_BYTES)
    this.ticks = new Int32Array(counter)
    this.text = new Uint8Array(sql)
    this.worker = new Worker(WORKER, { eval: true, workerData: { counter, sql, limitMs } })
    this.worker.unref()
  }

  /** The fuzzer is about to run statement `n`. */
  statement(n: number, sql: string): void {
    const bytes = this.encoder.encode(sql.length > MAX_SQL_BYTES ? sql.slice(0, MAX_SQL_BYTES - 100) : sql)
    const len = Math.min(bytes.length, MAX_SQL_BYTES - 1)
    this.text.set(bytes.subarray(0, len))
    this.text[len] = 0
    Atomics.store(this.ticks, 0, n)
  }

  async stop(): Promise<void> {
    Atomics.store(this.ticks, 0, -1)
    await this.worker.terminate()
  }
}
