/**
 * The extended query protocol message by message: Describe of statements and
 * portals, Execute with a row limit (PortalSuspended, then the rest), named
 * statements and portals, Close, pipelined messages before one Sync, and binary
 * result formats chosen per column.
 */
import { afterAll, beforeAll, expect, it } from 'vitest'
import { startServer, type TestServer } from './helpers.js'
import { int16, int32, msg, query, RawClient, sync } from './raw-client.js'

let srv: TestServer
let c: RawClient

beforeAll(async () => {
  srv = await startServer()
  c = await RawClient.ready(srv.port)
  c.send(query('CREATE TABLE e (id int PRIMARY KEY, v text); INSERT INTO e SELECT g, \'v\' || g FROM generate_series(1, 5) g'))
  await c.until((m) => m.type === 'Z')
})
afterAll(async () => {
  c.close()
  await srv.close()
})

/** The messages up to and including the next ReadyForQuery, as type letters (DataRows as their text). */
async function untilReady(): Promise<string[]> {
  const out: string[] = []
  for (;;) {
    const m = await c.until(() => true)
    if (m === undefined) throw new Error('closed')
    out.push(m.type === 'D' ? `D:${m.body.subarray(6, 6 + m.body.readInt32BE(2)).toString()}` : m.type === 'C' ? `C:${m.body.toString().replace('\0', '')}` : m.type)
    if (m.type === 'Z') return out
  }
}

const parse = (name: string, sql: string, types: number[] = []) => msg('P', name, sql, int16(types.length), ...types.map(int32))
const bind = (portal: string, stmt: string, params: string[] = [], resultFormats: number[] = []) =>
  msg('B', portal, stmt, int16(0), int16(params.length), ...params.flatMap((p) => [int32(Buffer.byteLength(p)), Buffer.from(p)]), int16(resultFormats.length), ...resultFormats.map(int16))
const execute = (portal: string, maxRows = 0) => msg('E', portal, int32(maxRows))
const describe = (kind: 'S' | 'P', name: string) => msg('D', [kind.charCodeAt(0)], name)

it('Describe a statement: ParameterDescription with the inferred types, then RowDescription; NoData for one without rows', async () => {
  c.send(Buffer.concat([parse('s', 'SELECT id, v FROM e WHERE id > $1 ORDER BY id'), describe('S', 's'), parse('u', 'UPDATE e SET v = $2 WHERE id = $1'), describe('S', 'u'), sync()]))
  const got = await c.until((m) => m.type === 't')
  expect(got!.body.readInt16BE(0)).toBe(1)
  expect(got!.body.readInt32BE(2)).toBe(23) // int4, inferred from id > $1
  expect(await untilReady()).toEqual(['T', '1', 't', 'n', 'Z'])
})

it('Execute with a row limit suspends the portal; the next Execute goes on where it stopped', async () => {
  c.send(Buffer.concat([bind('p', 's', ['1']), execute('p', 2), execute('p', 2), execute('p', 2), sync()]))
  expect(await untilReady()).toEqual(['2', 'D:2', 'D:3', 's', 'D:4', 'D:5', 's', 'C:SELECT 0', 'Z'])
})

it('pipelined statements run in order before one Sync; Close removes a statement', async () => {
  c.send(Buffer.concat([bind('', 'u', ['1', 'one']), execute(''), bind('', 's', ['0']), execute('', 1), msg('C', [83], 's'), bind('', 's', ['0']), sync()]))
  const out = await untilReady()
  expect(out.slice(0, 6)).toEqual(['2', 'C:UPDATE 1', '2', 'D:1', 's', '3'])
  expect(out.at(-2)).toBe('E') // Bind of the closed statement: 26000
  expect(out.at(-1)).toBe('Z')
})

it('result formats per column: binary int4, text text', async () => {
  c.send(Buffer.concat([parse('', 'SELECT id, v FROM e WHERE id = $1'), bind('', '', ['1'], [1, 0]), describe('P', ''), execute(''), sync()]))
  const row = await c.until((m) => m.type === 'D')
  expect(row!.body.readInt32BE(2)).toBe(4)
  expect(row!.body.readInt32BE(6)).toBe(1)
  expect(row!.body.subarray(14).toString()).toBe('one')
  await c.until((m) => m.type === 'Z')
})

it('statements executed before one Sync are one implicit transaction: an error undoes the earlier ones; alone, VACUUM still runs', async () => {
  c.send(Buffer.concat([parse('ins', 'INSERT INTO e VALUES ($1, $2)'), sync()]))
  await untilReady()
  c.send(Buffer.concat([bind('', 'ins', ['10', 'ten']), execute(''), bind('', 'ins', ['11', 'eleven']), execute(''), bind('', 'ins', ['10', 'dup']), execute(''), sync()]))
  const out = await untilReady()
  expect(out).toEqual(['2', 'C:INSERT 0 1', '2', 'C:INSERT 0 1', '2', 'E', 'Z'])
  c.send(query('SELECT count(*) FROM e WHERE id >= 10'))
  expect((await c.until((m) => m.type === 'D'))!.body.subarray(6).toString()).toBe('0')
  await c.until((m) => m.type === 'Z')
  // Committed at Sync when all went well.
  c.send(Buffer.concat([bind('', 'ins', ['10', 'ten']), execute(''), bind('', 'ins', ['11', 'eleven']), execute(''), sync()]))
  expect(await untilReady()).toEqual(['2', 'C:INSERT 0 1', '2', 'C:INSERT 0 1', 'Z'])
  c.send(query('SELECT count(*) FROM e WHERE id >= 10'))
  expect((await c.until((m) => m.type === 'D'))!.body.subarray(6).toString()).toBe('2')
  await c.until((m) => m.type === 'Z')
  c.send(Buffer.concat([parse('', 'VACUUM e'), bind('', ''), execute(''), sync()]))
  expect(await untilReady()).toEqual(['1', '2', 'C:VACUUM', 'Z'])
})
