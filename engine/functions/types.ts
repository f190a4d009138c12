/**
 * The shapes of built-in functions: scalar functions, aggregates and set-returning
 * (table) functions, as the binder resolves them and the executor runs them.
 *
 * Each entry declares its parameter types and result type like a pg_proc row;
 * resolution (resolve.ts) picks an overload the way PostgreSQL's func_select_candidate
 * does, inserting implicit casts. `strict` functions return NULL for any NULL
 * argument without being called (PostgreSQL's proisstrict).
 */
import type { ObjectNames } from '../catalog/object-names.js'
import type { SqlType, SqlValue, TypeKind } from '../values/index.js'

/**
 * A declared parameter type: a concrete kind, or a polymorphic one that takes the
 * type of the arguments given for it (`any` accepts anything without a cast).
 */
export type ParamType = TypeKind | 'anyelement' | 'anyarray' | 'any'

/** What a running function may ask of the statement it runs in. */
export interface FunctionContext {
  /** Start of the current transaction (now(), current_timestamp): µs since 2000-01-01. */
  readonly transactionTimestamp: bigint
  readonly statementTimestamp: bigint
  /** A session setting's current value (current_setting, current_schema …). */
  setting(name: string): string | undefined
  /** Sequences (nextval, currval, setval); async because a refill writes a log record. */
  readonly sequences: SequenceAccess
  /** The node's lock table, for isola_reject_lock_wait (a coordinator's deadlock verdict). */
  readonly locks: { reject(waitId: number, detail: string): boolean }
  /** Catalog questions functions answer (pg_typeof needs none; psql's helpers need these). */
  readonly session: { readonly user: string; readonly database: string; readonly pid: number }
  /** The catalog the statement runs against and the system views: reg* names, pg_get_indexdef … */
  readonly objects: ObjectNames
}

export interface SequenceAccess {
  nextval(name: string): Promise<bigint>
  currval(name: string): bigint
  setval(name: string, value: bigint, isCalled: boolean): Promise<bigint>
}

export interface ScalarFunction {
  readonly name: string
  readonly params: readonly ParamType[]
  /** Extra arguments of the last parameter's type (concat, greatest …). */
  readonly variadic: boolean
  /** The result type, given the argument types after resolution. */
  readonly result: SqlType | ((args: readonly SqlType[]) => SqlType)
  readonly strict: boolean
  /** volatile: evaluated per row, never folded (random, nextval, clock_timestamp). */
  readonly volatility: 'immutable' | 'stable' | 'volatile'
  /** True when `impl` returns a promise (nextval): such calls run on the executor's async path. */
  readonly async: boolean
  readonly impl: (args: readonly SqlValue[], types: readonly SqlType[], ctx: FunctionContext) => SqlValue | Promise<SqlValue>
}

/** An aggregate's running state is opaque to the executor. */
export interface AggregateFunction {
  readonly name: string
  readonly params: readonly ParamType[]
  readonly result: SqlType | ((args: readonly SqlType[]) => SqlType)
  /** count(*): no arguments, counts rows. */
  readonly star: boolean
  init(types: readonly SqlType[]): unknown
  /**
   * Adds one row's arguments (aggregates skip rows with a NULL argument unless
   * `acceptsNull`). `args` is the executor's, reused for the next row: keep values, not it.
   */
  step(state: unknown, args: readonly SqlValue[], types: readonly SqlType[]): unknown
  final(state: unknown, types: readonly SqlType[]): SqlValue
  /** count(x) and string_agg look at NULLs themselves; the others never see them. */
  readonly acceptsNull: boolean
}

/** A set-returning function in FROM (generate_series). */
export interface TableFunction {
  readonly name: string
  readonly params: readonly ParamType[]
  /** Output columns given the argument types. */
  readonly columns: (args: readonly SqlType[]) => readonly { readonly name: string; readonly type: SqlType }[]
  /** Rows, produced lazily in batches. */
  rows(args: readonly SqlValue[], types: readonly SqlType[], ctx: FunctionContext): Iterable<SqlValue[]>
}

export const resultType = (f: { readonly result: SqlType | ((args: readonly SqlType[]) => SqlType) }, args: readonly SqlType[]): SqlType =>
  typeof f.result === 'function' ? f.result(args) : f.result
