/**
 * The coordinator's view of its distributed transactions (DESIGN.md §5, last
 * paragraph): `isola_distributed_xacts`, queryable with SQL through the coordinator
 * like PostgreSQL's pg_prepared_xacts is through a server. One row per gid that the
 * coordinator or a shard knows of:
 *
 *     running here             state = the DistributedTxn's (active, failed, committing-one, preparing, deciding)
 *     decision logged          state = 'committing' (phase two re-driven until every participant acknowledges)
 *     prepared on a shard and
 *       ours, earlier epoch    state = 'in-doubt'   (no decision: recovery rolls it back, presumed abort)
 *       ours, this epoch       state = 'aborting'   (a refused 2PC whose ROLLBACK PREPARED is under way)
 *       another coordinator's  state = 'foreign'    (left alone)
 *
 * with what each shard holds prepared (every participant's isola_prepared_xacts,
 * joined by gid), so an operator sees every in-doubt transaction and where its
 * locks are. A shard that does not answer within a second is listed in
 * `unreachable` rather than holding the query up.
 *
 * Shard lists (participants, prepared_on, unreachable) are text in array form
 * ('{0,1}'): the engine has no array columns yet.
 *
 * The view lives only in the coordinator (no shard has it): a statement that names
 * it runs in a scratch in-memory engine holding the view's rows as a table, so
 * WHERE, ORDER BY, aggregates and the extended protocol work as on any table.
 * Joining it with the cluster's tables is not supported (they are not there: 42P01).
 */
import { dbError } from '../common/errors.js'
import type { ShardId } from '../common/ids.js'
import { open, type PreparedStatement, type SqlType, type StatementResult } from '../engine/index.js'
import type { Statement } from '../parser/index.js'
import { parseGid, type Coordinator } from './coordinator.js'
import { tableItems } from './routing/ast-walk.js'

export const DISTRIBUTED_XACTS_VIEW = 'isola_distributed_xacts'

const COLUMNS = `gid text, state text, isolation text, participants text, age_ms int8, snapshot int8, commit_ts int8,
  decision_logged bool, prepared_on text, unreachable text`

/** How long the view waits for one shard's list of prepared transactions. */
const SHARD_ANSWER_MS = 1000

export interface DistributedXactRow {
  readonly gid: string
  readonly state: string
  readonly isolation: string | null
  readonly participants: readonly ShardId[]
  readonly ageMs: number | null
  readonly snapshot: number | null
  readonly commitTs: number | null
  readonly decisionLogged: boolean
  readonly preparedOn: readonly ShardId[]
  readonly unreachable: readonly ShardId[]
}

const isView = (schema: string | undefined, name: string): boolean => name.toLowerCase() === DISTRIBUTED_XACTS_VIEW && (schema === undefined || schema === 'pg_catalog')

/** Whether a statement names the view, in FROM or as the target of a write (then the coordinator answers it itself). */
export function readsDistributedXacts(stmt: Statement | undefined): boolean {
  if (stmt === undefined) return false
  const target = stmt as { readonly schema?: unknown; readonly table?: unknown }
  if (typeof target.table === 'string' && isView(typeof target.schema === 'string' ? target.schema : undefined, target.table)) return true
  return tableItems(stmt).some((t) => isView(t.schema, t.name))
}

/** The view's rows now. */
export async function distributedXacts(coordinator: Coordinator): Promise<DistributedXactRow[]> {
  const shards = coordinator.shardIds
  const lists = await Promise.all(
    shards.map(async (s) => {
      try {
        return { shard: s, prepared: await withTimeout(coordinator.participant(s).listPrepared(), SHARD_ANSWER_MS) }
      } catch {
        return { shard: s, prepared: undefined }
      }
    }),
  )
  const unreachable = lists.filter((l) => l.prepared === undefined).map((l) => l.shard)
  const preparedOn = new Map<string, ShardId[]>()
  for (const l of lists) for (const p of l.prepared ?? []) preparedOn.set(p.gid, [...(preparedOn.get(p.gid) ?? []), l.shard])
  const rows: DistributedXactRow[] = []
  const seen = new Set<string>()
  const now = Date.now()
  const logged = new Map(coordinator.log.decisions().map((d) => [d.gid, d]))
  for (const t of coordinator.inFlight()) {
    seen.add(t.gid)
    const d = logged.get(t.gid)
    rows.push({
      gid: t.gid,
      state: t.state,
      isolation: t.isolation,
      participants: t.shards,
      ageMs: now - t.startedAt,
      snapshot: t.oldestSnapshot ?? null,
      commitTs: d?.commitTs ?? null,
      decisionLogged: d !== undefined,
      preparedOn: preparedOn.get(t.gid) ?? [],
      unreachable: t.shards.filter((s) => unreachable.includes(s)),
    })
  }
  for (const d of logged.values()) {
    if (seen.has(d.gid)) continue
    seen.add(d.gid)
    rows.push({ gid: d.gid, state: 'committing', isolation: null, participants: d.participants, ageMs: null, snapshot: null, commitTs: d.commitTs, decisionLogged: true, preparedOn: preparedOn.get(d.gid) ?? [], unreachable: d.participants.filter((s) => unreachable.includes(s)) })
  }
  for (const [gid, on] of preparedOn) {
    if (seen.has(gid)) continue
    const g = parseGid(gid)
    const state = g === undefined || g.coordinator !== coordinator.id ? 'foreign' : g.epoch < coordinator.epoch ? 'in-doubt' : 'aborting'
    rows.push({ gid, state, isolation: null, participants: on, ageMs: null, snapshot: null, commitTs: null, decisionLogged: false, preparedOn: on, unreachable: [] })
  }
  return rows.sort((a, b) => (a.gid < b.gid ? -1 : a.gid > b.gid ? 1 : 0))
}

/**
 * A statement over the view: run in a scratch in-memory engine where the view is a
 * table of `rows` (none, to describe it for Parse).
 */
export async function withDistributedXacts<T>(rows: readonly DistributedXactRow[], work: (s: { execute(sql: string, params?: readonly unknown[]): Promise<StatementResult[]>; prepare(sql: string, types?: readonly (SqlType | undefined)[]): Promise<PreparedStatement> }) => Promise<T>): Promise<T> {
  const db = await open({ memory: true })
  try {
    const session = db.session()
    await session.execute(`CREATE TABLE ${DISTRIBUTED_XACTS_VIEW} (${COLUMNS})`)
    const array = (shards: readonly ShardId[]) => `{${shards.join(',')}}`
    for (const r of rows) {
      await session.execute(`INSERT INTO ${DISTRIBUTED_XACTS_VIEW} VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`, [
        r.gid, r.state, r.isolation, array(r.participants), r.ageMs, r.snapshot, r.commitTs, r.decisionLogged, array(r.preparedOn), array(r.unreachable),
      ])
    }
    return await work(session)
  } finally {
    await db.close()
  }
}

/** Reads of the view only: it is the coordinator's state, not a table to change. */
export function assertReadOfView(stmt: Statement): void {
  if (stmt.kind !== 'query') throw dbError('wrong_object_type', `cannot change view "${DISTRIBUTED_XACTS_VIEW}"`, { detail: 'It shows the coordinator\'s distributed transactions; end one with ROLLBACK PREPARED on its shards, or let recovery resolve it.' })
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  return Promise.race([p, new Promise<T>((_, reject) => (timer = setTimeout(() => reject(new Error('timed out')), ms)))]).finally(() => clearTimeout(timer))
}
