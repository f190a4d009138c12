/**
 * The anomaly golden scripts of the txn layer (test/txn/golden/, PostgreSQL 15's
 * outputs) re-run through the coordinator with each row on a different shard
 * (golden-cluster.ts): the outcomes must equal the single-node ones at every level.
 * At SERIALIZABLE that needs cross-shard SSI: a write skew whose two rows live on two
 * shards has its two rw-edges on two shards, and only the coordinator sees both.
 *
 * Where the cluster's outcome differs from one node's, the expected output is in
 * golden-cluster/<script>, whose first lines say why; each such file must still
 * differ from the single-node script (else it is stale and goes).
 */
import fs from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { fileURLToPath } from 'node:url'
import { GOLDEN_DIR, goldenFiles } from '../txn/golden-files.js'
import { describeMismatches, runScript } from '../txn/golden-runner.js'
import { ClusterBackend, PLACEMENT } from './golden-cluster.js'

const CLUSTER_DIR = fileURLToPath(new URL('./golden-cluster/', import.meta.url))
const overridden = new Set(fs.existsSync(CLUSTER_DIR) ? fs.readdirSync(CLUSTER_DIR) : [])

describe('golden scripts through the coordinator, each row on another shard', () => {
  it('differs from one node only where golden-cluster/ says so', () => {
    for (const file of overridden) {
      expect(goldenFiles()).toContain(file)
      expect(fs.readFileSync(path.join(CLUSTER_DIR, file), 'utf8')).not.toBe(fs.readFileSync(path.join(GOLDEN_DIR, file), 'utf8'))
    }
  })

  it('places the rows as the scripts need', async () => {
    const b = await ClusterBackend.open()
    try {
      for (const [id, shard] of PLACEMENT) expect(b.shardOf(id), `row ${id}`).toBe(shard)
      expect(new Set([b.shardOf(1), b.shardOf(2), b.shardOf(3)]).size).toBe(3)
    } finally {
      await b.close()
    }
  })

  for (const file of goldenFiles()) {
    it(file, async () => {
      const text = fs.readFileSync(path.join(overridden.has(file) ? CLUSTER_DIR : GOLDEN_DIR, file), 'utf8')
      const backend = await ClusterBackend.open()
      try {
        const run = await runScript(text, backend)
        expect(run.actual, describeMismatches(file, run.mismatches)).toBe(text)
      } finally {
        await backend.close()
      }
    })
  }
})
