/**
 * COPY through the coordinator. `COPY t FROM STDIN` reads the data as the engine
 * does (CopyRecords: text or CSV, chunk by chunk), and every batch of records is
 * inserted as the coordinator inserts any rows (routing/insert-select.ts
 * `insertRows`): the fields go as text parameters of VALUES INSERTs routed by the
 * distribution column (or broadcast to a reference table), and columns left to a
 * sequence take their values from the sequences' shard. `COPY t TO STDOUT` is a
 * scattered SELECT of the columns, written out in COPY's format.
 *
 * A COPY outside a block is a distributed transaction of its own, committed when
 * the data ends; inside one it is part of the block, and a failure fails the block.
 */
import { dbError } from '../common/errors.js'
import { CopyRecords, copyFailure, copyHeader, copyLine, utf8, type CopyIn, type StatementResult } from '../engine/index.js'
import { parse, quoteIdent, type Statement } from '../parser/index.js'
import { insertRows, type DistributedPlan, type DistributionCatalog, type ShardStatement, type TableDistribution } from './routing/index.js'

export type CopyStatement = Statement & { kind: 'copy' }

/** Records inserted per batch while the data streams in. */
const BATCH = 2000

export interface CopyIo {
  /** Runs a read plan in the COPY's transaction (the sequences' values). */
  runSource(plan: DistributedPlan): Promise<StatementResult>
  send(work: readonly ShardStatement[]): Promise<readonly StatementResult[]>
  /** The data ended (ok) or the COPY failed: commit or roll back a transaction of its own, fail the block otherwise. */
  finished(ok: boolean): Promise<void>
}

/** The table and columns a COPY names, checked as PostgreSQL checks them. */
export function copyTarget(s: CopyStatement, catalog: DistributionCatalog): { table: TableDistribution; columns: readonly string[] } {
  const table = catalog.tables.get(s.table)
  if (table === undefined) throw dbError('undefined_table', `relation "${s.table}" does not exist`)
  const columns = s.columns.length > 0 ? s.columns : table.columns.map((c) => c.name)
  for (const c of columns) if (!table.columns.some((x) => x.name === c)) throw dbError('undefined_column', `column "${c}" of relation "${table.name}" does not exist`)
  return { table, columns }
}

export function copyIntoCluster(s: CopyStatement, catalog: DistributionCatalog, io: CopyIo): CopyIn {
  const { table, columns } = copyTarget(s, catalog)
  const fill = (table.sequenced ?? []).filter((q) => !columns.includes(q.column))
  const names = [...fill.map((q) => q.column), ...columns]
  const statement = parse(`INSERT INTO ${quoteIdent(table.name)} (${names.map(quoteIdent).join(', ')}) VALUES (${names.map(() => 'NULL').join(', ')})`)[0] as Statement & { kind: 'insert' }
  const plan = { kind: 'insert-select', statement, source: undefined, fill, reason: 'COPY FROM STDIN' } as const
  const reader = new CopyRecords(s.format)
  const decoder = new TextDecoder('utf-8', { fatal: true })
  let header = s.header
  let line = 0
  let count = 0
  let pending: (string | null)[][] = []

  const flush = async (): Promise<void> => {
    if (pending.length === 0) return
    const batch = pending
    pending = []
    count += (await insertRows(plan, catalog, batch, undefined, io.runSource, io.send)).rowCount ?? 0
  }
  const take = async (records: (string | null)[][]): Promise<void> => {
    for (const r of records) {
      line++
      if (header) {
        header = false
        continue
      }
      if (r.length !== columns.length) {
        throw dbError('bad_copy_file_format', r.length < columns.length ? `missing data for column "${columns[r.length]}"` : 'extra data after last expected column', { detail: `COPY ${table.name}, line ${line}` })
      }
      pending.push(r)
      if (pending.length >= BATCH) await flush()
    }
  }
  const { guard, fail } = copyFailure(io.finished)
  return {
    columns: columns.length,
    write: (chunk) => guard(() => take(reader.push(typeof chunk === 'string' ? chunk : utf8(() => decoder.decode(chunk, { stream: true })), false))),
    end: () =>
      guard(async () => {
        await take(reader.push(utf8(() => decoder.decode()), true))
        await flush()
        await io.finished(true)
        return count
      }),
    fail,
  }
}

/** COPY … TO STDOUT's data from the rows of a SELECT of its columns (`read`, through the coordinator). */
export async function copyOutOfCluster(s: CopyStatement, catalog: DistributionCatalog, read: (sql: string) => Promise<StatementResult>): Promise<{ data: string; rowCount: number }> {
  const { table, columns } = copyTarget(s, catalog)
  const r = await read(`SELECT ${columns.map(quoteIdent).join(', ')} FROM ${quoteIdent(table.name)}`)
  const types = r.columns!.map((c) => c.type)
  const csv = s.format === 'csv'
  const lines = r.rows.map((row) => copyLine(row, types, csv))
  return { data: (s.header && csv ? copyHeader(columns) : '') + lines.join(''), rowCount: r.rows.length }
}
