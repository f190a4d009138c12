/**
 * date, timestamp and timestamptz text I/O, on PostgreSQL's Julian-day arithmetic
 * (date2j/j2date from datetime.c), so the proleptic Gregorian calendar and the epoch
 * (2000-01-01) match PostgreSQL exactly.
 *
 * Shortcuts admitted: input is ISO 8601 only (YYYY-MM-DD[ HH:MM[:SS[.f]]][zone]) plus
 * 'epoch', 'infinity', '-infinity', 'today'-free; the session time zone is UTC, so
 * timestamptz prints with '+00' and a zone offset only shifts the instant.
 */
import { dbError } from '../../common/errors.js'
import { DATE_NEG_INFINITY, DATE_POS_INFINITY, TS_NEG_INFINITY, TS_POS_INFINITY } from './types.js'

const POSTGRES_EPOCH_JDATE = 2451545
export const USECS_PER_DAY = 86_400_000_000n
const WS = /^[ \t\n\r\v\f]+|[ \t\n\r\v\f]+$/g

/**
 * PostgreSQL's ranges (datatype/timestamp.h), in days and µs since 2000-01-01: dates
 * from Julian day 0 (4714-11-24 BC) to 5874897-12-31, timestamps from the same day
 * to just before 294277-01-01. The END values are exclusive.
 */
const MIN_DATE = -POSTGRES_EPOCH_JDATE
const END_DATE = 2_147_483_494 - POSTGRES_EPOCH_JDATE
const MIN_TIMESTAMP = -211_813_488_000_000_000n
const END_TIMESTAMP = 9_223_371_331_200_000_000n

export const isValidDate = (days: number): boolean => days >= MIN_DATE && days < END_DATE
const isValidTimestamp = (us: bigint): boolean => us >= MIN_TIMESTAMP && us < END_TIMESTAMP

export function date2j(y: number, m: number, d: number): number {
  if (m > 2) {
    m += 1
    y += 4800
  } else {
    m += 13
    y += 4799
  }
  const century = Math.floor(y / 100)
  let julian = y * 365 - 32167
  julian += Math.floor(y / 4) - century + Math.floor(century / 4)
  julian += Math.floor((7834 * m) / 256) + d
  return julian
}

export function j2date(jd: number): [number, number, number] {
  let julian = jd + 32044
  let quad = Math.floor(julian / 146097)
  const extra = (julian - quad * 146097) * 4 + 3
  julian += 60 + quad * 3 + Math.floor(extra / 146097)
  quad = Math.floor(julian / 1461)
  julian -= quad * 1461
  let y = Math.floor((julian * 4) / 1461)
  julian = (y !== 0 ? (julian + 305) % 365 : (julian + 306) % 366) + 123
  y += quad * 4
  const q = Math.floor((julian * 2141) / 65536)
  const day = julian - Math.floor((7834 * q) / 256)
  const month = ((q + 10) % 12) + 1
  return [y - 4800, month, day]
}

const isLeap = (y: number): boolean => y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0)
const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31] as const
const daysIn = (y: number, m: number): number => (m === 2 && isLeap(y) ? 29 : DAYS_IN_MONTH[m - 1]!)

const DATETIME_RE =
  /^(\d{4,})-(\d{1,2})-(\d{1,2})(?:(?:[ \t]+|T)(\d{1,2}):(\d{1,2})(?::(\d{1,2})(?:\.(\d*))?)?)?[ \t]*(z|utc|gmt|[+-]\d{1,2}(?::?\d{2})?)?(?:[ \t]+(bc|ad))?$/i

interface Parsed {
  readonly days: number
  /** µs since midnight, in the stated zone. */
  readonly time: bigint
  /** Seconds east of UTC given in the text (undefined: none). */
  readonly offset: number | undefined
  readonly hasTime: boolean
}

type Kind = 'date' | 'timestamp' | 'timestamp with time zone'

function syntax(kind: Kind, text: string) {
  return dbError('invalid_datetime_format', `invalid input syntax for type ${kind}: "${text}"`)
}
function fieldRange(text: string) {
  return dbError('datetime_field_overflow', `date/time field value out of range: "${text}"`)
}

