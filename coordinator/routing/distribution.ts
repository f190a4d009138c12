/**
 * Distribution metadata: which tables are hash-partitioned on which column, which
 * are reference tables copied to every shard, and which shard holds each virtual
 * partition.
 *
 *     row ──hash(distribution value)──► partition 0‥63 ──partition map──► shard
 *
 * A distributed table is split on one column (by default the first primary-key
 * column) into PARTITION_COUNT virtual partitions (hash.ts). The partition map sends
 * each partition to a shard; moving a partition changes one entry and the rows of one
 * partition, never the hash of a row. All distributed tables share the cluster's one
 * map, so two tables whose distribution columns hash alike (same hash class) keep
 * equal values on the same shard: they are *co-located* and join there.
 *
 * The syntax is Greenplum's clause of CREATE TABLE (parser: `distribution`):
 *
 *     CREATE TABLE t (…) DISTRIBUTED BY (col)     hash-partitioned on col
 *     CREATE TABLE t (…) DISTRIBUTED REPLICATED   a reference table
 *     CREATE TABLE t (…)                          DISTRIBUTED BY (first primary-key column)
 *
 * Decisions (`distributionOf`): a table with neither a clause nor a primary key is
 * refused (0A000) rather than distributed on a guess (Greenplum takes the first
 * column; Citus asks for the column); one distribution column only; every PRIMARY
 * KEY and UNIQUE constraint of a distributed table must include the distribution
 * column, because each shard enforces uniqueness over its own rows only (Citus's
 * rule); array columns cannot be distribution columns.
 */
import { dbError } from '../../common/errors.js'
import { asShardId, type ShardId } from '../../common/ids.js'
import { resolveType } from '../../engine/bind/coerce.js'
import type { SqlType } from '../../engine/values/index.js'
import { deparseExpr, quoteLiteral, type ColumnDef, type Statement } from '../../parser/index.js'
import { T } from '../../engine/values/index.js'
import { hashClass, PARTITION_COUNT } from './hash.js'

export type ColumnInfo = { readonly name: string; readonly type: SqlType }

/**
 * A column whose default takes a sequence's next value (serial, identity, DEFAULT
 * nextval(…)): `nextval` is that default's SQL. Sequences live on every shard, but
 * the coordinator takes their values from one, shard 0 (where reads of no
 * distributed table go), so that ids are unique across the cluster and a reference
 * table's copies agree: an INSERT that leaves such a column out gets its values
 * from there (insert-select.ts), never from the shard that stores the row.
 */
export type Sequenced = { readonly column: string; readonly nextval: string }

export type TableDistribution =
  | { readonly kind: 'distributed'; readonly name: string; readonly columns: readonly ColumnInfo[]; readonly column: string; readonly columnType: SqlType; readonly sequenced?: readonly Sequenced[] }
  | { readonly kind: 'reference'; readonly name: string; readonly columns: readonly ColumnInfo[]; readonly sequenced?: readonly Sequenced[] }

const SERIAL_TYPES: Readonly<Record<string, SqlType>> = { serial: T.int4, bigserial: T.int8, smallserial: T.int2 }

