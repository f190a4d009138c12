/**
 * Writing rows of one table: the row itself, every index entry, and the
 * constraints, in PostgreSQL's order — NOT NULL and CHECK on the new row, then
 * uniqueness as the row and its index entries go in, then foreign keys at the end
 * of the statement (they are AFTER triggers in PostgreSQL, so a statement may
 * insert a child before its parent).
 *
 * Uniqueness comes from the row locks of `modify`: the primary key is the table's
 * own key, and a unique index's entry key is its values alone, so a second
 * writer of the same key waits for the first and then sees its row (23505), as
 * PostgreSQL's unique index insertion waits on the conflicting transaction.
 *
 * Referential actions look for child rows both in the transaction's own view and
 * in a fresh snapshot (PostgreSQL's crosscheck snapshot), so a child committed
 * after this statement's snapshot is not missed.
 */
import { dbError } from '../../common/errors.js'
import { compareBytes, encodeInt64Key } from '../../common/key-encoding.js'
import type { KeyRange, TableId, Transaction } from '../../txn/index.js'
import type { Catalog } from '../catalog/catalog.js'
import type { ForeignKeyInfo, IndexInfo, TableInfo } from '../catalog/schema.js'
import { columnDefaults, tableExprs, type TableExprs } from '../bind/table-exprs.js'
import { decodeRow, encodeRow, rowLayout, type Row } from '../rows/row-codec.js'
import { concatKeys, KeyShape, prefixEnd } from '../rows/keys.js'
import { castValue, formatValue, type SqlValue } from '../values/index.js'
import type { ExecContext } from './context.js'
import { valueKey } from './hash-key.js'
import { indexShape } from './scan.js'

export interface WriteEnv {
  readonly txn: Transaction
  readonly catalog: Catalog
  readonly exec: ExecContext
  nextRowId(t: TableInfo): bigint
  /** Rows added (or removed, negative) to a table, for the planner's estimates. */
  counted(t: TableInfo, delta: number): void
  /** Reads with a fresh snapshot, for referential checks. */
  freshScan(table: TableId, range: KeyRange): Promise<[Buffer, Buffer][]>
  /** Foreign-key work to run when the statement's rows are all written. */
  readonly deferred: (() => Promise<void>)[]
}

const formatRow = (t: TableInfo, slots: Row): string =>
  t.columns.map((c) => formatValue(c.type, slots[c.attnum - 1] ?? null) ?? 'null').join(', ')

const failing = (t: TableInfo, slots: Row) => `Failing row contains (${formatRow(t, slots)}).`

export function rowsEqual(a: Row, b: Row): boolean {
  if (a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) {
    const x = a[i] ?? null
    const y = b[i] ?? null
    // Identical values need no key (the usual case: the row did not change since it was read).
    if (x !== y && valueKey(x) !== valueKey(y)) return false
  }
  return true
}

const pkShapes = new WeakMap<TableInfo, KeyShape>()

/** The stored key of a row: its primary key, or a new hidden row id. */
export function rowKeyOf(t: TableInfo, slots: Row, env: Pick<WriteEnv, 'nextRowId'>): Uint8Array {
  if (t.primaryKey.length === 0) return encodeInt64Key(env.nextRowId(t))
  return primaryKeyOf(t, slots)
}

export function primaryKeyOf(t: TableInfo, slots: Row): Uint8Array {
  let shape = pkShapes.get(t)
  if (shape === undefined) {
    shape = new KeyShape(t.primaryKey.map((a) => t.columns.find((c) => c.attnum === a)!.type))
    pkShapes.set(t, shape)
  }
  return shape.encode(t.primaryKey.map((a) => slots[a - 1] ?? null))
}

export class TableWriter {
  private readonly exprs: TableExprs
  private readonly layout

  constructor(
    readonly table: TableInfo,
    private readonly env: WriteEnv,
  ) {
    this.exprs = tableExprs(env.catalog, table)
    this.layout = rowLayout(table)
  }

