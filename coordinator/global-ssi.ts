/**
 * Cross-shard serializable snapshot isolation (DESIGN.md §4): the dangerous
 * structure `Tin →rw Tpivot →rw Tout` (Tout commits first) whose two edges live on
 * different shards. No shard sees it: each holds one edge. So before a transaction
 * with branches on several shards commits, the coordinator asks every branch for the
 * other ends of its rw edges (a shard names a branch by its gid, `isola.global_xid`;
 * a transaction of its own alone as `local:<id>`), joins them, and applies the rule
 * with the transaction as the pivot. Structures with all their edges on one shard
 * stay that shard's (txn/ssi/).
 *
 * Why checking the pivot at its commit is enough here: an edge into or out of the
 * pivot that exists when it commits is in some branch's report (edges are recorded
 * by the shard whichever end caused them), and a structure it completes must have
 * its Tout commit first, so Tout's commit — and with it the out edge, since Tout's
 * writes all happened before — precedes the pivot's check. A Tout that begins to
 * commit between the reports and the check is caught too: the coordinator's own
 * record of it (`committing`) is newer than what the shard said.
 *
 * Order is judged conservatively, as PostgreSQL's sequence numbers are: a
 * transaction counts as committed first from the moment its commit begins (it may
 * then commit at any moment); a Tin spares the pivot only when both its commit
 * timestamp and Tout's are known and Tin's is earlier. Summarised old transactions
 * (`*`) count as committed, at an unknown time. What is not built: the read-only
 * refinement (Ports & Grittner §4.1) for a cross-shard Tin, and the case where the
 * pivot commits first with only its out edge and a Tin reads its writes later on a
 * shard that does not know of that out edge (see ARCHITECTURE.md §9.10).
 */
import { dbError, type IsolaError } from '../common/errors.js'
import type { ShardId, Timestamp } from '../common/ids.js'
import type { ConflictEnd, ConflictReport } from '../txn/index.js'

/** The coordinator's record of one of its transactions, kept while it can still be an edge's other end. */
interface TxnRecord {
  /** Its commit has begun (the order in which commits began; 0 not yet). */
  committingSeq: number
  commitTs: Timestamp | undefined
  state: 'active' | 'committed' | 'aborted'
}

/** One end as the check sees it, the shard's report joined with the coordinator's record. */
interface End {
  readonly name: string
  /** It may have committed (its commit began, or it prepared or committed on the shard). */
  readonly committing: boolean
  readonly committed: boolean
  readonly commitTs: number | undefined
}

export interface CrossShardStructure {
  readonly tin: string
  readonly pivot: string
  readonly tout: string
}

/**
 * `outFirst`: the transaction read what a transaction that commits first wrote. Its
 * shards are told so at COMMIT PREPARED (`isola.commit_out_conflict`): a later
 * reader that skips one of its versions there closes `reader →rw it →rw that one`,
 * a structure whose out edge lives on another shard, and must fail.
 */
export type CheckResult = { readonly kind: 'dangerous'; readonly structure: CrossShardStructure } | { readonly kind: 'safe'; readonly outFirst: boolean }

export class GlobalSsi {
  private seq = 0
  private readonly records = new Map<string, TxnRecord>()

  /** `gid` begins to commit: from now on it may commit first. */
  committing(gid: string): void {
    const r = this.records.get(gid)
    if (r === undefined) this.records.set(gid, { committingSeq: ++this.seq, commitTs: undefined, state: 'active' })
    else if (r.committingSeq === 0) r.committingSeq = ++this.seq
  }

  ended(gid: string, commitTs: Timestamp | undefined, committed: boolean): void {
    const r = this.records.get(gid)
    if (r === undefined) return
    r.state = committed ? 'committed' : 'aborted'
    r.commitTs = commitTs
  }

  /**
   * Forgets transactions that ended before `horizon` (the oldest snapshot still in
   * use): nothing running overlaps them, so no new edge can reach them.
   */
  prune(horizon: Timestamp): void {
    for (const [gid, r] of this.records) {
      if (r.state === 'aborted' || (r.state === 'committed' && (r.commitTs ?? 0) < horizon)) this.records.delete(gid)
    }
  }

  /** The dangerous structure with `pivot` in the middle that its branches' reports show, if any. */
  check(pivot: string, reports: readonly { readonly shard: ShardId; readonly report: ConflictReport }[]): CheckResult {
    const ins: End[] = []
    const outs: End[] = []
    for (const { shard, report } of reports) {
      for (const e of report.ins) this.join(pivot, shard, e, ins)
      for (const e of report.outs) this.join(pivot, shard, e, outs)
    }
    let outFirst = false
    for (const tout of outs) {
      if (!tout.committing) continue
      outFirst = true
      for (const tin of ins) {
        const tinFirst = tin.committed && tin.commitTs !== undefined && tout.commitTs !== undefined && tin.commitTs < tout.commitTs
        if (!tinFirst) return { kind: 'dangerous', structure: { tin: tin.name, pivot, tout: tout.name } }
      }
    }
    return { kind: 'safe', outFirst }
  }

  private join(pivot: string, shard: ShardId, e: ConflictEnd, into: End[]): void {
    if (e.name === pivot) return
    const r = this.records.get(e.name)
    if (r?.state === 'aborted') return
    const name = e.name.startsWith('local:') ? `shard${shard}:${e.name.slice(6)}` : e.name
    const commitTs = r?.commitTs ?? e.commitTs
    const committed = r?.state === 'committed' || e.state === 'committed'
    into.push({ name, committing: committed || e.state === 'prepared' || (r !== undefined && r.committingSeq !== 0), committed, commitTs })
  }
}

/** The 40001 of a pivot that a cross-shard structure stops. */
export function crossShardFailure(s: CrossShardStructure): IsolaError {
  const name = (n: string): string => (n === '*' ? 'an old committed transaction' : `transaction ${n}`)
  return dbError('serialization_failure', 'could not serialize access due to read/write dependencies among transactions', {
    detail: `Reason code: Canceled on identification as a pivot, during commit attempt. Dangerous structure across shards: ${name(s.tin)} →rw transaction ${s.pivot} →rw ${name(s.tout)}, which commits first.`,
    hint: 'The transaction might succeed if retried.',
  })
}
