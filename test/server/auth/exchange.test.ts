/**
 * Authentication exchanges driven as a client drives them: the client side here is
 * written from the RFCs and libpq (fe-auth.c, fe-auth-scram.c), not from the server's code.
 */
import crypto from 'node:crypto'
import { describe, expect, test } from 'vitest'
import { IsolaError } from '../../../common/errors.js'
import { authExchange, encryptPassword, type AuthMethod, type AuthStep } from '../../../server/auth/index.js'
import type { RoleRecord } from '../../../server/cluster/records.js'

const md5 = (s: string | Buffer): string => crypto.createHash('md5').update(s).digest('hex')
const hmac = (k: Buffer, s: string): Buffer => crypto.createHmac('sha256', k).update(s).digest()
const sha256 = (b: Buffer): Buffer => crypto.createHash('sha256').update(b).digest()
const cstr = (s: string): Buffer => Buffer.concat([Buffer.from(s, 'utf8'), Buffer.from([0])])

function role(name: string, password: string | null, method: 'md5' | 'scram-sha-256' = 'scram-sha-256', login = true): RoleRecord {
  return { oid: 16384, name, superuser: false, login, createdb: false, createrole: false, password: password === null ? null : encryptPassword(name, password, method) }
}

/** libpq's side: answers every step with `password` until ok; returns the steps the server sent. */
function login(method: AuthMethod, user: string, r: RoleRecord | undefined, password: string): AuthStep['kind'][] {
  const x = authExchange(method, user, r)
  const seen: AuthStep['kind'][] = []
  let step = x.start()
  let scram: { bare: string; nonce: string; expectedServer?: string } | undefined
  for (;;) {
    seen.push(step.kind)
    switch (step.kind) {
      case 'ok':
        return seen
      case 'cleartext':
        step = x.respond(cstr(password))
        break
      case 'md5':
        // libpq: "md5" + md5(md5(password + user) + salt)
        step = x.respond(cstr('md5' + md5(Buffer.concat([Buffer.from(md5(password + user)), step.salt]))))
        break
      case 'sasl': {
        expect(step.mechanisms).toEqual(['SCRAM-SHA-256'])
        const nonce = crypto.randomBytes(18).toString('base64')
        const bare = `n=,r=${nonce}`
        const first = Buffer.from(`n,,${bare}`)
        const len = Buffer.alloc(4)
        len.writeInt32BE(first.length)
        scram = { bare, nonce }
        step = x.respond(Buffer.concat([cstr('SCRAM-SHA-256'), len, first]))
        break
      }
      case 'sasl-continue': {
        const serverFirst = step.data.toString()
        const attrs = Object.fromEntries(serverFirst.split(',').map((a) => [a[0], a.slice(2)]))
        expect(attrs.r!.startsWith(scram!.nonce)).toBe(true)
        const salted = crypto.pbkdf2Sync(password, Buffer.from(attrs.s!, 'base64'), Number(attrs.i), 32, 'sha256')
        const clientKey = hmac(salted, 'Client Key')
        const withoutProof = `c=biws,r=${attrs.r}`
        const authMessage = `${scram!.bare},${serverFirst},${withoutProof}`
        const signature = hmac(sha256(clientKey), authMessage)
        const proof = Buffer.from(clientKey.map((b, i) => b ^ signature[i]!))
        scram!.expectedServer = 'v=' + hmac(hmac(salted, 'Server Key'), authMessage).toString('base64')
        step = x.respond(Buffer.from(`${withoutProof},p=${proof.toString('base64')}`))
        break
      }
      case 'sasl-final':
        expect(step.data.toString()).toBe(scram!.expectedServer)
        seen.push('ok')
        return seen
    }
  }
}

function failure(f: () => unknown): { code: string; message: string } {
  try {
    f()
  } catch (e) {
    expect(e).toBeInstanceOf(IsolaError)
    return { code: (e as IsolaError).code, message: (e as IsolaError).message }
  }
  throw new Error('no error')
}

const FAILED = { code: '28P01', message: 'password authentication failed for user "alice"' }

