import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { applyOperator, BINARY_OPERATORS, operatorFunction, resolveBinaryOperator, T, type SqlType, type SqlValue } from '../../engine/values/index.js'

const outcome = (f: () => SqlValue): unknown => {
  try {
    return { value: f() }
  } catch (e) {
    return { error: (e as { code?: string }).code, message: (e as Error).message }
  }
}

const intValue = (t: SqlType): fc.Arbitrary<SqlValue> => {
  const edges = t.kind === 'int2' ? [-32768, 32767, 0, -1, 1] : t.kind === 'int4' ? [-2147483648, 2147483647, 0, -1, 1, 46341, -46341] : [-(2n ** 63n), 2n ** 63n - 1n, 0n, -1n]
  const any = t.kind === 'int2' ? fc.integer({ min: -32768, max: 32767 }) : t.kind === 'int4' ? fc.integer() : fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n })
  return fc.oneof(fc.constant(null), fc.constantFrom(...edges), any as fc.Arbitrary<SqlValue>)
}

describe('operatorFunction', () => {
  it('agrees with applyOperator on integers, results and errors (overflow, division by zero) alike', () => {
    const types = [T.int2, T.int4, T.int8]
    for (const name of BINARY_OPERATORS) {
      for (const lt of types) {
        for (const rt of types) {
          let o: ReturnType<typeof resolveBinaryOperator>
          try {
            o = resolveBinaryOperator(name, lt, rt)
          } catch {
            continue
          }
          if (!['int2', 'int4', 'int8'].includes(o.leftType.kind) || !['int2', 'int4', 'int8'].includes(o.rightType.kind)) continue
          const f = operatorFunction(o)
          fc.assert(
            fc.property(intValue(o.leftType), intValue(o.rightType), (a, b) => {
              expect(outcome(() => f(a, b))).toEqual(outcome(() => applyOperator(o, a, b)))
            }),
            { numRuns: 300 },
          )
        }
      }
    }
    const times = operatorFunction(resolveBinaryOperator('*', T.int4, T.int4))
    expect(Object.is(times(0, -5), 0)).toBe(true)
  })
})
