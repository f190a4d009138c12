/**
 * The decision log alone: wall time and event-loop time per decision (append, then
 * forget, as a two-phase commit does), one at a time and 8 at a time.
 *
 *   node dist/bench/decision-log.js [--decisions 300]
 *
 * Event-loop time (performance.eventLoopUtilization's active time) is what every
 * other client of a coordinator waits behind; a log whose fsync runs on the loop
 * shows it here. Run it from two builds to compare them.
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { performance } from 'node:perf_hooks'
import { asShardId, asTimestamp } from '../common/ids.js'
import { SqliteDecisionLog } from '../coordinator/decision-log.js'

const i = process.argv.indexOf('--decisions')
const N = i >= 0 ? Number(process.argv[i + 1]) : 300
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'isola-bench-decisions-'))
const log = SqliteDecisionLog.open(dir)
try {
  let seq = 0
  for (const concurrency of [1, 8]) {
    const elu0 = performance.eventLoopUtilization()
    const t0 = performance.now()
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        for (let k = 0; k < N / concurrency; k++) {
          const gid = `isola:c1:1:${++seq}`
          await log.append({ gid, commitTs: asTimestamp(seq), participants: [asShardId(0), asShardId(1)] })
          log.forget(gid)
        }
      }),
    )
    const elu = performance.eventLoopUtilization(elu0)
    console.log(`${concurrency} at a time: ${((performance.now() - t0) / N).toFixed(2)} ms wall and ${(elu.active / N).toFixed(3)} ms of event loop per decision`)
  }
} finally {
  log.close()
  fs.rmSync(dir, { recursive: true, force: true })
}
