/**
 * EXPLAIN: physical plans as PostgreSQL prints them (node names, `->` nesting,
 * Index Cond / Filter / Hash Cond / Sort Key lines), with the planner's row
 * estimate in place of PostgreSQL's cost, and with EXPLAIN ANALYZE the actual rows,
 * loops and time of every node.
 *
 *     Hash Join  (rows=120)
 *       Hash Cond: (o.customer = c.id)
 *       ->  Seq Scan on orders o  (rows=1000)
 *             Filter: (o.amount > 100)
 *       ->  Hash  (rows=50)
 *             ->  Index Scan using customers_pkey on customers c  (rows=50)
 *                   Index Cond: (c.id < 50)
 */
import { quoteLiteral } from '../../parser/index.js'
import type { NodeStats } from '../exec/context.js'
import { formatValue, type SqlType } from '../values/index.js'
import { children, conjuncts, type BExpr, type ColumnId } from './bound.js'
import type { PhysicalPlan, PlannedQuery } from './physical.js'
import { nodeExprs, planChildren } from './walk.js'

export interface ExplainOptions {
  readonly names: ReadonlyMap<ColumnId, string>
  readonly stats?: ReadonlyMap<PhysicalPlan, NodeStats> | undefined
}

const JOIN_NAMES = { inner: '', left: ' Left', right: ' Right', full: ' Full', semi: ' Semi', anti: ' Anti' } as const

