/**
 * Types in the binder: type names → SqlType, PostgreSQL's select_common_type (for
 * UNION, CASE, COALESCE, VALUES, IN lists), and coercion of a bound expression to a
 * type in a cast context (parse_coerce.c).
 *
 * An untyped literal ('abc', NULL) stays `unknown` until its context decides its
 * type, and is then converted at bind time, so `WHERE d = '2024-01-01'` compares
 * dates and a bad literal fails before execution, at the literal's position, as in
 * PostgreSQL. An untyped parameter takes the type its context asks for (the binder
 * records it for the client: ParameterDescription).
 */
import { dbError, IsolaError } from '../../common/errors.js'
import { parse, type TypeName } from '../../parser/index.js'
import { NAMESPACES, relationOid, type ObjectNames } from '../catalog/object-names.js'
import { regOutput } from '../functions/catalog-info.js'
import type { BExpr } from '../plan/bound.js'
import {
  REG_TYPES, T, arrayOf, typeOid, withoutModifiers, baseTypeName, canCast, castValue, isPreferred, sameType, typeCategory, type CastContext, type SqlType,
} from '../values/index.js'

const PLAIN: Readonly<Record<string, SqlType>> = {
  int2: T.int2, int4: T.int4, int8: T.int8, float4: T.float4, float8: T.float8, text: T.text, bool: T.bool,
  date: T.date, timestamp: T.timestamp, timestamptz: T.timestamptz, bytea: T.bytea,
  oid: T.oid, regclass: T.regclass, regtype: T.regtype, regnamespace: T.regnamespace, regproc: T.regproc,
  // PostgreSQL's name (63-byte identifiers) is text here: the catalog's names are text columns.
  name: T.text,
}

/** Types PostgreSQL has that Isola does not implement yet: 0A000 rather than "does not exist". */
const NOT_YET: ReadonlySet<string> = new Set(['time', 'timetz', 'interval', 'json', 'jsonb', 'uuid', 'money', 'xml', 'inet', 'cidr'])

/** The SqlType a type name denotes (serial types are the DDL's business: see ddl/columns.ts). */
export function resolveType(t: TypeName, at?: number): SqlType {
  if (t.array === true) return arrayOf(resolveType({ ...t, array: false }, at))
  const position = t.position ?? at
  const plain = PLAIN[t.name]
  if (plain !== undefined) {
    if (t.args.length > 0 && t.name !== 'timestamp' && t.name !== 'timestamptz') {
      throw dbError('syntax_error', `type modifier is not allowed for type "${t.name}"`, { position })
    }
    return plain
  }
  switch (t.name) {
    case 'numeric': {
      if (t.args.length === 0) return T.numeric
      const [p, s = 0] = t.args as [number, number?]
      if (t.args.length > 2) throw dbError('syntax_error', 'invalid NUMERIC type modifier', { position })
      if (p < 1 || p > 1000) throw dbError('invalid_parameter_value', `NUMERIC precision ${p} must be between 1 and 1000`, { position })
      if (s < 0 || s > p) throw dbError('invalid_parameter_value', `NUMERIC scale ${s} must be between 0 and precision ${p}`, { position })
      return { kind: 'numeric', precision: p, scale: s }
    }
    case 'varchar':
    case 'bpchar': {
      if (t.args.length === 0) return t.name === 'varchar' ? T.varchar : { kind: 'bpchar', length: 1 }
      const n = t.args[0]!
      const label = t.name === 'varchar' ? 'varchar' : 'char'
      if (t.args.length > 1) throw dbError('syntax_error', `invalid type modifier`, { position })
      if (n < 1) throw dbError('invalid_parameter_value', `length for type ${label} must be at least 1`, { position })
      if (n > 10485760) throw dbError('invalid_parameter_value', `length for type ${label} cannot exceed 10485760`, { position })
      return { kind: t.name, length: n }
    }
    default:
      if (NOT_YET.has(t.name)) throw dbError('feature_not_supported', `type ${t.name} is not supported yet`, { position })
      throw dbError('undefined_object', `type "${t.name}" does not exist`, { position })
  }
}

/**
 * select_common_type: the type a set of branches (UNION columns, CASE results,
 * COALESCE arguments, VALUES columns) resolves to. `what` names the construct in
 * the error ("UNION", "CASE" …); `positions[i]`, when given, is where branch i
 * starts, and a mismatch is reported at the branch that does not fit.
 */
export function commonType(types: readonly SqlType[], what: string, positions?: readonly (number | undefined)[]): SqlType {
  const known = types.map((t, i) => ({ t, at: positions?.[i] })).filter((x) => x.t.kind !== 'unknown')
  if (known.length === 0) return T.text
  let p = known[0]!.t
  // All of one type: keep its modifiers only if they agree too, and there is no untyped
  // literal (select_common_typmod: 'ab' in COALESCE('ab', x::varchar(1)) is a varchar of no length).
  if (known.every((x) => x.t.kind === p.kind)) {
    if (p.kind === 'array') {
      const element = commonType(known.map((x) => (x.t as SqlType & { kind: 'array' }).element), what, known.map((x) => x.at))
      return known.length === types.length && known.every((x) => sameType(x.t, p)) ? p : arrayOf(element)
    }
    return known.length === types.length && known.every((x) => sameType(x.t, p)) ? p : withoutModifiers(p)
  }
  for (const { t: n, at } of known.slice(1)) {
    if (n.kind === p.kind) continue
    if (typeCategory(n) !== typeCategory(p)) {
      throw dbError('datatype_mismatch', `${what} types ${baseTypeName(p)} and ${baseTypeName(n)} cannot be matched`, { position: at })
    }
    if (!isPreferred(p) && canCast(p, n, 'implicit') && !canCast(n, p, 'implicit')) p = n
  }
  const result: SqlType = withoutModifiers(p)
  for (const { t, at } of known) {
    if (!canCast(t, result, 'implicit')) throw dbError('datatype_mismatch', `${what} could not convert type ${baseTypeName(t)} to ${baseTypeName(result)}`, { position: at })
  }
  return result.kind === 'bpchar' ? T.bpchar : result
}

