/**
 * Access paths: how to read one table given the predicates that apply to it alone.
 *
 * Every index (the primary key counts as one: the table is clustered on it) is
 * matched against the predicates: equality on its leading key columns (an IN
 * list gives several alternatives), then a range on the next column. The best
 * match wins: a unique index fully pinned by equality returns at most one row per
 * alternative; otherwise more pinned columns, then a range, then the primary key
 * (no second lookup) break ties. With nothing usable the table is scanned in key
 * order. Predicates the access answers stay as a filter too, which keeps NULL and
 * cross-type comparisons exactly right, except comparisons of integer key columns:
 * their key ranges answer them exactly (exec/scan.ts clamps out-of-range bounds and
 * keeps NULLs out), and re-checking them cost a range scan a decoded column and a
 * comparison per row.
 *
 * Only comparisons between a bare column and a value of the same key family use an
 * index (integers with integers, text with text …); `col::text = '1'` or a float
 * compared with a numeric reads the table, as PostgreSQL would without a matching
 * operator class.
 */
import type { IndexInfo, TableInfo } from '../catalog/schema.js'
import type { SqlType } from '../values/index.js'
import { andAll, children as childrenOf, columnsOf, conjuncts, sameExpr, type BExpr, type ColumnId } from './bound.js'
import type { ScanColumns } from './logical.js'
import type { IndexAccess, PhysicalPlan } from './physical.js'

/** The planner's method switches (enable_seqscan, enable_indexscan, enable_hashjoin, enable_nestloop). */
export interface PlanMethods {
  readonly seqscan: boolean
  readonly indexscan: boolean
  readonly hashjoin: boolean
  readonly nestloop: boolean
}

export const ALL_METHODS: PlanMethods = { seqscan: true, indexscan: true, hashjoin: true, nestloop: true }

/** Default selectivities when ANALYZE has not run (PostgreSQL's DEFAULT_EQ_SEL and DEFAULT_INEQ_SEL). */
export const DEFAULT_EQ_SEL = 0.005
export const DEFAULT_RANGE_SEL = 1 / 3

const FAMILY: Record<SqlType['kind'], string> = {
  int2: 'int', int4: 'int', int8: 'int', float4: 'float4', float8: 'float8', numeric: 'numeric',
  text: 'text', varchar: 'text', bpchar: 'bpchar', bool: 'bool', date: 'date', timestamp: 'timestamp',
  timestamptz: 'timestamptz', bytea: 'bytea', unknown: 'unknown',
  oid: 'oid', regclass: 'oid', regtype: 'oid', regnamespace: 'oid', regproc: 'oid', array: 'unknown',
}

/** Can a value of type `v` be turned into a key of column type `c` without changing comparisons? */
export const keyCompatible = (c: SqlType, v: SqlType): boolean => FAMILY[c.kind] === FAMILY[v.kind] && FAMILY[c.kind] !== 'unknown'

/** Key column types whose comparisons a key range answers exactly (see the module doc). */
const INTEGER_KEYS: ReadonlySet<SqlType['kind']> = new Set(['int2', 'int4', 'int8'])

type Cmp = '=' | '<' | '<=' | '>' | '>='
const FLIP: Record<Cmp, Cmp> = { '=': '=', '<': '>', '<=': '>=', '>': '<', '>=': '<=' }

/** `column op value` where value does not read the scanned row; normalised so the column is on the left. */
interface ColumnCondition {
  readonly column: ColumnId
  readonly op: Cmp
  readonly value: BExpr
  readonly source: BExpr
}

export interface ScanInput extends ScanColumns {
  readonly table: TableInfo
  readonly alias: string
}

