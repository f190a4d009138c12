/**
 * Date and time functions (PostgreSQL 15, §9.9): the current time in its several
 * flavours, date_part and date_trunc, make_date. The session time zone is UTC
 * (engine/values/datetime.ts), so timestamptz fields are UTC fields.
 */
import { dbError } from '../../common/errors.js'
import { DATE_NEG_INFINITY, DATE_POS_INFINITY, T, TS_NEG_INFINITY, TS_POS_INFINITY, date2j, isValidDate, j2date, type SqlType, type SqlValue } from '../values/index.js'
import { scalar } from './define.js'
import type { ScalarFunction } from './types.js'

const POSTGRES_EPOCH_JDATE = 2451545
const USECS_PER_DAY = 86_400_000_000n
/** 2000-01-01 00:00 UTC in Unix milliseconds. */
const PG_EPOCH_UNIX_MS = 946_684_800_000

/** Now as PostgreSQL's TimestampTz: µs since 2000-01-01 UTC. */
export function currentTimestamp(): bigint {
  const ms = performance.timeOrigin + performance.now()
  return BigInt(Math.round((ms - PG_EPOCH_UNIX_MS) * 1000))
}

interface Fields {
  y: number
  m: number
  d: number
  /** µs since midnight */
  time: bigint
}

function split(us: bigint): Fields {
  let days = us / USECS_PER_DAY
  let time = us % USECS_PER_DAY
  if (time < 0n) {
    time += USECS_PER_DAY
    days -= 1n
  }
  const [y, m, d] = j2date(Number(days) + POSTGRES_EPOCH_JDATE)
  return { y, m, d, time }
}

const join = (f: Fields): bigint => BigInt(date2j(f.y, f.m, f.d) - POSTGRES_EPOCH_JDATE) * USECS_PER_DAY + f.time

function unitError(unit: string, type: SqlType): Error {
  const name = type.kind === 'date' ? 'date' : type.kind === 'timestamptz' ? 'timestamp with time zone' : 'timestamp without time zone'
  return dbError('feature_not_supported', `unit "${unit}" not supported for type ${name}`)
}

function truncate(unit: string, us: bigint, type: SqlType): bigint {
  if (us === TS_POS_INFINITY || us === TS_NEG_INFINITY) return us
  const f = split(us)
  const u = unit.toLowerCase()
  const floorDiv = (a: number, b: number) => Math.floor(a / b) * b
  switch (u) {
    case 'microseconds': return us
    case 'milliseconds': return join({ ...f, time: (f.time / 1000n) * 1000n })
    case 'second': return join({ ...f, time: (f.time / 1_000_000n) * 1_000_000n })
    case 'minute': return join({ ...f, time: (f.time / 60_000_000n) * 60_000_000n })
    case 'hour': return join({ ...f, time: (f.time / 3_600_000_000n) * 3_600_000_000n })
    case 'day': return join({ ...f, time: 0n })
    case 'week': {
      const jd = date2j(f.y, f.m, f.d)
      const monday = jd - ((jd + 1) % 7 === 0 ? 6 : ((jd + 1) % 7) - 1)
      const [y, m, d] = j2date(monday)
      return join({ y, m, d, time: 0n })
    }
    case 'month': return join({ ...f, d: 1, time: 0n })
    case 'quarter': return join({ ...f, m: floorDiv(f.m - 1, 3) + 1, d: 1, time: 0n })
    case 'year': return join({ ...f, m: 1, d: 1, time: 0n })
    case 'decade': return join({ y: floorDiv(f.y, 10), m: 1, d: 1, time: 0n })
    case 'century': return join({ y: f.y > 0 ? floorDiv(f.y - 1, 100) + 1 : -(floorDiv(-f.y, 100) + 99), m: 1, d: 1, time: 0n })
    case 'millennium': return join({ y: f.y > 0 ? floorDiv(f.y - 1, 1000) + 1 : -(floorDiv(-f.y, 1000) + 999), m: 1, d: 1, time: 0n })
    default: throw unitError(unit, type)
  }
}