describe('each method with the right password', () => {
  test('trust, password, md5, scram-sha-256', () => {
    expect(login('trust', 'alice', role('alice', null), '')).toEqual(['ok'])
    expect(login('password', 'alice', role('alice', 'secret'), 'secret')).toEqual(['cleartext', 'ok'])
    expect(login('password', 'alice', role('alice', 'secret', 'md5'), 'secret')).toEqual(['cleartext', 'ok'])
    expect(login('md5', 'alice', role('alice', 'secret', 'md5'), 'secret')).toEqual(['md5', 'ok'])
    expect(login('scram-sha-256', 'alice', role('alice', 'secret'), 'secret')).toEqual(['sasl', 'sasl-continue', 'sasl-final', 'ok'])
  })

  test('md5 with a SCRAM verifier stored runs SCRAM, as PostgreSQL does', () => {
    expect(login('md5', 'alice', role('alice', 'secret'), 'secret')).toEqual(['sasl', 'sasl-continue', 'sasl-final', 'ok'])
  })

  test('a non-ASCII password (SASLprep is the identity on it in NFKC form)', () => {
    expect(login('scram-sha-256', 'alice', role('alice', 'pässwörd'), 'pässwörd')).toContain('sasl-final')
  })
})

describe('failures', () => {
  test('a wrong password: 28P01 with PostgreSQL’s message, for every method', () => {
    for (const m of ['password', 'md5', 'scram-sha-256'] as const) {
      for (const stored of ['md5', 'scram-sha-256'] as const) {
        if (m === 'scram-sha-256' && stored === 'md5') continue
        expect(failure(() => login(m, 'alice', role('alice', 'secret', stored), 'Secret'))).toEqual(FAILED)
      }
    }
  })

  test('scram-sha-256 with only an md5 hash stored fails at the proof (mock exchange)', () => {
    expect(failure(() => login('scram-sha-256', 'alice', role('alice', 'secret', 'md5'), 'secret'))).toEqual(FAILED)
  })

  test('an unknown user or one with no password fails as a wrong password does, after a full exchange', () => {
    for (const m of ['password', 'md5', 'scram-sha-256'] as const) {
      expect(failure(() => login(m, 'alice', undefined, 'x'))).toEqual(FAILED)
      expect(failure(() => login(m, 'alice', role('alice', null), 'x'))).toEqual(FAILED)
    }
    // The mock salt is stable per user, so a client cannot tell a missing user by a changing salt.
    const salt = (user: string) => {
      const x = authExchange('scram-sha-256', user, undefined)
      x.start()
      const len = Buffer.alloc(4)
      len.writeInt32BE(11)
      const step = x.respond(Buffer.concat([cstr('SCRAM-SHA-256'), len, Buffer.from('n,,n=,r=abc')]))
      return /,s=([^,]+),i=4096$/.exec(step.kind === 'sasl-continue' ? step.data.toString() : '')?.[1]
    }
    expect(salt('ghost')).toMatch(/^[A-Za-z0-9+/]{22}==$/)
    expect(salt('ghost')).not.toEqual(salt('other'))
    expect(salt('ghost')).toEqual(salt('ghost'))
  })

  test('trust with an unknown role, and a role without LOGIN: 28000', () => {
    expect(failure(() => login('trust', 'bob', undefined, ''))).toEqual({ code: '28000', message: 'role "bob" does not exist' })
    expect(failure(() => login('trust', 'bob', role('bob', null, 'md5', false), ''))).toEqual({ code: '28000', message: 'role "bob" is not permitted to log in' })
    expect(failure(() => login('scram-sha-256', 'bob', role('bob', 'pw', 'scram-sha-256', false), 'pw'))).toEqual({ code: '28000', message: 'role "bob" is not permitted to log in' })
  })

  test('the empty password is refused even when it would match', () => {
    expect(failure(() => login('password', 'alice', { ...role('alice', null), password: encryptPassword('alice', 'x', 'md5') }, ''))).toEqual(FAILED)
  })
})

