/**
 * The binder's per-statement state: fresh column and subquery ids, the types of
 * parameters (declared by the client or inferred from context), the tables the
 * statement touches (the session locks them before running it), the CTEs in scope,
 * and names for EXPLAIN.
 *
 * Binding turns `parser/` ASTs into bound expressions and logical plans
 * (engine/plan/). It is synchronous and pure: it reads the catalog it was given and
 * never storage, so a statement can be bound, then locked, then re-bound if the
 * catalog changed while it waited for its locks.
 */
import { dbError } from '../../common/errors.js'
import type { Cte } from '../../parser/index.js'
import type { Catalog } from '../catalog/catalog.js'
import type { ObjectNames } from '../catalog/object-names.js'
import { SYSTEM_VIEWS } from '../catalog/system-views.js'
import type { Oid } from '../catalog/schema.js'
import type { VirtualTable } from '../catalog/virtual-table.js'
import type { BExpr, ColumnId } from '../plan/bound.js'
import { T, baseTypeName, sameType, withoutModifiers, type SqlType } from '../values/index.js'
import type { CoerceHost } from './coerce.js'

/**
 * The highest parameter number: a Bind message counts its values in an Int16, so
 * no client can send more. (The binder keeps an array as long as the highest $n.)
 */
const MAX_PARAMS = 65_535

export interface BindEnvironment {
  readonly catalog: Catalog
  /** Virtual tables by name (pg_catalog, information_schema); `schema` is the qualifier, if any. */
  virtualTable(schema: string | undefined, name: string): VirtualTable | undefined
}

/** A CTE visible to the query being bound. */
export type CteBinding =
  /** A WITH query, with the CTEs visible to its own query (those defined before it). */
  | { readonly kind: 'query'; readonly cte: Cte; readonly outer: ReadonlyMap<string, CteBinding> }
  /** Inside a recursive CTE's recursive term, its own name: the rows of the previous round (worktable-scan.ts). */
  | { readonly kind: 'worktable'; readonly id: number; readonly name: string; readonly columns: readonly { readonly name: string; readonly type: SqlType }[] }

export class Binder implements CoerceHost {
  private nextColumn = 1
  private nextSubquery = 1
  private readonly params: (SqlType | undefined)[]
  /** Tables read or written: the session takes their locks before execution. */
  readonly tablesRead = new Set<Oid>()
  readonly tablesWritten = new Set<Oid>()
  /** Views the statement reads (a new view depends on them). */
  readonly viewsRead = new Set<Oid>()
  /** Qualified names of columns, for EXPLAIN and error messages. */
  readonly names = new Map<ColumnId, string>()
  /** Source positions of bound column references, literals and parameters (for errors found after binding them). */
  readonly positions = new WeakMap<BExpr, number>()
  /** Where each parameter is first referenced ($n → position), for 42P02. */
  readonly paramPositions = new Map<number, number>()

  positionOf(e: BExpr): number | undefined {
    return this.positions.get(e)
  }
  ctes: ReadonlyMap<string, CteBinding> = new Map()
  private nextWorktable = 1

  constructor(
    readonly env: BindEnvironment,
    declaredParams: readonly (SqlType | undefined)[] = [],
  ) {
    this.params = [...declaredParams]
  }

  get catalog(): Catalog {
    return this.env.catalog
  }

  get objects(): ObjectNames {
    return { catalog: this.env.catalog, systemViews: SYSTEM_VIEWS }
  }

  newColumn(name: string): ColumnId {
    const id = this.nextColumn++
    this.names.set(id, name)
    return id
  }

  newSubquery(): number {
    return this.nextSubquery++
  }

  newWorktable(): number {
    return this.nextWorktable++
  }

  /** The type of $n so far (undefined: not yet known). */
  paramType(index: number): SqlType | undefined {
    return this.params[index - 1]
  }

  noteParam(index: number, position: number): void {
    if (index < 1 || index > MAX_PARAMS) throw dbError('undefined_parameter', `there is no parameter $${index}`, { position })
    if (!this.paramPositions.has(index)) this.paramPositions.set(index, position)
    while (this.params.length < index) this.params.push(undefined)
  }

  setParamType(index: number, type: SqlType, position: number | undefined): SqlType {
    const known = this.params[index - 1]
    // A parameter takes the type without modifiers, as PostgreSQL's parameters do.
    const plain = withoutModifiers(type)
    if (known !== undefined && known.kind !== 'unknown') {
      if (!sameType(withoutModifiers(known), plain)) {
        throw dbError('ambiguous_parameter', `inconsistent types deduced for parameter $${index}`, {
          detail: `${baseTypeName(known)} versus ${baseTypeName(plain)}`,
          position,
        })
      }
      return known
    }
    this.params[index - 1] = plain.kind === 'bpchar' ? T.bpchar : plain
    return this.params[index - 1]!
  }

  /** Parameter types once binding is done: those never given a type are text, as PostgreSQL's unknown-typed parameters. */
  paramTypes(): SqlType[] {
    return this.params.map((t) => (t === undefined || t.kind === 'unknown' ? T.text : t))
  }
}
