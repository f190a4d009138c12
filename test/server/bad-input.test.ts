/**
 * What clients should not send, and limits: each gets PostgreSQL's error, and
 * only the offending connection suffers (others keep working).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startServer, type TestServer } from './helpers.js'
import { int16, int32, msg, query, RawClient, startupPacket, sync } from './raw-client.js'

let srv: TestServer

beforeAll(async () => {
  srv = await startServer({ maxMessageBytes: 1024 * 1024, startupTimeoutMs: 300, maxConnections: 20 })
})
afterAll(async () => {
  await srv.close()
})

const error = (c: RawClient) => c.until((m) => m.type === 'E').then(RawClient.code)
const ready = (c: RawClient) => c.until((m) => m.type === 'Z')

/** A bystander connection still answers. */
async function stillServing(): Promise<void> {
  const c = await RawClient.ready(srv.port)
  c.send(query('SELECT 41 + 1'))
  const row = await c.until((m) => m.type === 'D')
  expect(row?.body.toString()).toContain('42')
  c.close()
}

describe('start-up', () => {
  it('refuses a start-up packet without a user (28000), an unknown database (3D000), an unsupported protocol (0A000), a bad setting (42704)', async () => {
    for (const [packet, code] of [
      [startupPacket({ database: 'postgres' }), '28000'],
      [startupPacket({ user: 'postgres', database: 'nope' }), '3D000'],
      [startupPacket({ user: 'postgres' }, 2 << 16), '0A000'],
      [startupPacket({ user: 'postgres', options: '-c no_such_setting=1' }), '42704'],
    ] as const) {
      const c = await RawClient.connect(srv.port)
      c.send(packet)
      expect(await error(c)).toBe(code)
      await c.until(() => false).catch(() => undefined)
      expect(c.closed).toBe(true)
    }
    await stillServing()
  })

  it('answers SSLRequest and GSSENCRequest with N, then starts up in the clear', async () => {
    const c = await RawClient.connect(srv.port)
    const got: Buffer[] = []
    c.socket.prependListener('data', (d) => got.push(d))
    c.send(Buffer.concat([int32(8), int32(80877103)]))
    await new Promise((r) => setTimeout(r, 100))
    expect(Buffer.concat(got).toString('latin1')).toBe('N')
    c.close()
  })

  it('applies start-up settings and options, and reports parameters', async () => {
    const c = await RawClient.connect(srv.port)
    c.send(startupPacket({ user: 'postgres', application_name: 'bad-input-test', options: '-c statement_timeout=5s --lock-timeout=2s' }))
    await ready(c)
    c.send(query('SHOW statement_timeout; SHOW lock_timeout; SHOW application_name'))
    const rows: string[] = []
    for (let i = 0; i < 3; i++) rows.push((await c.until((m) => m.type === 'D'))!.body.subarray(6).toString())
    expect(rows).toEqual(['5s', '2s', 'bad-input-test'])
    c.close()
  })

  it('closes a connection that does not finish start-up in time', async () => {
    const c = await RawClient.connect(srv.port)
    const code = await error(c)
    expect(code).toBe('08P01')
    expect(c.closed || (await c.until(() => false).catch(() => undefined), c.closed)).toBe(true)
  })

  it('refuses connections beyond the limit with 53300', async () => {
    const many = await Promise.all(Array.from({ length: 20 }, () => RawClient.ready(srv.port)))
    const extra = await RawClient.connect(srv.port)
    expect(await error(extra)).toBe('53300')
    for (const c of many) c.close()
    await new Promise((r) => setTimeout(r, 100))
    await stillServing()
  })
})

