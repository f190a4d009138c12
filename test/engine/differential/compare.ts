/**
 * Running one SQL text on Isola and on PostgreSQL and comparing the outcomes: both
 * fail with the same SQLSTATE, or both return the same columns (names, type oids and typmods)
 * and the same rows as PostgreSQL's text output, as a multiset, or in order when the
 * query defines the order.
 *
 * Two tolerances. Where PostgreSQL leaves open which of several equal values survives
 * (DISTINCT, GROUP BY, set operations, min/max, sort ties, LIMIT), numerics equal in
 * value but not in scale (1.5 and 1.50) and the two float zeros may print differently.
 * And a set operation's column may have a typmod on one side only (see compareOutcomes).
 * A result that differs only so is counted as `tolerated`, not as a difference; a
 * wrong scale or typmod still shows in the many queries without such an operation.
 */
import type pg from 'pg'
import { isIsolaError } from '../../../common/errors.js'
import type { Session } from '../../../index.js'
import { formatValue, typeOid, typmod } from '../../../engine/values/index.js'

export type Outcome =
  | { readonly ok: true; readonly columns: readonly string[]; readonly rows: readonly (readonly (string | null)[])[] }
  | { readonly ok: false; readonly code: string; readonly message: string }

/** pg's type parsers, replaced by the identity: rows as PostgreSQL's text output. */
export const RAW_TEXT = { getTypeParser: () => (v: string) => v }

/** A result column as compared: name, type oid and typmod (what RowDescription carries). */
const column = (name: string, oid: number, typmod: number): string => `${name}:${oid}${typmod === -1 ? '' : `(${typmod})`}`

export async function runIsola(session: Session, sql: string): Promise<Outcome> {
  try {
    const results = await session.execute(sql)
    const last = results[results.length - 1]!
    const cols = last.columns ?? []
    return {
      ok: true,
      columns: cols.map((c) => column(c.name, typeOid(c.type), typmod(c.type))),
      rows: last.rows.map((r) => r.map((v, i) => (v === null ? null : formatValue(cols[i]!.type, v)))),
    }
  } catch (e) {
    if (isIsolaError(e)) return { ok: false, code: e.code, message: e.message }
    // Not an IsolaError: a crash inside the engine, always a difference.
    return { ok: false, code: 'crash', message: e instanceof Error ? `${e.name}: ${e.message}\n${e.stack?.split('\n').slice(1, 6).join('\n')}` : String(e) }
  }
}

export async function runPostgres(client: pg.Client, sql: string): Promise<Outcome> {
  try {
    const r = await client.query({ text: sql, rowMode: 'array', types: RAW_TEXT })
    const last = Array.isArray(r) ? (r[r.length - 1] as pg.QueryResult) : r
    return { ok: true, columns: last.fields.map((f) => column(f.name, f.dataTypeID, f.dataTypeModifier)), rows: last.rows as (string | null)[][] }
  } catch (e) {
    const err = e as { code?: string; message: string }
    if (err.code === undefined) throw e
    return { ok: false, code: err.code, message: err.message }
  }
}

export type Verdict = 'same' | 'tolerated' | 'different'

const rowText = (row: readonly (string | null)[]): string => JSON.stringify(row)

/** 1.50 → 1.5, 2.000 → 2, -0 → 0: numerics and floats equal in value print alike. */
function normalizeRow(row: readonly (string | null)[], columns: readonly string[]): (string | null)[] {
  return row.map((v, i) => {
    if (v === null) return v
    const oid = /:(\d+)/.exec(columns[i]!)?.[1]
    if (oid === '1700' && v.includes('.')) return v.replace(/\.?0+$/, '')
    if ((oid === '701' || oid === '700') && v === '-0') return '0'
    return v
  })
}

const LEAVES_CHOICE = /\b(DISTINCT|GROUP BY|UNION|INTERSECT|EXCEPT|min|max|LIMIT|FETCH|ORDER BY)\b/i

function sameRows(a: readonly (readonly (string | null)[])[], b: readonly (readonly (string | null)[])[], ordered: boolean): boolean {
  if (a.length !== b.length) return false
  const ta = a.map(rowText)
  const tb = b.map(rowText)
  if (!ordered) {
    ta.sort()
    tb.sort()
  }
  return ta.every((t, i) => t === tb[i])
}

const SET_OPERATION = /\b(UNION|INTERSECT|EXCEPT)\b/i
const withoutTypmod = (c: string): string => c.replace(/\(\d+\)$/, '')

export function compareOutcomes(sql: string, ours: Outcome, theirs: Outcome, ordered: boolean): Verdict {
  if (!ours.ok || !theirs.ok) return !ours.ok && !theirs.ok && ours.code === theirs.code ? 'same' : 'different'
  if (ours.columns.length !== theirs.columns.length) return 'different'
  let verdict: Verdict = 'same'
  for (let i = 0; i < ours.columns.length; i++) {
    const [a, b] = [ours.columns[i]!, theirs.columns[i]!]
    if (a === b) continue
    // A set operation's typmod is the one its inputs agree on after PostgreSQL's planner has
    // dropped the branches it proved empty (WHERE x AND false): an artefact of planning.
    if (!SET_OPERATION.test(sql) || withoutTypmod(a) !== withoutTypmod(b) || (a !== withoutTypmod(a) && b !== withoutTypmod(b))) return 'different'
    verdict = 'tolerated'
  }
  if (sameRows(ours.rows, theirs.rows, ordered)) return verdict
  if (!LEAVES_CHOICE.test(sql)) return 'different'
  const norm = (rows: readonly (readonly (string | null)[])[]) => rows.map((r) => normalizeRow(r, theirs.columns))
  return sameRows(norm(ours.rows), norm(theirs.rows), ordered) ? 'tolerated' : 'different'
}

/** A readable account of a difference, for the test's failure message. */
export function describeDifference(sql: string, ours: Outcome, theirs: Outcome): string {
  const show = (o: Outcome): string => {
    if (!o.ok) return `ERROR ${o.code}: ${o.message}`
    const rows = o.rows.slice(0, 30).map((r) => '  ' + r.map((v) => (v === null ? 'NULL' : v)).join(' | '))
    return `${o.columns.join(', ')} (${o.rows.length} rows)\n${rows.join('\n')}${o.rows.length > 30 ? '\n  …' : ''}`
  }
  return `${sql}\n-- Isola: ${show(ours)}\n-- PostgreSQL: ${show(theirs)}`
}
