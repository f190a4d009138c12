/**
 * The engine fuzzer's loop: draw a statement, run it on one embedded session,
 * judge the outcome, keep the session usable, repeat.
 *
 *     source ─► corpus (as is) · mutation of the corpus · generated
 *        │
 *     run ─► execute() / query() / prepare()+executePrepared(), with random parameters
 *        │     (COPY: copyFrom() with random data, or copyTo());
 *        │     statement_timeout is 50 ms, a cancel() fires at CANCEL_MS, and HANG_MS
 *        │     more without an answer is a hang
 *        ▼
 *     judge ─► success, or an IsolaError with a known SQLSTATE that is not XX000
 *        │      and a position inside the text; anything else is a failure
 *        ▼
 *     housekeeping ─► ROLLBACK a failed block · end long blocks · roll back stray
 *                     prepared transactions · restore the schema after DDL hit it,
 *                     and every RESET_EVERY statements · check invariants
 *
 * Between statements a second session (interferer.ts) now and then takes row
 * locks or prepares a transaction, so that fuzzed statements also wait, time out
 * and are cancelled.
 *
 * Failures are collected (not thrown) with the seed, the statement number, the SQL
 * and the parameters, so one run reports everything it found.
 */
import { IsolaError, SQLSTATE, open, type Database, type Session } from '../../../index.js'
import { copyData } from './copy-data.js'
import { CORPUS, parameterCount } from './corpus.js'
import { generate } from './generate.js'
import { mutate } from './mutate.js'
import { Rng } from '../../helpers/random.js'
import { Interferer } from './interferer.js'
import { BASE_OBJECTS, resetSchema } from './schema.js'
import { Watchdog } from './watchdog.js'

/** The fuzzer's settings: a short statement_timeout, so that timeouts fire (most statements take well under 1 ms). */
const SETTINGS = "RESET ALL; SET statement_timeout = '50ms'"
/** A running statement is cancelled after this long, should statement_timeout be off or not work. */
const CANCEL_MS = 250
/** No answer this long after the cancel: the statement hangs. */
const HANG_MS = 5_000
/** The event loop blocked this long: the watchdog kills the process. */
const BLOCKED_MS = 30_000
/** The schema is rebuilt this often, so that mutated DML cannot grow or empty it for long. */
const RESET_EVERY = 2_000
const CHECK_EVERY = 1_000
/** Statements an explicit transaction block may last before the fuzzer ends it. */
const MAX_BLOCK = 25
/**
 * How often the second session (interferer.ts) takes a step before a statement:
 * rarely from idle, often while it holds something, so that it holds locks for a
 * few statements at a time (each statement that waits for them costs 50 ms).
 */
const INTERFERENCE = { idle: 0.03, holding: 0.3 } as const

const KNOWN_CODES = new Set<string>(Object.values(SQLSTATE))
/** Commands that can take from the schema or its data wholesale (a CREATE only adds to it). */
const DESTRUCTIVE_COMMANDS = /^(DROP|ALTER|TRUNCATE)/

export type Source = 'corpus' | 'mutation' | 'generated'

export interface Failure {
  readonly n: number
  readonly source: Source
  readonly sql: string
  readonly params: readonly unknown[] | undefined
  readonly problem: string
}

export interface FuzzResult {
  readonly failures: Failure[]
  readonly statements: number
  readonly succeeded: number
  /** SQLSTATE → how many statements ended with it. */
  readonly codes: Map<string, number>
  readonly resets: number
  readonly ms: number
  /** Per source: statements, how many succeeded, and milliseconds spent running them. */
  readonly sources: Record<Source, { count: number; ok: number; ms: number }>
}

export interface FuzzOptions {
  readonly seed: number
  readonly count: number
  /** Stop collecting after this many failures. */
  readonly maxFailures?: number
  /** Called before each statement runs (to trace a run that dies too hard to report). */
  readonly onStatement?: (n: number, sql: string, params: readonly unknown[] | undefined) => void
}

/** Rng parameter values, good and bad, as an application might pass them. */
function randomParam(r: Rng): unknown {
  return r.weighted<() => unknown>([
    [4, () => r.pick([0, 1, -1, 42, 1.5, 2147483648, -0, Number.MAX_SAFE_INTEGER, 1e300, 5e-324])],
    [1, () => r.pick([NaN, Infinity, -Infinity])],
    [2, () => r.pick([1n, -9223372036854775808n, 9223372036854775808n, 2n ** 100n])],
    [5, () => r.pick(['1', 'abc', '', ' 7 ', '2024-01-01', '2024-01-01 12:00:00+01', 'NaN', '1e400', 'true', 'u1@example.com', '%user%', 'é😀', '\\x00ff', 'x'.repeat(5000)])],
    [2, () => r.pick([null, undefined, true, false])],
    [1, () => r.pick([new Date(0), new Date(8.64e15), new Date(NaN), new Date('1900-01-01')])],
    [1, () => r.pick([Buffer.from([0, 255]), new Uint8Array(0)])],
    [1, () => r.pick([{}, [], [1, 2], { toString: () => '1' }, Symbol('s'), () => 1])],
  ])()
}

