/**
 * Parse and Describe for a coordinator that has no engine of its own (`isola
 * coordinator`): a client's Parse is forwarded to a shard as Parse + Describe +
 * Sync, which answers with the statement's parameter types and result columns
 * without running it. Every shard has the same schema, so any shard that answers
 * will do; shard 0 is asked first, the next one when it cannot be reached.
 *
 * The statement is parsed here too: the wire session needs its kind (an empty
 * query, COPY, SET), and a syntax error is reported without a round trip.
 *
 * Descriptions are cached by text and parameter types, since drivers Parse every
 * parameterized query (node-postgres: each `query(text, values)`), and a round trip
 * per Parse would double a pinned statement's latency. The cache is dropped whenever
 * DDL commits through this coordinator (`invalidate`, called by the wire session),
 * the only way a shard's schema changes; a description taken while DDL committed is
 * not kept (the generation check).
 */
import { isIsolaError } from '../common/errors.js'
import { T, typeOfOid, typeOid, type PreparedStatement, type SqlType } from '../engine/index.js'
import { parse } from '../parser/index.js'
import { WirePool, type WireClientOptions } from './wire-client.js'

/** What a wire session asks to answer Parse: the engine Session's `prepare`. */
export interface Describer {
  prepare(sql: string, paramTypes?: readonly (SqlType | undefined)[]): Promise<PreparedStatement>
  /** The schema changed (DDL committed): descriptions kept from before are stale. */
  invalidate?(): void
}

/** Descriptions kept at most (the cache starts over when full). */
const CACHE_ENTRIES = 1000

export class RemoteDescriber implements Describer {
  private readonly pools: WirePool[]
  private readonly cache = new Map<string, PreparedStatement>()
  private generation = 0

  constructor(shards: readonly WireClientOptions[]) {
    // A few connections each: a Describe is one short round trip.
    this.pools = shards.map((s) => new WirePool(s, 4))
  }

  async prepare(sql: string, paramTypes: readonly (SqlType | undefined)[] = []): Promise<PreparedStatement> {
    const oids = paramTypes.map((t) => (t === undefined ? 0 : typeOid(t)))
    const key = `${oids.join(',')}\0${sql}`
    const cached = this.cache.get(key)
    if (cached !== undefined) return cached
    const statement = parse(sql)[0]
    const generation = this.generation
    let lastError: unknown
    for (const pool of this.pools) {
      try {
        const d = await pool.with((c) => c.describe(sql, oids))
        const ps: PreparedStatement = { sql, statement, paramTypes: d.paramOids.map((o) => typeOfOid(o) ?? T.text), columns: d.columns }
        if (generation === this.generation) {
          if (this.cache.size >= CACHE_ENTRIES) this.cache.clear()
          this.cache.set(key, ps)
        }
        return ps
      } catch (e) {
        // An unreachable shard: ask the next; any other error is the statement's.
        if (!isIsolaError(e, 'connection_failure') && !isIsolaError(e, 'admin_shutdown')) throw e
        lastError = e
      }
    }
    throw lastError
  }

  invalidate(): void {
    this.generation++
    this.cache.clear()
  }

  async close(): Promise<void> {
    await Promise.all(this.pools.map((p) => p.close()))
  }
}
