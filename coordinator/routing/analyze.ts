/**
 * What the router needs to know of a statement's FROM and WHERE: which tables it
 * reads and how they are distributed, whether its distributed tables are joined on
 * their distribution columns (co-located), and whether a condition pins the
 * distribution column to one value.
 *
 * Only top-level AND conjuncts count, of WHERE and of inner joins' ON (an outer
 * join's ON cannot pin its preserved side, but its equalities still co-locate). A
 * column is resolved as PostgreSQL would: qualified by its table's alias or name, or
 * unqualified when exactly one table of the catalog has it. Items the catalog does
 * not know (system views, functions, subqueries over reference tables, CTE names) give
 * the same rows on every shard, like reference tables.
 */
import type { Expr, FromItem, Query, Statement } from '../../parser/index.js'
import { deparseExpr } from '../../parser/index.js'
import { parseValue, type SqlType, type SqlValue } from '../../engine/values/index.js'
import { resolveType } from '../../engine/bind/coerce.js'
import { coLocated, type DistributionCatalog, type TableDistribution } from './distribution.js'
import { someNode, tableItems } from './ast-walk.js'
import { hashClass, partitionOf } from './hash.js'
import type { Pin } from './plan.js'

export type TableRef = { readonly ref: string; readonly name: string; readonly dist: TableDistribution | undefined }

export type FromAnalysis = {
  readonly refs: readonly TableRef[]
  /** Conjuncts that restrict every result row: WHERE's and inner joins' ON. */
  readonly pinning: readonly Expr[]
  /** Every join and WHERE conjunct (for co-location). */
  readonly all: readonly Expr[]
  /** Why the FROM cannot run on shards as it is, if it cannot. */
  readonly problem: string | undefined
}

/** The top-level AND conjuncts of a condition. */
export function conjuncts(e: Expr | undefined): Expr[] {
  if (e === undefined) return []
  return e.kind === 'and' ? [...conjuncts(e.left), ...conjuncts(e.right)] : [e]
}

/** Whether any part of an AST node reads a distributed table. */
export function readsDistributed(node: unknown, catalog: DistributionCatalog): boolean {
  return tableItems(node).some((t) => (t.schema === undefined || t.schema === 'public') && catalog.tables.get(t.name)?.kind === 'distributed')
}

/** Whether an expression holds a subquery (of any kind). */
export function hasSubquery(node: unknown): boolean {
  return someNode(node, (n) => n['kind'] === 'query')
}

export function analyzeFrom(from: readonly FromItem[], where: Expr | undefined, catalog: DistributionCatalog): FromAnalysis {
  const refs: TableRef[] = []
  const pinning: Expr[] = [...conjuncts(where)]
  const all: Expr[] = [...pinning]
  let problem: string | undefined
  const hasDistributed = (f: FromItem): boolean => readsDistributed(f, catalog)
  const walk = (f: FromItem, inner: boolean): void => {
    switch (f.kind) {
      case 'table': {
        const dist = f.schema === undefined || f.schema === 'public' ? catalog.tables.get(f.name) : undefined
        refs.push({ ref: f.alias?.name ?? f.name, name: f.name, dist })
        return
      }
      case 'subquery':
        if (readsDistributed(f.query, catalog)) problem ??= 'a subquery in FROM reads a distributed table'
        refs.push({ ref: f.alias?.name ?? '', name: '', dist: undefined })
        return
      case 'function':
        refs.push({ ref: f.alias?.name ?? '', name: '', dist: undefined })
        return
      case 'join': {
        const l = hasDistributed(f.left)
        const r = hasDistributed(f.right)
        if (f.natural && (l || r)) problem ??= 'NATURAL JOIN of a distributed table'
        if ((f.type === 'left' && !l && r) || (f.type === 'right' && l && !r) || (f.type === 'full' && (l || r) && !(l && r))) {
          problem ??= `the preserved side of a ${f.type.toUpperCase()} JOIN holds no distributed table, so every shard would return its rows`
        }
        walk(f.left, inner)
        const before = refs.length
        walk(f.right, inner)
        const onInner = inner && (f.type === 'inner' || f.type === 'cross')
        const conds = conjuncts(f.on)
        if (f.using !== undefined) {
          // USING (c): the right side's c equals the left side's c.
          const left = refs.slice(0, before)
          const right = refs.slice(before)
          for (const c of f.using) {
            const a = left.find((t) => t.dist?.columns.some((x) => x.name === c))
            const b = right.find((t) => t.dist?.columns.some((x) => x.name === c))
            if (a !== undefined && b !== undefined) {
              conds.push({ kind: 'binary', op: '=', left: { kind: 'column', table: a.ref, name: c, position: 0 }, right: { kind: 'column', table: b.ref, name: c, position: 0 }, position: 0 })
            }
          }
        }
        all.push(...conds)
        if (onInner) pinning.push(...conds)
        return
      }
    }
  }
  for (const f of from) walk(f, true)
  return { refs, pinning, all, problem }
}

/** The table a column reference names, and whether it is that table's distribution column. */
export function resolveColumn(e: Expr, refs: readonly TableRef[]): { readonly ref: TableRef; readonly isDistribution: boolean } | undefined {
  if (e.kind !== 'column') return undefined
  const candidates = e.table !== undefined
    ? refs.filter((r) => r.ref === e.table)
    : refs.filter((r) => r.dist?.columns.some((c) => c.name === e.name))
  if (candidates.length !== 1) return undefined
  const ref = candidates[0]!
  return { ref, isDistribution: ref.dist?.kind === 'distributed' && ref.dist.column === e.name }
}

/**
 * The distributed tables' co-location classes: tables joined by equality of their
 * distribution columns (directly or through others) share a class. Returns the
 * classes as lists of refs.
 */
