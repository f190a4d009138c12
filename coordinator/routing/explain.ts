/**
 * EXPLAIN of a distributed plan: which shards a statement touches and why.
 *
 *     Distributed Scatter (shards 0, 1, 2)
 *       Reason: scatter: no condition on t.id; merge: re-aggregate count, sum by 1 key …
 *       Shard Query: SELECT g AS __isola_group0, count(*) AS … FROM t GROUP BY g
 */
import type { ShardId } from '../../common/ids.js'
import { allShards, type PartitionMap } from './distribution.js'
import type { DistributedPlan, MergeSpec, Pin, Shards } from './plan.js'

/** The merge step in words (the tail of a scatter plan's reason). */
export function explainMerge(m: MergeSpec, groupedOnDistribution: boolean): string {
  const steps: string[] = []
  if (m.aggregate !== undefined) {
    const fns = m.aggregate.output.flatMap((o) => (o.kind === 'aggregate' ? [o.aggregate.fn] : []))
    steps.push(`re-aggregate ${fns.join(', ') || 'groups'}${m.aggregate.groupKeys.length > 0 ? ` by ${m.aggregate.groupKeys.length} key${m.aggregate.groupKeys.length > 1 ? 's' : ''}` : ''}`)
  } else if (groupedOnDistribution) steps.push('groups are whole on each shard (GROUP BY the distribution column)')
  else steps.push('concatenate')
  if (m.distinct) steps.push('DISTINCT')
  if (m.sort.length > 0) steps.push(`merge ORDER BY (${m.sort.length} key${m.sort.length > 1 ? 's' : ''})`)
  if (m.offset.kind !== 'none') steps.push('OFFSET')
  if (m.limit.kind !== 'none') steps.push(m.aggregate === undefined ? 'LIMIT (pushed down as limit + offset)' : 'LIMIT')
  return `merge: ${steps.join(', ')}`
}

const shardList = (s: readonly ShardId[]): string => `shard${s.length > 1 ? 's' : ''} ${s.join(', ')}`

function targetList(t: Shards, all: readonly ShardId[], shards: readonly ShardId[] | undefined): string {
  if (shards !== undefined) return shardList(shards)
  if (t.kind === 'all') return shardList(all)
  if (t.pins.every((p) => p.kind === 'value')) return shardList([...new Set(t.pins.map((p) => (p as Pin & { kind: 'value' }).shard))].sort((a, b) => a - b))
  return 'shards chosen at execute time'
}

/** EXPLAIN's lines for a plan; `shards` are the ones resolve.ts chose, when known. */
export function explainPlan(plan: DistributedPlan, map: PartitionMap, shards?: readonly ShardId[]): string[] {
  const all = allShards(map)
  switch (plan.kind) {
    case 'single': {
      const where = shards ?? (plan.target.kind === 'pin' && plan.target.pin.kind === 'value' ? [plan.target.pin.shard] : undefined)
      return [`Distributed Single (${where === undefined ? (plan.target.kind === 'any' ? 'any shard' : 'one shard, chosen at execute time') : shardList(where)})`, `  Reason: ${plan.reason}`]
    }
    case 'broadcast': return [`Distributed Broadcast (${targetList(plan.target, all, shards)})`, `  Reason: ${plan.reason}`]
    case 'split-insert': return [`Distributed Split Insert (${shards === undefined ? `${plan.rows.length} rows` : shardList(shards)})`, `  Reason: ${plan.reason}`]
    case 'scatter': return [`Distributed Scatter (${targetList(plan.target, all, shards)})`, `  Reason: ${plan.reason}`, `  Shard Query: ${plan.sql}`]
    case 'pull': return [
      'Distributed Pull (the coordinator runs the statement)', `  Reason: ${plan.reason}`,
      ...plan.inputs.map((i) => `  Pull ${i.alias} (${i.shards === 'all' ? shardList(all) : 'any shard'}): ${i.sql}`),
    ]
    case 'insert-select': return [
      'Distributed Insert … Select (the coordinator inserts the source\'s rows)', `  Reason: ${plan.reason}`,
      ...(plan.source === undefined ? [] : explainPlan(plan.source, map).map((l) => `  ${l}`)),
    ]
    case 'explain': return explainPlan(plan.plan, map, shards)
    case 'coordinator': return ['Coordinator', `  Reason: ${plan.reason}`]
  }
}
