/**
 * Aggregate functions (PostgreSQL 15, §9.21): count, sum, avg, min, max,
 * string_agg, bool_and, bool_or, every, with PostgreSQL's result types:
 *
 *     sum(int2/int4) → int8    sum(int8) → numeric    sum(float4) → float4 …
 *     avg(integers, numeric) → numeric                 avg(float4/8) → float8
 *     count → int8             min/max → the argument's type
 *
 * Integer sums are exact (no overflow short of int8's range for sum(int4), exact
 * numeric for sum(int8)); avg of integers divides the exact numeric sum with
 * numeric division's scale rules, so avg(int) prints as PostgreSQL does.
 *
 * Per-row work is kept off bigint where it can be: a bigint addition allocates. So
 * count counts in a number (exact far beyond any row count), and sums of int2/int4
 * add up in a number while it stays below 2^52 in magnitude (exact: adding an int4
 * to it cannot pass 2^53), moving it into the bigint total before it could.
 */
import { dbError } from '../../common/errors.js'
import { Decimal, T, compareValues, type SqlType, type SqlValue, type TypeKind } from '../values/index.js'
import type { AggregateFunction, ParamType } from './types.js'

function agg(
  name: string,
  params: readonly ParamType[],
  result: SqlType | ((args: readonly SqlType[]) => SqlType),
  parts: Pick<AggregateFunction, 'init' | 'step' | 'final'> & { acceptsNull?: boolean; star?: boolean },
): AggregateFunction {
  return { name, params, result, acceptsNull: parts.acceptsNull ?? false, star: parts.star ?? false, init: parts.init, step: parts.step, final: parts.final }
}

/** `small` holds the part of an int2/int4 sum not yet moved into the bigint `int`. */
interface Sum { n: number; small: number; int: bigint; num: Decimal; flt: number }
const sumState = (): Sum => ({ n: 0, small: 0, int: 0n, num: Decimal.of(0n), flt: 0 })
const SMALL_LIMIT = 2 ** 52

/** Adds an integer argument to a sum (see the module doc for `small`). */
function addInteger(st: Sum, v: number | bigint): void {
  if (typeof v === 'bigint') {
    st.int += v
    return
  }
  const s = st.small + v
  if (s >= SMALL_LIMIT || s <= -SMALL_LIMIT) {
    st.int += BigInt(s)
    st.small = 0
  } else st.small = s
}

const integerTotal = (st: Sum): bigint => st.int + BigInt(st.small)

function sumOf(kind: TypeKind, result: TypeKind): AggregateFunction {
  return agg('sum', [kind], T[result as 'int8' | 'numeric' | 'float4' | 'float8'], {
    init: sumState,
    step: (s, a) => {
      const st = s as Sum
      st.n++
      const v = a[0]!
      if (kind === 'int2' || kind === 'int4' || kind === 'int8') addInteger(st, v as number | bigint)
      else if (kind === 'numeric') st.num = st.num.add(v as Decimal)
      else st.flt = kind === 'float4' ? Math.fround(st.flt + (v as number)) : st.flt + (v as number)
      return st
    },
    final: (s) => {
      const st = s as Sum
      if (st.n === 0) return null
      if (result === 'int8') {
        const total = integerTotal(st)
        if (total >= 2n ** 63n || total < -(2n ** 63n)) throw dbError('numeric_value_out_of_range', 'bigint out of range')
        return total
      }
      if (result === 'numeric') return kind === 'numeric' ? st.num : Decimal.of(integerTotal(st))
      if (result === 'float4') {
        const f = Math.fround(st.flt)
        if (!Number.isFinite(f) && Number.isFinite(st.flt)) throw dbError('numeric_value_out_of_range', 'value out of range: overflow')
        return f
      }
      return st.flt
    },
  })
}

function avgOf(kind: TypeKind): AggregateFunction {
  const float = kind === 'float4' || kind === 'float8'
  return agg('avg', [kind], float ? T.float8 : T.numeric, {
    init: sumState,
    step: (s, a) => {
      const st = s as Sum
      st.n++
      const v = a[0]!
      if (float) st.flt += v as number
      else if (kind === 'numeric') st.num = st.num.add(v as Decimal)
      else addInteger(st, v as number | bigint)
      return st
    },
    final: (s) => {
      const st = s as Sum
      if (st.n === 0) return null
      if (float) return st.flt / st.n
      const total = kind === 'numeric' ? st.num : Decimal.of(integerTotal(st))
      return total.div(Decimal.of(BigInt(st.n)))
    },
  })
}

interface Extreme { v: SqlValue; set: boolean }

function extreme(name: 'min' | 'max', kind: TypeKind): AggregateFunction {
  const sign = name === 'min' ? -1 : 1
  return agg(name, [kind], (args) => ({ kind: args[0]!.kind }) as SqlType, {
    init: (): Extreme => ({ v: null, set: false }),
    step: (s, a, types) => {
      const st = s as Extreme
      if (!st.set || compareValues(types[0]!, a[0]!, st.v) * sign > 0) {
        st.v = a[0]!
        st.set = true
      }
      return st
    },
    final: (s) => (s as Extreme).v,
  })
}

const boolAgg = (name: string, and: boolean): AggregateFunction =>
  agg(name, ['bool'], T.bool, {
    init: () => null,
    step: (s, a) => (s === null ? a[0]! : and ? (s as boolean) && (a[0] as boolean) : (s as boolean) || (a[0] as boolean)),
    final: (s) => s as boolean | null,
  })

/** min/max over varchar resolve to the text version (and return text), as in PostgreSQL. */
const COMPARABLE: readonly TypeKind[] = ['int2', 'int4', 'int8', 'float4', 'float8', 'numeric', 'text', 'bpchar', 'bool', 'date', 'timestamp', 'timestamptz', 'bytea']

export const AGGREGATES: readonly AggregateFunction[] = [
  agg('count', [], T.int8, { star: true, acceptsNull: true, init: () => 0, step: (s) => (s as number) + 1, final: (s) => BigInt(s as number) }),
  agg('count', ['any'], T.int8, { acceptsNull: true, init: () => 0, step: (s, a) => (a[0] === null ? s : (s as number) + 1), final: (s) => BigInt(s as number) }),
  sumOf('int2', 'int8'), sumOf('int4', 'int8'), sumOf('int8', 'numeric'), sumOf('numeric', 'numeric'), sumOf('float4', 'float4'), sumOf('float8', 'float8'),
  ...(['int2', 'int4', 'int8', 'numeric', 'float4', 'float8'] as const).map(avgOf),
  ...COMPARABLE.flatMap((k) => [extreme('min', k), extreme('max', k)]),
  agg('string_agg', ['text', 'text'], T.text, {
    acceptsNull: true,
    init: () => null,
    step: (s, a) => {
      if (a[0] === null) return s
      return s === null ? (a[0] as string) : (s as string) + ((a[1] as string | null) ?? '') + (a[0] as string)
    },
    final: (s) => s as string | null,
  }),
  agg('string_agg', ['bytea', 'bytea'], T.bytea, {
    acceptsNull: true,
    init: () => null,
    step: (s, a) => {
      if (a[0] === null) return s
      const v = a[0] as Uint8Array
      return s === null ? Buffer.from(v) : Buffer.concat([s as Buffer, (a[1] as Uint8Array | null) ?? new Uint8Array(), v])
    },
    final: (s) => s as Buffer | null,
  }),
  boolAgg('bool_and', true),
  boolAgg('every', true),
  boolAgg('bool_or', false),
]

export const AGGREGATE_NAMES: ReadonlySet<string> = new Set(AGGREGATES.map((a) => a.name))
