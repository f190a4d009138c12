/**
 * Protocol fuzzing over real sockets: at least 100,000 malformed, truncated,
 * oversized and random messages from several connections at once. After each batch
 * a connection must still answer a marker query (or, after a framing error, have
 * been closed with an error, and a new one must work); the server process never
 * throws, a bystander connection keeps working throughout, and memory stays bounded.
 *
 *   ISOLA_PROTOCOL_FUZZ_SCALE=10   ten times the messages;  ISOLA_PROTOCOL_FUZZ_SEED=n
 */
import { afterAll, beforeAll, expect, it } from 'vitest'
import { Rng } from '../helpers/random.js'
import { startServer, type TestServer } from './helpers.js'
import { int16, int32, msg, query, RawClient, sync } from './raw-client.js'

const SCALE = Number(process.env.ISOLA_PROTOCOL_FUZZ_SCALE ?? 1)
const SEED = Number(process.env.ISOLA_PROTOCOL_FUZZ_SEED ?? 20261130)
const MESSAGES = 100_000 * SCALE
const CONNECTIONS = 8
const BATCH = 100
const MAX_MESSAGE = 256 * 1024

let srv: TestServer
const uncaught: unknown[] = []
const onUncaught = (e: unknown) => uncaught.push(e)

beforeAll(async () => {
  process.on('uncaughtException', onUncaught)
  process.on('unhandledRejection', onUncaught)
  srv = await startServer({ maxMessageBytes: MAX_MESSAGE, startupTimeoutMs: 2000 })
  const c = await RawClient.ready(srv.port)
  c.send(query('CREATE TABLE fz (k int PRIMARY KEY, v text, n numeric(10,2), b bytea)'))
  await c.until((m) => m.type === 'Z')
  c.close()
})
afterAll(async () => {
  process.off('uncaughtException', onUncaught)
  process.off('unhandledRejection', onUncaught)
  await srv.close()
})

const SQL = [
  'SELECT 1',
  'SELECT $1::int + 1',
  'SELECT $1::text || $2',
  'INSERT INTO fz VALUES ($1, $2, $3, $4) ON CONFLICT (k) DO UPDATE SET v = EXCLUDED.v',
  'UPDATE fz SET v = $2 WHERE k = $1',
  'DELETE FROM fz WHERE k = $1',
  'SELECT * FROM fz WHERE k > $1 ORDER BY k LIMIT 5',
  'BEGIN',
  'COMMIT',
  'ROLLBACK',
  'SAVEPOINT s',
  'SELEC garbage',
  'SELECT * FROM missing',
  "COPY fz FROM STDIN",
  'COPY fz TO STDOUT',
  "SET statement_timeout = '1s'",
  'SHOW transaction_isolation',
  '',
  ';;',
  'SELECT 1; SELECT 2',
]

/** One message: mostly well-framed with bad or random bodies, sometimes valid. */
function randomMessage(r: Rng): Buffer {
  const bytes = (n: number) => Buffer.from(Array.from({ length: n }, () => r.below(256)))
  const str = () => (r.chance(0.8) ? r.pick(SQL) : bytes(r.below(40)).toString('latin1').replaceAll('\0', ''))
  const param = () => (r.chance(0.2) ? int32(-1) : Buffer.concat([int32(r.chance(0.1) ? r.int(-5, 100) : 4), bytes(4)]))
  // Framing breakers (cases 10 and 11) are rare: after one, the rest of the batch is read out of step.
  const kind = r.chance(0.005) ? r.pick([10, 11]) : r.pick([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 12])
  let m: Buffer
  switch (kind) {
    case 0:
      m = msg('Q', str())
      break
    case 1: {
      const types = Array.from({ length: r.below(4) }, () => int32(r.pick([0, 23, 25, 20, 1700, 17, 16, 999999, -1])))
      m = msg('P', r.pick(['', 's1', 's2']), str(), int16(r.chance(0.1) ? r.int(-3, 10) : types.length), ...types)
      break
    }
    case 2: {
      const n = r.below(5)
      const formats = Array.from({ length: r.below(3) }, () => int16(r.int(-1, 2)))
      m = msg('B', r.pick(['', 'p1']), r.pick(['', 's1', 's2', 'nope']), int16(formats.length), ...formats, int16(n), ...Array.from({ length: n }, param), int16(1), int16(r.below(3)))
      break
    }
    case 3:
      m = msg('D', [r.pick([83, 80, 88])], r.pick(['', 's1', 'p1']))
      break
    case 4:
      m = msg('E', r.pick(['', 'p1', 'x']), int32(r.int(-1, 3)))
      break
    case 5:
      m = msg('C', [r.pick([83, 80, 0])], r.pick(['', 's1', 'p1']))
      break
    case 6:
      m = msg(r.pick(['H', 'S']))
      break
    case 7:
      m = msg('d', bytes(r.below(30)))
      break
    case 8:
      m = msg(r.pick(['c', 'f']), r.chance(0.5) ? 'why' : bytes(3))
      break
    case 9:
      m = msg(r.pick(['p', 'F', 'Y', 'x', '\0', 'A']), bytes(r.below(20)))
      break
    case 10:
      // A valid message cut short: the length says less than the body holds, so the rest is read as the next message.
      m = msg('Q', 'SELECT 1')
      m.writeInt32BE(r.int(4, 12), 1)
      break
    case 11:
      m = bytes(r.below(12)) // noise
      break
    default: {
      // A valid message with bytes of its body flipped (its type and length stay, or the framing would break).
      m = msg(r.pick(['B', 'P', 'E', 'D']), '', '', int16(0), int16(1), int32(2), Buffer.from('42'), int16(0))
      for (let i = 0; i < 1 + r.below(3); i++) m[5 + r.below(m.length - 5)] = r.below(256)
    }
  }
  return m
}

