/**
 * One client connection: the protocol's state machine over a socket.
 *
 *     start-up ──StartupMessage──► auth ──ok──► ready ◄──────────────┐
 *       │ SSLRequest/GSSENCRequest: 'N'          │ Query  → results, ReadyForQuery
 *       │ CancelRequest: cancel, close           │ Parse/Bind/Describe/Execute/Close
 *       └ timeout, bad packet: FATAL, close      │   (extended-query.ts; an error
 *                                                │    skips to Sync)
 *                                                ├ Query "COPY … FROM STDIN" ─► copy-in
 *                                                │   CopyData* then CopyDone/CopyFail
 *                                                └ Terminate, socket closed: the
 *                                                  session rolls back and closes
 *
 * Messages are handled one at a time in arrival order (a handler returns a promise
 * only when it has to wait, so Bind, Describe, Close and Sync cost no await); what they produce goes into
 * one BackendWriter and leaves in one socket write when no complete message is left
 * to handle (or at Flush, before waiting for COPY data, and when a large result
 * fills 256 KiB). A client that sends faster than it reads stops being read until
 * the socket drains.
 *
 * Errors: a database error is an ErrorResponse and the connection goes on; a
 * framing error (bad length, oversized message) or a failure during start-up is
 * FATAL and closes this connection only. Nothing a client sends can throw out of
 * here: the handlers' failures are caught and become messages.
 */
import type { Socket } from 'node:net'
import { TLSSocket, type SecureContext } from 'node:tls'
import type { Logger } from 'pino'
import { dbError, isIsolaError } from '../common/errors.js'
import { durationMs, type CopyIn } from '../engine/index.js'
import { parse } from '../parser/index.js'
import { CopyInMode } from './copy-in.js'
import { ExtendedQuery } from './extended-query.js'
import { BackendWriter } from './protocol/backend.js'
import { errorFields } from './protocol/error-fields.js'
import { FrameReader } from './protocol/frame-reader.js'
import { decodeMessage, decodeStartup, type FrontendMessage } from './protocol/frontend.js'
import { sendNotices, sendRowDescription, sendRows } from './results-out.js'
import { REPORTED, startupSettings } from './startup-params.js'
import type { AuthExchange, AuthStep } from './auth/index.js'
import type { ServerOptions, WireSession } from './server-options.js'

/** Bytes of output after which a long result is sent before it is complete. */
const SEND_AT_BYTES = 256 * 1024
/** Unread input beyond this pauses the socket until the backlog is handled. */
const PAUSE_AT_BYTES = 1024 * 1024

type State = 'startup' | 'auth' | 'ready' | 'copy-in' | 'closed'

export interface ConnectionInfo {
  readonly pid: number
  readonly user: string
  readonly database: string
  readonly applicationName: string
  readonly clientAddress: string
  readonly backendStart: string
  readonly state: string
}

/** What a connection needs of its server. */
export interface ConnectionHost {
  readonly options: ServerOptions
  readonly log: Logger
  readonly maxMessageBytes: number
  readonly startupTimeoutMs: number
  /** Set when the server has a certificate and key: SSLRequest is answered with TLS. */
  readonly secureContext: SecureContext | undefined
  /** Registers the connection for CancelRequests; returns its key. */
  register(c: Connection): { pid: number; secret: number }
  /** A CancelRequest arrived with this key. */
  cancel(pid: number, secret: number): void
  closed(c: Connection): void
}

export class Connection {
  private readonly reader: FrameReader
  private readonly out = new BackendWriter()
  private state: State = 'startup'
  private session: WireSession | undefined
  private extended: ExtendedQuery | undefined
  private auth: AuthExchange | undefined
  private copyIn: CopyInMode | undefined
  private user = ''
  private database = ''
  private busy = false
  private startupTimer: NodeJS.Timeout | undefined
  private idleTimer: NodeJS.Timeout | undefined
  /** ParameterStatus values last sent, to report changes after SET. */
  private reported = new Map<string, string>()
  private startupParams: ReadonlyMap<string, string> = new Map()
  private readonly startedAt = new Date()
  /** BackendKeyData: what a CancelRequest must name. */
  key = { pid: 0, secret: 0 }

