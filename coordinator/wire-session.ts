/**
 * A session over shards in the shape the wire server's connections use (the
 * server's WireSession), for `isola start --shards N`: statements run through a
 * ClusterSession; Parse and Describe ask one shard's engine (every shard has the same
 * schema), so parameter types and result columns are what one node would say; SET,
 * SHOW and RESET keep the session's settings in that engine session too.
 *
 * Shortcuts we admit (issue 6 in progress): settings are kept and shown but do not
 * reach the shards' sessions (statement_timeout does not apply to distributed
 * statements); cancel does nothing yet; COPY is refused (0A000); each statement of
 * the extended protocol outside a block is its own distributed transaction.
 */
import { dbError } from '../common/errors.js'
import { result, type CopyIn, type PreparedStatement, type Session, type SqlType, type StatementResult } from '../engine/index.js'
import { parse } from '../parser/index.js'
import type { ClusterSession } from './cluster-session.js'
import { statementTexts } from './routing/index.js'

const LOCAL = new Set(['set', 'show', 'reset'])

export class ShardedWireSession {
  constructor(
    private readonly cluster: ClusterSession,
    /** A session on one shard's engine: the describer and keeper of settings. */
    private readonly local: Session,
  ) {}

  get settings(): Session['settings'] {
    return this.local.settings
  }

  get status(): 'I' | 'T' | 'E' {
    return this.cluster.status
  }

  /** What a coordinator above this one would ask of a branch (isola.transaction_writes): not tracked here. */
  readonly hasWrites = false
  readonly hasCatalogChanges = false

  async execute(sql: string, params: readonly unknown[] = [], onResult?: (r: StatementResult) => void): Promise<StatementResult[]> {
    const out: StatementResult[] = []
    for (const text of statementTexts(sql)) {
      const stmt = parse(text)[0]
      const results = stmt !== undefined && LOCAL.has(stmt.kind) ? await this.local.execute(text, params) : [await this.cluster.statement(text, params, stmt)]
      for (const r of results) {
        out.push(r)
        onResult?.(r)
      }
    }
    return out
  }

  prepare(sql: string, paramTypes: readonly (SqlType | undefined)[] = []): Promise<PreparedStatement> {
    return this.local.prepare(sql, paramTypes)
  }

  async executePrepared(ps: PreparedStatement, params: readonly unknown[] = []): Promise<StatementResult> {
    const results = await this.execute(ps.sql, params)
    return results[results.length - 1] ?? result('', undefined, undefined, [], [])
  }

  copyFrom(_sql: string): Promise<CopyIn> {
    return Promise.reject(dbError('feature_not_supported', 'COPY through the coordinator is not supported yet'))
  }

  copyTo(_sql: string): Promise<{ data: string; rowCount: number }> {
    return Promise.reject(dbError('feature_not_supported', 'COPY through the coordinator is not supported yet'))
  }

  cancel(): void {}

  beginImplicitBlock(_ps: PreparedStatement): void {}

  endImplicitBlock(): void {}

  async close(): Promise<void> {
    await this.cluster.close()
    await this.local.close()
  }
}
