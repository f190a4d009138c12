/**
 * SQL golden scripts (test/engine/sql/golden/, format in golden-runner.ts) on
 * Isola. Scripts not marked `# isola-only` carry PostgreSQL 15's outputs
 * (golden-postgres.test.ts checks them against a real server), so a mismatch there
 * is a difference from PostgreSQL. ISOLA_SQL_GOLDEN_RECORD=1 rewrites the isola-only
 * scripts with Isola's outputs (review the diff!).
 */
import fs from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { IsolaSqlBackend, runScript } from './golden-runner.js'

export const GOLDEN_DIR = path.join(import.meta.dirname, 'golden')
const record = process.env.ISOLA_SQL_GOLDEN_RECORD === '1'

describe('SQL golden scripts on Isola', () => {
  for (const file of fs.readdirSync(GOLDEN_DIR).filter((f) => f.endsWith('.sql')).sort()) {
    it(file, async () => {
      const p = path.join(GOLDEN_DIR, file)
      const text = fs.readFileSync(p, 'utf8')
      const run = await runScript(text, await IsolaSqlBackend.open())
      const isolaOnly = text.startsWith('# isola-only')
      if (record && isolaOnly) fs.writeFileSync(p, run.actual)
      else {
        const detail = run.mismatches.map((m) => `${m.statement}\n  expected: ${m.expected.join(' ⏎ ')}\n  got:      ${m.got.join(' ⏎ ')}`).join('\n')
        expect(run.actual, detail).toBe(text)
      }
    })
  }
})
