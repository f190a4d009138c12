/**
 * SCRAM-SHA-256 (RFC 5802, RFC 7677) as PostgreSQL's auth-scram.c does it: the
 * stored verifier, the password's normalisation, and the server's side of one
 * exchange, with no channel binding (no SSL, so only `n` and `y` GS2 flags).
 *
 *     client                                   server
 *     n,,n=,r=<cnonce>                 ─►      (client-first)
 *                                      ◄─      r=<cnonce><snonce>,s=<salt>,i=<iter>
 *     c=biws,r=<nonce>,p=<proof>       ─►      (client-final: proof checked)
 *                                      ◄─      v=<server signature>
 *
 * A verifier is `SCRAM-SHA-256$<iter>:<salt>$<StoredKey>:<ServerKey>` (base64), so
 * the server never holds the password: it proves the client knows the ClientKey
 * whose hash is StoredKey, and proves itself with ServerKey.
 */
import crypto from 'node:crypto'
import { dbError, type IsolaError } from '../../common/errors.js'

/** PostgreSQL's scram_iterations (a setting from 16 on; fixed at 4096 in 15). */
export const SCRAM_ITERATIONS = 4096
/** PostgreSQL's SCRAM_DEFAULT_SALT_LEN. */
export const SCRAM_SALT_LENGTH = 16
/** PostgreSQL's SCRAM_RAW_NONCE_LEN: the server's share of the nonce, before base64. */
export const SCRAM_NONCE_LENGTH = 18

export interface ScramVerifier {
  readonly iterations: number
  readonly salt: Buffer
  readonly storedKey: Buffer
  readonly serverKey: Buffer
}

const hmac = (key: Buffer, text: string | Buffer): Buffer => crypto.createHmac('sha256', key).update(text).digest()
const sha256 = (b: Buffer): Buffer => crypto.createHash('sha256').update(b).digest()

/** Hi(): PBKDF2 with HMAC-SHA-256, one block. */
export function saltedPassword(password: string, salt: Buffer, iterations: number): Buffer {
  return crypto.pbkdf2Sync(Buffer.from(saslPrep(password), 'utf8'), salt, iterations, 32, 'sha256')
}

export function clientKey(salted: Buffer): Buffer {
  return hmac(salted, 'Client Key')
}

/** StoredKey = H(ClientKey). */
export function storedKeyOf(salted: Buffer): Buffer {
  return sha256(clientKey(salted))
}

export function computeVerifier(password: string, salt: Buffer, iterations = SCRAM_ITERATIONS): ScramVerifier {
  const salted = saltedPassword(password, salt, iterations)
  return { iterations, salt, storedKey: storedKeyOf(salted), serverKey: hmac(salted, 'Server Key') }
}

export function formatVerifier(v: ScramVerifier): string {
  return `SCRAM-SHA-256$${v.iterations}:${v.salt.toString('base64')}$${v.storedKey.toString('base64')}:${v.serverKey.toString('base64')}`
}

/** The verifier in a stored password, or undefined when it is not a (well-formed) SCRAM one. */
export function parseVerifier(stored: string): ScramVerifier | undefined {
  const m = /^SCRAM-SHA-256\$(\d+):([A-Za-z0-9+/=]+)\$([A-Za-z0-9+/=]+):([A-Za-z0-9+/=]+)$/.exec(stored)
  if (m === null) return undefined
  const iterations = Number(m[1])
  const storedKey = Buffer.from(m[3]!, 'base64')
  const serverKey = Buffer.from(m[4]!, 'base64')
  if (!(iterations > 0) || storedKey.length !== 32 || serverKey.length !== 32) return undefined
  return { iterations, salt: Buffer.from(m[2]!, 'base64'), storedKey, serverKey }
}

/**
 * SASLprep (RFC 4013), as far as PostgreSQL's pg_saslprep matters in practice:
 * characters mapped to nothing are removed, non-ASCII spaces become spaces, the
 * result is NFKC-normalised; a password with prohibited characters (controls,
 * private use, surrogates, non-characters) is used as it is, as PostgreSQL does.
 * Shortcut: the bidirectional-text rules are not checked.
 */
export function saslPrep(password: string): string {
  if (/^[\x20-\x7e]*$/.test(password)) return password
  const mapped = password
    .replace(/[\u00ad\u034f\u1806\u180b-\u180d\u200b-\u200d\u2060\ufe00-\ufe0f\ufeff]/g, '')
    .replace(/[\u00a0\u1680\u2000-\u200b\u202f\u205f\u3000]/g, ' ')
    .normalize('NFKC')
  // eslint-disable-next-line no-control-regex
  if (/[\x00-\x1f\x7f-\x9f\ue000-\uf8ff\ufdd0-\ufdef\ufff9-\uffff\u2028\u2029\u200e\u200f\u202a-\u202e\u206a-\u206f]/u.test(mapped)) return password
  return mapped
}