  /** NOT NULL and CHECK (synchronous: check expressions contain no subqueries or nextval). */
  private check(slots: Row): void {
    const t = this.table
    for (const c of t.columns) {
      if (c.notNull && (slots[c.attnum - 1] ?? null) === null) {
        throw dbError('not_null_violation', `null value in column "${c.name}" of relation "${t.name}" violates not-null constraint`, { detail: failing(t, slots), table: t.name, column: c.name })
      }
    }
    for (const { check, fn } of this.exprs.checks) {
      if (fn.fn(slots, this.env.exec) === false) {
        throw dbError('check_violation', `new row for relation "${t.name}" violates check constraint "${check.name}"`, { detail: failing(t, slots), table: t.name, constraint: check.name })
      }
    }
  }

  /** The first CHECK constraint a row fails, if any (ALTER TABLE validating existing rows). */
  failedCheck(slots: Row): string | undefined {
    return this.exprs.checks.find(({ fn }) => fn.fn(slots, this.env.exec) === false)?.check.name
  }

  /** Queues the checks that the rows a row references exist (ALTER TABLE ADD FOREIGN KEY). */
  checkReferences(slots: Row): void {
    this.deferChildChecks(slots, undefined)
  }

  /** The index entry of a row (undefined when a partial index's predicate excludes it). */
  async entryFor(index: IndexInfo, slots: Row, rowKey: Uint8Array): Promise<{ key: Uint8Array; values: SqlValue[] } | undefined> {
    const pred = this.exprs.predicates.get(index)
    if (pred !== undefined && (await (pred.async ? pred.fn(slots, this.env.exec) : pred.fn(slots, this.env.exec))) !== true) return undefined
    const values: SqlValue[] = []
    for (const k of this.exprs.keys.get(index)!) values.push(k.async ? await k.fn(slots, this.env.exec) : k.fn(slots, this.env.exec))
    const own = indexShape(index).encode(values)
    const key = index.unique && values.every((v) => v !== null) ? own : concatKeys(own, rowKey)
    return { key, values }
  }

  private duplicate(index: IndexInfo, values: readonly SqlValue[]) {
    const t = this.table
    const names = index.keys.map((k) => (k.attnum !== undefined ? t.columns.find((c) => c.attnum === k.attnum)!.name : k.expr!))
    const vals = index.keys.map((k, i) => formatValue(k.type, values[i] ?? null) ?? 'null')
    return dbError('unique_violation', `duplicate key value violates unique constraint "${index.constraint ?? index.name}"`, {
      detail: `Key (${names.join(', ')})=(${vals.join(', ')}) already exists.`,
      table: t.name,
      constraint: index.constraint ?? index.name,
    })
  }

  private async addEntries(slots: Row, rowKey: Uint8Array): Promise<void> {
    for (const index of this.table.indexes) {
      if (index.primary) continue
      const e = await this.entryFor(index, slots, rowKey)
      if (e === undefined) continue
      if (!index.unique) {
        await this.env.txn.put(index.tree, e.key, rowKey)
        continue
      }
      await this.env.txn.modify(index.tree, e.key, (current) => {
        if (current !== undefined && compareBytes(current, rowKey) !== 0) throw this.duplicate(index, e.values)
        return Buffer.from(rowKey)
      })
    }
  }

  private async removeEntries(slots: Row, rowKey: Uint8Array): Promise<void> {
    for (const index of this.table.indexes) {
      if (index.primary) continue
      const e = await this.entryFor(index, slots, rowKey)
      if (e !== undefined) await this.env.txn.delete(index.tree, e.key)
    }
  }

