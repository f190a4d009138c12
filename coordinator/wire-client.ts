/**
 * A small client of the PostgreSQL wire protocol for the remote participant: one
 * TCP connection to a shard (`isola shard`, or anything that speaks protocol v3 with
 * trust authentication), with pg-protocol as the codec.
 *
 * Requests are pipelined: each one is written at once and ends with exactly one
 * ReadyForQuery (a simple Query, or a batch of Parse/Bind/Describe/Execute ended by
 * one Sync), so the replies are matched to requests in order. A batch is the
 * protocol's own pipelining: `SET LOCAL isola.snapshot = …` and the statement that
 * takes the snapshot go in one round trip, and after an error the server skips the
 * rest of the batch up to its Sync, so nothing runs past a failure.
 *
 * Results come back as the engine's StatementResult: each column's type from its
 * oid and typmod, each text value through the engine's parseValue. Errors come back
 * as IsolaError with the shard's SQLSTATE; a connection that breaks fails every
 * request on it with 08006, or with the FATAL error the server sent before closing
 * (57P01 when the shard shuts down).
 */
import net from 'node:net'
import { parse, serialize } from 'pg-protocol'
import type { BackendMessage, DatabaseError } from 'pg-protocol/dist/messages.js'
import { dbError, IsolaError } from '../common/errors.js'
import type { SqlState } from '../common/sqlstate.js'
import { parseValue, T, typeOfOid, type ResultColumn, type SqlType, type SqlValue, type StatementResult } from '../engine/index.js'
import { REG_TYPES } from '../engine/values/index.js'
import type { Notice } from '../engine/results.js'

export interface WireClientOptions {
  readonly host: string
  readonly port: number
  readonly user?: string
  readonly database?: string
  /** More start-up parameters (the coordinator sends its identity as `isola.coordinator`). */
  readonly params?: Readonly<Record<string, string>>
  /** Connecting (TCP and start-up) longer than this is 08006. Default 5 s. */
  readonly connectTimeoutMs?: number
}

/** One statement of an extended-protocol batch, with text parameters. */
export interface BatchStatement {
  readonly sql: string
  readonly params?: readonly unknown[]
}

interface Pending {
  readonly results: StatementResult[]
  /** ParameterDescription's type oids (a Describe of a statement). */
  paramOids?: number[]
  /** The result being collected (its RowDescription seen, its CommandComplete not yet). */
  current: { columns: ResultColumn[] | undefined; rows: SqlValue[][]; notices: Notice[] } | undefined
  error: IsolaError | undefined
  resolve(results: StatementResult[]): void
  reject(e: unknown): void
}

export class WireConnection {
  private readonly pending: Pending[] = []
  private broken: IsolaError | undefined
  /** ReadyForQuery's transaction status after the last reply: I, T or E. */
  status: 'I' | 'T' | 'E' = 'I'
  /** The server's reported parameters (ParameterStatus), current as of the last reply. */
  readonly parameters = new Map<string, string>()
  /** BackendKeyData: what a CancelRequest for this connection must name. */
  private key: { readonly processID: number; readonly secretKey: number } | undefined

  private constructor(
    private readonly socket: net.Socket,
    readonly where: string,
    private readonly options: WireClientOptions,
  ) {}