function malformed(detail: string): IsolaError {
  return dbError('protocol_violation', 'malformed SCRAM message', { detail })
}

/** Splits `a=x,b=y,…` into attributes in order; anything else is malformed. */
function attributes(message: string): { name: string; value: string }[] {
  return message.split(',').map((part) => {
    if (!/^[A-Za-z]=/.test(part)) throw malformed(`Attribute expected, but found invalid data "${part.slice(0, 20)}".`)
    return { name: part[0]!, value: part.slice(2) }
  })
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/

/**
 * The server's side of one exchange. `verifier` undefined runs a mock exchange (an
 * unknown user, or one with no SCRAM secret), as PostgreSQL does so that a client
 * cannot tell: it answers with a fake salt and fails at the proof.
 */
export class ScramServer {
  private clientFirstBare = ''
  private serverFirst = ''
  private gs2 = ''
  private nonce = ''

  constructor(
    private readonly verifier: ScramVerifier | undefined,
    private readonly mockSalt: Buffer,
  ) {}

  /** client-first-message → server-first-message. `serverNonce` is printable and has no comma. */
  first(message: string, serverNonce: string): string {
    if (message.length === 0) throw malformed('The message is empty.')
    const flag = message[0]
    if (flag === 'p') throw malformed('The client selected SCRAM-SHA-256 without channel binding, but the SCRAM message includes channel binding data.')
    if (flag !== 'n' && flag !== 'y') throw malformed(`Unexpected channel-binding flag "${flag}".`)
    if (message[1] !== ',') throw malformed('Comma expected, but found character "' + (message[1] ?? '') + '".')
    const rest = message.slice(2)
    if (rest.startsWith('a=')) throw dbError('feature_not_supported', 'client uses authorization identity, but it is not supported')
    if (!rest.startsWith(',')) throw malformed('Unexpected attribute in client-first-message.')
    this.gs2 = message.slice(0, 3)
    this.clientFirstBare = rest.slice(1)
    const attrs = attributes(this.clientFirstBare)
    if (attrs[0]?.name === 'm') throw dbError('feature_not_supported', 'client requires an unsupported SCRAM extension')
    // The user name is ignored: PostgreSQL authenticates the startup packet's user.
    if (attrs[0]?.name !== 'n') throw malformed('Expected attribute "n" but found "' + (attrs[0]?.name ?? '') + '".')
    if (attrs[1]?.name !== 'r' || attrs[1].value.length === 0) throw malformed('Expected attribute "r" but found "' + (attrs[1]?.name ?? '') + '".')
    if (!/^[\x21-\x2b\x2d-\x7e]+$/.test(attrs[1].value)) throw malformed('The client nonce contains an invalid character.')
    this.nonce = attrs[1].value + serverNonce
    const salt = this.verifier?.salt ?? this.mockSalt
    const iterations = this.verifier?.iterations ?? SCRAM_ITERATIONS
    this.serverFirst = `r=${this.nonce},s=${salt.toString('base64')},i=${iterations}`
    return this.serverFirst
  }

  /** client-final-message → server-final-message; throws 28P01 when the proof is wrong. */
  final(message: string, user: string): string {
    const attrs = attributes(message)
    const c = attrs[0]
    if (c?.name !== 'c') throw malformed('Expected attribute "c" but found "' + (c?.name ?? '') + '".')
    if (!BASE64.test(c.value) || Buffer.from(c.value, 'base64').toString('latin1') !== this.gs2) {
      throw malformed('SCRAM channel binding check failed.')
    }
    const r = attrs[1]
    if (r?.name !== 'r') throw malformed('Expected attribute "r" but found "' + (r?.name ?? '') + '".')
    if (r.value !== this.nonce) throw malformed('Nonce does not match.')
    const p = attrs[attrs.length - 1]
    if (p?.name !== 'p' || attrs.length < 3) throw malformed('Could not find proof in client-final-message.')
    if (!BASE64.test(p.value)) throw malformed('Malformed proof in client-final-message.')
    const proof = Buffer.from(p.value, 'base64')
    if (proof.length !== 32) throw malformed('Malformed proof in client-final-message.')
    const withoutProof = message.slice(0, message.length - p.value.length - 3)
    const authMessage = `${this.clientFirstBare},${this.serverFirst},${withoutProof}`
    const v = this.verifier
    if (v === undefined) throw passwordFailed(user)
    const signature = hmac(v.storedKey, authMessage)
    const key = Buffer.alloc(32)
    for (let i = 0; i < 32; i++) key[i] = proof[i]! ^ signature[i]!
    if (!crypto.timingSafeEqual(sha256(key), v.storedKey)) throw passwordFailed(user)
    return `v=${hmac(v.serverKey, authMessage).toString('base64')}`
  }
}

/** PostgreSQL's one message for a wrong password and an unknown user alike. */
export function passwordFailed(user: string): IsolaError {
  return dbError('invalid_password', `password authentication failed for user "${user}"`)
}
