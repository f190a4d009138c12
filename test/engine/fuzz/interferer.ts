/**
 * A second session that now and then holds locks the fuzzed statements run into.
 *
 *     idle ──BEGIN + lock some rows──► in a block ──more locks──► …
 *                                          ├─ COMMIT / ROLLBACK ──► idle
 *                                          └─ PREPARE TRANSACTION ──► prepared ──COMMIT/ROLLBACK PREPARED──► idle
 *
 * While it holds a row, a fuzzed write of that row waits (until the fuzzer's
 * statement_timeout or cancel ends the wait); while its transaction is prepared, a
 * fuzzed read with a newer snapshot waits for the decision. Its statements run
 * with the same short statement_timeout, so neither session waits for long, and
 * it answers only with database errors too, or the run fails.
 */
import { IsolaError, type Session } from '../../../index.js'
import type { Rng } from '../../helpers/random.js'

const LOCKS = [
  'UPDATE users SET age = age WHERE id IN (1, 2, 3)',
  'UPDATE orders SET qty = qty WHERE user_id = 2',
  'SELECT id FROM orders WHERE id < 10 FOR UPDATE',
  'SELECT k FROM kv FOR SHARE',
  'DELETE FROM tags WHERE order_id = 5',
  "INSERT INTO kv VALUES ('other', 'x') ON CONFLICT (k) DO UPDATE SET v = excluded.v",
  "UPDATE kv SET v = v WHERE k = 'a'",
  "INSERT INTO users (name, email) VALUES ('other', 'other@x') ON CONFLICT DO NOTHING",
] as const

const GID = 'fuzz_other'
/** Its statements end by statement_timeout (the fuzzer's 50 ms); this long without an answer is a hang. */
const HANG_MS = 5_000

export interface StepProblem {
  readonly problem: string
  readonly hung: boolean
}

export class Interferer {
  private prepared = false

  constructor(private readonly s: Session) {}

  /** Whether it is in a transaction or has one prepared: whether it may hold locks. */
  get holding(): boolean {
    return this.prepared || this.s.status !== 'I'
  }

  /** One step of the state machine above; what went wrong, if the session misbehaved. */
  async step(r: Rng): Promise<StepProblem | undefined> {
    let sql: string
    if (this.prepared) {
      sql = `${r.chance(0.5) ? 'COMMIT' : 'ROLLBACK'} PREPARED '${GID}'`
      this.prepared = false
    } else if (this.s.status === 'I') sql = `BEGIN; ${r.pick(LOCKS)}`
    else if (this.s.status === 'E') sql = 'ROLLBACK'
    else {
      sql = r.weighted<string>([[6, r.pick(LOCKS)], [2, 'COMMIT'], [2, 'ROLLBACK'], [1, `PREPARE TRANSACTION '${GID}'`]])
      if (sql.startsWith('PREPARE')) this.prepared = true
    }
    let timer: NodeJS.Timeout | undefined
    const hung = new Promise<'hang'>((resolve) => (timer = setTimeout(() => resolve('hang'), HANG_MS)))
    const running = this.s.execute(sql).then(() => undefined, (e: unknown) => e)
    try {
      const outcome = await Promise.race([running, hung])
      if (outcome === 'hang') return { problem: `the second session's ${sql} gave no answer in ${HANG_MS} ms`, hung: true }
      if (outcome === undefined) return undefined
      if (!(outcome instanceof IsolaError)) return { problem: `the second session's ${sql} threw a non-database error: ${String(outcome)}`, hung: false }
      if (sql.startsWith('PREPARE')) this.prepared = false
      return undefined
    } finally {
      clearTimeout(timer)
    }
  }

  /** Ends its transaction, prepared or not (before the fuzzer checks or rebuilds the schema). */
  async settle(): Promise<void> {
    if (this.s.status !== 'I') await this.s.query('ROLLBACK')
    if (this.prepared) await this.s.query(`ROLLBACK PREPARED '${GID}'`).catch(() => undefined)
    this.prepared = false
  }
}