  constructor(
    private socket: Socket,
    private readonly host: ConnectionHost,
  ) {
    this.reader = new FrameReader(host.maxMessageBytes)
    socket.setNoDelay(true)
    this.attach(socket)
    this.startupTimer = setTimeout(() => this.fatal(dbError('protocol_violation', 'canceling authentication due to timeout')), host.startupTimeoutMs)
  }

  private attach(socket: Socket): void {
    socket.on('data', this.onData)
    socket.on('error', () => undefined) // 'close' follows; a reset client is not our error
    socket.on('close', () => void this.shutdown())
    socket.on('drain', () => {
      if (this.state !== 'closed' && this.reader.buffered < PAUSE_AT_BYTES) socket.resume()
    })
  }

  /**
   * SSLRequest with a certificate configured: 'S', then the TLS handshake on the same
   * socket, and start-up goes on inside it. The plain socket's own listeners are
   * dropped; the TLS socket's 'close' ends the connection.
   */
  private startTls(secureContext: SecureContext): void {
    const plain = this.socket
    plain.removeAllListeners('data')
    plain.removeAllListeners('close')
    plain.removeAllListeners('drain')
    plain.write('S')
    const secure = new TLSSocket(plain, { isServer: true, secureContext })
    this.socket = secure
    this.attach(secure)
  }

  /** What pg_stat_activity would say of this connection (the HTTP admin lists it). */
  info(): ConnectionInfo {
    const status = this.session?.status
    return {
      pid: this.key.pid,
      user: this.user,
      database: this.database,
      applicationName: this.session?.settings.get('application_name') ?? '',
      clientAddress: this.socket.remoteAddress ?? '',
      backendStart: this.startedAt.toISOString(),
      state: this.state !== 'ready' && this.state !== 'copy-in' ? this.state : this.busy ? 'active' : status === 'T' ? 'idle in transaction' : status === 'E' ? 'idle in transaction (aborted)' : 'idle',
    }
  }

  /** Cancels the running statement (a CancelRequest with this connection's key). */
  cancel(): void {
    this.session?.cancel()
  }

  /** Ends the connection from the server's side (shutdown): FATAL 57P01, then close. */
  terminate(): void {
    this.fatal(dbError('admin_shutdown', 'terminating connection due to administrator command'))
  }

  // ── input ──────────────────────────────────────────────────────────────────

  private readonly onData = (chunk: Buffer): void => {
    if (this.state === 'closed') return
    this.reader.push(chunk)
    if (this.reader.buffered > PAUSE_AT_BYTES) this.socket.pause()
    if (!this.busy) void this.pump()
  }

  /** Handles every complete message, one at a time, then sends what they produced. */
  private async pump(): Promise<void> {
    this.busy = true
    try {
      for (;;) {
        if (this.state === 'closed') return
        let frame
        try {
          frame = this.reader.next()
        } catch (e) {
          return this.fatal(e)
        }
        if (frame === undefined) break
        clearTimeout(this.idleTimer)
        if (this.state === 'startup') await this.onStartup(frame.payload)
        else {
          let m: FrontendMessage
          try {
            m = decodeMessage(frame)
          } catch (e) {
            // A well-framed but malformed message: the stream is still in step, so the connection survives.
            this.error(e)
            this.extended?.failed()
            continue
          }
          const waiting = this.onMessage(m)
          if (waiting !== undefined) await waiting
        }
        if (this.out.size > SEND_AT_BYTES) this.send()
      }
      this.send()
      if (this.reader.buffered < PAUSE_AT_BYTES && this.socket.writableLength < PAUSE_AT_BYTES) this.socket.resume()
    } catch (e) {
      // A handler's bug: the client hears of it; the process goes on.
      this.host.log.error({ err: e }, 'connection handler failed')
      this.fatal(e)
    } finally {
      this.busy = false
    }
  }

  private async onStartup(payload: Buffer): Promise<void> {
    let m
    try {
      m = decodeStartup(payload)
    } catch (e) {
      return this.fatal(e)
    }
    switch (m.kind) {
      case 'ssl-request':
        if (this.host.secureContext !== undefined && !(this.socket instanceof TLSSocket)) return this.startTls(this.host.secureContext)
        // No certificate configured: 'N', and the client goes on in the clear (or gives up).
        this.out.rawByte('N')
        this.send()
        return
      case 'gssenc-request':
        this.out.rawByte('N') // no GSSAPI
        this.send()
        return
      case 'cancel':
        this.host.cancel(m.pid, m.secret)
        return this.close()
      case 'startup': {
        this.reader.startup = false
        const user = m.params.get('user')
        if (user === undefined || user === '') return this.fatal(dbError('invalid_authorization_specification', 'no PostgreSQL user name specified in startup packet'))
        this.user = user
        this.database = m.params.get('database') || user
        this.startupParams = m.params
        this.auth = this.host.options.authenticate?.(user, this.database, this.socket.remoteAddress)
        this.state = 'auth'
        return this.authStep(this.auth?.start() ?? { kind: 'ok' })
      }
    }
  }

