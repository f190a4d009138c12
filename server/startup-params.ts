/**
 * The start-up packet's parameters as settings, and the settings a server reports
 * to the client (ParameterStatus) at start-up and whenever they change.
 *
 * Every start-up parameter but user, database, replication and options is a
 * setting, as if SET at the start of the session; `options` holds command-line
 * style switches (`-c name=value`, `--name=value`, backslash-escaped spaces), as
 * libpq's PGOPTIONS. An unknown setting is FATAL 42704, as in PostgreSQL.
 */
import type { WireSession } from './server-options.js'

const NOT_SETTINGS = new Set(['user', 'database', 'replication', 'options'])

/** The SET statements a start-up packet asks for, in order. */
export function startupSettings(params: ReadonlyMap<string, string>): string[] {
  const out: string[] = []
  for (const [name, value] of params) if (!NOT_SETTINGS.has(name)) out.push(setSql(name, value))
  for (const [name, value] of parseOptions(params.get('options') ?? '')) out.push(setSql(name, value))
  return out
}

function setSql(name: string, value: string): string {
  return `SET "${name.replaceAll('"', '""')}" TO '${value.replaceAll("'", "''")}'`
}

/** `-c a=b --c=d`: the pairs, with `\ ` as a space inside a word. */
export function parseOptions(options: string): [string, string][] {
  const words: string[] = []
  let word = ''
  let inWord = false
  for (let i = 0; i < options.length; i++) {
    const ch = options[i]!
    if (ch === '\\' && i + 1 < options.length) {
      word += options[++i]
      inWord = true
    } else if (/\s/.test(ch)) {
      if (inWord) words.push(word)
      word = ''
      inWord = false
    } else {
      word += ch
      inWord = true
    }
  }
  if (inWord) words.push(word)
  const pairs: [string, string][] = []
  for (let i = 0; i < words.length; i++) {
    let w = words[i]!
    if (w === '-c' && i + 1 < words.length) w = words[++i]!
    else if (w.startsWith('-c')) w = w.slice(2)
    else if (w.startsWith('--')) w = w.slice(2)
    else continue
    const eq = w.indexOf('=')
    if (eq > 0) pairs.push([w.slice(0, eq).replaceAll('-', '_'), w.slice(eq + 1)])
  }
  return pairs
}

type Reporting = Pick<WireSession, 'settings' | 'hasWrites' | 'hasCatalogChanges'>

/**
 * The settings PostgreSQL 15 marks GUC_REPORT, each with how to read its value from
 * a session: a table, so that checking them after every statement allocates nothing.
 */
export const REPORTED: readonly { readonly name: string; value(session: Reporting, user: string): string | undefined }[] = [
  setting('application_name', ''),
  setting('client_encoding', 'UTF8'),
  setting('DateStyle', 'ISO, MDY'),
  setting('default_transaction_read_only', 'off'),
  { name: 'in_hot_standby', value: () => 'off' },
  { name: 'integer_datetimes', value: () => 'on' },
  setting('IntervalStyle', 'postgres'),
  { name: 'is_superuser', value: () => 'on' },
  { name: 'server_encoding', value: () => 'UTF8' },
  setting('server_version', '15.0'),
  { name: 'session_authorization', value: (_s, user) => user },
  setting('standard_conforming_strings', 'on'),
  setting('TimeZone', 'UTC'),
  // To a coordinator only (ARCHITECTURE.md §9.7): what its branch has written, so it knows without asking
  // whether the branch needs a second phase and whether it ran DDL.
  {
    name: 'isola.transaction_writes',
    value: (s) => (s.settings.get('isola.coordinator') === undefined ? undefined : s.hasCatalogChanges ? 'catalog' : s.hasWrites ? 'rows' : 'none'),
  },
]

function setting(name: string, dflt: string): (typeof REPORTED)[number] {
  return { name, value: (s) => s.settings.get(name) ?? dflt }
}