  /** Connects and runs start-up (trust only); 08006 when the shard cannot be reached. */
  static connect(options: WireClientOptions): Promise<WireConnection> {
    const where = `${options.host}:${options.port}`
    return new Promise<WireConnection>((resolve, reject) => {
      const socket = net.connect({ host: options.host, port: options.port })
      socket.setNoDelay(true)
      const conn = new WireConnection(socket, where, options)
      let started = false
      const timer = setTimeout(() => socket.destroy(new Error(`timed out after ${options.connectTimeoutMs ?? 5000} ms`)), options.connectTimeoutMs ?? 5000)
      const fail = (e: unknown): void => {
        clearTimeout(timer)
        socket.destroy()
        reject(e)
      }
      socket.once('connect', () => socket.write(serialize.startup({ user: options.user ?? 'postgres', database: options.database ?? 'postgres', ...options.params })))
      socket.on('error', (e) => conn.fail(unreachable(where, e)))
      socket.on('close', () => {
        conn.fail(conn.broken ?? unreachable(where, new Error('the connection was closed')))
        if (!started) fail(conn.broken)
      })
      void parse(socket, (m) => {
        if (started) return conn.receive(m)
        switch (m.name) {
          case 'parameterStatus':
            return conn.receive(m)
          case 'backendKeyData':
            conn.key = m as unknown as { processID: number; secretKey: number }
            return
          case 'authenticationOk':
          case 'notice':
            return
          case 'readyForQuery':
            started = true
            clearTimeout(timer)
            return resolve(conn)
          case 'error':
            conn.broken = fromWire(m as DatabaseError)
            return fail(conn.broken)
          default:
            // A password or SASL request: the coordinator's connections use trust only.
            conn.broken = dbError('invalid_authorization_specification', `shard ${where} asked for authentication (${m.name}); a coordinator connects with trust only`)
            return fail(conn.broken)
        }
      }).catch((e: unknown) => conn.fail(unreachable(where, e)))
    })
  }

  /** Whether the connection can take requests (not broken) and is outside a transaction block. */
  get idle(): boolean {
    return this.broken === undefined && this.pending.length === 0 && this.status === 'I'
  }

  get isBroken(): boolean {
    return this.broken !== undefined
  }

  /** A simple Query: every statement's result; rejects with the first error (the server stops there). */
  query(sql: string): Promise<StatementResult[]> {
    return this.request(serialize.query(sql))
  }

  /**
   * An extended-protocol batch: Parse, Bind (text parameters), Describe and Execute
   * for each statement, then one Sync; every statement's result, or the first error
   * (the rest are skipped by the server).
   */
  batch(statements: readonly BatchStatement[]): Promise<StatementResult[]> {
    const parts: Buffer[] = []
    for (const s of statements) {
      parts.push(serialize.parse({ text: s.sql }))
      parts.push(serialize.bind({ values: (s.params ?? []).map(textParam) }))
      parts.push(serialize.describe({ type: 'P' }))
      parts.push(serialize.execute())
    }
    parts.push(serialize.sync())
    return this.request(Buffer.concat(parts))
  }

  /**
   * Parse (unnamed) and Describe of one statement, then Sync: its parameter types
   * and result columns as the shard sees them, without running it. What a
   * coordinator, which has no catalog of its own, answers a client's Parse and
   * Describe with.
   */
  describe(sql: string, paramOids: readonly number[] = []): Promise<{ paramOids: number[]; columns: ResultColumn[] | undefined }> {
    if (this.broken !== undefined) return Promise.reject(this.broken)
    const message = Buffer.concat([serialize.parse({ text: sql, types: [...paramOids] }), serialize.describe({ type: 'S' }), serialize.sync()])
    return new Promise((resolve, reject) => {
      const p: Pending = {
        results: [],
        current: undefined,
        error: undefined,
        resolve: () => resolve({ paramOids: p.paramOids ?? [], columns: p.current?.columns }),
        reject,
      }
      this.pending.push(p)
      this.socket.write(message)
    })
  }

  /**
   * Sends a CancelRequest for this connection's running statement, on a connection
   * of its own (as libpq's PQcancel): the shard interrupts it with 57014, or ignores
   * the request when nothing runs. Fire and forget: a lost request cancels nothing.
   */
  cancel(): void {
    const key = this.key
    if (key === undefined || this.broken !== undefined) return
    const s = net.connect({ host: this.options.host, port: this.options.port })
    s.on('error', () => undefined)
    s.once('connect', () => s.end(serialize.cancel(key.processID, key.secretKey)))
    setTimeout(() => s.destroy(), 2000).unref()
  }

