/**
 * Binary operators: a small pg_operator of the value layer's types, PostgreSQL's
 * operator resolution over it (parse_oper.c / parse_func.c func_select_candidate),
 * and the implementations with PostgreSQL's result types and errors.
 *
 * Resolution, in PostgreSQL's order:
 *   1. exact match (an unknown argument is assumed to have the other one's type);
 *   2. candidates whose parameters every argument casts to implicitly;
 *   3. most exact matches; 4. most exact-or-preferred matches;
 *   5. unknown arguments: prefer the string category, then its preferred type;
 *   6. unknown and one known type: assume the unknown has that type.
 * No candidate is 42883 ("operator does not exist"), several are 42725.
 */
import { dbError } from '../../common/errors.js'
import { canCast } from './casts.js'
import { baseTypeName, typeCategory, isPreferred, plainType, T, type SqlType, type TypeKind } from './types.js'

export const BINARY_OPERATORS = ['+', '-', '*', '/', '%', '=', '<>', '<', '<=', '>', '>=', '||'] as const
export type BinaryOperatorName = (typeof BINARY_OPERATORS)[number]
export const COMPARISON_OPERATORS = ['=', '<>', '<', '<=', '>', '>='] as const

/** A parameter type of a catalog entry; 'any' is anynonarray (text || anything). */
type Param = TypeKind | 'any'

export interface OperatorEntry {
  readonly name: BinaryOperatorName
  readonly left: Param
  readonly right: Param
  readonly result: TypeKind
}

const INTS = ['int2', 'int4', 'int8'] as const
const wider = (a: TypeKind, b: TypeKind): TypeKind => (INTS.indexOf(a as 'int2') > INTS.indexOf(b as 'int2') ? a : b)

function buildCatalog(): OperatorEntry[] {
  const out: OperatorEntry[] = []
  const add = (name: BinaryOperatorName, left: Param, right: Param, result: TypeKind) => out.push({ name, left, right, result })
  for (const op of ['+', '-', '*', '/'] as const) {
    for (const a of INTS) for (const b of INTS) add(op, a, b, wider(a, b))
    add(op, 'float4', 'float4', 'float4')
    add(op, 'float8', 'float8', 'float8')
    add(op, 'float4', 'float8', 'float8')
    add(op, 'float8', 'float4', 'float8')
    add(op, 'numeric', 'numeric', 'numeric')
  }
  for (const k of [...INTS, 'numeric'] as const) add('%', k, k, k)
  for (const op of COMPARISON_OPERATORS) {
    for (const a of INTS) for (const b of INTS) add(op, a, b, 'bool')
    for (const [a, b] of [['float4', 'float4'], ['float8', 'float8'], ['float4', 'float8'], ['float8', 'float4']] as const) add(op, a, b, 'bool')
    for (const k of ['numeric', 'text', 'bpchar', 'bool', 'bytea', 'oid'] as const) add(op, k, k, 'bool')
    const dt = ['date', 'timestamp', 'timestamptz'] as const
    for (const a of dt) for (const b of dt) add(op, a, b, 'bool')
  }
  add('||', 'text', 'text', 'text')
  add('||', 'text', 'any', 'text')
  add('||', 'any', 'text', 'text')
  add('||', 'bytea', 'bytea', 'bytea')
  add('+', 'date', 'int4', 'date')
  add('+', 'int4', 'date', 'date')
  add('-', 'date', 'int4', 'date')
  add('-', 'date', 'date', 'int4')
  return out
}

export const OPERATOR_CATALOG: readonly OperatorEntry[] = buildCatalog()

/** The catalogue by operator name: resolution runs for every operator of every statement bound. */
const BY_NAME: ReadonlyMap<BinaryOperatorName, readonly OperatorEntry[]> = (() => {
  const m = new Map<BinaryOperatorName, OperatorEntry[]>()
  for (const e of OPERATOR_CATALOG) {
    let list = m.get(e.name)
    if (list === undefined) m.set(e.name, (list = []))
    list.push(e)
  }
  return m
})()

/** The outcome of resolution: the argument types to cast to and the result type. */
export interface ResolvedOperator {
  readonly name: BinaryOperatorName
  readonly entry: OperatorEntry
  /** The types the arguments are coerced to (implicitly) before the operator runs. */
  readonly leftType: SqlType
  readonly rightType: SqlType
  readonly resultType: SqlType
}

const plain = (k: TypeKind): SqlType => plainType(k)

