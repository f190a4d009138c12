/**
 * Distributed plans: what the router decides for one statement, as data.
 *
 *     single        the whole statement on one shard: a pinned partition, or any
 *                   shard for a read of reference tables only
 *     broadcast     the whole statement on every shard: unpinned UPDATE/DELETE (results
 *                   concatenated), writes of reference tables and DDL (one shard's result)
 *     split-insert  a multi-row INSERT cut into one INSERT per shard
 *     insert-select INSERT … SELECT (or VALUES reading a distributed table): the source
 *                   runs as a read plan, its rows come back as a VALUES INSERT's
 *                   parameters, routed again (insert-select.ts)
 *     scatter       a read on every shard whose results merge.ts combines
 *     pull          each table's filtered rows pulled to the coordinator, which runs
 *                   the statement over them (pull.ts: executePull)
 *     explain       EXPLAIN of a statement: print its plan (explain.ts)
 *     coordinator   not a shard statement: transaction control, settings, roles …
 *
 * Every plan carries `reason`, the sentence EXPLAIN prints. A pin on a parameter
 * (`WHERE id = $1`) is resolved to a shard at execute time (resolve.ts), so a plan of
 * a prepared statement can be cached and used with any parameters.
 */
import type { ShardId } from '../../common/ids.js'
import type { SqlType, SqlValue } from '../../engine/values/index.js'
import type { Expr, Statement } from '../../parser/index.js'
import type { Sequenced } from './distribution.js'

/** Where a pinned statement goes. */
export type Pin =
  | { readonly kind: 'value'; readonly value: SqlValue; readonly type: SqlType; readonly partition: number; readonly shard: ShardId }
  /** `$index` (1-based) pins the distribution column; its value's type is `type`. */
  | { readonly kind: 'param'; readonly index: number; readonly type: SqlType }

/**
 * The shards a scatter or broadcast reaches: all, or those of some pins (`d IN (1, 2, $1)`
 * over several shards: each shard holds only its own rows, so the others have nothing).
 */
export type Shards = { readonly kind: 'all' } | { readonly kind: 'pins'; readonly pins: readonly Pin[] }

/** A LIMIT or OFFSET count: a constant, a parameter, or none (LIMIT ALL / NULL). */
export type Count = { readonly kind: 'none' } | { readonly kind: 'constant'; readonly value: bigint } | { readonly kind: 'param'; readonly index: number }

/**
 * A sort key: a column of the result row (negative: from its end, -1 the last, for
 * hidden keys after a `*` whose width the router does not know). PostgreSQL's
 * defaults are ASC NULLS LAST, DESC NULLS FIRST.
 */
export type SortKey = { readonly column: number; readonly descending: boolean; readonly nullsFirst: boolean }

/** A re-aggregated column's partial results in the shard rows (`avg` takes a sum and a count). */
export type PartialAggregate =
  | { readonly fn: 'count' | 'sum' | 'min' | 'max'; readonly column: number }
  | { readonly fn: 'avg'; readonly sum: number; readonly count: number }

export type OutputColumn =
  /** A column of the shard rows as it is (a group key, or any column without aggregation). */
  | { readonly kind: 'column'; readonly column: number; readonly name: string }
  | { readonly kind: 'aggregate'; readonly aggregate: PartialAggregate; readonly name: string }

/**
 * How merge.ts combines the shards' rows into the statement's result:
 *
 *     rows of every shard ─► [group by groupKeys, combine partials] ─► [DISTINCT]
 *       ─► sort by `sort` ─► OFFSET / LIMIT ─► keep the first `visible` columns
 *
 * Without `aggregate`, a shard row is already a result row; with it, a result row
 * is made of `aggregate.output`. Either way sort keys index the result row, whose
 * last `hidden` columns are sort keys the statement does not return.
 */
export type MergeSpec = {
  readonly aggregate: { readonly groupKeys: readonly number[]; readonly output: readonly OutputColumn[] } | undefined
  readonly hidden: number
  readonly distinct: boolean
  readonly sort: readonly SortKey[]
  readonly limit: Count
  readonly offset: Count
}

/**
 * The rows one table contributes to a pull plan: its own conditions pushed to the
 * shards. `params`: the statement's parameters the SQL uses, by original number
 * ($1 of `sql` is the statement's `$params[0]`).
 */
export type PullInput = { readonly table: string; readonly alias: string; readonly sql: string; readonly params: readonly number[]; readonly shards: 'all' | 'any' }

export type DistributedPlan =
  | { readonly kind: 'single'; readonly sql: string; readonly target: { readonly kind: 'pin'; readonly pin: Pin } | { readonly kind: 'any' }; readonly write: boolean; readonly reason: string }
  /** `result`: 'concat' adds up the shards' rows and counts (distributed tables); 'one' takes one shard's (every shard does the same: reference tables, DDL). */
  | { readonly kind: 'broadcast'; readonly sql: string; readonly target: Shards; readonly write: boolean; readonly result: 'concat' | 'one'; readonly reason: string }
  | { readonly kind: 'split-insert'; readonly statement: Statement & { readonly kind: 'insert' }; readonly rows: readonly { readonly pin: Pin; readonly values: readonly Expr[] }[]; readonly reason: string }
  /** `source` undefined: DEFAULT VALUES (one row of nothing); `fill`: columns whose values the sequences' shard gives, before the source's. */
  | { readonly kind: 'insert-select'; readonly statement: Statement & { readonly kind: 'insert' }; readonly source: DistributedPlan | undefined; readonly fill: readonly Sequenced[]; readonly reason: string }
  | { readonly kind: 'scatter'; readonly sql: string; readonly target: Shards; readonly merge: MergeSpec; readonly reason: string }
  | { readonly kind: 'pull'; readonly inputs: readonly PullInput[]; readonly sql: string; readonly reason: string }
  | { readonly kind: 'explain'; readonly analyze: boolean; readonly plan: DistributedPlan; readonly reason: string }
  | { readonly kind: 'coordinator'; readonly reason: string }

export type DistributedPlanKind = DistributedPlan['kind']

/** One statement for one shard, ready to send: its SQL text and parameters. */
export type ShardStatement = { readonly shard: ShardId; readonly sql: string; readonly params: readonly unknown[] }
