/**
 * VACUUM and ANALYZE, for real.
 *
 * VACUUM runs the transaction layer's version garbage collection until a pass
 * finds nothing left to remove (versions no snapshot can see).
 *
 * ANALYZE counts each table's rows, and per column its distinct values and NULL
 * fraction, reading at a fresh snapshot. Distinct values are counted exactly up
 * to DISTINCT_LIMIT per column, then extrapolated (a shortcut: PostgreSQL samples
 * 300 × statistics_target rows and estimates). The planner uses the numbers for
 * selectivities and join order.
 */
import { dbError } from '../common/errors.js'
import { successorKey, type Transaction } from '../txn/index.js'
import type { Catalog } from './catalog/catalog.js'
import type { TableInfo, TableStats } from './catalog/schema.js'
import type { Database } from './database.js'
import { valueKey } from './exec/hash-key.js'
import { interruptPoint, type ExecContext } from './exec/context.js'
import { decodeRow, rowLayout } from './rows/row-codec.js'

const DISTINCT_LIMIT = 100_000
const GC_BATCH = 10_000
const GC_PASSES = 1000

function tablesNamed(catalog: Catalog, names: readonly string[]): TableInfo[] {
  if (names.length === 0) return catalog.tables()
  return names.map((n) => {
    const r = catalog.byName(n)
    if (r === undefined) throw dbError('undefined_table', `relation "${n}" does not exist`)
    if (r.kind !== 'table') throw dbError('wrong_object_type', `"${n}" is not a table`)
    return r
  })
}

/** How the session interrupts a VACUUM or ANALYZE (cancel, statement_timeout). */
export interface MaintenanceControl extends Pick<ExecContext, 'checkInterrupt' | 'pause'> {
  /** Told the transaction ANALYZE reads in (undefined once done), so that a cancel can end its waits. */
  readonly track: (txn: Transaction | undefined) => void
}

export async function vacuum(db: Database, names: readonly string[], catalog: Catalog, control: MaintenanceControl): Promise<void> {
  tablesNamed(catalog, names)
  for (let pass = 0; pass < GC_PASSES; pass++) {
    await interruptPoint(control)
    if ((await db.txn.gcStep(GC_BATCH)) === 0 && pass > 0) break
  }
}

export async function analyze(db: Database, names: readonly string[], catalog: Catalog, control: MaintenanceControl): Promise<void> {
  for (const t of tablesNamed(catalog, names)) await db.setStats(t.oid, await measure(db, t, control))
}

async function measure(db: Database, t: TableInfo, control: MaintenanceControl): Promise<TableStats> {
  const layout = rowLayout(t)
  const distinct = new Map<number, Set<string>>(t.columns.map((c) => [c.attnum, new Set<string>()]))
  const nulls = new Map<number, number>(t.columns.map((c) => [c.attnum, 0]))
  let rows = 0
  const txn = db.txn.begin({ isolation: 'repeatable read', readOnly: true })
  control.track(txn)
  try {
    let from: Uint8Array | undefined
    for (;;) {
      await interruptPoint(control)
      const batch = await txn.scan(t.tree, { from, limit: 4096 })
      for (const [, v] of batch) {
        const row = decodeRow(layout, v)
        rows++
        for (const c of t.columns) {
          const x = row[c.attnum - 1] ?? null
          if (x === null) nulls.set(c.attnum, nulls.get(c.attnum)! + 1)
          else {
            const set = distinct.get(c.attnum)!
            if (set.size < DISTINCT_LIMIT) set.add(valueKey(x))
          }
        }
      }
      if (batch.length < 4096) break
      from = successorKey(batch[batch.length - 1]![0])
    }
  } finally {
    control.track(undefined)
    await txn.commit()
  }
  const columns: Record<number, { distinct: number; nullFraction: number }> = {}
  for (const c of t.columns) {
    const seen = distinct.get(c.attnum)!.size
    const nonNull = rows - nulls.get(c.attnum)!
    // At the limit, assume the rest of the column is as varied as what was seen.
    const d = seen < DISTINCT_LIMIT ? seen : Math.round(nonNull * (seen / Math.max(1, DISTINCT_LIMIT)))
    columns[c.attnum] = { distinct: Math.max(d, seen), nullFraction: rows === 0 ? 0 : nulls.get(c.attnum)! / rows }
  }
  return { rows, columns }
}
