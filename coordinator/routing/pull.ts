/**
 * Pull plans: a read the shards cannot answer piecewise (a join not on the
 * distribution columns, a subquery or set operation over distributed tables, an
 * aggregate scatter cannot combine) runs at the coordinator over the rows of the
 * tables it reads.
 *
 *     SELECT … FROM t JOIN u ON t.v = u.w WHERE t.g = 1
 *       ─► every shard: SELECT * FROM t WHERE (t.g = 1)      (t's own conditions)
 *       ─► every shard: SELECT * FROM u
 *       ─► coordinator: the statement as written, over scratch tables t and u
 *
 * A table read once, in the top-level FROM, takes along the WHERE / inner-join
 * conjuncts that name only its columns; a table read more than once or inside a
 * subquery is pulled whole. A reference table is pulled from any one shard.
 *
 * `executePull` runs the statement in a scratch in-memory engine: one table per
 * input, named as in the statement, with the pulled columns' types and no
 * constraints, filled from the rows' text forms (lossless: each type's input
 * function reads what its output function wrote). It is simple and correct rather
 * than fast: every pulled row crosses the network and is stored again, and nothing
 * is locked on the shards (FOR UPDATE in a pulled statement does not lock).
 */
import { open } from '../../engine/index.js'
import type { StatementResult } from '../../engine/results.js'
import { formatValue, type SqlType } from '../../engine/values/index.js'
import { deparseExpr, quoteIdent, quoteLiteral, type Query } from '../../parser/index.js'
import { analyzeFrom, hasSubquery, resolveColumn, type TableRef } from './analyze.js'
import { columnRefs, tableItems } from './ast-walk.js'
import type { DistributionCatalog } from './distribution.js'
import type { DistributedPlan, PullInput } from './plan.js'
import { ownParams } from './resolve.js'

export function pullPlan(q: Query, sql: string, catalog: DistributionCatalog, why: string): DistributedPlan & { kind: 'pull' } {
  const a = q.body.kind === 'select' ? analyzeFrom(q.body.from, q.body.where, catalog) : undefined
  const inputs: PullInput[] = []
  const uses = new Map<string, number>()
  for (const t of tableItems(q)) {
    if ((t.schema === undefined || t.schema === 'public') && catalog.tables.has(t.name)) uses.set(t.name, (uses.get(t.name) ?? 0) + 1)
  }
  for (const [name, count] of uses) {
    const ref: TableRef | undefined = count === 1 ? a?.refs.find((r) => r.name === name) : undefined
    const own = ref === undefined || a === undefined ? [] : a.pinning.filter((c) => !hasSubquery(c) && columnRefs(c).every((col) => resolveColumn(col, a.refs)?.ref === ref))
    const alias = ref === undefined || ref.ref === name ? '' : ` AS ${quoteIdent(ref.ref)}`
    const { node: conds, used } = ownParams(own)
    const where = conds.length === 0 ? '' : ` WHERE ${conds.map(deparseExpr).join(' AND ')}`
    inputs.push({ table: name, alias: ref?.ref ?? name, sql: `SELECT * FROM ${quoteIdent(name)}${alias}${where}`, params: used, shards: catalog.tables.get(name)!.kind === 'distributed' ? 'all' : 'any' })
  }
  return { kind: 'pull', inputs, sql, reason: `pull: ${why}; each table's rows are pulled to the coordinator, which runs the statement over them` }
}

/** A column type as CREATE TABLE spells it (the modifiers that change values: char(n)). */
function typeSql(t: SqlType): string {
  switch (t.kind) {
    case 'bpchar': return t.length === undefined ? 'bpchar' : `char(${t.length})`
    case 'array': return `${typeSql(t.element)}[]`
    default: return t.kind
  }
}

/**
 * Runs a pull plan: `fetch` returns the results of one input's SQL, with the
 * parameters given, on the shards it names (every shard, or any one); the statement
 * then runs over them at the coordinator with the statement's parameters.
 */
export async function executePull(
  plan: DistributedPlan & { kind: 'pull' },
  fetch: (input: PullInput, params: readonly unknown[]) => Promise<readonly StatementResult[]>,
  params: readonly unknown[] = [],
): Promise<StatementResult> {
  const pulled = await Promise.all(plan.inputs.map(async (i) => ({ input: i, results: await fetch(i, i.params.map((n) => params[n - 1])) })))
  const db = await open({ memory: true })
  const s = db.session()
  try {
    for (const { input, results } of pulled) {
      const columns = results[0]?.columns ?? []
      await s.execute(`CREATE TABLE ${quoteIdent(input.table)} (${columns.map((c) => `${quoteIdent(c.name)} ${typeSql(c.type)}`).join(', ')})`)
      const rows = results.flatMap((r) => r.rows)
      for (let i = 0; i < rows.length; i += 500) {
        const values = rows.slice(i, i + 500).map((row) => `(${row.map((v, k) => {
          const text = formatValue(columns[k]!.type, v)
          return text === null ? 'NULL' : quoteLiteral(text)
        }).join(', ')})`)
        await s.execute(`INSERT INTO ${quoteIdent(input.table)} VALUES ${values.join(', ')}`)
      }
    }
    const [out] = await s.execute(plan.sql, params)
    return out!
  } finally {
    await s.close()
    await db.close()
  }
}
