/**
 * Session settings (PostgreSQL's GUCs) that SET, SET LOCAL, SHOW, RESET,
 * current_setting() and pg_settings see: their defaults, validation and display.
 *
 * Names are case-insensitive (`datestyle` is DateStyle); SHOW names the column as
 * PostgreSQL spells the setting. Values the engine cannot honour are refused rather
 * than silently ignored: the session time zone is UTC and dates print in ISO style,
 * so other TimeZone or DateStyle values are 0A000. Unknown names are 42704, except
 * custom ones with a dot (`myapp.user_id`), which PostgreSQL accepts too.
 */
import { dbError } from '../common/errors.js'
import { SERVER_VERSION } from './functions/index.js'

type Kind = 'string' | 'bool' | 'duration' | 'integer' | 'isolation' | 'enum' | 'timestamp'

interface Setting {
  readonly name: string
  readonly kind: Kind
  readonly default: string
  readonly readOnly?: boolean
  readonly values?: readonly string[]
  readonly description: string
  /** Accepts only these (case-insensitive) spellings; anything else is 0A000. */
  readonly supported?: (v: string) => boolean
}

const isUtc = (v: string) => ['utc', 'gmt', 'etc/utc', 'etc/gmt', 'z', 'zulu', 'universal', '+00', '00:00', '+00:00', '0'].includes(v.trim().toLowerCase())

