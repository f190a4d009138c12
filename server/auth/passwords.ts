/**
 * Stored passwords, as PostgreSQL keeps them in pg_authid.rolpassword: never the
 * password itself, but `md5<hex md5(password || user)>` or a SCRAM-SHA-256
 * verifier (scram.ts), chosen by password_encryption. A password that already
 * looks like either is stored as given (pg_dump's output, `ALTER ROLE … PASSWORD
 * 'SCRAM-SHA-256$…'`), as PostgreSQL does.
 */
import crypto from 'node:crypto'
import { computeVerifier, formatVerifier, parseVerifier, saltedPassword, SCRAM_SALT_LENGTH, storedKeyOf } from './scram.js'

export const PASSWORD_ENCRYPTIONS = ['scram-sha-256', 'md5'] as const
export type PasswordEncryption = (typeof PASSWORD_ENCRYPTIONS)[number]

export type StoredPasswordKind = 'md5' | 'scram-sha-256' | 'plain'

export function md5Hex(text: string | Buffer): string {
  return crypto.createHash('md5').update(text).digest('hex')
}

/** `md5` + md5(password || user), PostgreSQL's (and libpq's) pg_md5_encrypt. */
export function md5Password(password: string, user: string): string {
  return 'md5' + md5Hex(password + user)
}

/** What the client sends for AuthenticationMD5Password: md5 + md5(hex of the stored hash without "md5" || salt). */
export function md5Response(storedMd5: string, salt: Buffer): string {
  return 'md5' + md5Hex(Buffer.concat([Buffer.from(storedMd5.slice(3), 'latin1'), salt]))
}

export function storedPasswordKind(stored: string): StoredPasswordKind {
  if (/^md5[0-9a-f]{32}$/.test(stored)) return 'md5'
  if (parseVerifier(stored) !== undefined) return 'scram-sha-256'
  return 'plain'
}

/** The value to store for `password` (already-encrypted values are kept as they are). */
export function encryptPassword(user: string, password: string, method: PasswordEncryption, random: (n: number) => Buffer = crypto.randomBytes): string {
  if (storedPasswordKind(password) !== 'plain') return password
  return method === 'md5' ? md5Password(password, user) : formatVerifier(computeVerifier(password, random(SCRAM_SALT_LENGTH)))
}

/** Whether a cleartext password matches what is stored (the `password` method, whatever the stored kind). */
export function passwordMatches(stored: string, user: string, password: string): boolean {
  const kind = storedPasswordKind(stored)
  if (kind === 'md5') return safeEqual(md5Password(password, user), stored)
  if (kind === 'plain') return safeEqual(password, stored)
  const v = parseVerifier(stored)!
  return crypto.timingSafeEqual(storedKeyOf(saltedPassword(password, v.salt, v.iterations)), v.storedKey)
}

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a)
  const y = Buffer.from(b)
  return x.length === y.length && crypto.timingSafeEqual(x, y)
}
