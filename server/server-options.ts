/**
 * What a wire-protocol server is given: where its databases come from, how it
 * authenticates, and its limits. Defaults follow PostgreSQL's where it has one.
 */
import type { Logger } from 'pino'
import type { Session } from '../engine/index.js'
import type { AuthExchange } from './auth/index.js'

/**
 * What a connection needs of the session behind it: an engine Session has all of it;
 * a session over shards (coordinator/wire-session.ts) provides the same surface.
 */
export type WireSession = Pick<Session, 'execute' | 'prepare' | 'executePrepared' | 'copyFrom' | 'copyTo' | 'status' | 'settings' | 'cancel' | 'close' | 'beginImplicitBlock' | 'endImplicitBlock' | 'hasWrites' | 'hasCatalogChanges'>

export interface ServerOptions {
  /** Loopback by default: a server reachable from elsewhere is a choice. */
  readonly host?: string
  /** 0 picks a free port (tests). Default 5432's neighbour, 5433, so a local PostgreSQL can stay. */
  readonly port?: number
  /**
   * A session for an authenticated user on the database it names (3D000 when there is none, 28000 for a role that may not log in).
   * `startupParams` are all of the start-up packet's (a shard checks the coordinator's identity in them).
   */
  session(options: { readonly user: string; readonly database: string; readonly applicationName: string; readonly startupParams: ReadonlyMap<string, string> }): Promise<WireSession>
  /** Authentication for a user connecting to a database from an address; trust when absent. */
  authenticate?(user: string, database: string, remoteAddress: string | undefined): AuthExchange
  /** Connections beyond this are refused with 53300 (PostgreSQL's max_connections). */
  readonly maxConnections?: number
  /** A message longer than this is 08P01 and closes the connection. */
  readonly maxMessageBytes?: number
  /** A connection that has not finished start-up and authentication by then is closed (authentication_timeout). */
  readonly startupTimeoutMs?: number
  readonly logger?: Logger
  /** A certificate and key (PEM): SSLRequest is then answered with TLS, as PostgreSQL's ssl = on. */
  readonly tls?: { readonly cert: string | Buffer; readonly key: string | Buffer }
}

export const DEFAULT_PORT = 5433
export const DEFAULT_MAX_CONNECTIONS = 100
export const DEFAULT_MAX_MESSAGE_BYTES = 64 * 1024 * 1024
export const DEFAULT_STARTUP_TIMEOUT_MS = 60_000