function part(unit: string, us: bigint, type: SqlType): number {
  if (us === TS_POS_INFINITY || us === TS_NEG_INFINITY) {
    const sign = us === TS_POS_INFINITY ? Infinity : -Infinity
    if (['epoch', 'year', 'decade', 'century', 'millennium', 'julian', 'isoyear'].includes(unit.toLowerCase())) return sign
    return NaN
  }
  const f = split(us)
  const jd = date2j(f.y, f.m, f.d)
  const secs = Number(f.time % 60_000_000n) / 1e6
  switch (unit.toLowerCase()) {
    case 'microseconds': return Number(f.time % 60_000_000n)
    case 'milliseconds': return Number(f.time % 60_000_000n) / 1000
    case 'second': return secs
    case 'minute': return Number((f.time / 60_000_000n) % 60n)
    case 'hour': return Number(f.time / 3_600_000_000n)
    case 'day': return f.d
    case 'month': return f.m
    case 'quarter': return Math.floor((f.m - 1) / 3) + 1
    case 'year': return f.y > 0 ? f.y : f.y - 1
    case 'decade': return Math.floor(f.y / 10)
    case 'century': return f.y > 0 ? Math.floor((f.y + 99) / 100) : -Math.floor((99 - (f.y - 1)) / 100)
    case 'millennium': return f.y > 0 ? Math.floor((f.y + 999) / 1000) : -Math.floor((999 - (f.y - 1)) / 1000)
    case 'dow': return (jd + 1) % 7
    case 'isodow': return (jd + 1) % 7 === 0 ? 7 : (jd + 1) % 7
    case 'doy': return jd - date2j(f.y, 1, 1) + 1
    case 'epoch': return Number(us) / 1e6 + 946_684_800
    case 'julian': return jd + Number(f.time) / Number(USECS_PER_DAY)
    default: throw unitError(unit, type)
  }
}

const dateTs = (d: number): bigint => (d === DATE_POS_INFINITY ? TS_POS_INFINITY : d === DATE_NEG_INFINITY ? TS_NEG_INFINITY : BigInt(d) * USECS_PER_DAY)

const asTs = (v: SqlValue, t: SqlType): bigint => (t.kind === 'date' ? dateTs(v as number) : (v as bigint))

export const DATETIME_FUNCTIONS: readonly ScalarFunction[] = [
  ...['now', 'transaction_timestamp', 'current_timestamp'].map((n) =>
    scalar(n, [], T.timestamptz, (_a, _t, ctx) => ctx.transactionTimestamp, { volatility: 'stable' }),
  ),
  scalar('statement_timestamp', [], T.timestamptz, (_a, _t, ctx) => ctx.statementTimestamp, { volatility: 'stable' }),
  scalar('clock_timestamp', [], T.timestamptz, () => currentTimestamp(), { volatility: 'volatile' }),
  scalar('localtimestamp', [], T.timestamp, (_a, _t, ctx) => ctx.transactionTimestamp, { volatility: 'stable' }),
  scalar('current_date', [], T.date, (_a, _t, ctx) => Number(ctx.transactionTimestamp / USECS_PER_DAY) - (ctx.transactionTimestamp < 0n && ctx.transactionTimestamp % USECS_PER_DAY !== 0n ? 1 : 0), { volatility: 'stable' }),
  scalar('date_trunc', ['text', 'timestamp'], T.timestamp, (a, t) => truncate(a[0] as string, a[1] as bigint, t[1]!)),
  scalar('date_trunc', ['text', 'timestamptz'], T.timestamptz, (a, t) => truncate(a[0] as string, a[1] as bigint, t[1]!), { volatility: 'stable' }),
  scalar('date_part', ['text', 'timestamp'], T.float8, (a, t) => part(a[0] as string, asTs(a[1]!, t[1]!), t[1]!)),
  scalar('date_part', ['text', 'timestamptz'], T.float8, (a, t) => part(a[0] as string, asTs(a[1]!, t[1]!), t[1]!), { volatility: 'stable' }),
  scalar('date_part', ['text', 'date'], T.float8, (a, t) => part(a[0] as string, asTs(a[1]!, t[1]!), t[1]!)),
  scalar('make_date', ['int4', 'int4', 'int4'], T.date, (a) => {
    const [y, m, d] = a as [number, number, number]
    const jd = date2j(y < 0 ? y + 1 : y, m, d)
    const [y2, m2, d2] = j2date(jd)
    if (y === 0 || y2 !== (y < 0 ? y + 1 : y) || m2 !== m || d2 !== d) {
      throw dbError('datetime_field_overflow', `date field value out of range: ${y}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`)
    }
    if (!isValidDate(jd - POSTGRES_EPOCH_JDATE)) throw dbError('datetime_field_overflow', `date out of range: ${y}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`)
    return jd - POSTGRES_EPOCH_JDATE
  }),
]
