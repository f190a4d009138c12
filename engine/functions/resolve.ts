/**
 * Overload resolution for functions, as PostgreSQL's func_select_candidate
 * (parse_func.c) does it:
 *
 *   1. candidates with the right number of arguments (variadic ones expanded);
 *   2. an exact match wins (untyped arguments match nothing exactly);
 *   3. keep candidates every argument reaches by implicit cast;
 *   4. most exact matches; 5. most matches on a preferred type of the category;
 *   6. for untyped arguments, prefer the string category, then preferred types.
 *
 * Polymorphic parameters (`anyelement`) take the common type of their arguments;
 * `any` takes an argument as it is.
 */
import { dbError } from '../../common/errors.js'
import { T, plainType, baseTypeName, canCast, isPreferred, typeCategory, type SqlType } from '../values/index.js'
import { commonType } from '../bind/coerce.js'
import type { ParamType } from './types.js'

export interface Candidate {
  readonly params: readonly ParamType[]
  readonly variadic?: boolean
}

export interface Resolved<C extends Candidate> {
  readonly fn: C
  /** The type each argument must be coerced to ('any' parameters: the argument's own). */
  readonly argTypes: readonly SqlType[]
}

const paramAt = (c: Candidate, i: number): ParamType => c.params[Math.min(i, c.params.length - 1)]!

function arityOk(c: Candidate, n: number): boolean {
  return c.variadic === true ? n >= c.params.length - 1 : n === c.params.length
}

/** The concrete types for a candidate's parameters, or undefined if the arguments cannot reach them. */
function bindTypes(c: Candidate, args: readonly SqlType[]): SqlType[] | undefined {
  const poly = args.filter((_, i) => paramAt(c, i) === 'anyelement')
  const arrays = args.filter((_, i) => paramAt(c, i) === 'anyarray')
  if (arrays.some((a) => a.kind !== 'array')) return undefined
  let anyType: SqlType | undefined
  // An anyarray argument decides anyelement: its element type (array_position(int4[], x) compares x as int4).
  if (arrays.length > 0) anyType = (arrays[0] as SqlType & { kind: 'array' }).element
  else if (poly.length > 0) {
    try {
      anyType = commonType(poly, 'argument')
    } catch {
      return undefined
    }
  }
  const out: SqlType[] = []
  for (let i = 0; i < args.length; i++) {
    const p = paramAt(c, i)
    const a = args[i]!
    if (p === 'any') out.push(a.kind === 'unknown' ? T.text : a)
    else if (p === 'anyarray') out.push(a)
    else if (p === 'anyelement') {
      if (!canCast(a, anyType!, 'implicit')) return undefined
      out.push(anyType!)
    }
    else {
      const t = plainType(p)
      if (!canCast(a, t, 'implicit')) return undefined
      out.push(a.kind === p ? a : t)
    }
  }
  return out
}

export function resolveFunction<C extends Candidate>(name: string, all: readonly C[], args: readonly SqlType[], position?: number): Resolved<C> {
  const cands = all.filter((c) => arityOk(c, args.length))
  const exact = cands.find((c) => args.every((a, i) => paramAt(c, i) === a.kind || (paramAt(c, i) === 'any' && a.kind !== 'unknown')))
  if (exact !== undefined) return { fn: exact, argTypes: bindTypes(exact, args)! }
  let viable = cands.map((fn) => ({ fn, types: bindTypes(fn, args) })).filter((v): v is { fn: C; types: SqlType[] } => v.types !== undefined)
  const fail = () =>
    dbError('undefined_function', `function ${name}(${args.map((a) => baseTypeName(a)).join(', ')}) does not exist`, {
      hint: 'No function matches the given name and argument types. You might need to add explicit type casts.',
      position,
    })
  if (viable.length === 0) throw fail()
  const keepBest = (score: (v: { fn: C; types: SqlType[] }) => number) => {
    if (viable.length <= 1) return
    const best = Math.max(...viable.map(score))
    viable = viable.filter((v) => score(v) === best)
  }
  const known = (i: number) => args[i]!.kind !== 'unknown'
  keepBest((v) => v.types.filter((t, i) => known(i) && t.kind === args[i]!.kind).length)
  keepBest((v) => v.types.filter((t, i) => known(i) && (t.kind === args[i]!.kind || (isPreferred(t) && typeCategory(t) === typeCategory(args[i]!)))).length)
  if (viable.length > 1 && args.some((a) => a.kind === 'unknown')) {
    // Untyped arguments: a string-category parameter is the likeliest reading, then a preferred type.
    keepBest((v) => v.types.filter((t, i) => !known(i) && typeCategory(t) === 'S').length)
    keepBest((v) => v.types.filter((t, i) => !known(i) && isPreferred(t)).length)
  }
  if (viable.length > 1) {
    throw dbError('ambiguous_function', `function ${name}(${args.map((a) => baseTypeName(a)).join(', ')}) is not unique`, {
      hint: 'Could not choose a best candidate function. You might need to add explicit type casts.',
      position,
    })
  }
  return { fn: viable[0]!.fn, argTypes: viable[0]!.types }
}