function parseDateTime(text: string, kind: Kind): Parsed | 'inf' | '-inf' | 'epoch' {
  const s = text.replace(WS, '')
  const lower = s.toLowerCase()
  if (lower === 'infinity' || lower === '+infinity') return 'inf'
  if (lower === '-infinity') return '-inf'
  if (lower === 'epoch') return 'epoch'
  const m = DATETIME_RE.exec(s)
  if (m === null) throw syntax(kind, text)
  const [, ys, ms, ds, hs, mis, ss, fs, zone, era] = m
  let y = Number(ys)
  const mo = Number(ms)
  const d = Number(ds)
  if (era?.toLowerCase() === 'bc') y = 1 - y
  if (mo < 1 || mo > 12 || d < 1 || d > daysIn(y, mo)) throw fieldRange(text)
  const h = Number(hs ?? 0)
  const mi = Number(mis ?? 0)
  const sec = Number(ss ?? 0)
  // Fraction: PostgreSQL reads it as a double and rounds with rint (half to even), so
  // .0000005 (just below one half in binary) becomes 0 µs.
  const f = Number('0.' + (fs ?? '0')) * 1e6
  const r = Math.round(f)
  const usec = BigInt(r - f === 0.5 && r % 2 !== 0 ? r - 1 : r)
  if (h > 24 || mi > 59 || sec > 60 || (h === 24 && (mi > 0 || sec > 0 || usec > 0n))) throw fieldRange(text)
  const time = ((BigInt(h) * 60n + BigInt(mi)) * 60n + BigInt(sec)) * 1_000_000n + usec
  // A leap second (:60) rolls over, but the time of day may not pass 24:00:00.
  if (time > USECS_PER_DAY) throw fieldRange(text)
  let offset: number | undefined
  if (zone !== undefined) {
    const z = zone.toLowerCase()
    if (z === 'z' || z === 'utc' || z === 'gmt') offset = 0
    else {
      const zm = /^([+-])(\d{1,2}):?(\d{2})?$/.exec(z)!
      const zh = Number(zm[2])
      const zmin = Number(zm[3] ?? 0)
      if (zh > 15 || zmin > 59) throw dbError('invalid_datetime_format', `time zone displacement out of range: "${text}"`)
      offset = (zm[1] === '-' ? -1 : 1) * (zh * 3600 + zmin * 60)
    }
  }
  return { days: date2j(y, mo, d) - POSTGRES_EPOCH_JDATE, time, offset, hasTime: hs !== undefined }
}

/** date_in. */
export function parseDate(text: string): number {
  const p = parseDateTime(text, 'date')
  if (p === 'inf') return DATE_POS_INFINITY
  if (p === '-inf') return DATE_NEG_INFINITY
  if (p === 'epoch') return -10957
  if (p.offset !== undefined && !p.hasTime) throw syntax('date', text)
  if (!isValidDate(p.days)) throw dbError('datetime_field_overflow', `date out of range: "${text}"`)
  return p.days
}

/** timestamp_in / timestamptz_in (session zone UTC; a timestamp ignores a stated zone). */
export function parseTimestamp(text: string, withZone: boolean): bigint {
  const p = parseDateTime(text, withZone ? 'timestamp with time zone' : 'timestamp')
  if (p === 'inf') return TS_POS_INFINITY
  if (p === '-inf') return TS_NEG_INFINITY
  if (p === 'epoch') return -10957n * USECS_PER_DAY
  let us = BigInt(p.days) * USECS_PER_DAY + p.time
  if (withZone && p.offset !== undefined) us -= BigInt(p.offset) * 1_000_000n
  if (!isValidTimestamp(us)) throw dbError('datetime_field_overflow', `timestamp out of range: "${text}"`)
  return us
}

const pad = (n: number | bigint, w: number): string => String(n).padStart(w, '0')

function ymd(days: number): [string, string] {
  const [y, m, d] = j2date(days + POSTGRES_EPOCH_JDATE)
  const bc = y <= 0
  return [`${pad(bc ? 1 - y : y, 4)}-${pad(m, 2)}-${pad(d, 2)}`, bc ? ' BC' : '']
}

/** date_out (DateStyle ISO). */
export function formatDate(days: number): string {
  if (days === DATE_POS_INFINITY) return 'infinity'
  if (days === DATE_NEG_INFINITY) return '-infinity'
  const [s, era] = ymd(days)
  return s + era
}

/** timestamp_out / timestamptz_out (ISO, zone UTC: '+00'). */
export function formatTimestamp(us: bigint, withZone: boolean): string {
  if (us === TS_POS_INFINITY) return 'infinity'
  if (us === TS_NEG_INFINITY) return '-infinity'
  let days = us / USECS_PER_DAY
  let time = us % USECS_PER_DAY
  if (time < 0n) {
    time += USECS_PER_DAY
    days -= 1n
  }
  const [date, era] = ymd(Number(days))
  const usec = time % 1_000_000n
  const secs = time / 1_000_000n
  let out = `${date} ${pad(secs / 3600n, 2)}:${pad((secs / 60n) % 60n, 2)}:${pad(secs % 60n, 2)}`
  if (usec > 0n) out += '.' + pad(usec, 6).replace(/0+$/, '')
  return out + (withZone ? '+00' : '') + era
}

/** The date of a timestamp (floor), for timestamp → date. */
export function timestampToDate(us: bigint): number {
  if (us === TS_POS_INFINITY) return DATE_POS_INFINITY
  if (us === TS_NEG_INFINITY) return DATE_NEG_INFINITY
  let days = us / USECS_PER_DAY
  if (us % USECS_PER_DAY < 0n) days -= 1n
  return Number(days)
}

/** The timestamp of a date's midnight, unchecked: comparisons of a date with a timestamp take it as it is. */
export function dateToTimestamp(days: number): bigint {
  if (days === DATE_POS_INFINITY) return TS_POS_INFINITY
  if (days === DATE_NEG_INFINITY) return TS_NEG_INFINITY
  return BigInt(days) * USECS_PER_DAY
}

/** date → timestamp as a cast: a date past 294276 has no timestamp (22008). */
export function castDateToTimestamp(days: number): bigint {
  const us = dateToTimestamp(days)
  if (us !== TS_POS_INFINITY && us !== TS_NEG_INFINITY && !isValidTimestamp(us)) throw dbError('datetime_field_overflow', 'date out of range for timestamp')
  return us
}