/**
 * Waits for the marker's row, or (oversized) the 08P01 that closes the connection.
 * False when the connection closed, or went quiet for a second without answering:
 * a length field made the server wait for bytes that will never come.
 */
async function answered(c: RawClient, marker: string, oversized: boolean): Promise<boolean> {
  let seen = -1
  let quietSince = Date.now()
  for (;;) {
    const i = c.messages.findIndex((m) => (m.type === 'D' && m.body.includes(marker)) || (oversized && m.type === 'E' && RawClient.code(m) === '08P01'))
    if (i >= 0) {
      const m = c.messages[i]!
      c.messages.splice(0, i + 1)
      return m.type === 'D'
    }
    if (c.closed) return false
    if (c.messages.length !== seen) {
      seen = c.messages.length
      quietSince = Date.now()
    } else if (Date.now() - quietSince > 1000) return false
    await new Promise((r) => setTimeout(r, 10))
  }
}

/** Runs one connection's share: batches of random messages, each followed by a marker query it must answer. */
async function fuzzConnection(r: Rng, budget: number, stats: { sent: number; reconnects: number; markers: number }): Promise<void> {
  let c = await RawClient.ready(srv.port, { options: '-c statement_timeout=2s -c lock_timeout=200ms' })
  while (budget > 0) {
    const n = Math.min(BATCH, budget)
    const batch: Buffer[] = []
    for (let i = 0; i < n; i++) batch.push(randomMessage(r))
    // Sometimes an oversized message: it must close this connection with 08P01.
    const oversized = r.chance(0.01)
    budget -= n
    stats.sent += n + (oversized ? 1 : 0)
    const marker = `m${r.u32()}`
    // CopyFail leaves a COPY the batch began; Sync ends an error state; ROLLBACK a failed block.
    const end = Buffer.concat([msg('f', 'fuzz'), sync(), query(`ROLLBACK; SELECT '${marker}'`)])
    if (oversized) {
      const head = Buffer.alloc(5)
      head.write('Q')
      head.writeInt32BE(MAX_MESSAGE + 1 + r.below(1000), 1)
      batch.push(head)
    }
    c.send(Buffer.concat(oversized ? batch : [...batch, end]))
    if (await answered(c, marker, oversized)) {
      stats.markers++
      continue
    }
    // The batch broke the framing (or asked for more bytes than it sent): this connection is done; a new one must work.
    c.close()
    c = await RawClient.ready(srv.port, { options: '-c statement_timeout=2s -c lock_timeout=200ms' })
    stats.reconnects++
  }
  c.close()
}

it(`${MESSAGES.toLocaleString('en')} malformed, truncated, oversized and random messages: errors or a closed connection, never a crash (seed ${SEED})`, async () => {
  const stats = { sent: 0, reconnects: 0, markers: 0 }
  const bystander = await RawClient.ready(srv.port)
  let bystanderOk = 0
  let done = false
  const watch = (async () => {
    while (!done) {
      bystander.send(query('SELECT 41 + 1'))
      const row = await bystander.until((m) => m.type === 'D', 20_000)
      expect(row?.body.subarray(6).toString()).toBe('42')
      bystanderOk++
      await new Promise((r) => setTimeout(r, 100))
    }
  })()
  const rssBefore = process.memoryUsage().rss
  const rssSamples: number[] = []
  const sampler = setInterval(() => rssSamples.push(process.memoryUsage().rss), 500)
  await Promise.all(Array.from({ length: CONNECTIONS }, (_, i) => fuzzConnection(new Rng(SEED + i), Math.ceil(MESSAGES / CONNECTIONS), stats)))
  clearInterval(sampler)
  done = true
  await watch
  bystander.close()
  const peakMb = (Math.max(...rssSamples, rssBefore) - rssBefore) / 2 ** 20
  console.log(`protocol fuzz: ${stats.sent} messages, ${stats.markers} batches answered, ${stats.reconnects} connections closed by bad framing, bystander answered ${bystanderOk} times, RSS +${peakMb.toFixed(0)} MiB at peak`)
  expect(stats.sent).toBeGreaterThanOrEqual(MESSAGES)
  expect(uncaught).toEqual([])
  expect(bystanderOk).toBeGreaterThan(0)
  expect(stats.markers).toBeGreaterThan(stats.reconnects)
  expect(peakMb).toBeLessThan(400)
  // Every fuzzing connection is gone: nothing leaked in the server's table.
  await new Promise((r) => setTimeout(r, 200))
  expect(srv.server.connectionCount).toBe(0)
})
