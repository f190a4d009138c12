/**
 * Serializable snapshot isolation (Ports & Grittner, VLDB 2012; PostgreSQL's
 * README-SSI) behind the `SsiHooks` seam of txn/ssi-hooks.ts. `createSsi()` is the
 * entry point; ssi.ts explains the design, the other files one concept each:
 *
 * | file | what |
 * |---|---|
 * | `ssi.ts` | the hooks, edge creation, horizons, read-only transactions |
 * | `dangerous-structure.ts` | the abort rule, victim choice, the 40001 text |
 * | `conflict-graph.ts` | rw-antidependency edges and summary flags |
 * | `siread-locks.ts`, `range-tree.ts` | SIREAD locks on rows, key ranges and tables; promotion |
 * | `safe-snapshot.ts` | safe snapshots, READ ONLY DEFERRABLE |
 * | `summary.ts`, `finished-queue.ts` | retained committed transactions and their summarisation |
 * | `sxact.ts`, `options.ts` | the per-transaction record; the tunables |
 */
export { createSsi, Ssi, type SsiStats } from './ssi.js'
export { SSI_DEFAULTS, type SsiOptions } from './options.js'
export type { Safety } from './sxact.js'
