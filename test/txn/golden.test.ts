/**
 * The golden scripts of test/txn/golden/ (format: golden-runner.ts) on Isola's
 * transaction layer. Their expected outputs are PostgreSQL 15's (golden-postgres.ts
 * checks that): a mismatch is a difference from PostgreSQL's behaviour.
 */
import fs from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { GOLDEN_DIR, goldenFiles } from './golden-files.js'
import { describeMismatches, openIsolaBackend, runScript } from './golden-runner.js'

describe('golden scripts on Isola', () => {
  for (const file of goldenFiles()) {
    it(file, async () => {
      const text = fs.readFileSync(path.join(GOLDEN_DIR, file), 'utf8')
      const run = await runScript(text, await openIsolaBackend())
      expect(run.actual, describeMismatches(file, run.mismatches)).toBe(text)
    })
  }
})
