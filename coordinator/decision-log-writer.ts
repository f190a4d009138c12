/**
 * The decision log's writer thread: a worker with its own connection to the log's
 * SQLite database that runs each batch of decisions (inserts) and forgets (deletes)
 * as one SQLite transaction, synchronous=FULL.
 *
 * Why a thread: better-sqlite3 is synchronous, so a commit's fsync on the event loop
 * stops the coordinator for its whole length; profiled under cross-shard transfers it
 * was 39% of the coordinator's time, with every client's statements and every shard's
 * replies waiting behind it. On the thread the loop goes on, and the decisions that
 * arrive while one batch is being synced form the next batch (group commit without a
 * timer).
 *
 * `waitSync` blocks until the batch in flight is on disk or failed (Atomics.wait on a
 * shared word the thread sets before it posts its reply): the log's close() is
 * synchronous, and must not abandon a batch whose outcome it does not know (a decision
 * that was written and whose transaction was then told "abort" would be re-driven as
 * a commit at recovery).
 *
 * The worker's source is a string run with `eval`, so the same code runs from dist/
 * and under the test runner (which loads the TypeScript sources); better-sqlite3 is
 * resolved here and its path handed over.
 */
import { createRequire } from 'node:module'
import { Worker } from 'node:worker_threads'

/** One batch: decisions to insert (gid, commit_ts, participants JSON) and gids to delete. */
export interface WriterBatch {
  /** gid, commit timestamp, participants (JSON), out_conflict (0 or 1). */
  readonly inserts: readonly (readonly [string, number, string, number])[]
  readonly removes: readonly string[]
}

/** The shared word: the state of the batch in flight. */
const IDLE = 0
const WRITING = 1
const WRITTEN = 2
const FAILED = 3

const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads')
const Sqlite = require(workerData.sqlite)
const state = new Int32Array(workerData.state)
const db = new Sqlite(workerData.file)
db.pragma('journal_mode = WAL')
db.pragma('synchronous = FULL')
const insert = db.prepare('INSERT OR REPLACE INTO decisions (gid, commit_ts, participants, out_conflict) VALUES (?, ?, ?, ?)')
const remove = db.prepare('DELETE FROM decisions WHERE gid = ?')
const write = db.transaction((batch) => {
  for (const d of batch.inserts) insert.run(d[0], d[1], d[2], d[3])
  for (const gid of batch.removes) remove.run(gid)
})
parentPort.on('message', (batch) => {
  if (batch === 'close') {
    db.close()
    parentPort.close()
    return
  }
  let error
  try {
    write(batch)
  } catch (e) {
    error = e instanceof Error ? e.message : String(e)
  }
  Atomics.store(state, 0, error === undefined ? ${WRITTEN} : ${FAILED})
  Atomics.notify(state, 0)
  parentPort.postMessage(error === undefined ? null : error)
})
`

export class DecisionLogWriter {
  private readonly worker: Worker
  private readonly state = new Int32Array(new SharedArrayBuffer(4))
  private inflight: { resolve: () => void; reject: (e: Error) => void } | undefined
  /** Why the thread is gone, once it is (later writes fail at once). */
  private dead: string | undefined

  /** `file`: the log's database, whose tables already exist. */
  constructor(file: string) {
    const sqlite = createRequire(import.meta.url).resolve('better-sqlite3')
    this.worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { file, sqlite, state: this.state.buffer } })
    this.worker.on('message', (error: string | null) => this.settle(error === null ? WRITTEN : FAILED, error))
    this.worker.on('error', (e) => {
      this.dead ??= e.message
      this.settle(FAILED, e.message)
    })
    this.worker.on('exit', () => {
      this.dead ??= 'the writer thread exited'
      this.settle(FAILED, this.dead)
    })
    this.worker.unref()
  }

  get busy(): boolean {
    return this.inflight !== undefined
  }

  /** Writes one batch (one at a time: the caller waits for the last before the next). */
  write(batch: WriterBatch): Promise<void> {
    if (this.inflight !== undefined) return Promise.reject(new Error('a decision batch is already being written'))
    if (this.dead !== undefined) return Promise.reject(new Error(`decision log write failed: ${this.dead}`))
    return new Promise((resolve, reject) => {
      this.inflight = { resolve, reject }
      Atomics.store(this.state, 0, WRITING)
      // While a batch is in flight the thread keeps the process alive, as a socket would.
      this.worker.ref()
      this.worker.postMessage(batch)
    })
  }

  /**
   * Blocks until the batch in flight (if any) is written or failed, and settles it:
   * true when it was written. Gives up after `timeoutMs` (then false: not known written).
   */
  waitSync(timeoutMs = 30_000): boolean {
    if (this.inflight === undefined) return true
    Atomics.wait(this.state, 0, WRITING, timeoutMs)
    const s = Atomics.load(this.state, 0)
    this.settle(s === WRITTEN ? WRITTEN : FAILED, s === WRITTEN ? null : 'the decision log was closed before a batch was known written')
    return s === WRITTEN
  }

  /** Ends the thread (after waitSync). */
  close(): void {
    this.worker.postMessage('close')
  }

  private settle(outcome: typeof WRITTEN | typeof FAILED, error: string | null): void {
    const p = this.inflight
    if (p === undefined) return
    this.inflight = undefined
    Atomics.store(this.state, 0, IDLE)
    this.worker.unref()
    if (outcome === WRITTEN) p.resolve()
    else p.reject(new Error(`decision log write failed: ${error}`))
  }
}