function params(r: Rng, sql: string): unknown[] {
  const n = Math.min(parameterCount(sql), 20)
  const count = r.weighted([[8, n], [1, Math.max(0, n - 1)], [1, n + 1]])
  return Array.from({ length: count }, () => randomParam(r))
}

export async function runFuzz(options: FuzzOptions): Promise<FuzzResult> {
  const r = new Rng(options.seed)
  // Housekeeping and the second session draw from their own generators, so the
  // statements depend on the seed alone.
  const house = new Rng(options.seed ^ 0x5bd1e995)
  const interference = new Rng(options.seed ^ 0x27d4eb2f)
  const failures: Failure[] = []
  const codes = new Map<string, number>()
  const maxFailures = options.maxFailures ?? 50
  let succeeded = 0
  let resets = 0
  const sources: FuzzResult['sources'] = { corpus: { count: 0, ok: 0, ms: 0 }, mutation: { count: 0, ok: 0, ms: 0 }, generated: { count: 0, ok: 0, ms: 0 } }
  let current: { n: number; source: Source; sql: string; params: readonly unknown[] | undefined } = { n: 0, source: 'corpus', sql: '', params: undefined }
  const fail = (problem: string): void => {
    failures.push({ ...current, problem })
  }
  // A rejection nobody handles, or an exception thrown from a timer, is a crash of the
  // process in production (Node's default); here it is a failure of the statement running.
  const onRejection = (e: unknown): void => fail(`unhandled rejection: ${describe(e)}`)
  const onException = (e: unknown): void => fail(`uncaught exception: ${describe(e)}`)
  process.on('unhandledRejection', onRejection)
  process.on('uncaughtException', onException)
  const watchdog = new Watchdog(BLOCKED_MS)
  const started = performance.now()
  let db: Database | undefined
  try {
    let other!: Interferer
    const fresh = async (): Promise<Session> => {
      db = await open({ memory: true })
      const session = db.session()
      await reset(session)
      const second = db.session()
      await second.query(SETTINGS)
      other = new Interferer(second)
      return session
    }
    let s = await fresh()
    /** Rebuilds the schema once the second session has let go of it. */
    const resetAll = async (): Promise<void> => {
      await other.settle()
      await reset(s)
      resets++
    }
    let inBlock = 0
    for (let n = 1; n <= options.count && failures.length < maxFailures; n++) {
      const source = r.weighted<Source>([[1, 'corpus'], [6, 'mutation'], [3, 'generated']])
      const sql = source === 'corpus' ? r.pick(CORPUS) : source === 'mutation' ? mutate(r, r.pick(CORPUS), r.pick(CORPUS)) : generate(r)
      const withParams = parameterCount(sql) > 0 || r.chance(0.05)
      const p = withParams ? params(r, sql) : undefined
      current = { n, source, sql, params: p }
      if (interference.chance(other.holding ? INTERFERENCE.holding : INTERFERENCE.idle)) {
        const trouble = await other.step(interference)
        if (trouble !== undefined) {
          fail(trouble.problem)
          if (trouble.hung) {
            s = await fresh()
            inBlock = 0
          }
        }
      }
      watchdog.statement(n, sql)
      options.onStatement?.(n, sql, p)
      const t0 = performance.now()
      const outcome = await runOne(s, r, sql, p)
      const tally = sources[source]
      tally.count++
      tally.ms += performance.now() - t0
      if (outcome.kind === 'ok') {
        succeeded++
        tally.ok++
        if (outcome.commands.some((c) => DESTRUCTIVE_COMMANDS.test(c)) && touchesBase(sql)) {
          await resetAll()
          inBlock = 0
          continue
        }
      } else if (outcome.kind === 'error') {
        codes.set(outcome.code, (codes.get(outcome.code) ?? 0) + 1)
        if (outcome.problem !== undefined) fail(outcome.problem)
      } else {
        fail(outcome.problem)
        if (outcome.hung) {
          // The session's queue is stuck behind the statement: carry on with a new database.
          s = await fresh()
          inBlock = 0
          continue
        }
      }
      // Housekeeping: the session must stay usable whatever the statement did.
      try {
        if (s.status === 'E') await s.query('ROLLBACK')
        if (s.status === 'T' && ++inBlock > MAX_BLOCK) await s.query(house.chance(0.5) ? 'COMMIT' : 'ROLLBACK')
        if (s.status === 'I') inBlock = 0
        if (/prepare/i.test(sql) && s.status === 'I') await rollbackPrepared(s)
        if (/(^|;)\s*(set|reset)\b/i.test(sql) && s.status === 'I') await s.query(SETTINGS)
        if (n % RESET_EVERY === 0) {
          await resetAll()
          inBlock = 0
        } else if (n % CHECK_EVERY === 0 && s.status === 'I') {
          await other.settle()
          const problem = await checkInvariants(s)
          if (problem !== undefined) fail(problem)
        }
      } catch (e) {
        fail(`the session does not recover: ${describe(e)}`)
        await resetAll().catch(() => undefined)
      }
    }
    await s.close()
    return { failures, statements: Math.min(options.count, current.n), succeeded, codes, resets, ms: performance.now() - started, sources }
  } finally {
    await db?.close()
    await watchdog.stop()
    process.off('unhandledRejection', onRejection)
    process.off('uncaughtException', onException)
  }
}