const SETTINGS: readonly Setting[] = [
  { name: 'application_name', kind: 'string', default: '', description: 'Sets the application name to be reported in statistics and logs.' },
  { name: 'client_encoding', kind: 'string', default: 'UTF8', description: "Sets the client's character set encoding.", supported: (v) => ['utf8', 'utf-8', 'unicode', 'sql_ascii'].includes(v.toLowerCase()) },
  { name: 'DateStyle', kind: 'string', default: 'ISO, MDY', description: 'Sets the display format for date and time values.', supported: (v) => /^\s*iso\s*(,\s*(mdy|dmy|ymd)\s*)?$/i.test(v) || /^\s*(mdy|dmy|ymd)\s*,\s*iso\s*$/i.test(v) },
  { name: 'IntervalStyle', kind: 'enum', default: 'postgres', values: ['postgres', 'postgres_verbose', 'sql_standard', 'iso_8601'], description: 'Sets the display format for interval values.' },
  { name: 'TimeZone', kind: 'string', default: 'UTC', description: 'Sets the time zone for displaying and interpreting time stamps.', supported: isUtc },
  { name: 'default_transaction_isolation', kind: 'isolation', default: 'read committed', description: 'Sets the transaction isolation level of each new transaction.' },
  { name: 'default_transaction_read_only', kind: 'bool', default: 'off', description: 'Sets the default read-only status of new transactions.' },
  { name: 'default_transaction_deferrable', kind: 'bool', default: 'off', description: 'Sets the default deferrable status of new transactions.' },
  { name: 'transaction_isolation', kind: 'isolation', default: 'read committed', description: "Sets the current transaction's isolation level." },
  { name: 'transaction_read_only', kind: 'bool', default: 'off', description: "Sets the current transaction's read-only status." },
  { name: 'transaction_deferrable', kind: 'bool', default: 'off', description: 'Whether to defer a read-only serializable transaction until it can be executed with no possible serialization failures.' },
  { name: 'statement_timeout', kind: 'duration', default: '0', description: 'Sets the maximum allowed duration of any statement.' },
  { name: 'lock_timeout', kind: 'duration', default: '0', description: 'Sets the maximum allowed duration of any wait for a lock.' },
  { name: 'idle_in_transaction_session_timeout', kind: 'duration', default: '0', description: 'Sets the maximum allowed idle time between queries, when in a transaction.' },
  { name: 'search_path', kind: 'string', default: '"$user", public', description: 'Sets the schema search order for names that are not schema-qualified.' },
  { name: 'extra_float_digits', kind: 'integer', default: '1', description: 'Sets the number of digits displayed for floating-point values.', supported: (v) => v.trim() === '1' || v.trim() === '2' || v.trim() === '3' },
  { name: 'standard_conforming_strings', kind: 'bool', default: 'on', description: "Causes '...' strings to treat backslashes literally.", supported: (v) => parseBool(v) === 'on' },
  { name: 'client_min_messages', kind: 'enum', default: 'notice', values: ['debug5', 'debug4', 'debug3', 'debug2', 'debug1', 'log', 'notice', 'warning', 'error'], description: 'Sets the message levels that are sent to the client.' },
  { name: 'synchronous_commit', kind: 'enum', default: 'on', values: ['local', 'remote_write', 'remote_apply', 'on', 'off'], description: 'Sets the current transaction\'s synchronization level.' },
  { name: 'work_mem', kind: 'string', default: '4MB', description: 'Sets the maximum memory to be used for query workspaces.' },
  { name: 'maintenance_work_mem', kind: 'string', default: '64MB', description: 'Sets the maximum memory to be used for maintenance operations.' },
  { name: 'row_security', kind: 'bool', default: 'on', description: 'Enable row security.' },
  { name: 'timezone_abbreviations', kind: 'string', default: 'Default', description: 'Selects a file of time zone abbreviations.' },
  { name: 'bytea_output', kind: 'enum', default: 'hex', values: ['hex'], description: 'Sets the output format for bytea.' },
  { name: 'xmloption', kind: 'enum', default: 'content', values: ['content', 'document'], description: 'Sets whether XML data in implicit parsing and serialization operations is to be considered as documents or content fragments.' },
  { name: 'lc_messages', kind: 'string', default: 'C', description: 'Sets the language in which messages are displayed.' },
  { name: 'lc_monetary', kind: 'string', default: 'C', description: 'Sets the locale for formatting monetary amounts.' },
  { name: 'lc_numeric', kind: 'string', default: 'C', description: 'Sets the locale for formatting numbers.' },
  { name: 'lc_time', kind: 'string', default: 'C', description: 'Sets the locale for formatting date and time values.' },
  { name: 'password_encryption', kind: 'enum', default: 'scram-sha-256', values: ['scram-sha-256', 'md5'], description: 'Chooses the algorithm for encrypting passwords.' },
  { name: 'jit', kind: 'bool', default: 'off', description: 'Allow JIT compilation.' },
  { name: 'enable_seqscan', kind: 'bool', default: 'on', description: "Enables the planner's use of sequential-scan plans." },
  { name: 'enable_indexscan', kind: 'bool', default: 'on', description: "Enables the planner's use of index-scan plans." },
  { name: 'enable_hashjoin', kind: 'bool', default: 'on', description: "Enables the planner's use of hash join plans." },
  { name: 'enable_nestloop', kind: 'bool', default: 'on', description: "Enables the planner's use of nested-loop join plans." },
  { name: 'server_version', kind: 'string', default: SERVER_VERSION, readOnly: true, description: 'Shows the server version.' },
  { name: 'server_version_num', kind: 'string', default: '150000', readOnly: true, description: 'Shows the server version as an integer.' },
  { name: 'server_encoding', kind: 'string', default: 'UTF8', readOnly: true, description: 'Shows the server (database) character set encoding.' },
  { name: 'integer_datetimes', kind: 'bool', default: 'on', readOnly: true, description: 'Shows whether datetimes are integer based.' },
  { name: 'max_identifier_length', kind: 'string', default: '63', readOnly: true, description: 'Shows the maximum identifier length.' },
  { name: 'block_size', kind: 'string', default: '8192', readOnly: true, description: 'Shows the size of a disk block.' },
  { name: 'lc_collate', kind: 'string', default: 'C', readOnly: true, description: 'Shows the collation order locale.' },
  { name: 'lc_ctype', kind: 'string', default: 'C', readOnly: true, description: 'Shows the character classification and case conversion locale.' },
  { name: 'is_superuser', kind: 'bool', default: 'on', readOnly: true, description: 'Shows whether the current user is a superuser.' },
  { name: 'session_authorization', kind: 'string', default: 'postgres', readOnly: true, description: 'Sets the session user name.' },
  { name: 'max_prepared_transactions', kind: 'string', default: '100', readOnly: true, description: 'Sets the maximum number of simultaneously prepared transactions.' },
  // The coordinator's internal commands (ARCHITECTURE.md §9.6): timestamps from its oracle.
  { name: 'isola.snapshot', kind: 'timestamp', default: '', description: "The coordinator's snapshot timestamp for the transaction's next snapshot (every statement's under READ COMMITTED)." },
  { name: 'isola.commit_timestamp', kind: 'timestamp', default: '', description: "The coordinator's timestamp for the next COMMIT (proposed) or COMMIT PREPARED (exact); COMMIT PREPARED clears it." },
  { name: 'isola.last_commit_timestamp', kind: 'timestamp', default: '', readOnly: true, description: 'The timestamp the last COMMIT or COMMIT PREPARED of this session committed at (empty: it wrote nothing).' },
  { name: 'isola.commit_out_conflict', kind: 'bool', default: 'off', description: "The next COMMIT PREPARED's transaction has an rw edge out, on another shard, to one that committed first (the coordinator's cross-shard SSI); COMMIT PREPARED clears it." },
  { name: 'isola.global_xid', kind: 'string', default: '', description: 'The gid of the distributed transaction this transaction is a branch of (set before its first query): how SSI names it to other shards.' },
  { name: 'isola.rw_conflicts', kind: 'string', default: '', readOnly: true, description: "The other ends of the open transaction's rw-antidependency edges, as JSON (a coordinator's cross-shard SSI check)." },
]

