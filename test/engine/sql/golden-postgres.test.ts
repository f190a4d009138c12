/**
 * The SQL golden scripts not marked `# isola-only`, run on a private PostgreSQL 15:
 * their expected outputs are PostgreSQL's. ISOLA_SQL_GOLDEN_RECORD=1 writes
 * PostgreSQL's outputs into the files. Skipped only where PostgreSQL's binaries are
 * absent, which .ci/run does not allow.
 */
import fs from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { postgresBinaries, startPostgres, type PostgresServer } from '../../helpers/postgres-server.js'
import { PostgresSqlBackend, runScript } from './golden-runner.js'

const GOLDEN_DIR = path.join(import.meta.dirname, 'golden')
const record = process.env.ISOLA_SQL_GOLDEN_RECORD === '1'

describe.skipIf(postgresBinaries() === undefined)('SQL golden scripts on PostgreSQL', () => {
  let server: PostgresServer
  beforeAll(async () => {
    server = await startPostgres({ settings: { max_prepared_transactions: 10 } })
  })
  afterAll(async () => {
    await server?.stop()
  })
  const files = fs.readdirSync(GOLDEN_DIR).filter((f) => f.endsWith('.sql') && !fs.readFileSync(path.join(GOLDEN_DIR, f), 'utf8').startsWith('# isola-only'))
  for (const file of files.sort()) {
    it(file, async () => {
      const p = path.join(GOLDEN_DIR, file)
      const text = fs.readFileSync(p, 'utf8')
      const run = await runScript(text, await PostgresSqlBackend.open(server.url))
      if (record) fs.writeFileSync(p, run.actual)
      else expect(run.actual).toBe(text)
    })
  }
})