type Outcome =
  | { readonly kind: 'ok'; readonly commands: readonly string[] }
  | { readonly kind: 'error'; readonly code: string; readonly problem: string | undefined }
  | { readonly kind: 'crash'; readonly problem: string; readonly hung?: boolean }

/** Runs one statement through one of the session's entry points, with a cancel and a hang limit. */
async function runOne(s: Session, r: Rng, sql: string, params: readonly unknown[] | undefined): Promise<Outcome> {
  const way = r.weighted<'execute' | 'query' | 'prepared'>([[6, 'execute'], [3, 'query'], [1, 'prepared']])
  // COPY goes through the copy API (execute() refuses it): random data in, or the table out.
  const copy = /^\s*copy\b[^;]*\b(from\s+stdin|to\s+stdout)\b[^;]*$/i.exec(sql)
  const data = copy?.[1]!.toLowerCase().startsWith('from') ? copyData(r, /\bcsv\b/i.test(sql)) : undefined
  const abandon = r.chance(0.1)
  const run = async (): Promise<readonly string[]> => {
    if (copy !== null && data === undefined) {
      await s.copyTo(sql)
      return ['COPY']
    }
    if (data !== undefined) {
      const sink = await s.copyFrom(sql)
      for (const chunk of data) await sink.write(chunk)
      if (abandon) await sink.fail('the client gave up')
      await sink.end()
      return ['COPY']
    }
    if (way === 'execute') return (await s.execute(sql, params)).map((x) => x.command)
    if (way === 'query') return [(await s.query(sql, params)).command]
    const ps = await s.prepare(sql)
    return [(await s.executePrepared(ps, params)).command]
  }
  const cancel = setTimeout(() => s.cancel(), CANCEL_MS)
  let hang: NodeJS.Timeout | undefined
  const started = performance.now()
  try {
    const hung = new Promise<'hang'>((resolve) => (hang = setTimeout(() => resolve('hang'), CANCEL_MS + HANG_MS)))
    const running = run()
    // Once the statement is given up as hung, its eventual error is nobody's: observe it here.
    running.catch(() => undefined)
    const result = await Promise.race([running, hung])
    if (result === 'hang') return { kind: 'crash', problem: `no answer after ${CANCEL_MS + HANG_MS} ms (cancelled at ${CANCEL_MS} ms)`, hung: true }
    const ms = performance.now() - started
    if (ms > CANCEL_MS + HANG_MS) return { kind: 'crash', problem: `took ${Math.round(ms)} ms (blocked the event loop past its cancel)` }
    return { kind: 'ok', commands: result }
  } catch (e) {
    const ms = performance.now() - started
    if (!(e instanceof IsolaError)) return { kind: 'crash', problem: `threw a non-database error: ${describe(e)}` }
    const code = e.code as string
    let problem: string | undefined
    if (!KNOWN_CODES.has(code)) problem = `unknown SQLSTATE ${code}: ${e.message}`
    else if (code === SQLSTATE.internal_error) problem = `internal error XX000: ${e.message}${e.cause === undefined ? '' : ` (cause: ${describe(e.cause)})`}`
    else if (code.startsWith('58') || code === SQLSTATE.data_corrupted) problem = `system error ${code}: ${e.message}`
    else if (e.position !== undefined && (!Number.isInteger(e.position) || e.position < 1 || e.position > [...sql].length + 1)) {
      problem = `position ${e.position} outside the statement (${[...sql].length} characters): ${code} ${e.message}`
    } else if (ms > CANCEL_MS + HANG_MS) problem = `took ${Math.round(ms)} ms to fail (blocked the event loop past its cancel)`
    return { kind: 'error', code, problem }
  } finally {
    clearTimeout(cancel)
    clearTimeout(hang)
  }
}

