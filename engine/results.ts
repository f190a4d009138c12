/**
 * What a statement gives back: the engine's results in SQL values (the wire layer
 * formats them), the embedded API's results in JavaScript values, and the command
 * tag and result columns PostgreSQL would send.
 */
import type { Statement } from '../parser/index.js'
import type { BoundColumn } from './bind/query.js'
import type { Row } from './exec/context.js'
import type { PlannedStatement } from './statement-plan.js'
import { T, type SqlType } from './values/index.js'

export interface Notice {
  readonly severity: 'NOTICE' | 'WARNING'
  readonly code: string
  readonly message: string
  readonly detail?: string | undefined
}

/** A result column: its name, SQL type, and the table column it comes from (0, 0 when none). */
export interface ResultColumn {
  readonly name: string
  readonly type: SqlType
  readonly tableOid: number
  readonly attnum: number
}

/** One statement's outcome, in SQL values (the wire layer formats these). */
export interface StatementResult {
  /** The command word: SELECT, INSERT, CREATE TABLE, BEGIN … */
  readonly command: string
  /** The full command tag as PostgreSQL sends it: "INSERT 0 3", "SELECT 2", "COMMIT" … */
  readonly tag: string
  /** Rows affected or returned; undefined for commands without a count. */
  readonly rowCount: number | undefined
  /** Columns, for statements that return rows. */
  readonly columns: readonly ResultColumn[] | undefined
  readonly rows: readonly Row[]
  readonly notices: readonly Notice[]
}

/** The embedded API's result (rows as objects of JavaScript values: js-values.ts). */
export interface QueryResult<R = Record<string, unknown>> {
  readonly rows: R[]
  readonly rowCount: number
  readonly command: string
  readonly fields: readonly { readonly name: string; readonly dataType: string; readonly tableOid: number; readonly columnAttnum: number }[]
  readonly notices: readonly Notice[]
}

export interface QueryOptions {
  /** 'array': rows as arrays instead of objects. */
  readonly rowMode?: 'array'
}

/** A statement parsed and planned once, run many times (the extended protocol's Parse/Bind). */
export interface PreparedStatement {
  readonly sql: string
  readonly statement: Statement | undefined
  readonly paramTypes: readonly SqlType[]
  /** Result columns when the statement returns rows. */
  readonly columns: readonly ResultColumn[] | undefined
}

const resultColumnsOf = new WeakMap<PlannedStatement, readonly ResultColumn[] | undefined>()

/** A statement's result columns; made once per plan (results of every execution share them). */
export function resultColumns(p: PlannedStatement): readonly ResultColumn[] | undefined {
  if (resultColumnsOf.has(p)) return resultColumnsOf.get(p)
  const cols: readonly BoundColumn[] | undefined = p.planned.columns
  const out = cols?.map((c) => ({ name: c.name, type: c.type.kind === 'unknown' ? T.text : c.type, tableOid: c.source?.table ?? 0, attnum: c.source?.attnum ?? 0 }))
  resultColumnsOf.set(p, out)
  return out
}

export function result(command: string, rowCount: number | undefined, columns: readonly ResultColumn[] | undefined, rows: readonly Row[], notices: readonly Notice[]): StatementResult {
  const tag = rowCount === undefined ? command : command === 'INSERT' ? `INSERT 0 ${rowCount}` : `${command} ${rowCount}`
  return { command, tag, rowCount, columns, rows, notices }
}

/** A text column computed by the statement itself (no table behind it): SHOW's, EXPLAIN's. */
export const textColumn = (name: string): ResultColumn => ({ name, type: T.text, tableOid: 0, attnum: 0 })

/** EXPLAIN's one column, as PostgreSQL names it. */
export const EXPLAIN_COLUMNS: readonly ResultColumn[] = [textColumn('QUERY PLAN')]

/** SHOW ALL's columns. */
export const SHOW_ALL_COLUMNS: readonly ResultColumn[] = ['name', 'setting', 'description'].map(textColumn)