function columnConditions(preds: readonly BExpr[], own: ReadonlySet<ColumnId>, types: ReadonlyMap<ColumnId, SqlType>): { conds: ColumnCondition[]; lists: { column: ColumnId; values: readonly BExpr[]; source: BExpr }[] } {
  const conds: ColumnCondition[] = []
  const lists: { column: ColumnId; values: readonly BExpr[]; source: BExpr }[] = []
  const free = (e: BExpr) => ![...columnsOf(e)].some((id) => own.has(id)) && !hasVolatile(e)
  for (const p of preds) {
    if (p.kind === 'op' && ['=', '<', '<=', '>', '>='].includes(p.op.name)) {
      const op = p.op.name as Cmp
      if (p.left.kind === 'column' && own.has(p.left.id) && free(p.right) && keyCompatible(types.get(p.left.id)!, p.right.type)) {
        conds.push({ column: p.left.id, op, value: p.right, source: p })
      } else if (p.right.kind === 'column' && own.has(p.right.id) && free(p.left) && keyCompatible(types.get(p.right.id)!, p.left.type)) {
        conds.push({ column: p.right.id, op: FLIP[op], value: p.left, source: p })
      }
    } else if (p.kind === 'in-list' && !p.not && p.operand.kind === 'column' && own.has(p.operand.id)) {
      const col = p.operand.id
      if (p.list.every((v) => free(v) && keyCompatible(types.get(col)!, v.type)) && p.ops.every((o) => o.name === '=')) {
        lists.push({ column: col, values: p.list, source: p })
      }
    }
  }
  return { conds, lists }
}

function hasVolatile(e: BExpr): boolean {
  if (e.kind === 'call' && e.fn.volatility === 'volatile') return true
  if (e.kind === 'subquery') return true
  switch (e.kind) {
    case 'const': case 'param': case 'column': return false
    default: return childrenOf(e).some(hasVolatile)
  }
}

interface Candidate {
  readonly index: IndexInfo
  readonly access: IndexAccess
  /** The conditions the key ranges answer exactly (see the module doc): not filtered again. */
  readonly exact: readonly BExpr[]
  readonly eqColumns: number
  readonly hasRange: boolean
  readonly unique: boolean
  readonly alternatives: number
}

/** The key columns (as scan column ids) of an index whose keys are all plain columns, or undefined. */
export function indexColumns(scan: ScanInput, index: IndexInfo): ColumnId[] | undefined {
  const ids: ColumnId[] = []
  for (const k of index.keys) {
    if (k.attnum === undefined) return ids.length > 0 ? ids : undefined
    const c = scan.columns.find((x) => x.attnum === k.attnum)
    if (c === undefined) return ids.length > 0 ? ids : undefined
    ids.push(c.id)
  }
  return ids
}

function matchIndex(scan: ScanInput, index: IndexInfo, conds: ColumnCondition[], lists: ReturnType<typeof columnConditions>['lists']): Candidate | undefined {
  const cols = indexColumns(scan, index)
  if (cols === undefined) return undefined
  let prefixes: BExpr[][] = [[]]
  const used: BExpr[] = []
  const exact: BExpr[] = []
  const integer = (i: number) => INTEGER_KEYS.has(index.keys[i]!.type.kind)
  let eq = 0
  for (const col of cols) {
    const c = conds.find((x) => x.column === col && x.op === '=')
    if (c !== undefined) {
      prefixes = prefixes.map((p) => [...p, c.value])
      used.push(c.source)
      if (integer(eq)) exact.push(c.source)
      eq++
      continue
    }
    const list = lists.find((l) => l.column === col)
    if (list !== undefined && prefixes.length * list.values.length <= 1000) {
      prefixes = prefixes.flatMap((p) => list.values.map((v) => [...p, v]))
      used.push(list.source)
      if (integer(eq)) exact.push(list.source)
      eq++
      continue
    }
    break
  }
  let lower: IndexAccess['lower']
  let upper: IndexAccess['upper']
  const next = cols[eq]
  if (next !== undefined) {
    const desc = index.keys[eq]!.desc
    for (const c of conds.filter((x) => x.column === next && x.op !== '=')) {
      // A descending key column stores larger values first: its lower key bound is the value's upper bound.
      const isLower = (c.op === '>' || c.op === '>=') !== desc
      const bound = { expr: c.value, inclusive: c.op === '>=' || c.op === '<=' }
      if (isLower && lower === undefined) lower = bound
      else if (!isLower && upper === undefined) upper = bound
      else continue
      used.push(c.source)
      if (integer(eq)) exact.push(c.source)
    }
  }
  if (eq === 0 && lower === undefined && upper === undefined) return undefined
  return {
    index,
    access: { prefixes, lower, upper, conditions: used },
    exact,
    eqColumns: eq,
    hasRange: lower !== undefined || upper !== undefined,
    unique: index.unique && eq === cols.length && cols.length === index.keys.length,
    alternatives: prefixes.length,
  }
}

/**
 * Does the query imply a partial index's predicate? Only when each of the
 * predicate's conjuncts appears among the query's, literally (PostgreSQL also proves
 * ranges, `x > 5` implying `x > 0`; we do not).
 */
