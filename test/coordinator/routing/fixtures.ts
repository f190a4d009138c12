/** A small distributed schema shared by the routing tests. */
import { parse } from '../../../parser/index.js'
import { catalogOf, distributionOf, uniformPartitionMap, type DistributionCatalog } from '../../../coordinator/routing/index.js'

export const SCHEMA = [
  'CREATE TABLE t (id int PRIMARY KEY, g int, v int, s text)',
  'CREATE TABLE u (tid int, id int, w int, PRIMARY KEY (tid, id)) DISTRIBUTED BY (tid)',
  'CREATE TABLE o (id bigint PRIMARY KEY, x numeric)',
  'CREATE TABLE n (k numeric PRIMARY KEY, y int)',
  'CREATE TABLE r (k int PRIMARY KEY, name text) DISTRIBUTED REPLICATED',
]

export function schemaCatalog(shards: number, schema: readonly string[] = SCHEMA): DistributionCatalog {
  return catalogOf(uniformPartitionMap(shards), schema.map((sql) => {
    const [s] = parse(sql)
    if (s?.kind !== 'create-table') throw new Error(sql)
    return distributionOf(s)
  }))
}