const BY_NAME = new Map(SETTINGS.map((s) => [s.name.toLowerCase(), s]))

export const settingNames = (): readonly string[] => SETTINGS.map((s) => s.name)
export const describeSetting = (name: string): string | undefined => BY_NAME.get(name.toLowerCase())?.description

function parseBool(v: string): 'on' | 'off' | undefined {
  const s = v.trim().toLowerCase()
  if (['on', 'true', 'yes', '1', 't', 'y'].includes(s)) return 'on'
  if (['off', 'false', 'no', '0', 'f', 'n'].includes(s)) return 'off'
  return undefined
}

const DURATION = /^\s*(-?\d+(?:\.\d+)?)\s*(us|ms|s|min|h|d)?\s*$/i
const UNIT_MS: Readonly<Record<string, number>> = { us: 0.001, ms: 1, s: 1000, min: 60_000, h: 3_600_000, d: 86_400_000 }

/** Milliseconds of a duration setting ('5s', '250', '1min'). */
export function durationMs(v: string): number {
  if (v === '0') return 0 // the default of every duration setting, read at every statement: skip the regex
  const m = DURATION.exec(v)
  if (m === null) return NaN
  return Number(m[1]) * (UNIT_MS[(m[2] ?? 'ms').toLowerCase()] ?? 1)
}

/** The canonical name of a setting, or 42704 (custom `a.b` names are their own). */
export function canonicalName(name: string): string {
  const s = BY_NAME.get(name.toLowerCase())
  if (s !== undefined) return s.name
  if (name.includes('.')) return name
  throw dbError('undefined_object', `unrecognized configuration parameter "${name}"`)
}

/** Validates and normalises a value for a setting (what SHOW will print). */
export function normalize(name: string, raw: string): string {
  const s = BY_NAME.get(name.toLowerCase())
  if (s === undefined) return raw
  if (s.readOnly) throw dbError('cant_change_runtime_param', `parameter "${s.name}" cannot be changed`)
  const invalid = () => dbError('invalid_parameter_value', `invalid value for parameter "${s.name}": "${raw}"`)
  switch (s.kind) {
    case 'bool': {
      const b = parseBool(raw)
      if (b === undefined) throw dbError('invalid_parameter_value', `parameter "${s.name}" requires a Boolean value`)
      if (s.supported && !s.supported(raw)) throw unsupported(s, raw)
      return b
    }
    case 'duration': {
      const ms = durationMs(raw)
      if (!Number.isFinite(ms) || ms < 0 || ms > 2147483647) throw invalid()
      return formatDuration(Math.round(ms))
    }
    case 'integer':
      if (!/^\s*-?\d+\s*$/.test(raw)) throw dbError('invalid_parameter_value', `invalid value for parameter "${s.name}": "${raw}"`)
      if (s.supported && !s.supported(raw)) throw unsupported(s, raw)
      return raw.trim()
    case 'isolation': {
      const v = raw.trim().toLowerCase().replace(/\s+/g, ' ')
      if (!['read uncommitted', 'read committed', 'repeatable read', 'serializable', 'default'].includes(v)) throw invalid()
      return v
    }
    case 'enum': {
      const v = raw.trim().toLowerCase()
      if (!s.values!.includes(v)) throw invalid()
      return v
    }
    case 'timestamp':
      if (!/^\s*\d{0,15}\s*$/.test(raw)) throw invalid()
      return raw.trim()
    case 'string':
      if (s.supported && !s.supported(raw)) throw unsupported(s, raw)
      return s.name === 'client_encoding' ? 'UTF8' : raw
  }
}

function unsupported(s: Setting, raw: string) {
  const why = s.name === 'TimeZone' ? 'the session time zone is always UTC' : s.name === 'DateStyle' ? 'dates are always shown in ISO style' : 'only the default is implemented'
  return dbError('feature_not_supported', `value "${raw}" for parameter "${s.name}" is not supported yet: ${why}`)
}

/** PostgreSQL's display of a millisecond setting: 0, 250ms, 5s, 2min … */
function formatDuration(ms: number): string {
  if (ms === 0) return '0'
  for (const [unit, size] of [['d', 86_400_000], ['h', 3_600_000], ['min', 60_000], ['s', 1000]] as const) {
    if (ms % size === 0) return `${ms / size}${unit}`
  }
  return `${ms}ms`
}

/** Every setting's default, by canonical name (shared: never modify it). */
export const DEFAULTS: ReadonlyMap<string, string> = new Map(SETTINGS.map((s) => [s.name, s.default]))

/** A session's own, modifiable copy of the defaults. */
export function defaults(): Map<string, string> {
  return new Map(DEFAULTS)
}