export function explainPlan(q: PlannedQuery, opts: ExplainOptions): string[] {
  const lines: string[] = []
  const aliases = new Set<string>()
  const collect = (p: PhysicalPlan) => {
    if (p.kind === 'seq-scan' || p.kind === 'index-scan' || p.kind === 'virtual-scan' || p.kind === 'function-scan') aliases.add(p.alias)
    for (const c of planChildren(p)) collect(c)
  }
  collect(q.root)
  for (const sp of q.subplans.values()) collect(sp)
  const qualify = aliases.size > 1
  const name = (id: ColumnId) => {
    const n = opts.names.get(id) ?? `#${id}`
    return qualify ? n : n.slice(n.indexOf('.') + 1)
  }
  const subplanIds = new Map<number, number>()
  const expr = (e: BExpr): string => show(e, name, (id) => {
    if (!subplanIds.has(id)) subplanIds.set(id, subplanIds.size + 1)
    return subplanIds.get(id)!
  })
  node(q.root, 0, true)
  return lines

  function node(p: PhysicalPlan, depth: number, first: boolean): void {
    if (p.kind === 'project') return node(p.input, depth, first)
    const pad = depth === 0 ? '' : ' '.repeat(depth * 6 - 4) + '->  '
    const detail = ' '.repeat(depth === 0 ? 2 : depth * 6 + 2)
    const s = opts.stats?.get(p)
    const actual = s === undefined ? (opts.stats !== undefined ? ' (never executed)' : '') : ` (actual time=${s.time.toFixed(3)} rows=${Math.round(s.rows / Math.max(s.loops, 1))} loops=${s.loops})`
    lines.push(`${pad}${label(p)}  (rows=${p.estimate})${actual}`)
    void first
    for (const line of details(p)) lines.push(detail + line)
    for (const sub of subqueriesOf(p)) {
      lines.push(`${detail}SubPlan ${subplanIds.get(sub) ?? sub}`)
      const sp = q.subplans.get(sub)
      if (sp !== undefined) node(sp, depth + 1, false)
    }
    if (p.kind === 'hash-join') {
      node(p.left, depth + 1, false)
      const s2 = opts.stats?.get(p.right)
      lines.push(`${' '.repeat((depth + 1) * 6 - 4)}->  Hash  (rows=${p.right.estimate})${s2 === undefined ? '' : ` (actual rows=${s2.rows} loops=${s2.loops})`}`)
      node(p.right, depth + 2, false)
      return
    }
    for (const c of planChildren(p)) node(c, depth + 1, false)
  }

  function subqueriesOf(p: PhysicalPlan): number[] {
    const ids: number[] = []
    for (const e of nodeExprs(p)) visit(e)
    return ids
    function visit(e: BExpr): void {
      if (e.kind === 'subquery') {
        if (!ids.includes(e.sub.id)) ids.push(e.sub.id)
        if (e.sub.mode.kind === 'quantified') visit(e.sub.mode.left)
        return
      }
      children(e).forEach(visit)
    }
  }

  function label(p: PhysicalPlan): string {
    switch (p.kind) {
      case 'seq-scan': return `Seq Scan${p.reverse ? ' Backward' : ''} on ${rel(p.table.name, p.alias)}`
      case 'index-scan': return `Index Scan${p.reverse ? ' Backward' : ''} using ${p.index.name} on ${rel(p.table.name, p.alias)}`
      case 'virtual-scan': return `Seq Scan on ${rel(p.table.name, p.alias)}`
      case 'values': return 'Values Scan on "*VALUES*"'
      case 'function-scan': return `Function Scan on ${rel(p.fn.name, p.alias)}`
      case 'one-row': return 'Result'
      case 'filter': return 'Filter'
      case 'project': return 'Result'
      case 'nested-loop': return `Nested Loop${JOIN_NAMES[p.type]}${p.type === 'inner' ? '' : ' Join'}`
      case 'hash-join': return `Hash${JOIN_NAMES[p.type]} Join`
      case 'aggregate': return p.groups.length === 0 ? 'Aggregate' : 'HashAggregate'
      case 'distinct': return 'HashAggregate'
      case 'unique': return 'Unique'
      case 'sort': return 'Sort'
      case 'limit': return 'Limit'
      case 'set-op':
        if (p.op === 'union') return p.all ? 'Append' : 'HashSetOp Union'
        return `HashSetOp ${p.op === 'intersect' ? 'Intersect' : 'Except'}${p.all ? ' All' : ''}`
      case 'lock-rows': return 'LockRows'
      case 'recursive-union': return 'Recursive Union'
      case 'worktable-scan': return `WorkTable Scan on ${p.alias}`
    }
  }

  function details(p: PhysicalPlan): string[] {
    const out: string[] = []
    const filter = (f: BExpr | undefined, skip: readonly BExpr[] = [], what = 'Filter') => {
      const rest = conjuncts(f).filter((c) => !skip.includes(c))
      if (rest.length > 0) out.push(`${what}: ${rest.length === 1 ? expr(rest[0]!) : `(${rest.map(expr).join(' AND ')})`}`)
    }
    switch (p.kind) {
      case 'index-scan':
        if (p.access.conditions.length > 0) out.push(`Index Cond: ${p.access.conditions.length === 1 ? expr(p.access.conditions[0]!) : `(${p.access.conditions.map(expr).join(' AND ')})`}`)
        filter(p.filter, p.access.conditions)
        break
      case 'seq-scan':
      case 'virtual-scan':
      case 'function-scan':
        filter(p.filter)
        break
      case 'filter':
        filter(p.predicate)
        break
      case 'nested-loop':
        filter(p.condition, [], 'Join Filter')
        break
      case 'hash-join':
        out.push(`Hash Cond: ${p.leftKeys.length === 1 ? `(${expr(p.leftKeys[0]!)} = ${expr(p.rightKeys[0]!)})` : `(${p.leftKeys.map((k, i) => `(${expr(k)} = ${expr(p.rightKeys[i]!)})`).join(' AND ')})`}`)
        filter(p.residual, [], 'Join Filter')
        break
      case 'aggregate':
        if (p.groups.length > 0) out.push(`Group Key: ${p.groups.map((g) => expr(g.expr)).join(', ')}`)
        break
      case 'sort':
        out.push(`Sort Key: ${p.keys.map((k) => `${expr(k.expr)}${k.desc ? ' DESC' : ''}${k.nullsFirst !== k.desc ? (k.nullsFirst ? ' NULLS FIRST' : ' NULLS LAST') : ''}`).join(', ')}`)
        break
      default:
        break
    }
    return out
  }
}