function touchesBase(sql: string): boolean {
  const lower = sql.toLowerCase()
  return BASE_OBJECTS.some((o) => lower.includes(o))
}

async function reset(s: Session): Promise<void> {
  if (s.status !== 'I') await s.query('ROLLBACK')
  await rollbackPrepared(s)
  await s.query("RESET ALL; SET statement_timeout = '10s'")
  await resetSchema(s)
  await s.query(SETTINGS)
}

async function rollbackPrepared(s: Session): Promise<void> {
  const { rows } = await s.query<{ gid: string }>('SELECT gid FROM pg_prepared_xacts')
  for (const { gid } of rows) await s.query(`ROLLBACK PREPARED '${gid.replaceAll("'", "''")}'`)
}

/**
 * What no statement may break, checked on committed data: the constraints hold
 * (primary and unique keys unique, foreign keys resolve, NOT NULL and CHECK), and
 * the schema's objects answer. A lost table (DDL the fuzzer did not notice) is
 * restored, not reported.
 */
async function checkInvariants(s: Session): Promise<string | undefined> {
  const checks: readonly (readonly [string, string])[] = [
    ['duplicate users.id', 'SELECT count(*) AS n FROM (SELECT id FROM users GROUP BY id HAVING count(*) > 1) d'],
    ['duplicate users.email', 'SELECT count(*) AS n FROM (SELECT email FROM users WHERE email IS NOT NULL GROUP BY email HAVING count(*) > 1) d'],
    ['duplicate lower(users.email)', 'SELECT count(*) AS n FROM (SELECT lower(email) FROM users WHERE email IS NOT NULL GROUP BY 1 HAVING count(*) > 1) d'],
    ['duplicate orders.id', 'SELECT count(*) AS n FROM (SELECT id FROM orders GROUP BY id HAVING count(*) > 1) d'],
    ['duplicate kv.k', 'SELECT count(*) AS n FROM (SELECT k FROM kv GROUP BY k HAVING count(*) > 1) d'],
    ['dangling orders.user_id', 'SELECT count(*) AS n FROM orders o WHERE o.user_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM users u WHERE u.id = o.user_id)'],
    ['dangling tags.order_id', 'SELECT count(*) AS n FROM tags t WHERE NOT EXISTS (SELECT 1 FROM orders o WHERE o.id = t.order_id)'],
    ['NULL or too long users.name', 'SELECT count(*) AS n FROM users WHERE name IS NULL OR length(name) > 20'],
    // NaN fits numeric(8,2) (0 * 'infinity' makes one) and sorts above every number.
    ['users.code or users.score past char(3) / numeric(8,2)', "SELECT count(*) AS n FROM users WHERE length(code) > 3 OR (abs(score) >= 1000000 AND score <> 'NaN') OR round(score, 2) <> score"],
    ['NULL or too long tags.tag', 'SELECT count(*) AS n FROM tags WHERE tag IS NULL OR length(tag) > 10'],
    ['users.age outside its CHECK', 'SELECT count(*) AS n FROM users WHERE age < 0 OR age >= 200'],
    ['orders.amount NULL or outside its CHECK', 'SELECT count(*) AS n FROM orders WHERE amount IS NULL OR amount < 0'],
  ]
  // The checks read whatever the fuzzed statements left, so they get more time than those.
  await s.query("SET statement_timeout = '30s'")
  try {
    for (const [what, sql] of checks) {
      let n: bigint
      try {
        n = (await s.query<{ n: bigint }>(sql)).rows[0]!.n
      } catch (e) {
        if (e instanceof IsolaError && (e.code === SQLSTATE.undefined_table || e.code === SQLSTATE.undefined_column)) {
          await reset(s)
          return undefined
        }
        return `invariant query failed (${what}): ${describe(e)}`
      }
      if (n !== 0n) return `invariant broken: ${what} (${n} rows)`
    }
    return undefined
  } finally {
    await s.query(SETTINGS)
  }
}

function describe(e: unknown): string {
  if (e instanceof IsolaError) return `${e.code} ${e.message}`
  if (e instanceof Error) return `${e.name}: ${e.message}\n${e.stack?.split('\n').slice(1, 6).join('\n') ?? ''}`
  return String(e)
}
