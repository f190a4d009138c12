/**
 * COPY at the engine level: `COPY t [(cols)] FROM STDIN` takes data in chunks (as
 * the wire protocol's CopyData messages bring it) and `COPY t TO STDOUT` produces
 * lines, in PostgreSQL's text and CSV formats.
 *
 *     text   columns split by tab; \N is NULL; backslash escapes \b \f \n \r \t \v \\
 *            \NNN (octal) \xHH; a line "\." ends the data
 *     csv    columns split by comma; "quoted" fields may hold commas, quotes ("")
 *            and newlines; an unquoted empty field is NULL, a quoted one ''
 *
 * Each row goes through the table writer (constraints, indexes) like an INSERT;
 * columns not listed get their defaults.
 */
import { dbError } from '../common/errors.js'
import { checkText, decodeUtf8 } from '../common/text.js'
import type { Statement } from '../parser/index.js'
import { columnDefaults } from './bind/table-exprs.js'
import type { Catalog } from './catalog/catalog.js'
import type { TableInfo } from './catalog/schema.js'
import { interruptPoint, type ExecContext } from './exec/context.js'
import { TableWriter, type WriteEnv } from './exec/table-writer.js'
import { decodeRow, rowLayout, type Row } from './rows/row-codec.js'
import { successorKey } from '../txn/index.js'
import { formatValue, parseValue, type SqlType, type SqlValue } from './values/index.js'

type CopyStatement = Statement & { kind: 'copy' }

export interface CopyIn {
  /** How many columns each row has (the wire protocol's CopyInResponse says). */
  readonly columns: number
  write(chunk: string | Uint8Array): Promise<void>
  /** Ends the data; resolves with the number of rows copied. */
  end(): Promise<number>
  /** Abandons the copy (CopyFail): the statement fails. */
  fail(message: string): Promise<void>
}

function target(catalog: Catalog, s: CopyStatement): { table: TableInfo; columns: TableInfo['columns'] } {
  const rel = catalog.byName(s.table)
  if (rel === undefined) throw dbError('undefined_table', `relation "${s.table}" does not exist`)
  if (rel.kind !== 'table') throw dbError('wrong_object_type', `cannot copy ${s.direction === 'from-stdin' ? 'to' : 'from'} ${rel.kind} "${rel.name}"`)
  if (s.columns.length === 0) return { table: rel, columns: rel.columns }
  const columns = s.columns.map((n) => {
    const c = rel.columns.find((x) => x.name === n)
    if (c === undefined) throw dbError('undefined_column', `column "${n}" of relation "${rel.name}" does not exist`)
    return c
  })
  return { table: rel, columns }
}

const ESCAPES: Readonly<Record<string, string>> = { b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v' }

const UTF8 = new TextEncoder()

/**
 * A text-format field: \N is NULL; \x and octal escapes are bytes, as in
 * PostgreSQL, so a field with escapes is rebuilt as UTF-8 and must decode (22021).
 */
function unescapeText(field: string): string | null {
  if (field === '\\N') return null
  if (!field.includes('\\')) return field
  const bytes: number[] = []
  for (const [, e, plain] of field.matchAll(/\\(x[0-9a-fA-F]{1,2}|[0-7]{1,3}|.)|([^\\]+|\\$)/gs)) {
    if (plain !== undefined) bytes.push(...UTF8.encode(plain))
    else if (e!.length > 1 && e![0] === 'x') bytes.push(parseInt(e!.slice(1), 16))
    else if (/^[0-7]/.test(e!)) bytes.push(parseInt(e!, 8) & 0xff)
    else bytes.push(...UTF8.encode(ESCAPES[e!] ?? e!))
  }
  return decodeUtf8(bytes)
}

/** Splits CSV records out of `text`; returns the complete records and the unconsumed rest. */
function csvRecords(text: string, final: boolean): { records: (string | null)[][]; rest: string } {
  const records: (string | null)[][] = []
  let fields: (string | null)[] = []
  let field = ''
  let quoted = false
  let inQuotes = false
  let start = 0
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!
    if (inQuotes) {
      if (ch === '"') {
        if (text[i + 1] === '"') {
          field += '"'
          i++
        } else inQuotes = false
      } else field += ch
      continue
    }
    if (ch === '"') {
      inQuotes = true
      quoted = true
    } else if (ch === ',') {
      fields.push(quoted || field !== '' ? field : null)
      field = ''
      quoted = false
    } else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && text[i + 1] === '\n') i++
      fields.push(quoted || field !== '' ? field : null)
      records.push(fields)
      fields = []
      field = ''
      quoted = false
      start = i + 1
    } else field += ch
  }
  if (final && (field !== '' || quoted || fields.length > 0)) {
    if (inQuotes) throw dbError('bad_copy_file_format', 'unterminated CSV quoted field')
    fields.push(quoted || field !== '' ? field : null)
    records.push(fields)
    start = text.length
  }
  return { records, rest: text.slice(start) }
}