function implied(predicate: BExpr | undefined, preds: readonly BExpr[]): boolean {
  if (predicate === undefined) return false
  return conjuncts(predicate).every((c) => preds.some((p) => sameExpr(p, c)))
}

function better(a: Candidate, b: Candidate): boolean {
  if (a.unique !== b.unique) return a.unique
  if (a.eqColumns !== b.eqColumns) return a.eqColumns > b.eqColumns
  if (a.hasRange !== b.hasRange) return a.hasRange
  return a.index.primary && !b.index.primary
}

export interface TableEstimates {
  /** Rows in the table (ANALYZE, or the engine's running count). */
  readonly rows: number
  /** Distinct values of a column, if ANALYZE measured them. */
  distinct(attnum: number): number | undefined
}

/** Chooses the access path for a scan with its own predicates. */
export function chooseAccess(scan: ScanInput, preds: readonly BExpr[], est: TableEstimates, methods: PlanMethods = ALL_METHODS): PhysicalPlan & { kind: 'seq-scan' | 'index-scan' } {
  const own = new Set<ColumnId>(scan.columns.map((c) => c.id))
  const types = new Map<ColumnId, SqlType>(scan.columns.map((c) => [c.id, c.type]))
  const { conds, lists } = columnConditions(preds, own, types)
  let best: Candidate | undefined
  for (const index of methods.indexscan ? scan.table.indexes : []) {
    if (index.predicate !== undefined && !implied(scan.partial?.get(index.name), preds)) continue
    const c = matchIndex(scan, index, conds, lists)
    if (c !== undefined && (best === undefined || better(c, best))) best = c
  }
  const base = { table: scan.table, alias: scan.alias, columns: scan.columns, rowKey: scan.rowKey }
  const selectivity = preds.reduce((s, p) => s * predicateSelectivity(p, scan, est), 1)
  const estimate = Math.max(1, Math.round(est.rows * selectivity))
  if (best === undefined) {
    const filter = andAll(preds)
    // enable_seqscan = off: a whole-table scan of the primary key stands in, as PostgreSQL's full index scan.
    const pk = methods.seqscan ? undefined : scan.table.indexes.find((i) => i.primary)
    if (pk !== undefined) return { kind: 'index-scan', index: pk, access: { prefixes: [[]], lower: undefined, upper: undefined, conditions: [] }, reverse: false, ...base, filter, estimate }
    return { kind: 'seq-scan', reverse: false, ...base, filter, estimate }
  }
  const rows = best.unique ? best.alternatives : estimate
  const exact = best.exact
  const filter = andAll(preds.filter((p) => !exact.includes(p)))
  return { kind: 'index-scan', index: best.index, access: best.access, reverse: false, ...base, filter, estimate: Math.max(1, Math.min(rows, estimate)) }
}

/** A predicate's selectivity on a scan, from ANALYZE's distinct counts where it has them. */
export function predicateSelectivity(p: BExpr, scan: ScanInput, est: TableEstimates): number {
  const attnumOf = (e: BExpr) => (e.kind === 'column' ? scan.columns.find((c) => c.id === e.id)?.attnum : undefined)
  if (p.kind === 'op') {
    if (p.op.name === '=') {
      const attnum = attnumOf(p.left) ?? attnumOf(p.right)
      if (attnum !== undefined) {
        if (scan.table.primaryKey.length === 1 && scan.table.primaryKey[0] === attnum) return 1 / Math.max(est.rows, 1)
        const nd = est.distinct(attnum)
        if (nd !== undefined && nd > 0) return 1 / nd
      }
      return DEFAULT_EQ_SEL
    }
    if (['<', '<=', '>', '>='].includes(p.op.name)) return DEFAULT_RANGE_SEL
    if (p.op.name === '<>') return 1 - DEFAULT_EQ_SEL
  }
  if (p.kind === 'in-list') return Math.min(1, p.list.length * DEFAULT_EQ_SEL)
  if (p.kind === 'is-null') return p.not ? 0.99 : 0.01
  if (p.kind === 'and') return p.args.reduce((s, a) => s * predicateSelectivity(a, scan, est), 1)
  if (p.kind === 'or') return Math.min(1, p.args.reduce((s, a) => s + predicateSelectivity(a, scan, est), 0))
  if (p.kind === 'const') return p.value === true ? 1 : 0
  return 0.5
}