  /** Inserts a row (values by slot); returns its key. */
  async insert(slots: Row): Promise<Uint8Array> {
    this.check(slots)
    const key = rowKeyOf(this.table, slots, this.env)
    const bytes = encodeRow(this.layout, slots)
    const pk = this.table.indexes.find((i) => i.primary)
    await this.env.txn.modify(this.table.tree, key, (current) => {
      if (current !== undefined) throw this.duplicate(pk!, this.table.primaryKey.map((a) => slots[a - 1] ?? null))
      return bytes
    })
    await this.addEntries(slots, key)
    this.deferChildChecks(slots, undefined)
    this.env.counted(this.table, 1)
    return key
  }

  /**
   * Replaces the row at `key`. `expected` is the row as the statement read it; if the
   * row changed since (READ COMMITTED), or no row is expected, `recheck` decides from
   * the current row: the new row, or null to leave it alone. Returns the row as
   * written (undefined: skipped).
   */
  async update(key: Uint8Array, expected: Row | undefined, next: Row, recheck: (current: Row) => Row | null): Promise<{ old: Row; row: Row; key: Uint8Array } | undefined> {
    const t = this.table
    let old: Row | undefined
    let row: Row | undefined
    let newKey: Uint8Array = key
    // The callback may run again after a lock wait; the last run is the one applied.
    await this.env.txn.modify(t.tree, key, (current) => {
      old = row = undefined
      if (current === undefined) return undefined
      const cur = decodeRow(this.layout, current)
      const nextRow = expected !== undefined && rowsEqual(cur, expected) ? next : recheck(cur)
      if (nextRow === null) return undefined
      this.check(nextRow)
      old = cur
      row = nextRow
      newKey = t.primaryKey.length === 0 ? key : primaryKeyOf(t, nextRow)
      // A changed primary key moves the row: the old key is deleted here, the new one inserted below.
      return compareBytes(newKey, key) === 0 ? encodeRow(this.layout, nextRow) : null
    })
    if (old === undefined || row === undefined) return undefined
    if (compareBytes(newKey, key) !== 0) {
      const pk = t.indexes.find((i) => i.primary)!
      const r: Row = row
      const bytes = encodeRow(this.layout, r)
      await this.env.txn.modify(t.tree, newKey, (current) => {
        if (current !== undefined) throw this.duplicate(pk, t.primaryKey.map((a) => r[a - 1] ?? null))
        return bytes
      })
    }
    const rowKeyChanged = compareBytes(newKey, key) !== 0
    for (const index of t.indexes) {
      if (index.primary) continue
      const before = await this.entryFor(index, old, key)
      const after = await this.entryFor(index, row, newKey)
      if (!rowKeyChanged && before !== undefined && after !== undefined && compareBytes(before.key, after.key) === 0) continue
      if (before !== undefined) await this.env.txn.delete(index.tree, before.key)
      if (after === undefined) continue
      if (!index.unique) await this.env.txn.put(index.tree, after.key, newKey)
      else {
        const a = after
        await this.env.txn.modify(index.tree, a.key, (current) => {
          if (current !== undefined && compareBytes(current, newKey) !== 0) throw this.duplicate(index, a.values)
          return Buffer.from(newKey)
        })
      }
    }
    this.deferChildChecks(row, old)
    this.deferParentActions(old, row)
    return { old, row, key: newKey }
  }

  /** Deletes the row at `key` (with READ COMMITTED's re-check as in update); returns the deleted row. */
  async delete(key: Uint8Array, expected: Row, recheck: (current: Row) => boolean): Promise<Row | undefined> {
    let old: Row | undefined
    await this.env.txn.modify(this.table.tree, key, (current) => {
      old = undefined
      if (current === undefined) return undefined
      const cur = decodeRow(this.layout, current)
      if (!rowsEqual(cur, expected) && !recheck(cur)) return undefined
      old = cur
      return null
    })
    if (old === undefined) return undefined
    await this.removeEntries(old, key)
    this.deferParentActions(old, undefined)
    this.env.counted(this.table, -1)
    return old
  }