/**
 * COPY data to records, chunk by chunk: `push` takes the next decoded text and
 * returns the records it completed (`final`: the data ended, take the rest too);
 * `ended` once the line "\." was read (what follows is ignored). The engine's
 * copyIn and the coordinator's (which routes each record to its shard) share it.
 */
export class CopyRecords {
  ended = false
  private buffer = ''

  constructor(private readonly format: 'text' | 'csv') {}

  push(text: string, final: boolean): (string | null)[][] {
    if (this.ended) return []
    this.buffer += text
    const out: (string | null)[][] = []
    if (this.format === 'csv') {
      const { records, rest } = csvRecords(this.buffer, final)
      this.buffer = rest
      for (const r of records) {
        if (r.length === 1 && r[0] === '\\.') {
          this.ended = true
          break
        }
        out.push(r)
      }
      return out
    }
    let nl: number
    while ((nl = this.buffer.indexOf('\n')) >= 0 || (final && this.buffer.length > 0)) {
      const raw = nl >= 0 ? this.buffer.slice(0, nl) : this.buffer
      this.buffer = nl >= 0 ? this.buffer.slice(nl + 1) : ''
      const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw
      if (line === '\\.') {
        this.ended = true
        break
      }
      out.push(line.split('\t').map(unescapeText))
    }
    return out
  }
}

/** One COPY … TO STDOUT line (newline included) of values of `types`. */
export function copyLine(values: readonly SqlValue[], types: readonly SqlType[], csv: boolean): string {
  const fields = values.map((v, i) => {
    const text = formatValue(types[i]!, v ?? null)
    if (text === null) return csv ? '' : '\\N'
    return csv ? quoteCsv(text) : escapeText(text)
  })
  return fields.join(csv ? ',' : '\t') + '\n'
}

/** COPY's header line (CSV only, as PostgreSQL's HEADER). */
export const copyHeader = (names: readonly string[]): string => names.map(quoteCsv).join(',') + '\n'

