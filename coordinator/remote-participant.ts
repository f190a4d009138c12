/**
 * A shard in another process (`isola shard`), reached over the PostgreSQL wire
 * protocol: the Participant interface over wire-client.ts. Everything it sends is
 * the documented internal SQL of ARCHITECTURE.md §9.6, so what a coordinator does
 * to a shard can be typed by hand into psql:
 *
 *     begin + first statement   BEGIN ISOLATION LEVEL …; SET LOCAL isola.snapshot = '<s>'; <statement>
 *     READ COMMITTED statement  SET LOCAL isola.snapshot = '<s>'; <statement>
 *     one-phase commit          SET LOCAL isola.commit_timestamp = '<proposed>'; COMMIT; SHOW isola.last_commit_timestamp
 *     prepare                   PREPARE TRANSACTION '<gid>', then SELECT prepare_ts, … FROM isola_prepared_xacts WHERE gid = $1
 *                               (one extended-protocol batch: the gid a parameter, so the SELECT's plan is cached)
 *     phase two                 SET isola.commit_timestamp = '<ts>'   and at once   COMMIT PREPARED '<gid>'   /   ROLLBACK PREPARED '<gid>'
 *     deadlock search           SELECT … FROM isola_lock_waits;  SELECT isola_reject_lock_wait(<id>, '<detail>')   (a connection of its own)
 *
 * A branch's BEGIN waits for its first statement and travels with it (one round
 * trip), and a statement with parameters goes as one extended-protocol batch with
 * its snapshot setting. What a branch has written comes back with every reply as
 * the ParameterStatus `isola.transaction_writes`.
 *
 * An unreachable shard fails, with 08006, the transactions that need it, when they
 * need it (its begin or next statement); a shard shutting down fails them with its
 * 57P01. Other shards' transactions are untouched: connections are per shard.
 */
import type { ShardId, Timestamp } from '../common/ids.js'
import { asTimestamp } from '../common/ids.js'
import type { StatementResult } from '../engine/index.js'
import { quoteLiteral } from '../parser/index.js'
import { NO_CONFLICTS, type ConflictReport } from '../txn/index.js'
import type { ShardLockWait } from './deadlock-graph.js'
import { beginSql, refuseTransactionControl, resolved, type Branch, type BranchOptions, type Participant, type PreparedBranch, type Resolution, type StatementOptions, type Vote } from './participant.js'
import { WirePool, type WireConnection } from './wire-client.js'

export interface RemoteParticipantOptions {
  readonly id: ShardId
  readonly host: string
  readonly port: number
  /** The coordinator's identity, sent as the start-up parameter `isola.coordinator`: the shard refuses others. */
  readonly coordinator: string
  /** Connections to the shard at most (default 32). */
  readonly maxConnections?: number
  readonly connectTimeoutMs?: number
}


export class RemoteParticipant implements Participant {
  readonly id: ShardId
  private readonly pool: WirePool

  constructor(readonly options: RemoteParticipantOptions) {
    this.id = options.id
    this.pool = new WirePool(
      { host: options.host, port: options.port, params: { 'isola.coordinator': options.coordinator, application_name: `isola coordinator ${options.coordinator}` }, connectTimeoutMs: options.connectTimeoutMs },
      options.maxConnections,
    )
  }

  async begin(options: BranchOptions): Promise<Branch> {
    const conn = await this.pool.acquire()
    return new RemoteBranch(this.id, this.pool, conn, [...beginSql(options), snapshotSql(options.snapshot)])
  }

  /**
   * The coordinator's horizon: a remote shard runs with its version GC off
   * (ShardServer), so there is nothing to hold back yet.
   */
  async advanceHorizon(_ts: Timestamp): Promise<void> {}

  /**
   * The settings and COMMIT PREPARED as two messages sent at once (one round trip):
   * COMMIT PREPARED may not share a message with another statement (an implicit
   * block, as in PostgreSQL), and it never runs without its timestamp: a shard
   * refuses COMMIT PREPARED of an `isola:` gid without one (55000), so if the SET
   * failed, so does the commit, and the coordinator sends both again.
   */
  async commitPrepared(gid: string, commitTs: Timestamp, outConflict = false): Promise<Resolution> {
    const settings = `SET isola.commit_timestamp = '${commitTs}'${outConflict ? '; SET isola.commit_out_conflict = on' : ''}`
    return resolved(this.pool.with((c) => Promise.all([c.query(settings), c.query(`COMMIT PREPARED ${quoteLiteral(gid)}`)])))
  }

  async rollbackPrepared(gid: string): Promise<Resolution> {
    return resolved(this.pool.with((c) => c.query(`ROLLBACK PREPARED ${quoteLiteral(gid)}`)))
  }

  async listPrepared(): Promise<readonly PreparedBranch[]> {
    const [r] = await this.pool.with((c) => c.query('SELECT gid, prepare_ts FROM isola_prepared_xacts ORDER BY gid'))
    return r!.rows.map((row) => ({ gid: row[0] as string, preparedAt: asTimestamp(Number(row[1])) }))
  }

  async lockWaits(): Promise<readonly ShardLockWait[]> {
    const [r] = await this.control().with((c) => c.query('SELECT wait_id, waiter, waiter_gid, holder, holder_gid, lock, waited_ms FROM isola_lock_waits'))
    return r!.rows.map((row) => ({
      waitId: Number(row[0]),
      waiter: String(row[1]),
      waiterGxid: row[2] === null ? undefined : String(row[2]),
      holder: String(row[3]),
      holderGxid: row[4] === null ? undefined : String(row[4]),
      lock: String(row[5]),
      waitedMs: Number(row[6]),
    }))
  }