describe('messages', () => {
  it('an oversized message is 08P01 and closes only that connection', async () => {
    const c = await RawClient.ready(srv.port)
    const head = Buffer.alloc(5)
    head.write('Q')
    head.writeInt32BE(2 * 1024 * 1024, 1)
    c.send(head)
    expect(await error(c)).toBe('08P01')
    await c.until(() => false).catch(() => undefined)
    expect(c.closed).toBe(true)
    await stillServing()
  })

  it('a length below 4 is 08P01 and closes the connection', async () => {
    const c = await RawClient.ready(srv.port)
    c.send(Buffer.from([0x51, 0, 0, 0, 2]))
    expect(await error(c)).toBe('08P01')
  })

  it('malformed extended-protocol messages are errors that skip to Sync, and the connection goes on', async () => {
    const c = await RawClient.ready(srv.port)
    const cases: [Buffer, string][] = [
      [msg('P', 'unterminated'), '08P01'], // no second string
      [msg('B', '', 'nope', int16(0), int16(0), int16(0)), '26000'], // unknown statement
      [msg('D', [88], ''), '08P01'], // Describe of 'X'
      [msg('E', 'no-portal', int32(0)), '34000'],
      [msg('Y'), '08P01'], // no such message type
      [Buffer.concat([msg('P', 's1', 'SELECT $1::int', int16(0)), msg('B', '', 's1', int16(0), int16(2), int32(1), Buffer.from('1'), int32(1), Buffer.from('2'), int16(0))]), '08P01'], // 2 params for 1
      [Buffer.concat([msg('P', 's2', 'SELECT $1::int4', int16(0)), msg('B', '', 's2', int16(1), int16(1), int16(1), int32(3), Buffer.from('abc'), int16(0))]), '22P03'], // binary int4 of 3 bytes
      [msg('P', '', 'SELEC 1', int16(0)), '42601'],
    ]
    for (const [bytes, code] of cases) {
      c.send(Buffer.concat([bytes, msg('E', '', int32(0)), sync()]))
      expect(await error(c), bytes.toString('latin1')).toBe(code)
      expect((await ready(c))?.body.toString()).toBe('I')
    }
    c.send(query('SELECT 1'))
    expect((await c.until((m) => m.type === 'D'))?.body.subarray(6).toString()).toBe('1')
    c.close()
  })

  it('a syntax error carries its position; an empty query is EmptyQueryResponse', async () => {
    const c = await RawClient.ready(srv.port)
    c.send(query('SELECT 1 FROM WHERE'))
    const e = await c.until((m) => m.type === 'E')
    expect(e?.body.toString()).toContain('P15\0')
    await ready(c)
    c.send(query('  ;  '))
    expect((await c.until((m) => m.type === 'I' || m.type === 'C'))?.type).toBe('I')
    c.close()
  })

  it('COPY FROM STDIN: bad data is an error, CopyFail aborts, good data is copied', async () => {
    const c = await RawClient.ready(srv.port)
    c.send(query('CREATE TABLE cp (a int, b text)'))
    await ready(c)
    c.send(query('COPY cp FROM STDIN'))
    await c.until((m) => m.type === 'G')
    c.send(Buffer.concat([msg('d', Buffer.from('1\tone\n2\ttwo\n')), msg('c')]))
    expect((await c.until((m) => m.type === 'C'))?.body.toString()).toBe('COPY 2\0')
    await ready(c)
    c.send(query('COPY cp FROM STDIN'))
    await c.until((m) => m.type === 'G')
    c.send(Buffer.concat([msg('d', Buffer.from('x\tbad\n')), msg('d', Buffer.from('3\tthree\n')), msg('c')]))
    expect(await error(c)).toBe('22P02')
    await ready(c)
    c.send(query('COPY cp FROM STDIN'))
    await c.until((m) => m.type === 'G')
    c.send(Buffer.concat([msg('d', Buffer.from('4\tfour\n')), msg('f', 'client gave up')]))
    expect(await error(c)).toBe('57014')
    await ready(c)
    c.send(query('SELECT count(*) FROM cp'))
    expect((await c.until((m) => m.type === 'D'))?.body.subarray(6).toString()).toBe('2')
    c.close()
  })

  it('idle_in_transaction_session_timeout ends an idle transaction with 25P03 and releases its locks', async () => {
    const c = await RawClient.ready(srv.port)
    c.send(query("CREATE TABLE idle_t (k int PRIMARY KEY); INSERT INTO idle_t VALUES (1); SET idle_in_transaction_session_timeout = '200ms'"))
    await ready(c)
    c.send(query('BEGIN; UPDATE idle_t SET k = 2'))
    await ready(c)
    expect(await error(c)).toBe('25P03')
    await c.until(() => false).catch(() => undefined)
    expect(c.closed).toBe(true)
    const d = await RawClient.ready(srv.port)
    d.send(query("SET lock_timeout = '2s'; UPDATE idle_t SET k = 3"))
    expect((await d.until((m) => m.type === 'C' && m.body.toString().startsWith('UPDATE')))?.body.toString()).toBe('UPDATE 1\0')
    d.close()
  })
})
