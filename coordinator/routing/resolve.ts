/**
 * From a plan to the statements to send: which shard gets which SQL with which
 * parameters, for one execution. Parameter pins are resolved here (the parameter's
 * value, converted to the distribution column's type as the engine converts a
 * parameter, hashed as hash.ts says); a split INSERT is cut here into one INSERT per
 * shard, its parameters renumbered $1‥$k in each part.
 */
import { dbError } from '../../common/errors.js'
import { asShardId, type ShardId } from '../../common/ids.js'
import { fromJs } from '../../engine/js-values.js'
import { deparseInsert, type Expr, type Statement } from '../../parser/index.js'
import { renumberParams } from './ast-walk.js'
import { allShards, type PartitionMap } from './distribution.js'
import { partitionOf } from './hash.js'
import type { DistributedPlan, Pin, ShardStatement, Shards } from './plan.js'

/** The partition and shard of a pin, given the execution's parameters. */
export function resolvePin(pin: Pin, map: PartitionMap, params: readonly unknown[]): { readonly partition: number; readonly shard: ShardId } {
  if (pin.kind === 'value') return { partition: pin.partition, shard: map.shards[pin.partition]! }
  if (pin.index > params.length) throw dbError('undefined_parameter', `there is no parameter $${pin.index}`)
  const partition = partitionOf(pin.type, fromJs(params[pin.index - 1], pin.type))
  return { partition, shard: map.shards[partition]! }
}

/** The shards a target reaches, ascending. */
export function shardsOf(target: Shards, map: PartitionMap, params: readonly unknown[]): ShardId[] {
  if (target.kind === 'all') return [...allShards(map)]
  return [...new Set(target.pins.map((p) => resolvePin(p, map, params).shard))].sort((a, b) => a - b)
}

/**
 * The statements of one execution of `plan`. `anyShard` is the shard a read of
 * reference tables goes to (the caller may spread such reads). A pull plan has no
 * statement of its own to send: executePull (pull.ts) fetches its inputs.
 */
export function shardStatements(plan: DistributedPlan, map: PartitionMap, params: readonly unknown[], anyShard: ShardId = asShardId(0)): ShardStatement[] {
  switch (plan.kind) {
    case 'single':
      return [{ shard: plan.target.kind === 'any' ? anyShard : resolvePin(plan.target.pin, map, params).shard, sql: plan.sql, params }]
    case 'broadcast':
    case 'scatter':
      return shardsOf(plan.target, map, params).map((shard) => ({ shard, sql: plan.sql, params }))
    case 'split-insert': {
      const byShard = new Map<ShardId, (readonly Expr[])[]>()
      for (const row of plan.rows) {
        const { shard } = resolvePin(row.pin, map, params)
        byShard.set(shard, [...(byShard.get(shard) ?? []), row.values])
      }
      return [...byShard].sort(([a], [b]) => a - b).map(([shard, rows]) => splitPart(plan.statement, rows, shard, params))
    }
    case 'insert-select':
      // Its source runs first; its rows are inserted by executeInsertSelect (insert-select.ts).
    case 'pull':
      // Its inputs are fetched and the statement run by executePull (pull.ts).
      throw dbError('feature_not_supported', `a pull plan runs at the coordinator (executePull), not as shard statements (${plan.reason})`)
    case 'explain':
    case 'coordinator':
      return []
  }
}

function splitPart(s: Statement & { kind: 'insert' }, rows: readonly (readonly Expr[])[], shard: ShardId, params: readonly unknown[]): ShardStatement {
  if (s.source === 'default-values') throw new Error('a split INSERT has VALUES')
  const part: Statement & { kind: 'insert' } = { ...s, source: { ...s.source, body: { kind: 'values', rows, position: 0 } } }
  const { node, used } = ownParams(part)
  return { shard, sql: deparseInsert(node), params: used.map((n) => params[n - 1]) }
}

/** The node with the parameters it uses numbered 1‥k in order of first use, and their original numbers. */
export function ownParams<T>(node: T): { readonly node: T; readonly used: readonly number[] } {
  const used = new Map<number, number>()
  const renamed = renumberParams(node, (n) => {
    if (!used.has(n)) used.set(n, used.size + 1)
    return used.get(n)!
  })
  return { node: renamed, used: [...used.keys()] }
}
