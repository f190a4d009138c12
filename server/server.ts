/**
 * The PostgreSQL wire-protocol server: a TCP listener whose connections each run
 * a Connection (connection.ts) over a session of the database they name.
 *
 * It keeps the table of live connections by their BackendKeyData (a process id
 * of its own numbering and a random secret), so a CancelRequest arriving on a new
 * connection finds the session to cancel only with the right secret; and it
 * refuses connections beyond the limit with 53300 after reading nothing, as
 * PostgreSQL's "sorry, too many clients already".
 */
import { randomInt } from 'node:crypto'
import net from 'node:net'
import { createSecureContext, type SecureContext } from 'node:tls'
import pino, { type Logger } from 'pino'
import { dbError } from '../common/errors.js'
import { Connection, type ConnectionHost, type ConnectionInfo } from './connection.js'
import { BackendWriter } from './protocol/backend.js'
import { errorFields } from './protocol/error-fields.js'
import { DEFAULT_MAX_CONNECTIONS, DEFAULT_MAX_MESSAGE_BYTES, DEFAULT_PORT, DEFAULT_STARTUP_TIMEOUT_MS, type ServerOptions } from './server-options.js'

export class WireServer implements ConnectionHost {
  readonly log: Logger
  readonly maxMessageBytes: number
  readonly startupTimeoutMs: number
  readonly secureContext: SecureContext | undefined
  private readonly server: net.Server
  private readonly connections = new Set<Connection>()
  private readonly byPid = new Map<number, Connection>()
  private nextPid = 1000 + randomInt(1000)
  private closing = false

  private constructor(readonly options: ServerOptions) {
    this.log = options.logger ?? pino({ level: 'silent' })
    this.maxMessageBytes = options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES
    this.startupTimeoutMs = options.startupTimeoutMs ?? DEFAULT_STARTUP_TIMEOUT_MS
    this.secureContext = options.tls === undefined ? undefined : createSecureContext({ cert: options.tls.cert, key: options.tls.key })
    this.server = net.createServer((socket) => this.accept(socket))
  }

  /** Starts listening; resolves once connections are accepted. */
  static async listen(options: ServerOptions): Promise<WireServer> {
    const s = new WireServer(options)
    await new Promise<void>((resolve, reject) => {
      s.server.once('error', reject)
      s.server.listen(options.port ?? DEFAULT_PORT, options.host ?? '127.0.0.1', () => {
        s.server.off('error', reject)
        resolve()
      })
    })
    s.server.on('error', (e) => s.log.error({ err: e }, 'listener error'))
    return s
  }

  get port(): number {
    return (this.server.address() as net.AddressInfo).port
  }

  get host(): string {
    return (this.server.address() as net.AddressInfo).address
  }

  /** The open connections, as pg_stat_activity shows them. */
  activity(): ConnectionInfo[] {
    return [...this.connections].map((c) => c.info())
  }

  /** Connections open now. */
  get connectionCount(): number {
    return this.connections.size
  }

  private accept(socket: net.Socket): void {
    if (this.closing || this.connections.size >= (this.options.maxConnections ?? DEFAULT_MAX_CONNECTIONS)) {
      const out = new BackendWriter()
      out.errorOrNotice('E', errorFields(this.closing ? dbError('cannot_connect_now', 'the database system is shutting down') : dbError('too_many_connections', 'sorry, too many clients already'), 'FATAL'))
      socket.on('error', () => undefined)
      socket.end(out.take())
      return
    }
    this.connections.add(new Connection(socket, this))
  }

  register(c: Connection): { pid: number; secret: number } {
    const pid = this.nextPid++
    const key = { pid, secret: randomInt(0x7fffffff) }
    this.byPid.set(pid, c)
    return key
  }

  cancel(pid: number, secret: number): void {
    const c = this.byPid.get(pid)
    // A wrong secret is ignored silently, as PostgreSQL does: no oracle for guessing keys.
    if (c !== undefined && c.key.secret === secret) c.cancel()
  }

  closed(c: Connection): void {
    this.connections.delete(c)
    if (this.byPid.get(c.key.pid) === c) this.byPid.delete(c.key.pid)
  }

  /** Stops accepting, ends every connection (their transactions roll back), and waits for them. */
  async close(): Promise<void> {
    this.closing = true
    const stopped = new Promise<void>((resolve) => this.server.close(() => resolve()))
    const open = [...this.connections]
    for (const c of open) c.terminate()
    await Promise.all(open.map((c) => c.finished))
    await stopped
  }
}
