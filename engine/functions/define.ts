/**
 * A compact way to declare built-in functions (`scalar(…)`), used by the files
 * that hold each family (math.ts, strings.ts, datetime.ts, system.ts).
 */
import type { SqlType, SqlValue } from '../values/index.js'
import type { FunctionContext, ParamType, ScalarFunction } from './types.js'

export interface ScalarOptions {
  readonly variadic?: boolean
  readonly strict?: boolean
  readonly volatility?: ScalarFunction['volatility']
  readonly async?: boolean
}

export function scalar(
  name: string,
  params: readonly ParamType[],
  result: SqlType | ((args: readonly SqlType[]) => SqlType),
  impl: (args: readonly SqlValue[], types: readonly SqlType[], ctx: FunctionContext) => SqlValue | Promise<SqlValue>,
  options: ScalarOptions = {},
): ScalarFunction {
  return {
    name,
    params,
    result,
    impl,
    variadic: options.variadic ?? false,
    strict: options.strict ?? true,
    volatility: options.volatility ?? 'immutable',
    async: options.async ?? false,
  }
}
