/**
 * Set-returning functions in FROM: generate_series over integers and numerics,
 * lazily (a million-row series is never an array).
 */
import { dbError } from '../../common/errors.js'
import { Decimal, T, type SqlArray, type SqlType, type SqlValue } from '../values/index.js'
import type { TableFunction } from './types.js'

function* intSeries(start: number | bigint, stop: number | bigint, step: number | bigint, big: boolean): Iterable<SqlValue[]> {
  if (BigInt(step) === 0n) throw dbError('invalid_parameter_value', 'step size cannot equal zero')
  if (big) {
    const [a, b, s] = [BigInt(start), BigInt(stop), BigInt(step)]
    for (let i = a; s > 0n ? i <= b : i >= b; i += s) yield [i]
    return
  }
  const [a, b, s] = [Number(start), Number(stop), Number(step)]
  for (let i = a; s > 0 ? i <= b : i >= b; i += s) yield [i]
}

function* numericSeries(start: Decimal, stop: Decimal, step: Decimal): Iterable<SqlValue[]> {
  for (const [d, what] of [[start, 'start'], [stop, 'stop'], [step, 'step size']] as const) {
    if (d.special === 'nan') throw dbError('invalid_parameter_value', `${what} value cannot be NaN`)
    if (d.special !== null) throw dbError('invalid_parameter_value', `${what} value cannot be infinity`)
  }
  const sign = step.sign()
  if (sign === 0) throw dbError('invalid_parameter_value', 'step size cannot equal zero')
  for (let i = start; sign > 0 ? i.compare(stop) <= 0 : i.compare(stop) >= 0; i = i.add(step)) yield [i]
}

const series = (kind: 'int4' | 'int8' | 'numeric', withStep: boolean): TableFunction => ({
  name: 'generate_series',
  params: withStep ? [kind, kind, kind] : [kind, kind],
  columns: () => [{ name: 'generate_series', type: T[kind] as SqlType }],
  rows: (args) => {
    if (kind === 'numeric') return numericSeries(args[0] as Decimal, args[1] as Decimal, withStep ? (args[2] as Decimal) : Decimal.of(1n))
    return intSeries(args[0] as number | bigint, args[1] as number | bigint, withStep ? (args[2] as number | bigint) : 1, kind === 'int8')
  },
})

/**
 * pg_partition_ancestors(rel): a partition's ancestors, itself first. Isola has no
 * partitioned tables, and PostgreSQL returns no rows for a relation that is not a
 * partition: none here, for any relation.
 */
const partitionAncestors: TableFunction = {
  name: 'pg_partition_ancestors',
  params: ['regclass'],
  columns: () => [{ name: 'relid', type: T.regclass }],
  rows: () => [],
}

/** unnest(array): its elements, one row each (one dimension: in order). */
const unnest: TableFunction = {
  name: 'unnest',
  params: ['anyarray'],
  columns: (types) => [{ name: 'unnest', type: types[0]!.kind === 'array' ? types[0]!.element : T.text }],
  rows: (args) => (args[0] as SqlArray).map((v) => [v]),
}

export const TABLE_FUNCTIONS: readonly TableFunction[] = [
  partitionAncestors,
  unnest,
  series('int4', false), series('int4', true), series('int8', false), series('int8', true), series('numeric', false), series('numeric', true),
]