  private async authStep(step: AuthStep): Promise<void> {
    switch (step.kind) {
      case 'cleartext':
        return this.out.authentication(3)
      case 'md5':
        return this.out.authentication(5, step.salt)
      case 'sasl':
        return this.out.authenticationSasl(step.mechanisms)
      case 'sasl-continue':
        return this.out.authentication(11, step.data)
      case 'sasl-final':
        this.out.authentication(12, step.data)
        return this.authStep({ kind: 'ok' })
      case 'ok':
        return this.begin()
    }
  }

  /** Authentication passed: open the session and tell the client the server's parameters. */
  private async begin(): Promise<void> {
    let session: WireSession
    try {
      session = await this.host.options.session({ user: this.user, database: this.database, applicationName: this.startupParams.get('application_name') ?? '', startupParams: this.startupParams })
    } catch (e) {
      return this.fatal(e)
    }
    if (this.state === 'closed') {
      void session.close()
      return
    }
    this.session = session
    this.out.authentication(0)
    try {
      for (const sql of startupSettings(this.startupParams)) await session.execute(sql)
    } catch (e) {
      return this.fatal(e)
    }
    clearTimeout(this.startupTimer)
    this.extended = new ExtendedQuery(session, this.out)
    this.reportParameters()
    this.key = this.host.register(this)
    this.out.backendKeyData(this.key.pid, this.key.secret)
    this.state = 'ready'
    this.readyForQuery()
    this.host.log.debug({ user: this.user, database: this.database, pid: this.key.pid }, 'connection ready')
  }

  /** Handles a message; a promise only when it must wait, so that most messages cost no await. */
  private onMessage(m: FrontendMessage): void | Promise<void> {
    if (m.kind === 'terminate') return this.close()
    switch (this.state) {
      case 'auth':
        if (m.kind !== 'password' || this.auth === undefined) return this.fatal(dbError('protocol_violation', `expected password response, got message type ${m.kind}`))
        try {
          return this.authStep(this.auth.respond(m.payload)).catch((e: unknown) => this.fatal(e))
        } catch (e) {
          return this.fatal(e)
        }
      case 'copy-in':
        return this.copyIn!.handle(m).then((over) => {
          if (over) this.endCopy()
        })
      case 'ready':
        return this.onReady(m)
      default:
        return
    }
  }

  private onReady(m: FrontendMessage): void | Promise<void> {
    const session = this.session!
    switch (m.kind) {
      case 'query':
        return this.simpleQuery(session, m.sql)
      case 'sync': {
        const ending = this.extended!.sync()
        if (ending === undefined) return this.afterSync()
        return ending.then(() => this.afterSync())
      }
      case 'flush':
        return this.send()
      case 'copy-data':
      case 'copy-done':
      case 'copy-fail':
        return // PostgreSQL ignores COPY messages outside COPY mode
      case 'password':
        this.error(dbError('protocol_violation', 'unexpected password message'))
        return
      case 'function-call':
        this.error(dbError('feature_not_supported', 'the function call protocol is not supported'))
        return
      default:
        return this.extended!.handle(m)
    }
  }

  private afterSync(): void {
    this.reportParameters()
    this.readyForQuery()
  }

  // ── simple query ───────────────────────────────────────────────────────────

  private async simpleQuery(session: WireSession, sql: string): Promise<void> {
    const copy = copyDirection(sql)
    if (copy === 'from-stdin') return this.beginCopyIn(session, sql)
    try {
      if (copy === 'to-stdout') {
        const { data, rowCount } = await session.copyTo(sql)
        this.out.copyResponse('H', 0)
        if (data.length > 0) this.out.copyData(data)
        this.out.copyDone()
        this.out.commandComplete(`COPY ${rowCount}`)
      } else {
        let any = false
        await session.execute(sql, [], (r) => {
          any = true
          sendNotices(this.out, r)
          if (r.columns !== undefined) {
            sendRowDescription(this.out, r.columns)
            sendRows(this.out, r, 0, r.rows.length)
          }
          this.out.commandComplete(r.tag)
        })
        if (!any) this.out.emptyQueryResponse()
      }
    } catch (e) {
      this.error(e)
    }
    this.reportParameters()
    this.readyForQuery()
  }

