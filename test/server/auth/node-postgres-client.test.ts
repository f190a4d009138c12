/** The server's exchanges against node-postgres's own client code (pg/lib/crypto), a client written by others. */
import { createRequire } from 'node:module'
import { expect, test } from 'vitest'
import { authExchange, encryptPassword } from '../../../server/auth/index.js'
import type { RoleRecord } from '../../../server/cluster/records.js'

const require = createRequire(import.meta.url)
interface SaslSession { mechanism: string; response: string }
const sasl = require('pg/lib/crypto/sasl.js') as {
  startSession(mechanisms: string[], stream?: unknown): SaslSession
  continueSession(session: SaslSession, password: string, serverData: string, stream?: unknown): Promise<void>
  finalizeSession(session: SaslSession, serverData: string): void
}
const utils = require('pg/lib/crypto/utils.js') as { postgresMd5PasswordHash(user: string, password: string, salt: Buffer): Promise<string> }

const role = (name: string, password: string, method: 'md5' | 'scram-sha-256'): RoleRecord =>
  ({ oid: 16384, name, superuser: false, login: true, createdb: false, createrole: false, password: encryptPassword(name, password, method) })

function initialResponse(mechanism: string, data: string): Buffer {
  const len = Buffer.alloc(4)
  len.writeInt32BE(Buffer.byteLength(data))
  return Buffer.concat([Buffer.from(mechanism + '\0'), len, Buffer.from(data)])
}

async function pgScram(stored: RoleRecord, password: string): Promise<void> {
  const x = authExchange('scram-sha-256', stored.name, stored)
  const start = x.start()
  if (start.kind !== 'sasl') throw new Error(start.kind)
  const session = sasl.startSession([...start.mechanisms])
  const cont = x.respond(initialResponse(session.mechanism, session.response))
  if (cont.kind !== 'sasl-continue') throw new Error(cont.kind)
  await sasl.continueSession(session, password, cont.data.toString())
  const final = x.respond(Buffer.from(session.response))
  if (final.kind !== 'sasl-final') throw new Error(final.kind)
  sasl.finalizeSession(session, final.data.toString()) // throws unless the server proved it knows the verifier
}

test('node-postgres authenticates with SCRAM-SHA-256 and verifies the server signature', async () => {
  await pgScram(role('app', 'correct horse', 'scram-sha-256'), 'correct horse')
  await pgScram(role('app', 'pässwörd\u00a0x', 'scram-sha-256'), 'pässwörd x')
  await expect(pgScram(role('app', 'correct horse', 'scram-sha-256'), 'wrong')).rejects.toMatchObject({ code: '28P01', message: 'password authentication failed for user "app"' })
})

test('node-postgres authenticates with md5', async () => {
  const stored = role('app', 'pw', 'md5')
  for (const [password, ok] of [['pw', true], ['pW', false]] as const) {
    const x = authExchange('md5', 'app', stored)
    const step = x.start()
    if (step.kind !== 'md5') throw new Error(step.kind)
    const answer = Buffer.from((await utils.postgresMd5PasswordHash('app', password, step.salt)) + '\0')
    if (ok) expect(x.respond(answer)).toEqual({ kind: 'ok' })
    else expect(() => x.respond(answer)).toThrow(expect.objectContaining({ code: '28P01' }))
  }
})
