/**
 * What a wire-protocol server is given: where its databases come from, how it
 * authenticates, and its limits. Defaults follow PostgreSQL's where it has one.
 */
import type { Logger } from 'pino'
import type { Database } from '../engine/index.js'

/** What the server sends next during authentication (server/auth implements the methods). */
export type AuthStep =
  | { readonly kind: 'ok' }
  | { readonly kind: 'cleartext' }
  | { readonly kind: 'md5'; readonly salt: Buffer }
  | { readonly kind: 'sasl'; readonly mechanisms: readonly string[] }
  | { readonly kind: 'sasl-continue'; readonly data: Buffer }
  | { readonly kind: 'sasl-final'; readonly data: Buffer }

/** One connection's authentication exchange: `respond` takes each 'p' message's payload and throws 28P01/28000 on failure. */
export interface AuthExchange {
  start(): AuthStep
  respond(payload: Buffer): AuthStep
}

export interface ServerOptions {
  /** Loopback by default: a server reachable from elsewhere is a choice. */
  readonly host?: string
  /** 0 picks a free port (tests). Default 5432's neighbour, 5433, so a local PostgreSQL can stay. */
  readonly port?: number
  /** The database a connection names (throws 3D000 when there is none). */
  database(name: string): Promise<Database>
  /** Authentication for a user connecting to a database from an address; trust when absent. */
  authenticate?(user: string, database: string, remoteAddress: string | undefined): AuthExchange
  /** Connections beyond this are refused with 53300 (PostgreSQL's max_connections). */
  readonly maxConnections?: number
  /** A message longer than this is 08P01 and closes the connection. */
  readonly maxMessageBytes?: number
  /** A connection that has not finished start-up and authentication by then is closed (authentication_timeout). */
  readonly startupTimeoutMs?: number
  readonly logger?: Logger
}

export const DEFAULT_PORT = 5433
export const DEFAULT_MAX_CONNECTIONS = 100
export const DEFAULT_MAX_MESSAGE_BYTES = 64 * 1024 * 1024
export const DEFAULT_STARTUP_TIMEOUT_MS = 60_000
