/**
 * The plan cache: planned statements by SQL text and declared parameter types,
 * shared by the sessions of a database and cleared when the shared catalog changes
 * (a hit is also checked against the catalog it was planned for).
 *
 * It is looked up at every execution, so the lookup allocates nothing: the SQL text
 * is the first key (a program passes the same string object each time, and V8 keeps
 * a string's hash in it), and the declared types' key string is remembered per types
 * array (a prepared statement passes the same array each time).
 *
 * A text is admitted on its second planning: the first only remembers the text. Simple
 * queries with their values written in (pgbench -M simple, most ORMs' literals) are
 * each run once, and caching their plans would only fill the old generation with plans
 * the FIFO soon drops, for the collector to walk (PostgreSQL caches no simple query).
 */
import type { PlannedStatement } from './statement-plan.js'
import type { SqlType } from './values/index.js'

/** SQL texts kept; the oldest is dropped first. */
export const PLAN_CACHE_SIZE = 1000

export class PlanCache {
  private readonly bySql = new Map<string, Map<string, PlannedStatement>>()
  /**
   * Texts planned once and not cached (yet), in two generations of up to
   * PLAN_CACHE_SIZE each: when the young one fills, it becomes the old one and the old
   * one is dropped. (Dropping a Set's oldest entry one at a time makes V8 step over
   * the deleted slots at the front of its table on every call.)
   */
  private seenOnce = new Set<string>()
  private seenBefore = new Set<string>()

  get(sql: string, declared: readonly (SqlType | undefined)[]): PlannedStatement | undefined {
    return this.bySql.get(sql)?.get(typesKey(declared))
  }

  set(sql: string, declared: readonly (SqlType | undefined)[], p: PlannedStatement): void {
    let plans = this.bySql.get(sql)
    if (plans === undefined) {
      if (!this.seenOnce.delete(sql) && !this.seenBefore.delete(sql)) {
        if (this.seenOnce.size >= PLAN_CACHE_SIZE) {
          this.seenBefore = this.seenOnce
          this.seenOnce = new Set()
        }
        this.seenOnce.add(sql)
        return
      }
      if (this.bySql.size >= PLAN_CACHE_SIZE) this.bySql.delete(this.bySql.keys().next().value!)
      this.bySql.set(sql, (plans = new Map()))
    }
    plans.set(typesKey(declared), p)
  }

  clear(): void {
    this.bySql.clear()
    this.seenOnce.clear()
    this.seenBefore.clear()
  }

  /** Plans held (tests and tools). */
  get size(): number {
    let n = 0
    for (const plans of this.bySql.values()) n += plans.size
    return n
  }
}

const keys = new WeakMap<readonly (SqlType | undefined)[], string>()

function typesKey(declared: readonly (SqlType | undefined)[]): string {
  if (declared.length === 0) return ''
  let k = keys.get(declared)
  if (k === undefined) {
    k = declared.map((t) => t?.kind ?? '').join(',')
    keys.set(declared, k)
  }
  return k
}