  // ── COPY FROM STDIN ────────────────────────────────────────────────────────

  private async beginCopyIn(session: WireSession, sql: string): Promise<void> {
    let copy: CopyIn
    try {
      copy = await session.copyFrom(sql)
    } catch (e) {
      this.error(e)
      return this.readyForQuery()
    }
    this.copyIn = new CopyInMode(copy, this.out, (e) => this.error(e))
    this.out.copyResponse('G', copy.columns)
    this.state = 'copy-in'
    this.send()
  }

  private endCopy(): void {
    this.copyIn = undefined
    this.state = 'ready'
    this.readyForQuery()
  }

  // ── output ─────────────────────────────────────────────────────────────────

  private readyForQuery(): void {
    const status = this.session?.status ?? 'I'
    this.out.readyForQuery(status)
    this.armIdleTimeout(status)
  }

  /** idle_in_transaction_session_timeout: a session idle inside a transaction block is ended (25P03). */
  private armIdleTimeout(status: 'I' | 'T' | 'E'): void {
    clearTimeout(this.idleTimer)
    if (status === 'I') return
    const ms = durationMs(this.session?.settings.get('idle_in_transaction_session_timeout') ?? '0')
    if (ms > 0) this.idleTimer = setTimeout(() => this.fatal(dbError('idle_in_transaction_session_timeout', 'terminating connection due to idle-in-transaction timeout')), ms)
  }

  /** ParameterStatus for each reported setting whose value changed (SET, RESET, a rolled-back SET). */
  private reportParameters(): void {
    if (this.session === undefined) return
    for (const p of REPORTED) {
      const value = p.value(this.session, this.user)
      if (value === undefined || this.reported.get(p.name) === value) continue
      this.reported.set(p.name, value)
      this.out.parameterStatus(p.name, value)
    }
  }

  private error(e: unknown): void {
    if (!isIsolaError(e)) this.host.log.error({ err: e }, 'internal error in a statement')
    this.out.errorOrNotice('E', errorFields(e))
  }

  private send(): void {
    if (!this.out.pending || this.state === 'closed') return
    if (!this.socket.write(this.out.take())) this.socket.pause()
  }

  /** A FATAL error: sent, then the connection closes. */
  private fatal(e: unknown): void {
    if (this.state === 'closed') return
    if (!isIsolaError(e)) this.host.log.error({ err: e }, 'connection failed')
    this.out.errorOrNotice('E', errorFields(e, 'FATAL'))
    this.send()
    this.close()
  }

  private close(): void {
    if (this.state === 'closed') return
    this.send()
    this.state = 'closed'
    this.socket.end()
    void this.shutdown()
  }

  private shutdownDone: Promise<void> | undefined

  /** Releases everything: the session's transaction is rolled back and its locks freed. */
  private shutdown(): Promise<void> {
    this.shutdownDone ??= (async () => {
      this.state = 'closed'
      clearTimeout(this.startupTimer)
      clearTimeout(this.idleTimer)
      if (!this.socket.destroyed && this.socket.writableLength === 0) this.socket.end()
      this.host.closed(this)
      await this.session?.close().catch((e: unknown) => this.host.log.error({ err: e }, 'closing a session failed'))
    })()
    return this.shutdownDone
  }

  /** Resolves once the connection is closed and its session released. */
  get finished(): Promise<void> {
    return this.shutdownDone ?? Promise.resolve()
  }
}

/** A simple query that is one COPY to or from the client, which switches the protocol into COPY mode. */
function copyDirection(sql: string): 'from-stdin' | 'to-stdout' | undefined {
  if (!/^\s*copy\b/i.test(sql)) return undefined
  try {
    const statements = parse(sql)
    const s = statements[0]
    if (statements.length !== 1 || s === undefined || s.kind !== 'copy') return undefined
    return s.direction === 'from-stdin' || s.direction === 'to-stdout' ? s.direction : undefined
  } catch {
    return undefined // the engine reports the syntax error when it runs it
  }
}