const accepts = (p: Param, t: SqlType): boolean => (p === 'any' ? true : canCast(t, plain(p), 'implicit'))

function resolved(entry: OperatorEntry, left: SqlType, right: SqlType): ResolvedOperator {
  const argType = (p: Param, t: SqlType): SqlType => (p === 'any' ? (t.kind === 'unknown' ? T.text : t) : p === t.kind ? t : plain(p))
  return { name: entry.name, entry, leftType: argType(entry.left, left), rightType: argType(entry.right, right), resultType: plain(entry.result) }
}

/** Resolve `left name right` as PostgreSQL does for these types. */
export function resolveBinaryOperator(name: BinaryOperatorName, left: SqlType, right: SqlType): ResolvedOperator {
  const all = BY_NAME.get(name) ?? []
  // 1. Exact match, an unknown side taking the other side's type.
  const l = left.kind === 'unknown' && right.kind !== 'unknown' ? right.kind : left.kind
  const r = right.kind === 'unknown' && left.kind !== 'unknown' ? left.kind : right.kind
  const exact = all.find((e) => e.left === l && e.right === r)
  if (exact !== undefined) return resolved(exact, left, right)
  const args = [left, right] as const
  const params = (e: OperatorEntry) => [e.left, e.right] as const
  // 2. Implicitly reachable candidates.
  let cands = all.filter((e) => accepts(e.left, left) && accepts(e.right, right))
  const fail = () =>
    dbError('undefined_function', `operator does not exist: ${baseTypeName(left)} ${name} ${baseTypeName(right)}`, {
      hint: 'No operator matches the given name and argument types. You might need to add explicit type casts.',
    })
  if (cands.length === 0) throw fail()
  const keepBest = (score: (e: OperatorEntry) => number) => {
    const best = Math.max(...cands.map(score))
    const kept = cands.filter((e) => score(e) === best)
    cands = kept
  }
  const isUnknown = (t: SqlType) => t.kind === 'unknown'
  const done = () => cands.length === 1
  if (!done()) keepBest((e) => params(e).filter((p, i) => !isUnknown(args[i]!) && p === args[i]!.kind).length) // 3
  if (!done())
    keepBest((e) => params(e).filter((p, i) => {
      const a = args[i]!
      if (isUnknown(a) || p === 'any') return false
      return p === a.kind || (isPreferred(plain(p)) && typeCategory(plain(p)) === typeCategory(a))
    }).length) // 4
  if (!done() && args.some(isUnknown)) {
    // 5. Categories at the unknown positions.
    let ok = true
    const choice: { cat: string; pref: boolean }[] = []
    for (let i = 0; i < 2 && ok; i++) {
      if (!isUnknown(args[i]!)) continue
      let cat: string | undefined
      let pref = false
      let conflict = false
      for (const e of cands) {
        const p = params(e)[i]!
        const c = p === 'any' ? 'P' : typeCategory(plain(p))
        const isPref = p !== 'any' && isPreferred(plain(p))
        if (cat === undefined) [cat, pref] = [c, isPref]
        else if (c === cat) pref ||= isPref
        else if (c === 'S') [cat, pref] = [c, isPref]
        else conflict = true
      }
      // PostgreSQL's full catalog also has interval and geometric + - * /, so two
      // untyped arguments meet a category conflict there that this small one lacks.
      if (args.every(isUnknown) && ['+', '-', '*', '/'].includes(name)) conflict = true
      if (conflict && cat !== 'S') ok = false
      choice[i] = { cat: cat!, pref }
    }
    if (ok) {
      const kept = cands.filter((e) =>
        params(e).every((p, i) => {
          const ch = choice[i]
          if (ch === undefined) return true
          const c = p === 'any' ? 'P' : typeCategory(plain(p))
          return c === ch.cat && (!ch.pref || (p !== 'any' && isPreferred(plain(p))))
        }),
      )
      if (kept.length > 0) cands = kept
    }
  }
  if (!done() && args.some(isUnknown) && !args.every(isUnknown)) {
    // 6. Unknown takes the known type.
    const known = args.find((a) => !isUnknown(a))!
    const kept = cands.filter((e) => params(e).every((p) => accepts(p, known)))
    if (kept.length === 1) cands = kept
  }
  if (!done()) {
    throw dbError('ambiguous_function', `operator is not unique: ${baseTypeName(left)} ${name} ${baseTypeName(right)}`, {
      hint: 'Could not choose a best candidate operator. You might need to add explicit type casts.',
    })
  }
  return resolved(cands[0]!, left, right)
}
