/**
 * Keeping the distribution metadata in step with DDL. The router checks a DDL
 * statement before any shard runs it (`checkDdl`: what would break the distribution
 * is refused); once it has committed on the shards, `applyDdl` gives the catalog
 * the router must use from then on.
 *
 * Refused: dropping a distribution column (its rows would have to move); a PRIMARY
 * KEY, UNIQUE constraint or unique index of a distributed table without the
 * distribution column (each shard checks its own rows only); a view over a
 * distributed table (the router would see only the view's name). Renaming the column or the table, and adding or dropping other
 * columns, update the metadata: the router reads column order for INSERTs without a
 * column list, and column names to resolve unqualified references.
 */
import { dbError } from '../../common/errors.js'
import type { Statement } from '../../parser/index.js'
import { readsDistributed } from './analyze.js'
import { columnOf, distributionOf, withoutTables, withTable, type DistributionCatalog, type TableDistribution } from './distribution.js'

const refuse = (message: string, detail?: string): Error => dbError('feature_not_supported', message, detail === undefined ? {} : { detail })

/** Throws 0A000 for DDL that would break a table's distribution. */
export function checkDdl(s: Statement, catalog: DistributionCatalog): void {
  if (s.kind === 'create-table') {
    distributionOf(s)
    return
  }
  if (s.kind === 'create-index') {
    const t = catalog.tables.get(s.table)
    const names = s.columns.map((c) => (c.expr.kind === 'column' ? c.expr.name : undefined))
    if (s.unique && t?.kind === 'distributed' && !names.includes(t.column)) {
      throw refuse(`cannot create a unique index on "${t.name}" without its distribution column "${t.column}"`, 'Each shard checks uniqueness over its own rows only.')
    }
    return
  }
  if (s.kind === 'create-view') {
    // The router sees a view's name, not what it reads: a view over a distributed table
    // would be read on one shard as if it held every row.
    if (readsDistributed(s.query, catalog)) throw refuse(`views over distributed tables are not supported yet ("${s.name}")`)
    return
  }
  if (s.kind !== 'alter-table') return
  const t = catalog.tables.get(s.name)
  if (t?.kind !== 'distributed') return
  for (const a of s.actions) {
    if (a.kind === 'drop-column' && a.name === t.column) throw refuse(`cannot drop the distribution column "${t.column}" of table "${t.name}"`)
    if (a.kind === 'add-constraint' && (a.constraint.kind === 'primary-key' || a.constraint.kind === 'unique') && !a.constraint.columns.includes(t.column)) {
      throw refuse(`cannot create constraint on "${t.name}"`, `A ${a.constraint.kind === 'unique' ? 'UNIQUE' : 'PRIMARY KEY'} constraint of a distributed table must include its distribution column "${t.column}": each shard checks its own rows only.`)
    }
    if (a.kind === 'add-column' && a.column.constraints.some((c) => c.kind === 'primary-key' || c.kind === 'unique')) {
      throw refuse(`cannot create constraint on "${t.name}"`, `A constraint on the new column "${a.column.name}" alone cannot include the distribution column "${t.column}".`)
    }
  }
}

function alterTable(t: TableDistribution, s: Statement & { kind: 'alter-table' }): TableDistribution {
  let out = t
  for (const a of s.actions) {
    switch (a.kind) {
      case 'add-column': {
        if (out.columns.some((c) => c.name === a.column.name)) break // IF NOT EXISTS, or the shard refused it
        const { info, sequenced } = columnOf(out.name, a.column)
        out = { ...out, columns: [...out.columns, info], ...(sequenced === undefined ? {} : { sequenced: [...(out.sequenced ?? []), sequenced] }) }
        break
      }
      case 'drop-column':
        out = { ...out, columns: out.columns.filter((c) => c.name !== a.name), sequenced: out.sequenced?.filter((q) => q.column !== a.name) }
        break
      case 'rename-column': {
        const columns = out.columns.map((c) => (c.name === a.from ? { ...c, name: a.to } : c))
        const sequenced = out.sequenced?.map((q) => (q.column === a.from ? { ...q, column: a.to } : q))
        out = out.kind === 'distributed' ? { ...out, columns, sequenced, column: out.column === a.from ? a.to : out.column } : { ...out, columns, sequenced }
        break
      }
      case 'rename-table':
        out = { ...out, name: a.to }
        break
      case 'add-constraint':
        break
    }
  }
  return out
}

/** The catalog after `s` committed on the shards. */
export function applyDdl(catalog: DistributionCatalog, s: Statement): DistributionCatalog {
  switch (s.kind) {
    case 'create-table':
      return catalog.tables.has(s.name) && s.ifNotExists ? catalog : withTable(catalog, distributionOf(s))
    case 'drop-table':
      return withoutTables(catalog, s.names)
    case 'alter-table': {
      const t = catalog.tables.get(s.name)
      if (t === undefined) return catalog
      const next = alterTable(t, s)
      return withTable(next.name === t.name ? catalog : withoutTables(catalog, [t.name]), next)
    }
    default:
      return catalog
  }
}