  /** Terminate and close; pending requests fail. */
  close(): Promise<void> {
    this.broken ??= dbError('connection_failure', `connection to shard ${this.where} was closed`)
    if (this.socket.destroyed) return Promise.resolve()
    return new Promise((resolve) => {
      this.socket.once('close', () => resolve())
      this.socket.end(serialize.end())
      setTimeout(() => this.socket.destroy(), 1000).unref()
    })
  }

  private request(message: Buffer): Promise<StatementResult[]> {
    if (this.broken !== undefined) return Promise.reject(this.broken)
    return new Promise((resolve, reject) => {
      this.pending.push({ results: [], current: undefined, error: undefined, resolve, reject })
      this.socket.write(message)
    })
  }

  private receive(m: BackendMessage): void {
    const p = this.pending[0]
    switch (m.name) {
      case 'rowDescription': {
        const fields = (m as unknown as { fields: { name: string; tableID: number; columnID: number; dataTypeID: number; dataTypeModifier: number }[] }).fields
        if (p) p.current = { columns: fields.map((f) => ({ name: f.name, type: columnType(f.dataTypeID, f.dataTypeModifier), tableOid: f.tableID, attnum: f.columnID })), rows: [], notices: p.current?.notices ?? [] }
        return
      }
      case 'dataRow': {
        const cols = p?.current?.columns
        if (!p || !cols) return
        const fields = (m as unknown as { fields: (string | null)[] }).fields
        p.current!.rows.push(fields.map((text, i) => (text === null ? null : parseValue(cols[i]!.type, text))))
        return
      }
      case 'commandComplete': {
        if (!p) return
        const c = p.current
        p.current = undefined
        p.results.push(resultOf((m as unknown as { text: string }).text, c?.columns, c?.rows ?? [], c?.notices ?? []))
        return
      }
      case 'notice': {
        if (!p) return
        const n = m as unknown as DatabaseError
        p.current ??= { columns: undefined, rows: [], notices: [] }
        p.current.notices.push({ severity: n.severity === 'WARNING' ? 'WARNING' : 'NOTICE', code: n.code ?? '00000', message: n.message, detail: n.detail })
        return
      }
      case 'error': {
        const e = fromWire(m as DatabaseError)
        const severity = (m as DatabaseError).severity
        if (severity === 'FATAL' || severity === 'PANIC') {
          this.broken = e
          return
        }
        if (p) p.error ??= e
        return
      }
      case 'parameterDescription': {
        if (p) p.paramOids = (m as unknown as { dataTypeIDs: number[] }).dataTypeIDs
        return
      }
      case 'parameterStatus': {
        const ps = m as unknown as { parameterName: string; parameterValue: string }
        this.parameters.set(ps.parameterName, ps.parameterValue)
        return
      }
      case 'readyForQuery': {
        this.status = (m as unknown as { status: 'I' | 'T' | 'E' }).status
        const done = this.pending.shift()
        if (done === undefined) return
        if (done.error !== undefined) done.reject(done.error)
        else done.resolve(done.results)
        return
      }
      default:
        // parseComplete, bindComplete, noData, emptyQuery, parameterStatus …: nothing to keep.
        return
    }
  }

  private fail(e: IsolaError | undefined): void {
    const error = this.broken ?? e ?? unreachable(this.where, new Error('the connection was closed'))
    this.broken = error
    for (const p of this.pending.splice(0)) p.reject(error)
    if (!this.socket.destroyed) this.socket.destroy()
  }
}

/**
 * A result column's type: from its oid, except the reg* types, whose text is a name
 * only a catalog can turn into an oid (the shard's, not ours): those stay text, as
 * do types the value layer lacks.
 */
function columnType(oid: number, mod: number): SqlType {
  const t = typeOfOid(oid, mod)
  return t === undefined || REG_TYPES.has(t.kind) ? T.text : t
}

