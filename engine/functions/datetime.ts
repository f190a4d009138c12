/**
 * Date and time functions (PostgreSQL 15, §9.9): the current time in its several
 * flavours, date_part and date_trunc, make_date. The session time zone is UTC
 * (engine/values/datetime.ts), so timestamptz fields are UTC fields.
 */
import { dbError } from '../../common/errors.js'
import { DATE_NEG_INFINITY, DATE_POS_INFINITY, Decimal, T, TS_NEG_INFINITY, TS_POS_INFINITY, date2j, isValidDate, j2date, type SqlType, type SqlValue } from '../values/index.js'
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

const typeLabel = (type: SqlType) => (type.kind === 'date' ? 'date' : type.kind === 'timestamptz' ? 'timestamp with time zone' : 'timestamp without time zone')

/** PostgreSQL's spellings of date/time units (datetktbl's "units" entries) → the canonical unit. */
const UNIT_ALIASES: Readonly<Record<string, string>> = Object.fromEntries(
  Object.entries({
    microseconds: ['microsecond', 'microseconds', 'us', 'usec', 'usecs', 'useconds'],
    milliseconds: ['millisecond', 'milliseconds', 'ms', 'msec', 'msecs', 'mseconds'],
    second: ['second', 'seconds', 's', 'sec', 'secs'],
    minute: ['minute', 'minutes', 'm', 'min', 'mins'],
    hour: ['hour', 'hours', 'h', 'hr', 'hrs'],
    day: ['day', 'days', 'd'],
    week: ['week', 'weeks', 'w'],
    month: ['month', 'months', 'mon', 'mons'],
    quarter: ['quarter', 'qtr'],
    year: ['year', 'years', 'y', 'yr', 'yrs'],
    decade: ['decade', 'decades', 'dec', 'decs'],
    century: ['century', 'centuries', 'c', 'cent'],
    millennium: ['millennium', 'millennia', 'mil', 'mils', 'millenniums'],
    dow: ['dow'], doy: ['doy'], isodow: ['isodow'], isoyear: ['isoyear'], epoch: ['epoch'], julian: ['julian', 'j'],
    timezone: ['timezone'], timezone_hour: ['timezone_h', 'timezone_hour'], timezone_minute: ['timezone_m', 'timezone_minute'],
  }).flatMap(([unit, names]) => names.map((n) => [n, unit])),
)

/** The canonical unit, or 22023 for a word that is no unit at all. */
function canonicalUnit(unit: string, type: SqlType): string {
  const u = UNIT_ALIASES[unit.toLowerCase()]
  if (u === undefined) throw dbError('invalid_parameter_value', `unit "${unit}" not recognized for type ${typeLabel(type)}`)
  return u
}

function unitError(unit: string, type: SqlType): Error {
  return dbError('feature_not_supported', `unit "${unit}" not supported for type ${typeLabel(type)}`)
}

function truncate(unit: string, us: bigint, type: SqlType): bigint {
  if (us === TS_POS_INFINITY || us === TS_NEG_INFINITY) return us
  const u = canonicalUnit(unit, type)
  const f = split(us)
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
  const u = canonicalUnit(unit, type)
  if (us === TS_POS_INFINITY || us === TS_NEG_INFINITY) {
    const sign = us === TS_POS_INFINITY ? Infinity : -Infinity
    if (['epoch', 'year', 'decade', 'century', 'millennium', 'julian', 'isoyear'].includes(u)) return sign
    return NaN
  }
  const f = split(us)
  const jd = date2j(f.y, f.m, f.d)
  const secs = Number(f.time % 60_000_000n) / 1e6
  switch (u) {
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

/**
 * EXTRACT(field FROM x): since PostgreSQL 14 a numeric, exact: seconds keep their
 * microseconds (scale 6), milliseconds scale 3, epoch scale 6 for timestamps; a date
 * has no time-of-day fields.
 */
function extract(unit: string, v: SqlValue, type: SqlType): Decimal {
  const u = canonicalUnit(unit, type)
  if (type.kind === 'date' && ['microseconds', 'milliseconds', 'second', 'minute', 'hour', 'timezone', 'timezone_hour', 'timezone_minute'].includes(u)) throw unitError(unit, type)
  const us = asTs(v, type)
  if (us === TS_POS_INFINITY || us === TS_NEG_INFINITY) {
    const p = part(unit, us, type)
    return Number.isNaN(p) ? Decimal.NaN : p > 0 ? Decimal.Infinity : Decimal.NegInfinity
  }
  const f = split(us)
  const inMinute = f.time % 60_000_000n
  switch (u) {
    case 'microseconds': return Decimal.of(inMinute)
    case 'milliseconds': return Decimal.of(inMinute, 3)
    case 'second': return Decimal.of(inMinute, 6)
    case 'epoch': return type.kind === 'date' ? Decimal.of(us / 1_000_000n + 946_684_800n) : Decimal.of(us + 946_684_800_000_000n, 6)
    case 'julian': throw unitError(unit, type)
    default: return Decimal.of(BigInt(part(unit, us, type)))
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
  // date_part(text, date) is date_part(text, date::timestamp) in PostgreSQL, error messages included.
  scalar('date_part', ['text', 'date'], T.float8, (a, t) => part(a[0] as string, asTs(a[1]!, t[1]!), T.timestamp)),
  scalar('extract', ['text', 'timestamp'], T.numeric, (a, t) => extract(a[0] as string, a[1]!, t[1]!)),
  scalar('extract', ['text', 'timestamptz'], T.numeric, (a, t) => extract(a[0] as string, a[1]!, t[1]!), { volatility: 'stable' }),
  scalar('extract', ['text', 'date'], T.numeric, (a, t) => extract(a[0] as string, a[1]!, t[1]!)),
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