  async rejectLockWait(waitId: number, detail: string): Promise<boolean> {
    const [r] = await this.control().with((c) => c.query(`SELECT isola_reject_lock_wait(${waitId}, ${quoteLiteral(detail)})`))
    return r!.rows[0]?.[0] === true
  }

  async close(): Promise<void> {
    await this.controlPool?.close()
    await this.pool.close()
  }

  /**
   * A connection of its own for deadlock detection: when a deadlock has every
   * connection of the pool waiting on a lock, the search must still reach the shard.
   */
  private control(): WirePool {
    this.controlPool ??= new WirePool({ host: this.options.host, port: this.options.port, params: { 'isola.coordinator': this.options.coordinator, application_name: `isola coordinator ${this.options.coordinator} (deadlock detection)` }, connectTimeoutMs: this.options.connectTimeoutMs }, 1)
    return this.controlPool
  }
  private controlPool: WirePool | undefined
}

const snapshotSql = (ts: Timestamp): string => `SET LOCAL isola.snapshot = '${ts}'`

/**
 * What PREPARE's vote needs from the shard. One text for every gid (the gid is a
 * parameter), so the shard's plan cache keeps its plan: with the gid as a literal,
 * parsing and planning it was about a quarter of a shard's CPU for a prepared branch.
 */
const PREPARED_INFO_SQL = 'SELECT prepare_ts, rw_edges FROM isola_prepared_xacts WHERE gid = $1'

class RemoteBranch implements Branch {
  /** Statements not sent yet that must run before the next one (BEGIN and the first snapshot). */
  private prelude: string[]
  private ended = false

  constructor(
    readonly participant: ShardId,
    private readonly pool: WirePool,
    private readonly conn: WireConnection,
    prelude: string[],
  ) {
    this.prelude = prelude
  }

  /** The shard's report of the branch's writes (ParameterStatus isola.transaction_writes). */
  private get writes(): string {
    return this.conn.parameters.get('isola.transaction_writes') ?? 'none'
  }

  get hasWrites(): boolean {
    return !this.ended && this.writes !== 'none'
  }

  get hasCatalogChanges(): boolean {
    return !this.ended && this.writes === 'catalog'
  }

  async execute(sql: string, params: readonly unknown[] = [], options: StatementOptions = {}): Promise<StatementResult> {
    refuseTransactionControl(sql)
    const before = this.prelude.splice(0)
    if (options.snapshot !== undefined && before.length === 0) before.push(snapshotSql(options.snapshot))
    // Without parameters a simple Query (which also takes several statements); with them one extended batch.
    const results = params.length === 0 ? await this.conn.query([...before, sql].join(';\n')) : await this.conn.batch([...before.map((s) => ({ sql: s })), { sql, params }])
    return results[results.length - 1]!
  }

  async prepare(gid: string): Promise<Vote> {
    try {
      if (this.prelude.length > 0) return { kind: 'refused', error: new Error(`shard ${this.participant}: PREPARE of a branch that ran nothing`) }
      const [prepared, info] = await this.conn.batch([{ sql: `PREPARE TRANSACTION ${quoteLiteral(gid)}` }, { sql: PREPARED_INFO_SQL, params: [gid] }])
      // A failed block answers PREPARE with ROLLBACK, as PostgreSQL does.
      if (prepared?.command !== 'PREPARE TRANSACTION') return { kind: 'refused', error: new Error(`shard ${this.participant} rolled back a failed transaction at PREPARE`) }
      const row = info?.rows[0]
      if (row === undefined) return { kind: 'refused', error: new Error(`shard ${this.participant} lost prepared transaction ${gid}`) }
      return { kind: 'prepared', prepareTs: asTimestamp(Number(row[0])), conflicts: JSON.parse(String(row[1])) as ConflictReport }
    } catch (error) {
      return { kind: 'refused', error }
    } finally {
      await this.end()
    }
  }

  async conflicts(): Promise<ConflictReport> {
    if (this.prelude.length > 0) return NO_CONFLICTS
    const [r] = await this.conn.query('SHOW isola.rw_conflicts')
    return JSON.parse(String(r!.rows[0]![0])) as ConflictReport
  }

  async commit(proposedTs: Timestamp): Promise<Timestamp | undefined> {
    try {
      // A branch that never ran a statement has nothing to commit (its BEGIN was never sent).
      if (this.prelude.length > 0) return undefined
      const results = await this.conn.query(`SET LOCAL isola.commit_timestamp = '${proposedTs}'; COMMIT; SHOW isola.last_commit_timestamp`)
      const ts = results[2]?.rows[0]?.[0]
      return ts === undefined || ts === '' ? undefined : asTimestamp(Number(ts))
    } finally {
      await this.end()
    }
  }

  async rollback(): Promise<void> {
    await this.end()
  }

  cancel(): void {
    if (!this.ended) this.conn.cancel()
  }

  /** The branch is over: a block still open (an error cut a commit short) is rolled back, and the connection goes back. */
  private async end(): Promise<void> {
    if (this.ended) return
    this.ended = true
    try {
      if (!this.conn.isBroken && this.conn.status !== 'I') await this.conn.query('ROLLBACK')
    } catch {
      // A broken connection is closed by the pool; its session rolled back on the shard.
    } finally {
      this.pool.release(this.conn)
    }
  }
}