export function coLocationClasses(a: FromAnalysis): TableRef[][] {
  const distributed = a.refs.filter((r) => r.dist?.kind === 'distributed')
  const parent = new Map<TableRef, TableRef>(distributed.map((r) => [r, r]))
  const find = (r: TableRef): TableRef => (parent.get(r) === r ? r : find(parent.get(r)!))
  for (const c of a.all) {
    if (c.kind !== 'binary' || c.op !== '=') continue
    const l = resolveColumn(c.left, a.refs)
    const r = resolveColumn(c.right, a.refs)
    if (l?.isDistribution === true && r?.isDistribution === true && l.ref !== r.ref && coLocated(l.ref.dist!, r.ref.dist!)) parent.set(find(l.ref), find(r.ref))
  }
  const classes = new Map<TableRef, TableRef[]>()
  for (const r of distributed) classes.set(find(r), [...(classes.get(find(r)) ?? []), r])
  return [...classes.values()]
}

/** The SQL value of a constant written for a column of `type` (undefined: not a constant we can read). */
function constantValue(e: Expr, type: SqlType): { value: SqlValue; type: SqlType } | undefined {
  try {
    switch (e.kind) {
      case 'number': return { value: parseValue(type, e.text), type }
      case 'string': return { value: parseValue(type, e.value), type }
      case 'unary':
        return e.op === '-' && e.operand.kind === 'number' ? { value: parseValue(type, `-${e.operand.text}`), type } : undefined
      case 'typed-literal':
      case 'cast': {
        const t = resolveType(e.type)
        if (hashClass(t) !== hashClass(type)) return undefined
        const inner = e.kind === 'typed-literal' ? ({ kind: 'string', value: e.value, position: 0 } as const) : e.operand
        return inner.kind === 'param' ? undefined : constantValue(inner, t)
      }
      default: return undefined
    }
  } catch {
    return undefined // a malformed constant: the shard reports it
  }
}

/** `$n`, or `$n::type` / CAST($n AS type) with a type of the column's hash class. */
function paramOf(e: Expr, type: SqlType): Pin | undefined {
  if (e.kind === 'param') return { kind: 'param', index: e.index, type }
  if (e.kind === 'cast' && e.operand.kind === 'param') {
    const t = resolveType(e.type)
    if (hashClass(t) === hashClass(type)) return { kind: 'param', index: e.operand.index, type: t }
  }
  return undefined
}

export type FoundPin = { readonly pin: Pin; readonly text: string; readonly ref: TableRef }

/** Every value a pinning conjunct allows its distribution column: `d = v`, `v = d`, `d IN (v, …)`, each v a constant or parameter. */
export type FoundPins = { readonly pins: readonly Pin[]; readonly text: string; readonly ref: TableRef }

function pinsOf(c: Expr, refs: readonly TableRef[], catalog: DistributionCatalog): FoundPins | undefined {
  const pinTo = (col: Expr, values: readonly Expr[]): FoundPins | undefined => {
    const r = resolveColumn(col, refs)
    if (r?.isDistribution !== true || r.ref.dist?.kind !== 'distributed') return undefined
    const type = r.ref.dist.columnType
    const text = `${r.ref.ref}.${r.ref.dist.column} ${values.length === 1 ? `= ${deparseExpr(values[0]!)}` : `IN (${values.map(deparseExpr).join(', ')})`}`
    const pins: Pin[] = []
    for (const v of values) {
      const param = paramOf(v, type)
      if (param !== undefined) {
        pins.push(param)
        continue
      }
      const c = constantValue(v, type)
      if (c === undefined || c.value === null) return undefined
      const partition = partitionOf(c.type, c.value)
      pins.push({ kind: 'value', value: c.value, type: c.type, partition, shard: catalog.partitions.shards[partition]! })
    }
    return { pins, text, ref: r.ref }
  }
  if (c.kind === 'binary' && c.op === '=') return pinTo(c.left, [c.right]) ?? pinTo(c.right, [c.left])
  if (c.kind === 'in-list' && !c.not && c.list.length > 0) return pinTo(c.operand, c.list)
  return undefined
}

/** A conjunct's pins when they all reach one shard: one value or parameter, or constants of one shard. */
export function pinOf(c: Expr, refs: readonly TableRef[], catalog: DistributionCatalog): FoundPin | undefined {
  const p = pinsOf(c, refs, catalog)
  if (p === undefined) return undefined
  const first = p.pins[0]!
  if (p.pins.length === 1) return { pin: first, text: p.text, ref: p.ref }
  const oneShard = first.kind === 'value' && p.pins.every((x) => x.kind === 'value' && x.shard === first.shard)
  return oneShard ? { pin: first, text: p.text, ref: p.ref } : undefined
}

/** The first pin among the conjuncts on a table of `tables` (any pin of a co-location class pins the class). */
export function findPin(a: FromAnalysis, tables: readonly TableRef[], catalog: DistributionCatalog): FoundPin | undefined {
  for (const c of a.pinning) {
    const p = pinOf(c, a.refs, catalog)
    if (p !== undefined && tables.includes(p.ref)) return p
  }
  return undefined
}

/** The fewest pins among the conjuncts on a table of `tables`: the statement needs only their shards. */
export function findPins(a: FromAnalysis, tables: readonly TableRef[], catalog: DistributionCatalog): FoundPins | undefined {
  let best: FoundPins | undefined
  for (const c of a.pinning) {
    const p = pinsOf(c, a.refs, catalog)
    if (p !== undefined && tables.includes(p.ref) && (best === undefined || p.pins.length < best.pins.length)) best = p
  }
  return best
}

export type { Query, Statement }