  // ── foreign keys ──────────────────────────────────────────────────────────

  /** The referenced rows of a new or changed child row must exist (checked at the end of the statement). */
  private deferChildChecks(row: Row, old: Row | undefined): void {
    for (const fk of this.table.foreignKeys) {
      const vals = fk.columns.map((a) => row[a - 1] ?? null)
      if (vals.some((v) => v === null)) continue
      if (old !== undefined && fk.columns.every((a) => valueKey(old[a - 1] ?? null) === valueKey(row[a - 1] ?? null))) continue
      this.env.deferred.push(() => this.checkParent(fk, vals))
    }
  }

  private async checkParent(fk: ForeignKeyInfo, vals: SqlValue[]): Promise<void> {
    const parent = this.env.catalog.table(fk.refTable)!
    const found = await lockReferenced(this.env.txn, parent, fk.refColumns, vals, this.table, fk)
    if (!found) {
      const names = fk.columns.map((a) => this.table.columns.find((c) => c.attnum === a)!.name)
      const text = fk.columns.map((a, i) => formatValue(this.table.columns.find((c) => c.attnum === a)!.type, vals[i]!) ?? 'null')
      throw dbError('foreign_key_violation', `insert or update on table "${this.table.name}" violates foreign key constraint "${fk.name}"`, {
        detail: `Key (${names.join(', ')})=(${text.join(', ')}) is not present in table "${parent.name}".`,
        table: this.table.name,
        constraint: fk.name,
      })
    }
  }

  /** Rows of other tables that reference a deleted or changed row: refuse, cascade, or set NULL/DEFAULT. */
  private deferParentActions(old: Row, row: Row | undefined): void {
    for (const { table: child, fk } of this.env.catalog.referencing(this.table.oid)) {
      const vals = fk.refColumns.map((a) => old[a - 1] ?? null)
      if (vals.some((v) => v === null)) continue
      if (row !== undefined && fk.refColumns.every((a) => valueKey(old[a - 1] ?? null) === valueKey(row[a - 1] ?? null))) continue
      const action = row === undefined ? fk.onDelete : fk.onUpdate
      const newVals = row === undefined ? undefined : fk.refColumns.map((a) => row[a - 1] ?? null)
      this.env.deferred.push(() => this.referentialAction(child, fk, vals, action, newVals))
    }
  }

  private async referentialAction(child: TableInfo, fk: ForeignKeyInfo, vals: SqlValue[], action: ForeignKeyInfo['onDelete'], newVals: SqlValue[] | undefined): Promise<void> {
    const current = this.env.catalog.table(child.oid) ?? child
    const rows = await referencingRows(this.env, current, fk, vals)
    if (rows.length === 0) return
    if (action === 'no action' || action === 'restrict') {
      const names = fk.refColumns.map((a) => this.table.columns.find((c) => c.attnum === a)!.name)
      const text = fk.refColumns.map((a, i) => formatValue(this.table.columns.find((c) => c.attnum === a)!.type, vals[i]!) ?? 'null')
      throw dbError('foreign_key_violation', `update or delete on table "${this.table.name}" violates foreign key constraint "${fk.name}" on table "${current.name}"`, {
        detail: `Key (${names.join(', ')})=(${text.join(', ')}) is still referenced from table "${current.name}".`,
        table: current.name,
        constraint: fk.name,
      })
    }
    const writer = new TableWriter(current, this.env)
    const defaults = action === 'set default' ? columnDefaults(this.env.catalog, current) : undefined
    for (const { key, row } of rows) {
      if (action === 'cascade' && newVals === undefined) {
        await writer.delete(key, row, () => true)
        continue
      }
      const next = [...row]
      for (let i = 0; i < fk.columns.length; i++) {
        const a = fk.columns[i]!
        if (action === 'cascade') next[a - 1] = newVals![i]!
        else if (action === 'set null') next[a - 1] = null
        else {
          const d = defaults!.get(a)
          next[a - 1] = d === undefined ? null : await (d.async ? d.fn([], this.env.exec) : d.fn([], this.env.exec))
        }
      }
      await writer.update(key, row, next, () => next)
    }
  }
}

