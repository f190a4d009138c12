/**
 * A table's stored expressions, bound and compiled against its stored row (values
 * by slot): CHECK constraints, index key expressions and partial-index predicates.
 * Compiled once per table definition (a new definition is a new object).
 */
import { dbError } from '../../common/errors.js'
import { parseExpression } from '../../parser/index.js'
import type { Catalog } from '../catalog/catalog.js'
import type { CheckInfo, IndexInfo, TableInfo } from '../catalog/schema.js'
import { compile, type Compiled } from '../exec/compile.js'
import type { BExpr, ColumnId } from '../plan/bound.js'
import { some } from '../plan/bound.js'
import { Binder } from './binder.js'
import { coerce } from './coerce.js'
import { defaultExpr } from './dml.js'
import { bindExpr, toBool } from './expr.js'
import { Scope } from './scope.js'

export interface TableExprs {
  readonly checks: readonly { readonly check: CheckInfo; readonly fn: Compiled }[]
  /** Per index: how to compute its key values from a stored row. */
  readonly keys: ReadonlyMap<IndexInfo, readonly Compiled[]>
  readonly predicates: ReadonlyMap<IndexInfo, Compiled>
}

const cache = new WeakMap<TableInfo, TableExprs>()

/** Binds SQL text over the table's columns; `ids[i]` is the id of `t.columns[i]`. */
export function bindOverTable(catalog: Catalog, t: TableInfo, text: string, what: string): { expr: BExpr; ids: ColumnId[]; binder: Binder } {
  const b = new Binder({ catalog, virtualTable: () => undefined })
  const ids = t.columns.map((c) => b.newColumn(`${t.name}.${c.name}`))
  const scope = new Scope([{ alias: t.name, columns: t.columns.map((c, i) => ({ name: c.name, id: ids[i]!, type: c.type })), children: [] }], undefined)
  const expr = bindExpr(b, parseExpression(text), { scope, clause: what, aggregates: false })
  if (some(expr, (n) => n.kind === 'subquery')) throw dbError('feature_not_supported', `cannot use subquery in ${what}`)
  return { expr, ids, binder: b }
}

export function tableExprs(catalog: Catalog, t: TableInfo): TableExprs {
  let e = cache.get(t)
  if (e !== undefined) return e
  const slotLayout = (ids: readonly ColumnId[]) => new Map(ids.map((id, i) => [id, t.columns[i]!.attnum - 1]))
  const checks = t.checks.map((check) => {
    const { expr, ids, binder } = bindOverTable(catalog, t, check.expr, 'check constraint')
    return { check, fn: compile(toBool(binder, expr, 'CHECK'), slotLayout(ids)) }
  })
  const keys = new Map<IndexInfo, Compiled[]>()
  const predicates = new Map<IndexInfo, Compiled>()
  for (const index of t.indexes) {
    keys.set(
      index,
      index.keys.map((k) => {
        if (k.attnum !== undefined) {
          const slot = k.attnum - 1
          return { async: false, fn: (row) => row[slot] ?? null }
        }
        const { expr, ids } = bindOverTable(catalog, t, k.expr!, 'index expression')
        return compile(expr, slotLayout(ids))
      }),
    )
    if (index.predicate !== undefined) {
      const { expr, ids, binder } = bindOverTable(catalog, t, index.predicate, 'index predicate')
      predicates.set(index, compile(coerce(binder, expr, { kind: 'bool' }, 'implicit'), slotLayout(ids)))
    }
  }
  for (const c of checks) if (c.fn.async) throw dbError('feature_not_supported', `cannot use nextval in check constraint "${c.check.name}"`)
  e = { checks, keys, predicates }
  cache.set(t, e)
  return e
}

const defaultsCache = new WeakMap<TableInfo, Map<number, Compiled>>()

/** Each column's DEFAULT, compiled (columns without one are absent). */
export function columnDefaults(catalog: Catalog, t: TableInfo): ReadonlyMap<number, Compiled> {
  let d = defaultsCache.get(t)
  if (d === undefined) {
    d = new Map()
    const b = new Binder({ catalog, virtualTable: () => undefined })
    for (const c of t.columns) if (c.default !== undefined) d.set(c.attnum, compile(defaultExpr(b, c), new Map()))
    defaultsCache.set(t, d)
  }
  return d
}
