/**
 * The routing metadata of a coordinator whose shards are in other processes: what
 * `ClusterMetadata.fromShard` reads from a local shard's catalog, read over the wire
 * from a remote one (`isola coordinator`). Every shard has every table with the
 * DISTRIBUTED clause it was created with; the shard's `isola_distribution` view
 * says which column (or REPLICATED) each table has, pg_attribute the columns and
 * their types, pg_attrdef the defaults that take a sequence's next value.
 */
import { typeOfOid, T } from '../engine/index.js'
import { ClusterMetadata, NEXTVAL } from './cluster-session.js'
import type { Sequenced, TableDistribution } from './routing/index.js'
import type { WireConnection } from './wire-client.js'

const QUERY = `SELECT d.relname, d.kind, d.attnum, a.attname, a.atttypid, a.atttypmod, a.attnum, pg_get_expr(ad.adbin, ad.adrelid)
  FROM isola_distribution d JOIN pg_attribute a ON a.attrelid = d.relid
  LEFT JOIN pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum
  WHERE a.attnum > 0 AND NOT a.attisdropped
  ORDER BY d.relname, a.attnum`

export async function metadataFromRemoteShard(conn: WireConnection, shards: number): Promise<ClusterMetadata> {
  const [r] = await conn.query(QUERY)
  const byTable = new Map<string, { kind: string; attnum: number | null; columns: { name: string; type: ReturnType<typeof typeOfOid> & object; attnum: number }[]; sequenced: Sequenced[] }>()
  for (const row of r!.rows) {
    const [relname, kind, distAttnum, attname, typid, typmod, attnum, dflt] = row as [string, string, number | null, string, number, number, number, string | null]
    let t = byTable.get(relname)
    if (t === undefined) byTable.set(relname, (t = { kind, attnum: distAttnum === null ? null : Number(distAttnum), columns: [], sequenced: [] }))
    t.columns.push({ name: attname, type: typeOfOid(Number(typid), Number(typmod)) ?? T.text, attnum: Number(attnum) })
    if (dflt !== null && NEXTVAL.test(dflt)) t.sequenced.push({ column: attname, nextval: dflt })
  }
  const tables: TableDistribution[] = []
  for (const [name, t] of byTable) {
    const columns = t.columns.map((c) => ({ name: c.name, type: c.type }))
    const sequenced = t.sequenced.length > 0 ? { sequenced: t.sequenced } : {}
    if (t.kind === 'replicated') {
      tables.push({ kind: 'reference', name, columns, ...sequenced })
      continue
    }
    const column = t.columns.find((c) => c.attnum === t.attnum)
    if (column !== undefined) tables.push({ kind: 'distributed', name, columns, column: column.name, columnType: column.type, ...sequenced })
  }
  return new ClusterMetadata(shards, tables)
}
