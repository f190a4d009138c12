/**
 * The one error class of Isola: a SQLSTATE code plus PostgreSQL's message fields.
 *
 * Layers below the wire throw `IsolaError`; the wire layer maps its fields onto an
 * ErrorResponse, and the embedded API hands it to the caller as is. The field names
 * (`code`, `message`, `detail`, `hint`, `position`) are public and stable.
 */
import { SQLSTATE, type SqlState, type SqlStateName } from './sqlstate.js'

export interface ErrorFields {
  readonly detail?: string | undefined
  readonly hint?: string | undefined
  /** 1-based character position in the statement text, as PostgreSQL reports it. */
  readonly position?: number | undefined
  /** PostgreSQL's optional fields of constraint and data errors (ErrorResponse n, t, c). */
  readonly constraint?: string | undefined
  readonly table?: string | undefined
  readonly column?: string | undefined
  readonly cause?: unknown
}

export class IsolaError extends Error {
  readonly code: SqlState
  readonly detail: string | undefined
  readonly hint: string | undefined
  readonly position: number | undefined
  readonly constraint: string | undefined
  readonly table: string | undefined
  readonly column: string | undefined

  constructor(code: SqlState, message: string, fields: ErrorFields = {}) {
    super(message, fields.cause === undefined ? undefined : { cause: fields.cause })
    this.name = 'IsolaError'
    this.code = code
    this.detail = fields.detail
    this.hint = fields.hint
    this.position = fields.position
    this.constraint = fields.constraint
    this.table = fields.table
    this.column = fields.column
  }
}

/** Shorthand: `dbError('unique_violation', '…')`. */
export function dbError(name: SqlStateName, message: string, fields?: ErrorFields): IsolaError {
  return new IsolaError(SQLSTATE[name], message, fields)
}

export function isIsolaError(e: unknown, name?: SqlStateName): e is IsolaError {
  return e instanceof IsolaError && (name === undefined || e.code === SQLSTATE[name])
}

/**
 * Turn an operating-system error from the file layer into a database error.
 * ENOSPC becomes 53100 (disk_full) as in PostgreSQL; every other failure 58030.
 */
export function ioError(what: string, e: unknown): IsolaError {
  if (e instanceof IsolaError) return e
  const errno = (e as NodeJS.ErrnoException | undefined)?.code
  const reason = e instanceof Error ? e.message : String(e)
  if (errno === 'ENOSPC') return dbError('disk_full', `could not ${what}: No space left on device`, { cause: e })
  return dbError('io_error', `could not ${what}: ${reason}`, { cause: e })
}

/** A broken invariant inside Isola: never the user's fault, always a bug. */
export function internalError(message: string, fields?: ErrorFields): IsolaError {
  return dbError('internal_error', message, fields)
}
