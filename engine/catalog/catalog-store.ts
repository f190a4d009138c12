/**
 * The catalog on disk: one MVCC table of the transaction layer, so DDL is
 * transactional (it commits or rolls back with the transaction that ran it, and a
 * prepared transaction's DDL survives a restart with it).
 *
 *     key (key encoding)            value
 *     (1, oid)                      a relation as JSON (schema.ts)
 *     (2, name)                     the oid owning a relation or index name
 *     (3, oid)                      a sequence's reserved high-water mark  ┐ written by
 *     (4)                           the oid allocator's high-water mark    │ their own short
 *     (5, oid)                      ANALYZE statistics of a table          ┘ transactions
 *
 * Names are claimed with `modify`, which takes the name's row lock: two
 * transactions creating the same name serialise, and the second sees the first's
 * committed claim (42P07), as PostgreSQL's unique index on pg_class does. The last
 * three kinds are not transactional (sequences never roll back in PostgreSQL).
 */
import { dbError } from '../../common/errors.js'
import { encodeKey, type KeyColumn } from '../../common/key-encoding.js'
import type { TableId, Transaction, TxnDatabase } from '../../txn/index.js'
import type { Oid, Relation, TableStats } from './schema.js'

const KIND_OID: readonly KeyColumn[] = [{ type: { kind: 'int32' } }, { type: { kind: 'int64' } }]
const KIND_NAME: readonly KeyColumn[] = [{ type: { kind: 'int32' } }, { type: { kind: 'text' } }]
const KIND: readonly KeyColumn[] = [{ type: { kind: 'int32' } }]

const REL = 1
const NAME = 2
const SEQ = 3
const OIDS = 4
const STATS = 5

export const relKey = (oid: Oid): Uint8Array => encodeKey(KIND_OID, [REL, BigInt(oid)])
export const nameKey = (name: string): Uint8Array => encodeKey(KIND_NAME, [NAME, name])
export const seqKey = (oid: Oid): Uint8Array => encodeKey(KIND_OID, [SEQ, BigInt(oid)])
export const oidsKey = (): Uint8Array => encodeKey(KIND, [OIDS])
export const statsKey = (oid: Oid): Uint8Array => encodeKey(KIND_OID, [STATS, BigInt(oid)])
const kindRange = (kind: number) => ({ from: encodeKey(KIND, [kind]), to: encodeKey(KIND, [kind + 1]) })

/** JSON with bigints (sequence bounds) as {"$big": "…"}. */
export function toJson(v: unknown): Buffer {
  return Buffer.from(JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? { $big: x.toString() } : x)))
}

export function fromJson<T>(b: Uint8Array): T {
  return JSON.parse(Buffer.from(b).toString('utf8'), (_k, x: unknown) =>
    x !== null && typeof x === 'object' && '$big' in x ? BigInt((x as { $big: string }).$big) : x,
  ) as T
}

export interface LoadedCatalog {
  readonly relations: Relation[]
  readonly stats: Map<Oid, TableStats>
  readonly sequenceHigh: Map<Oid, bigint>
  readonly oidHigh: number
}

export class CatalogStore {
  constructor(
    readonly db: TxnDatabase,
    readonly table: TableId,
  ) {}

  async load(): Promise<LoadedCatalog> {
    // Rows a prepared transaction wrote (its DDL) are not the catalog yet: read past them.
    const t = this.db.begin({ isolation: 'repeatable read', readOnly: true, skipPrepared: true })
    try {
      const relations = (await t.scan(this.table, kindRange(REL))).map(([, v]) => fromJson<Relation>(v))
      const stats = new Map<Oid, TableStats>()
      for (const [k, v] of await t.scan(this.table, kindRange(STATS))) stats.set(oidOf(k), fromJson<TableStats>(v))
      const sequenceHigh = new Map<Oid, bigint>()
      for (const [k, v] of await t.scan(this.table, kindRange(SEQ))) sequenceHigh.set(oidOf(k), BigInt(v.toString()))
      const oids = await t.get(this.table, oidsKey())
      return { relations, stats, sequenceHigh, oidHigh: oids === undefined ? 0 : Number(oids.toString()) }
    } finally {
      await t.commit()
    }
  }

  async putRelation(txn: Transaction, rel: Relation): Promise<void> {
    await txn.put(this.table, relKey(rel.oid), toJson(rel))
  }

  async deleteRelation(txn: Transaction, oid: Oid): Promise<void> {
    await txn.delete(this.table, relKey(oid))
  }

  /** Takes `name` for `oid`; 42P07 if a committed or own relation already has it. */
  async claimName(txn: Transaction, name: string, oid: Oid, what = 'relation'): Promise<void> {
    await txn.modify(this.table, nameKey(name), (current) => {
      if (current !== undefined) throw dbError('duplicate_table', `${what} "${name}" already exists`)
      return Buffer.from(String(oid))
    })
  }

  async releaseName(txn: Transaction, name: string): Promise<void> {
    await txn.delete(this.table, nameKey(name))
  }

  /** Writes one non-transactional entry in a transaction of its own, durably. */
  async putAutonomous(key: Uint8Array, value: Uint8Array): Promise<void> {
    const t = this.db.begin({ isolation: 'read committed' })
    try {
      await t.put(this.table, key, value)
      await t.commit()
    } catch (e) {
      await t.rollback()
      throw e
    }
  }
}

function oidOf(key: Uint8Array): Oid {
  // The oid is the key's last 8 bytes (an int64 key column, sign bit flipped).
  const b = Buffer.from(key)
  return Number(b.readBigUInt64BE(b.length - 8) ^ (1n << 63n))
}