export function copyIn(ctx: ExecContext, envFor: (ctx: ExecContext) => WriteEnv, s: CopyStatement, catalog: Catalog, finished: (ok: boolean) => Promise<void>): CopyIn {
  const { table, columns } = target(catalog, s)
  const env = envFor(ctx)
  const writer = new TableWriter(table, env)
  const defaults = columnDefaults(catalog, table)
  const missing = table.columns.filter((c) => !columns.includes(c) && defaults.has(c.attnum))
  const reader = new CopyRecords(s.format)
  let line = 0
  let count = 0
  let skipHeader = s.header
  const decoder = new TextDecoder('utf-8', { fatal: true })

  const insert = async (fields: (string | null)[]) => {
    line++
    if (skipHeader) {
      skipHeader = false
      return
    }
    if (fields.length !== columns.length) {
      throw dbError('bad_copy_file_format', fields.length < columns.length ? `missing data for column "${columns[fields.length]!.name}"` : 'extra data after last expected column', {
        detail: `COPY ${table.name}, line ${line}`,
      })
    }
    const slots: Row = new Array(table.slots).fill(null)
    columns.forEach((c, i) => {
      const f = fields[i]!
      if (f !== null) checkText(f)
      slots[c.attnum - 1] = f === null ? null : parseValue(c.type, f)
    })
    for (const c of missing) {
      const d = defaults.get(c.attnum)!
      slots[c.attnum - 1] = (d.async ? await d.fn([], ctx) : d.fn([], ctx)) as SqlValue
    }
    await writer.insert(slots)
    count++
  }

  const consume = async (text: string, final: boolean) => {
    for (const r of reader.push(text, final)) {
      await insert(r)
      await interruptPoint(ctx)
    }
  }

  const { guard, fail } = copyFailure(finished)

  return {
    columns: columns.length,
    write: (chunk) =>
      guard(async () => {
        if (reader.ended) return
        await consume(typeof chunk === 'string' ? chunk : utf8(() => decoder.decode(chunk, { stream: true })), false)
      }),
    end: () =>
      guard(async () => {
        // Bytes of a character cut off by the end of the data are an error, not dropped.
        await consume(utf8(() => decoder.decode()), true)
        while (env.deferred.length > 0) await env.deferred.shift()!()
        await finished(true)
        return count
      }),
    fail,
  }
}

/**
 * How a COPY FROM STDIN fails: `finished(false)` exactly once, at the first failure
 * (of a write, of the end, or the client's CopyFail), so that its transaction is
 * rolled back (or its block failed) once; `guard` runs a step under that rule.
 */
export function copyFailure(finished: (ok: boolean) => Promise<void>): { guard<T>(f: () => Promise<T>): Promise<T>; fail(message: string): Promise<never> } {
  let failed = false
  const failOnce = async (): Promise<void> => {
    if (failed) return
    failed = true
    await finished(false)
  }
  return {
    async guard(f) {
      try {
        return await f()
      } catch (e) {
        await failOnce()
        throw e
      }
    },
    async fail(message) {
      await failOnce()
      throw dbError('query_canceled', `COPY from stdin failed: ${message}`)
    },
  }
}

/** Decoding COPY data's bytes: TextDecoder's TypeError is PostgreSQL's 22021. */
export function utf8(decode: () => string): string {
  try {
    return decode()
  } catch (e) {
    throw dbError('character_not_in_repertoire', 'invalid byte sequence for encoding "UTF8"', { cause: e })
  }
}

function escapeText(v: string): string {
  return v.replace(/[\\\t\n\r]/g, (c) => (c === '\\' ? '\\\\' : c === '\t' ? '\\t' : c === '\n' ? '\\n' : '\\r'))
}

function quoteCsv(v: string): string {
  return v === '' || /[",\n\r]/.test(v) || v === '\\.' ? `"${v.replaceAll('"', '""')}"` : v
}

/** COPY … TO STDOUT: calls `emit` with each line (newline included); returns the row count. */
export async function copyOut(ctx: ExecContext, s: CopyStatement, catalog: Catalog, emit: (line: string) => void): Promise<number> {
  const { table, columns } = target(catalog, s)
  const layout = rowLayout(table)
  const csv = s.format === 'csv'
  if (s.header && csv) emit(copyHeader(columns.map((c) => c.name)))
  const types = columns.map((c) => c.type)
  let count = 0
  let from: Uint8Array | undefined
  for (;;) {
    await interruptPoint(ctx)
    const batch = await ctx.txn.scan(table.tree, { from, limit: 1024 })
    for (const [, v] of batch) {
      const row = decodeRow(layout, v)
      emit(copyLine(columns.map((c) => row[c.attnum - 1] ?? null), types, csv))
      count++
    }
    if (batch.length < 1024) return count
    from = successorKey(batch[batch.length - 1]![0])
  }
}