/** Locks (FOR KEY SHARE, roughly) the referenced row with these values; false if there is none. */
async function lockReferenced(txn: Transaction, parent: TableInfo, cols: readonly number[], vals: SqlValue[], child: TableInfo, fk: ForeignKeyInfo): Promise<boolean> {
  const pkMatch = cols.length === parent.primaryKey.length && cols.every((a, i) => parent.primaryKey[i] === a)
  const converted = cols.map((a, i) => {
    const to = parent.columns.find((c) => c.attnum === a)!.type
    const from = child.columns.find((c) => c.attnum === fk.columns[i])!.type
    return castValue(vals[i]!, from, to, 'explicit')
  })
  if (pkMatch) {
    const slots: Row = new Array(parent.slots).fill(null)
    cols.forEach((a, i) => (slots[a - 1] = converted[i]!))
    // A row changed since the snapshot still exists ('changed'): its key is what matters here.
    return (await txn.lockRow(parent.tree, primaryKeyOf(parent, slots), 'share')) !== false
  }
  const index = parent.indexes.find((i) => i.unique && i.predicate === undefined && i.keys.length === cols.length && i.keys.every((k, j) => k.attnum === cols[j]))
  if (index === undefined) return false
  const key = indexShape(index).encode(converted)
  if ((await txn.lockRow(index.tree, key, 'share')) === false) return false
  const rowKey = (await txn.scan(index.tree, { from: key, to: prefixEnd(key), limit: 1 }))[0]?.[1]
  return rowKey !== undefined && (await txn.lockRow(parent.tree, rowKey, 'share')) !== false
}

/** Child rows whose foreign key equals `vals`: in the transaction's view and in a fresh snapshot. */
async function referencingRows(env: WriteEnv, child: TableInfo, fk: ForeignKeyInfo, vals: SqlValue[]): Promise<{ key: Buffer; row: Row }[]> {
  const layout = rowLayout(child)
  const want = vals.map((v) => valueKey(v))
  const matches = (row: Row) => fk.columns.every((a, i) => valueKey(row[a - 1] ?? null) === want[i])
  const found = new Map<string, { key: Buffer; row: Row }>()
  // An index whose leading keys are the foreign key's columns narrows the search to one prefix.
  const index = child.indexes.find((i) => fk.columns.every((a, j) => i.keys[j]?.attnum === a) && i.predicate === undefined)
  const read = async (scan: (table: TableId, range: KeyRange) => Promise<[Buffer, Buffer][]>) => {
    if (index === undefined) {
      for (const [k, v] of await scan(child.tree, {})) {
        const row = decodeRow(layout, v)
        if (matches(row)) found.set(k.toString('latin1'), { key: k, row })
      }
      return
    }
    const prefix = indexShape(index).encodePrefix(vals, vals.length)
    const entries = await scan(index.tree, { from: prefix, to: prefixEnd(prefix) })
    for (const [entryKey, rowKey] of entries) {
      const key = index.primary ? entryKey : rowKey
      const bytes = index.primary ? rowKey : (await scan(child.tree, { from: rowKey, to: successor(rowKey), limit: 1 }))[0]?.[1]
      if (bytes === undefined) continue
      const row = decodeRow(layout, bytes)
      if (matches(row)) found.set(key.toString('latin1'), { key, row })
    }
  }
  await read((t, r) => env.txn.scan(t, r))
  // Rows only a fresh snapshot shows (committed after ours) are changed through their newest version by `modify`.
  await read((t, r) => env.freshScan(t, r))
  return [...found.values()]
}

const successor = (k: Uint8Array): Buffer => Buffer.concat([k, Buffer.from([0])])
