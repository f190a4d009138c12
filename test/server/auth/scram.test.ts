import crypto from 'node:crypto'
import { describe, expect, test } from 'vitest'
import { computeVerifier, formatVerifier, parseVerifier, saslPrep, ScramServer } from '../../../server/auth/scram.js'
import { encryptPassword, md5Password, passwordMatches, storedPasswordKind } from '../../../server/auth/passwords.js'

/** Made by PostgreSQL 15: `SET password_encryption = …; CREATE ROLE helper_auth_s|m PASSWORD 'pencil'`. */
const PG_SCRAM = 'SCRAM-SHA-256$4096:+4H+9ZkvZf73ZLQECgK3Wg==$Q1cbCUJ0Pkdul1o7NfDFEwccf9XFDUOSPOG73j6nSG0=:akrjJguypOU1+zRn4G8y8sd4twms6gVdjInR8qHp69E='
const PG_MD5 = 'md5ef640a923e039730c79eff9a5ea333b4'

describe('SCRAM-SHA-256', () => {
  test("RFC 7677's test vector: server-first, proof check and server signature", () => {
    const salt = Buffer.from('W22ZaJ0SNY7soEsUEjb6gQ==', 'base64')
    const server = new ScramServer(computeVerifier('pencil', salt, 4096), Buffer.alloc(16))
    expect(server.first('n,,n=user,r=rOprNGfwEbeRWgbNEkqO', '%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0')).toBe(
      'r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096',
    )
    expect(server.final('c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=', 'user')).toBe(
      'v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=',
    )
  })

  test('a proof one bit off is 28P01, and the same message for a mock exchange', () => {
    const salt = Buffer.from('W22ZaJ0SNY7soEsUEjb6gQ==', 'base64')
    const proof = Buffer.from('dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=', 'base64')
    proof[0]! ^= 1
    for (const verifier of [computeVerifier('pencil', salt, 4096), undefined]) {
      const server = new ScramServer(verifier, salt)
      server.first('n,,n=user,r=rOprNGfwEbeRWgbNEkqO', '%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0')
      expect(() => server.final(`c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=${proof.toString('base64')}`, 'user'))
        .toThrow(expect.objectContaining({ code: '28P01', message: 'password authentication failed for user "user"' }))
    }
  })

  test("verifiers: PostgreSQL's format round-trips, and PostgreSQL's own verifier accepts the password", () => {
    const v = computeVerifier('pencil', Buffer.from('0123456789abcdef'))
    expect(parseVerifier(formatVerifier(v))).toEqual(v)
    expect(formatVerifier(v)).toMatch(/^SCRAM-SHA-256\$4096:[A-Za-z0-9+/=]{24}\$[A-Za-z0-9+/=]{44}:[A-Za-z0-9+/=]{44}$/)
    const pg = parseVerifier(PG_SCRAM)!
    expect(formatVerifier(computeVerifier('pencil', pg.salt, pg.iterations))).toBe(PG_SCRAM)
    expect(passwordMatches(PG_SCRAM, 'helper_auth_s', 'pencil')).toBe(true)
    expect(passwordMatches(PG_SCRAM, 'helper_auth_s', 'pencil ')).toBe(false)
    expect(parseVerifier('SCRAM-SHA-256$0:AAAA$AAAA:AAAA')).toBeUndefined()
    expect(parseVerifier('md5abc')).toBeUndefined()
  })

  test('SASLprep: ASCII unchanged, non-ASCII spaces mapped, soft hyphen removed, NFKC applied', () => {
    expect(saslPrep('pencil')).toBe('pencil')
    expect(saslPrep('a\u00a0b')).toBe('a b')
    expect(saslPrep('I\u00adX')).toBe('IX')
    expect(saslPrep('\u2168')).toBe('IX')
    expect(saslPrep('a\u0007b')).toBe('a\u0007b')
  })
})

describe('stored passwords', () => {
  test('md5 is md5(password || user), as libpq and PostgreSQL compute it', () => {
    expect(md5Password('pencil', 'helper_auth_m')).toBe(PG_MD5)
    expect(passwordMatches(PG_MD5, 'helper_auth_m', 'pencil')).toBe(true)
    expect(passwordMatches(PG_MD5, 'helper_auth_s', 'pencil')).toBe(false)
  })

  test('encryptPassword follows the method and keeps already-encrypted values', () => {
    const salt = Buffer.alloc(16, 7)
    expect(encryptPassword('u', 'p', 'md5')).toBe(md5Password('p', 'u'))
    expect(encryptPassword('u', 'p', 'scram-sha-256', () => salt)).toBe(formatVerifier(computeVerifier('p', salt)))
    expect(encryptPassword('u', PG_MD5, 'scram-sha-256')).toBe(PG_MD5)
    expect(encryptPassword('u', PG_SCRAM, 'md5')).toBe(PG_SCRAM)
    expect(storedPasswordKind('md5' + 'x'.repeat(32))).toBe('plain')
    expect(storedPasswordKind(PG_SCRAM)).toBe('scram-sha-256')
    expect(crypto.getHashes()).toContain('md5')
  })
})