/** A column definition's type (a serial is its integer type) and its sequence default, if any. */
export function columnOf(table: string, def: ColumnDef): { readonly info: ColumnInfo; readonly sequenced: Sequenced | undefined } {
  const serial = def.type.array === true ? undefined : SERIAL_TYPES[def.type.name]
  const info = { name: def.name, type: serial ?? resolveType(def.type, def.position) }
  const owned = serial !== undefined || def.constraints.some((c) => c.kind === 'identity')
  const dflt = def.constraints.find((c) => c.kind === 'default')
  // PostgreSQL's name for the owned sequence (the engine adds a suffix if it is taken: ClusterMetadata.fromShard then reads the real one).
  if (owned) return { info, sequenced: { column: def.name, nextval: `nextval(${quoteLiteral(`${table}_${def.name}_seq`)})` } }
  if (dflt?.kind === 'default' && /\bnextval\s*\(/i.test(deparseExpr(dflt.expr))) return { info, sequenced: { column: def.name, nextval: deparseExpr(dflt.expr) } }
  return { info, sequenced: undefined }
}

/** Which shard holds each virtual partition (index = partition). */
export type PartitionMap = { readonly shardCount: number; readonly shards: readonly ShardId[] }

/** What the router knows of the cluster. */
export interface DistributionCatalog {
  readonly partitions: PartitionMap
  readonly tables: ReadonlyMap<string, TableDistribution>
}

/** Partitions dealt round-robin: partition p on shard p mod n. */
export function uniformPartitionMap(shardCount: number): PartitionMap {
  if (!Number.isInteger(shardCount) || shardCount < 1 || shardCount > PARTITION_COUNT) throw new Error(`shard count ${shardCount} not in 1‥${PARTITION_COUNT}`)
  return { shardCount, shards: Array.from({ length: PARTITION_COUNT }, (_, p) => asShardId(p % shardCount)) }
}

/** The map with one partition moved (the rows must move with it: not the router's job). */
export function movePartition(map: PartitionMap, partition: number, to: ShardId): PartitionMap {
  if (!Number.isInteger(partition) || partition < 0 || partition >= PARTITION_COUNT) throw new Error(`no partition ${partition}`)
  if (to < 0 || to >= map.shardCount) throw new Error(`no shard ${to}`)
  return { shardCount: map.shardCount, shards: map.shards.map((s, p) => (p === partition ? to : s)) }
}

export function allShards(map: PartitionMap): readonly ShardId[] {
  return Array.from({ length: map.shardCount }, (_, i) => asShardId(i))
}

export function catalogOf(partitions: PartitionMap, tables: readonly TableDistribution[] = []): DistributionCatalog {
  return { partitions, tables: new Map(tables.map((t) => [t.name, t])) }
}

export function withTable(c: DistributionCatalog, t: TableDistribution): DistributionCatalog {
  return { partitions: c.partitions, tables: new Map([...c.tables, [t.name, t]]) }
}

export function withoutTables(c: DistributionCatalog, names: readonly string[]): DistributionCatalog {
  const tables = new Map(c.tables)
  for (const n of names) tables.delete(n)
  return { partitions: c.partitions, tables }
}

/** Two distributed tables are co-located when equal distribution values hash alike. */
export function coLocated(a: TableDistribution, b: TableDistribution): boolean {
  return a.kind === 'distributed' && b.kind === 'distributed' && hashClass(a.columnType) === hashClass(b.columnType)
}

/** The distribution a CREATE TABLE declares (see the module doc for the rules). */
export function distributionOf(s: Statement & { kind: 'create-table' }): TableDistribution {
  const defs = s.columns.map((c) => columnOf(s.name, c))
  const columns = defs.map((d) => d.info)
  const seq = defs.flatMap((d) => (d.sequenced === undefined ? [] : [d.sequenced]))
  const sequenced = seq.length > 0 ? { sequenced: seq } : {}
  if (s.distribution?.kind === 'replicated') return { kind: 'reference', name: s.name, columns, ...sequenced }
  const keys: { kind: 'primary key' | 'unique'; columns: readonly string[] }[] = []
  for (const c of s.columns) {
    for (const k of c.constraints) {
      if (k.kind === 'primary-key') keys.push({ kind: 'primary key', columns: [c.name] })
      if (k.kind === 'unique') keys.push({ kind: 'unique', columns: [c.name] })
    }
  }
  for (const k of s.constraints) if (k.kind === 'primary-key' || k.kind === 'unique') keys.push({ kind: k.kind === 'unique' ? 'unique' : 'primary key', columns: k.columns })
  const pk = keys.find((k) => k.kind === 'primary key')
  let column: string
  if (s.distribution !== undefined) {
    if (s.distribution.columns.length !== 1) {
      throw dbError('feature_not_supported', 'a table can be distributed by one column only', { position: s.distribution.position })
    }
    column = s.distribution.columns[0]!
  } else if (pk !== undefined) {
    column = pk.columns[0]!
  } else {
    throw dbError('feature_not_supported', `table "${s.name}" has no primary key to distribute it by`, {
      position: s.position,
      hint: 'Add a primary key, DISTRIBUTED BY (column), or DISTRIBUTED REPLICATED.',
    })
  }
  const col = columns.find((c) => c.name === column)
  if (col === undefined) throw dbError('undefined_column', `column "${column}" named in DISTRIBUTED BY does not exist`, { position: s.distribution?.position ?? s.position })
  if (hashClass(col.type) === undefined) throw dbError('feature_not_supported', `column "${column}" of type ${col.type.kind} cannot be a distribution column`)
  for (const k of keys) {
    if (!k.columns.includes(column)) {
      throw dbError('feature_not_supported', `cannot create constraint on "${s.name}"`, {
        detail: `A ${k.kind.toUpperCase()} constraint of a distributed table must include its distribution column "${column}": each shard checks its own rows only.`,
      })
    }
  }
  return { kind: 'distributed', name: s.name, columns, column, columnType: col.type, ...sequenced }
}
