/**
 * The server's side of PostgreSQL's authentication, independent of sockets: the
 * connection asks `start()` what to send after the startup packet, hands every
 * 'p' message's payload to `respond()`, and sends what comes back until `ok`.
 *
 *     trust          start → ok
 *     password       start → cleartext      respond(password\0) → ok
 *     md5            start → md5(salt)      respond(md5…\0) → ok
 *     scram-sha-256  start → sasl([SCRAM-SHA-256])
 *                    respond(SASLInitialResponse) → sasl-continue(server-first)
 *                    respond(SASLResponse) → sasl-final(v=…)   then ok
 *
 * As PostgreSQL does: md5 with a SCRAM verifier stored runs SCRAM instead (an md5
 * hash cannot be computed from a verifier); an unknown user, or one with no
 * password, is not told apart from a wrong password — the exchange runs to its end
 * (SCRAM with a mock salt) and fails with 28P01 "password authentication failed".
 * A role that may not log in is refused after authentication (28000).
 */
import crypto from 'node:crypto'
import { dbError, type IsolaError } from '../../common/errors.js'
import type { RoleRecord } from '../cluster/records.js'
import { md5Response, passwordMatches, storedPasswordKind } from './passwords.js'
import { parseVerifier, passwordFailed, SCRAM_NONCE_LENGTH, ScramServer } from './scram.js'

export const AUTH_METHODS = ['trust', 'password', 'md5', 'scram-sha-256'] as const
export type AuthMethod = (typeof AUTH_METHODS)[number]

/** What the server sends next. */
export type AuthStep =
  | { readonly kind: 'ok' } // AuthenticationOk (R 0)
  | { readonly kind: 'cleartext' } // AuthenticationCleartextPassword (R 3)
  | { readonly kind: 'md5'; readonly salt: Buffer } // AuthenticationMD5Password (R 5)
  | { readonly kind: 'sasl'; readonly mechanisms: readonly string[] } // AuthenticationSASL (R 10)
  | { readonly kind: 'sasl-continue'; readonly data: Buffer } // AuthenticationSASLContinue (R 11)
  | { readonly kind: 'sasl-final'; readonly data: Buffer } // AuthenticationSASLFinal (R 12), then ok follows

export interface AuthExchange {
  start(): AuthStep
  /**
   * The payload of the client's 'p' message (PasswordMessage / SASLInitialResponse /
   * SASLResponse, whose layouts differ by step). Throws IsolaError 28P01 on a wrong
   * password, 28000 for a role that may not log in, 08P01 for a malformed message.
   */
  respond(payload: Buffer): AuthStep
}

export const SCRAM_MECHANISM = 'SCRAM-SHA-256'

/** Per-process secret for mock salts: stable for a user within a run, unguessable outside it (PostgreSQL's mock_auth_nonce). */
const MOCK_SECRET = crypto.randomBytes(32)

export function authExchange(method: AuthMethod, user: string, role: RoleRecord | undefined, random: (n: number) => Buffer = crypto.randomBytes): AuthExchange {
  const stored = role?.password ?? undefined
  const admitted = (): AuthStep => {
    if (role === undefined) throw dbError('invalid_authorization_specification', `role "${user}" does not exist`)
    if (!role.login) throw dbError('invalid_authorization_specification', `role "${user}" is not permitted to log in`)
    return { kind: 'ok' }
  }
  switch (method) {
    case 'trust':
      return { start: admitted, respond: () => { throw unexpected() } }
    case 'password':
      return oneMessage({ kind: 'cleartext' }, (payload) => {
        const password = cString(payload)
        if (stored === undefined || password === '' || !passwordMatches(stored, user, password)) throw passwordFailed(user)
        return admitted()
      })
    case 'md5': {
      if (stored === undefined || storedPasswordKind(stored) !== 'md5') return scram(user, stored, admitted, random)
      const salt = random(4)
      return oneMessage({ kind: 'md5', salt }, (payload) => {
        if (cString(payload) !== md5Response(stored, salt)) throw passwordFailed(user)
        return admitted()
      })
    }
    case 'scram-sha-256':
      return scram(user, stored, admitted, random)
  }
}

/** An exchange of one challenge and one answer. */
function oneMessage(challenge: AuthStep, check: (payload: Buffer) => AuthStep): AuthExchange {
  let done = false
  return {
    start: () => challenge,
    respond(payload) {
      if (done) throw unexpected()
      done = true
      return check(payload)
    },
  }
}

function scram(user: string, stored: string | undefined, admitted: () => AuthStep, random: (n: number) => Buffer): AuthExchange {
  const verifier = stored === undefined ? undefined : parseVerifier(stored)
  const mockSalt = crypto.createHash('sha256').update(user).update(MOCK_SECRET).digest().subarray(0, 16)
  const server = new ScramServer(verifier, mockSalt)
  let step: 'initial' | 'final' | 'done' = 'initial'
  return {
    start: () => ({ kind: 'sasl', mechanisms: [SCRAM_MECHANISM] }),
    respond(payload) {
      switch (step) {
        case 'initial': {
          step = 'final'
          const r = new Reader(payload)
          const mechanism = r.cString()
          const length = r.int32()
          const data = length === -1 ? Buffer.alloc(0) : r.bytes(length)
          r.end()
          if (mechanism !== SCRAM_MECHANISM) throw dbError('protocol_violation', 'client selected an invalid SASL authentication mechanism')
          const nonce = random(SCRAM_NONCE_LENGTH).toString('base64')
          return { kind: 'sasl-continue', data: Buffer.from(server.first(utf8(data), nonce), 'utf8') }
        }
        case 'final': {
          step = 'done'
          const final = server.final(utf8(payload), user)
          admitted()
          return { kind: 'sasl-final', data: Buffer.from(final, 'utf8') }
        }
        case 'done':
          throw unexpected()
      }
    },
  }
}

function unexpected(): IsolaError {
  return dbError('protocol_violation', 'unexpected password message: authentication is complete')
}

function utf8(b: Buffer): string {
  const s = b.toString('utf8')
  if (!Buffer.from(s, 'utf8').equals(b)) throw dbError('protocol_violation', 'malformed SCRAM message', { detail: 'The message is not valid UTF-8.' })
  return s
}

/** A PasswordMessage: one NUL-terminated string filling the message. */
function cString(payload: Buffer): string {
  const r = new Reader(payload)
  const s = r.cString()
  if (r.remaining() !== 0) throw dbError('protocol_violation', 'invalid password packet size')
  return s
}

/** pq_getmsg*: reads that fail as PostgreSQL's do (08P01), never with a RangeError. */
class Reader {
  private at = 0
  constructor(private readonly b: Buffer) {}

  remaining(): number {
    return this.b.length - this.at
  }

  cString(): string {
    const end = this.b.indexOf(0, this.at)
    if (end < 0) throw dbError('protocol_violation', 'invalid string in message')
    const s = this.b.toString('utf8', this.at, end)
    this.at = end + 1
    return s
  }

  int32(): number {
    if (this.remaining() < 4) throw dbError('protocol_violation', 'insufficient data left in message')
    const v = this.b.readInt32BE(this.at)
    this.at += 4
    return v
  }

  bytes(n: number): Buffer {
    if (n < 0 || n > this.remaining()) throw dbError('protocol_violation', 'insufficient data left in message')
    const out = this.b.subarray(this.at, this.at + n)
    this.at += n
    return out
  }

  end(): void {
    if (this.remaining() !== 0) throw dbError('protocol_violation', 'invalid message format')
  }
}
