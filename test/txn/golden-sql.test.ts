/**
 * The anomaly golden scripts (test/txn/golden/, PostgreSQL 15's outputs) run as SQL
 * through Isola's SQL engine (golden-sql.ts).
 */
import fs from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { GOLDEN_DIR, goldenFiles } from './golden-files.js'
import { describeMismatches, runScript } from './golden-runner.js'
import { SqlBackend } from './golden-sql.js'

describe('golden scripts through SQL on Isola', () => {
  for (const file of goldenFiles()) {
    it(file, async () => {
      const text = fs.readFileSync(path.join(GOLDEN_DIR, file), 'utf8')
      const backend = await SqlBackend.open()
      try {
        const run = await runScript(text, backend)
        expect(run.actual, describeMismatches(file, run.mismatches)).toBe(text)
      } finally {
        await backend.close()
      }
    })
  }
})
