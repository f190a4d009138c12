/**
 * What the coordinator keeps of the statements it has seen, so that a statement it
 * runs again (a driver's parameterised statement, a pgbench script) is not lexed,
 * parsed and routed again: the profile of single-shard transfers through the
 * coordinator showed parsing and routing at about a fifth of its CPU (with the values
 * written into the text, as pgbench and the cross-shard benchmark send them, nothing
 * comes again, and this does not help).
 *
 * - Texts: a statement string's statements, each with its text and parse, for a
 *   string with parameters ($1 …: a prepared or parameterised statement, which comes
 *   again); a string with its values written in is not kept. The ASTs are
 *   immutable, so every session shares them. A string that does not parse is not
 *   kept (its error comes again each time).
 * - Plans: by statement and distribution catalog (a plan is good for the catalog it
 *   was routed against; a block's DDL makes a new catalog object, and so a new
 *   plan). Parameter pins are resolved per execution, so a plan serves any
 *   parameters (routing/resolve.ts).
 *
 * Bounded: past MAX_TEXTS strings the text map starts again; plans hang off their
 * statements in a WeakMap and go with them.
 */
import { parse, type Statement } from '../parser/index.js'
import { route, statementTexts, type DistributedPlan, type DistributionCatalog } from './routing/index.js'

const MAX_TEXTS = 1024

export interface ParsedText {
  readonly text: string
  readonly stmt: Statement | undefined
}

export class StatementCache {
  private texts = new Map<string, readonly ParsedText[]>()
  private readonly plans = new WeakMap<Statement, { readonly catalog: DistributionCatalog; readonly plan: DistributedPlan }>()

  /** The statements of `sql`, each with its own text, in order (statementTexts, then parse). */
  statements(sql: string): readonly ParsedText[] {
    const hit = this.texts.get(sql)
    if (hit !== undefined) return hit
    const out = statementTexts(sql).map((text) => ({ text, stmt: parse(text)[0] }))
    if (!sql.includes('$')) return out // literals in the text: it will hardly come again (and keeping its parse only feeds the GC)
    if (this.texts.size >= MAX_TEXTS) this.texts = new Map()
    this.texts.set(sql, out)
    return out
  }

  /** The plan of `stmt` (whose text is `sql`) against `catalog`. */
  plan(stmt: Statement, sql: string, catalog: DistributionCatalog): DistributedPlan {
    const hit = this.plans.get(stmt)
    if (hit !== undefined && hit.catalog === catalog) return hit.plan
    const plan = route(stmt, sql, catalog)
    this.plans.set(stmt, { catalog, plan })
    return plan
  }
}
