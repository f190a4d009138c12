/** The SQL value layer: types, values, text I/O, casts and operators, as PostgreSQL 15. */
export * from './types.js'
export { Decimal, type DecimalSpecial } from './decimal.js'
export { parseValue, formatValue, formatFloat, coerceString, applyNumericTypmod } from './text-io.js'
export { parseDate, parseTimestamp, formatDate, formatTimestamp, date2j, j2date, isValidDate } from './datetime.js'
export { CAST_CONTEXTS, type CastContext, castContext, canCast, castValue, rint, toIntKind, intOutOfRange } from './casts.js'
export {
  BINARY_OPERATORS, COMPARISON_OPERATORS, OPERATOR_CATALOG, resolveBinaryOperator,
  type BinaryOperatorName, type OperatorEntry, type ResolvedOperator,
} from './operators.js'
export { applyOperator, operatorFunction, evaluateBinary, compareValues, negate, and3, or3, not3 } from './arithmetic.js'
export { TYPE_OIDS, ARRAY_TYPE_OIDS, TYPE_NAMES_INTERNAL, TYPE_LENGTHS, typmod, typeOid, typeOfOid } from './type-oids.js'
export { formatArray, parseArray } from './arrays.js'
export { compareArraysOf as compareArrays } from './arithmetic.js'