describe('malformed messages', () => {
  const initial = (mechanism: string, data: Buffer | null): Buffer => {
    const len = Buffer.alloc(4)
    len.writeInt32BE(data === null ? -1 : data.length)
    return Buffer.concat([cstr(mechanism), len, data ?? Buffer.alloc(0)])
  }
  const scramAfterFirst = () => {
    const x = authExchange('scram-sha-256', 'alice', role('alice', 'secret'))
    x.start()
    const s = x.respond(initial('SCRAM-SHA-256', Buffer.from('n,,n=,r=abc')))
    return { x, nonce: /r=([^,]+)/.exec((s as { data: Buffer }).data.toString())![1]! }
  }

  test('SCRAM: wrong mechanism, channel binding, authzid, bad attributes, wrong nonce or binding', () => {
    const first = (payload: Buffer) => failure(() => {
      const x = authExchange('scram-sha-256', 'alice', role('alice', 'secret'))
      x.start()
      x.respond(payload)
    })
    expect(first(initial('SCRAM-SHA-256-PLUS', Buffer.from('p=tls-server-end-point,,n=,r=abc')))).toEqual({ code: '08P01', message: 'client selected an invalid SASL authentication mechanism' })
    expect(first(initial('SCRAM-SHA-256', Buffer.from('p=tls-server-end-point,,n=,r=abc')))).toEqual({ code: '08P01', message: 'malformed SCRAM message' })
    expect(first(initial('SCRAM-SHA-256', Buffer.from('n,a=bob,n=,r=abc')))).toEqual({ code: '0A000', message: 'client uses authorization identity, but it is not supported' })
    expect(first(initial('SCRAM-SHA-256', null))).toEqual({ code: '08P01', message: 'malformed SCRAM message' })
    expect(first(initial('SCRAM-SHA-256', Buffer.from('n,,r=abc')))).toEqual({ code: '08P01', message: 'malformed SCRAM message' })
    expect(first(Buffer.from('SCRAM-SHA-256'))).toEqual({ code: '08P01', message: 'invalid string in message' })
    expect(first(Buffer.concat([cstr('SCRAM-SHA-256'), Buffer.from([0, 0, 0, 9, 1])]))).toEqual({ code: '08P01', message: 'insufficient data left in message' })

    const final = (text: (nonce: string) => string) => {
      const { x, nonce } = scramAfterFirst()
      return failure(() => x.respond(Buffer.from(text(nonce))))
    }
    const proof = Buffer.alloc(32).toString('base64')
    expect(final((n) => `c=biws,r=${n}x,p=${proof}`)).toEqual({ code: '08P01', message: 'malformed SCRAM message' })
    expect(final((n) => `c=eSws,r=${n},p=${proof}`)).toEqual({ code: '08P01', message: 'malformed SCRAM message' })
    expect(final((n) => `c=biws,r=${n}`)).toEqual({ code: '08P01', message: 'malformed SCRAM message' })
    expect(final((n) => `c=biws,r=${n},p=!!!`)).toEqual({ code: '08P01', message: 'malformed SCRAM message' })
    expect(final((n) => `c=biws,r=${n},p=${proof}`)).toEqual(FAILED)
  })

  test('PasswordMessage: no terminator, bytes after it; a message after the end', () => {
    const x = () => {
      const e = authExchange('password', 'alice', role('alice', 'secret'))
      e.start()
      return e
    }
    expect(failure(() => x().respond(Buffer.from('secret')))).toEqual({ code: '08P01', message: 'invalid string in message' })
    expect(failure(() => x().respond(Buffer.from('secret\0x')))).toEqual({ code: '08P01', message: 'invalid password packet size' })
    const done = x()
    expect(done.respond(cstr('secret'))).toEqual({ kind: 'ok' })
    expect(failure(() => done.respond(cstr('secret'))).code).toBe('08P01')
    expect(failure(() => authExchange('trust', 'alice', role('alice', null)).respond(cstr('x'))).code).toBe('08P01')
  })

  test('random payloads at every step throw only IsolaErrors', () => {
    let seed = 42
    const rand = (n: number) => Buffer.from(Array.from({ length: n }, () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) & 0xff))
    for (let i = 0; i < 2000; i++) {
      const method = (['password', 'md5', 'scram-sha-256'] as const)[i % 3]!
      const x = authExchange(method, 'alice', i % 2 ? role('alice', 'secret') : undefined)
      x.start()
      const junk = rand(i % 64)
      const payload = i % 5 === 0 ? Buffer.concat([cstr('SCRAM-SHA-256'), junk]) : junk
      try {
        const s = x.respond(payload)
        if (s.kind === 'sasl-continue') x.respond(rand(i % 80))
      } catch (e) {
        expect(e).toBeInstanceOf(IsolaError)
      }
    }
  })
})