const rel = (table: string, alias: string) => (alias === table ? table : `${table} ${alias}`)

function literal(type: SqlType, v: unknown): string {
  if (v === null) return 'NULL'
  const text = formatValue(type, v as never) ?? 'NULL'
  switch (type.kind) {
    case 'int2': case 'int4': case 'int8': case 'float8': case 'numeric':
      return text.startsWith('-') ? `'${text}'::${type.kind}` : text
    case 'bool':
      return text === 't' ? 'true' : 'false'
    case 'unknown':
      return quoteLiteral(text)
    default:
      return `${quoteLiteral(text)}::${type.kind}`
  }
}

/** A bound expression in PostgreSQL's EXPLAIN style: fully parenthesised, literals typed. */
export function show(e: BExpr, name: (id: ColumnId) => string, subplan: (id: number) => number): string {
  const s = (x: BExpr) => show(x, name, subplan)
  switch (e.kind) {
    case 'const': return literal(e.type, e.value)
    case 'param': return `$${e.index}`
    case 'column': return name(e.id)
    case 'op': return `(${s(e.left)} ${e.op.name} ${s(e.right)})`
    case 'negate': return `(- ${s(e.operand)})`
    case 'cast': return `(${s(e.operand)})::${e.type.kind}`
    case 'and': return `(${e.args.map(s).join(' AND ')})`
    case 'or': return `(${e.args.map(s).join(' OR ')})`
    case 'not': return `(NOT ${s(e.operand)})`
    case 'is-null': return `(${s(e.operand)} IS ${e.not ? 'NOT ' : ''}NULL)`
    case 'is-bool': return `(${s(e.operand)} IS ${e.not ? 'NOT ' : ''}${e.test.toUpperCase()})`
    case 'is-distinct': return `(${s(e.left)} IS ${e.not ? 'NOT ' : ''}DISTINCT FROM ${s(e.right)})`
    case 'like': return `(${s(e.operand)} ${e.not ? '!' : ''}~~${e.caseInsensitive ? '*' : ''} ${s(e.pattern)})`
    case 'in-list': return `(${s(e.operand)} ${e.not ? 'NOT IN' : 'IN'} (${e.list.map(s).join(', ')}))`
    case 'case': return `CASE${e.operand ? ` ${s(e.operand)}` : ''}${e.whens.map((w) => ` WHEN ${s(w.when)} THEN ${s(w.then)}`).join('')} ELSE ${s(e.else)} END`
    case 'coalesce': return `COALESCE(${e.args.map(s).join(', ')})`
    case 'nullif': return `NULLIF(${s(e.left)}, ${s(e.right)})`
    case 'minmax': return `${e.fn.toUpperCase()}(${e.args.map(s).join(', ')})`
    case 'call': return `${e.fn.name}(${e.args.map(s).join(', ')})`
    case 'aggregate': {
      const order = e.order.map((k) => `${s(k.expr)}${k.desc ? ' DESC' : ''}${k.nullsFirst !== k.desc ? (k.nullsFirst ? ' NULLS FIRST' : ' NULLS LAST') : ''}`)
      const filter = e.filter === undefined ? '' : ` FILTER (WHERE ${s(e.filter)})`
      return `${e.fn.name}(${e.distinct ? 'DISTINCT ' : ''}${e.fn.star ? '*' : e.args.map(s).join(', ')}${order.length > 0 ? ` ORDER BY ${order.join(', ')}` : ''})${filter}`
    }
    case 'subquery': {
      const n = subplan(e.sub.id)
      const m = e.sub.mode
      if (m.kind === 'scalar') return `(SubPlan ${n})`
      if (m.kind === 'exists' || m.kind === 'array') return `${m.kind === 'array' ? 'ARRAY' : ''}(SubPlan ${n})`
      return `(${s(m.left)} ${m.op.name} ${m.all ? 'ALL' : 'ANY'} (SubPlan ${n}))`
    }
  }
}