/** The shard could not be reached or the connection broke: 08006, as libpq reports a lost server. */
export function unreachable(where: string, e: unknown): IsolaError {
  if (e instanceof IsolaError) return e
  const reason = e instanceof Error ? e.message : String(e)
  return dbError('connection_failure', `connection to shard ${where} failed: ${reason}`, { cause: e })
}

/** An ErrorResponse rebuilt as the IsolaError it was on the shard (same SQLSTATE and fields). */
function fromWire(m: DatabaseError): IsolaError {
  return new IsolaError((m.code ?? 'XX000') as SqlState, m.message, {
    detail: m.detail,
    hint: m.hint,
    position: m.position === undefined ? undefined : Number(m.position),
    constraint: m.constraint,
    table: m.table,
    column: m.column,
  })
}

/** A command tag as the engine's result: "INSERT 0 3" → INSERT, 3; "SELECT 2" → SELECT, 2; "BEGIN" → BEGIN. */
function resultOf(tag: string, columns: ResultColumn[] | undefined, rows: SqlValue[][], notices: Notice[]): StatementResult {
  const m = /^(.*?)(?: \d+)? (\d+)$/.exec(tag)
  return { command: m !== null ? m[1]! : tag, tag, rowCount: m !== null ? Number(m[2]) : undefined, columns, rows, notices }
}

/** A parameter in text form, as node-postgres sends JavaScript values. */
function textParam(v: unknown): string | null {
  if (v === null || v === undefined) return null
  if (typeof v === 'string') return v
  if (typeof v === 'number' || typeof v === 'bigint') return String(v)
  if (typeof v === 'boolean') return v ? 'true' : 'false'
  if (v instanceof Date) return v.toISOString()
  if (v instanceof Uint8Array) return `\\x${Buffer.from(v).toString('hex')}`
  if (Array.isArray(v)) return `{${v.map((e) => { const t = textParam(e); return t === null ? 'NULL' : `"${t.replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"` }).join(',')}}`
  return JSON.stringify(v)
}

/**
 * A few connections to one shard. A branch holds one for its whole life (its
 * transaction block lives in that connection's session); a connection goes back
 * idle only outside a block and unbroken, else it is closed.
 */
export class WirePool {
  private readonly idle: WireConnection[] = []
  private readonly waiting: ((c: WireConnection | undefined) => void)[] = []
  private open = 0
  private closed = false

  constructor(
    private readonly options: WireClientOptions,
    /** Connections at most; more callers wait. Default 32. */
    private readonly max = 32,
  ) {}

  async acquire(): Promise<WireConnection> {
    if (this.closed) throw dbError('connection_failure', `the pool of shard ${this.options.host}:${this.options.port} is closed`)
    // An idle connection may have broken since (the shard restarted): it is dropped, not handed out.
    for (let c = this.idle.pop(); c !== undefined; c = this.idle.pop()) {
      if (!c.isBroken) return c
      this.open--
    }
    if (this.open >= this.max) {
      const waited = await new Promise<WireConnection | undefined>((resolve) => this.waiting.push(resolve))
      return waited ?? this.acquire()
    }
    this.open++
    try {
      return await WireConnection.connect(this.options)
    } catch (e) {
      this.open--
      this.waiting.shift()?.(undefined)
      throw e
    }
  }

  release(c: WireConnection): void {
    if (!c.idle || this.closed) {
      this.open--
      void c.close()
      this.waiting.shift()?.(undefined)
      return
    }
    const w = this.waiting.shift()
    if (w !== undefined) w(c)
    else this.idle.push(c)
  }

  /** Borrows a connection for one piece of work. */
  async with<T>(work: (c: WireConnection) => Promise<T>): Promise<T> {
    const c = await this.acquire()
    try {
      return await work(c)
    } finally {
      this.release(c)
    }
  }

  async close(): Promise<void> {
    this.closed = true
    for (const w of this.waiting.splice(0)) w(undefined)
    await Promise.all(this.idle.splice(0).map((c) => c.close()))
  }
}