/** Hooks the binder passes in: where untyped parameters learn their type, and where literals were written. */
export interface CoerceHost {
  setParamType(index: number, type: SqlType, position: number | undefined): SqlType
  /** The catalog's objects, for reg* literals written as names ('t'::regclass). */
  readonly objects?: ObjectNames
  /** The source position of a literal or parameter node, if the binder recorded one. */
  positionOf(e: BExpr): number | undefined
}

/** regtypein: a type name as SQL writes it ('integer', 'character varying', 'pg_catalog.int4', 'text[]'). */
function typeOidByName(text: string): number | undefined {
  try {
    const [q] = parse(`SELECT NULL::${text}`)
    const item = q?.kind === 'query' && q.body.kind === 'select' ? q.body.columns[0] : undefined
    if (item?.kind !== 'expr' || item.expr.kind !== 'cast' || item.expr.type.args.length > 0) return undefined
    return typeOid(resolveType(item.expr.type))
  } catch {
    return undefined
  }
}

/**
 * The reg* types' conversions that need the catalog: a literal name becomes the
 * object's oid when the statement is bound (regclassin runs at parse time in
 * PostgreSQL too, so a missing relation is an error even if no row needs it), and
 * a reg* value becomes text through its output function, which reads the catalog.
 */
function regCoercion(host: CoerceHost, e: BExpr, to: SqlType, context: CastContext, position: number | undefined): BExpr | undefined {
  if (REG_TYPES.has(to.kind) && e.kind === 'const' && typeof e.value === 'string' && (e.type.kind === 'unknown' || (context === 'explicit' && typeCategory(e.type) === 'S'))) {
    const text = e.value
    if (/^\s*\d+\s*$/.test(text) || host.objects === undefined) return undefined
    const at = host.positionOf(e) ?? position
    let oid: number | undefined
    switch (to.kind) {
      case 'regclass':
        oid = relationOid(host.objects, text)
        if (oid === undefined) throw dbError('undefined_table', `relation "${text}" does not exist`, { position: at })
        break
      case 'regnamespace':
        oid = (NAMESPACES as Record<string, number>)[text]
        if (oid === undefined) throw dbError('invalid_schema_name', `schema "${text}" does not exist`, { position: at })
        break
      case 'regtype':
        oid = typeOidByName(text)
        if (oid === undefined) throw dbError('undefined_object', `type "${text}" does not exist`, { position: at })
        break
      default:
        throw dbError('feature_not_supported', `${to.kind} input of a name is not supported yet`, { position: at })
    }
    return { kind: 'const', type: to, value: oid }
  }
  if (REG_TYPES.has(e.type.kind) && typeCategory(to) === 'S' && canCast(e.type, to, context)) {
    const text: BExpr = { kind: 'call', fn: regOutput(e.type.kind as 'regclass'), args: [e], type: T.text }
    return to.kind === 'text' ? text : coerce(host, text, to, context, position)
  }
  return undefined
}

/**
 * `e` as type `to`, inserting a cast node when the context allows the conversion.
 * Fails with 42846 (explicit casts), or with the caller's message for the other
 * contexts (42804 "column … is of type …", 42883 for function arguments).
 */
export function coerce(host: CoerceHost, e: BExpr, to: SqlType, context: CastContext, position?: number, mismatch?: () => IsolaError): BExpr {
  if (sameType(e.type, to)) return e
  const reg = regCoercion(host, e, to, context, position)
  if (reg !== undefined) return reg
  if (e.kind === 'const' && e.type.kind === 'unknown') {
    // A bad literal is reported where it was written (PostgreSQL's parser_errposition of the constant).
    const at = host.positionOf(e) ?? position
    // First the type's input function (its errors point at the literal), then the
    // modifier (varchar(n), numeric(p,s)): PostgreSQL applies that as a separate cast,
    // so its errors carry no position. The context matters there: an explicit cast
    // truncates to varchar(n), an assignment refuses.
    const base = to.kind === 'array' ? to : withoutModifiers(to)
    let value
    try {
      value = castValue(e.value, T.unknown, base, context)
    } catch (err) {
      if (err instanceof IsolaError && err.position === undefined && at !== undefined) {
        throw new IsolaError(err.code, err.message, { detail: err.detail, hint: err.hint, position: at })
      }
      throw err
    }
    return { kind: 'const', type: to, value: sameType(base, to) ? value : castValue(value, base, to, context) }
  }
  if (e.kind === 'param' && e.type.kind === 'unknown') {
    // The parameter takes the type without its modifier; the modifier (varchar(n),
    // numeric(p,s)) is then a cast of its own, as for any other value.
    const param: BExpr = { kind: 'param', index: e.index, type: host.setParamType(e.index, to, position) }
    return sameType(param.type, to) ? param : { kind: 'cast', operand: param, type: to, explicit: context === 'explicit' }
  }
  if (!canCast(e.type, to, context)) {
    if (mismatch !== undefined) throw mismatch()
    throw dbError('cannot_coerce', `cannot cast type ${baseTypeName(e.type)} to ${baseTypeName(to)}`, { position })
  }
  return { kind: 'cast', operand: e, type: to, explicit: context === 'explicit' }
}

