/**
 * The function catalogue: scalar functions, aggregates and table functions by
 * name, as the binder looks them up. Schema-qualified calls (`pg_catalog.lower`)
 * find the same functions: every built-in lives in pg_catalog.
 */
import { AGGREGATES } from './aggregates.js'
import { CATALOG_FUNCTIONS } from './catalog-info.js'
import { DATETIME_FUNCTIONS } from './datetime.js'
import { MATH_FUNCTIONS } from './math.js'
import { BINARY_OPERATOR_FUNCTIONS, PREFIX_OPERATOR_FUNCTIONS } from './operators.js'
import { STRING_FUNCTIONS } from './strings.js'
import { SYSTEM_FUNCTIONS } from './system.js'
import { TABLE_FUNCTIONS } from './table-functions.js'
import type { AggregateFunction, ScalarFunction, TableFunction } from './types.js'

export type * from './types.js'
export { resolveFunction } from './resolve.js'
export { currentTimestamp } from './datetime.js'
export { likeMatcher } from './like.js'
export { SERVER_VERSION, VERSION_STRING, pgTypeof } from './system.js'
export { constraintOid, formatType, indexDefinition, nodeTree, regOutput } from './catalog-info.js'

function byName<F extends { readonly name: string }>(list: readonly F[]): ReadonlyMap<string, readonly F[]> {
  const m = new Map<string, F[]>()
  for (const f of list) {
    const l = m.get(f.name)
    if (l) l.push(f)
    else m.set(f.name, [f])
  }
  return m
}

const scalars = byName<ScalarFunction>([...MATH_FUNCTIONS, ...STRING_FUNCTIONS, ...DATETIME_FUNCTIONS, ...SYSTEM_FUNCTIONS, ...CATALOG_FUNCTIONS])
const aggregates = byName<AggregateFunction>(AGGREGATES)
const tables = byName<TableFunction>(TABLE_FUNCTIONS)
const binaryOps = byName<ScalarFunction>(BINARY_OPERATOR_FUNCTIONS)
const prefixOps = byName<ScalarFunction>(PREFIX_OPERATOR_FUNCTIONS)

/** Extra scalar functions registered by other modules (the system catalog's helpers for psql). */
const extra = new Map<string, ScalarFunction[]>()

export function registerScalar(f: ScalarFunction): void {
  const l = extra.get(f.name)
  if (l) l.push(f)
  else extra.set(f.name, [f])
}

export function scalarFunctions(name: string): readonly ScalarFunction[] {
  const base = scalars.get(name) ?? []
  const more = extra.get(name)
  return more === undefined ? base : [...base, ...more]
}

export const aggregateFunctions = (name: string): readonly AggregateFunction[] => aggregates.get(name) ?? []
export const tableFunctions = (name: string): readonly TableFunction[] => tables.get(name) ?? []
export const isAggregate = (name: string): boolean => aggregates.has(name)

/** Operators other than the value layer's (regex, bitwise, ^ …), as functions named by their symbol. */
export const binaryOperatorFunctions = (op: string): readonly ScalarFunction[] => binaryOps.get(op) ?? []
export const prefixOperatorFunctions = (op: string): readonly ScalarFunction[] => prefixOps.get(op) ?? []
