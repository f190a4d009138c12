/**
 * Runs every golden script on PostgreSQL (see golden-postgres.ts), to show that the
 * expected outputs are PostgreSQL's. The server is a private one started for this
 * file (test/helpers/postgres-server.ts), or the one at ISOLA_PG_URL when that is set.
 * Skipped only where PostgreSQL's server binaries are absent, which .ci/run does not
 * allow. ISOLA_GOLDEN_RECORD=1 writes PostgreSQL's outputs into the files.
 */
import fs from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type PostgresServer, postgresBinaries, startPostgres } from '../helpers/postgres-server.js'
import { GOLDEN_DIR, goldenFiles } from './golden-files.js'
import { PostgresBackend } from './golden-postgres.js'
import { runScript } from './golden-runner.js'

const external = process.env.ISOLA_PG_URL
const record = process.env.ISOLA_GOLDEN_RECORD === '1'

describe.skipIf(!external && postgresBinaries() === undefined)('golden scripts on PostgreSQL', () => {
  let server: PostgresServer | undefined
  let url = external ?? ''

  beforeAll(async () => {
    if (external) return
    server = await startPostgres()
    url = server.url
  })
  afterAll(async () => {
    await server?.stop()
  })

  for (const file of goldenFiles()) {
    it(file, async () => {
      const p = path.join(GOLDEN_DIR, file)
      const text = fs.readFileSync(p, 'utf8')
      const run = await runScript(text, await PostgresBackend.open(url), { record })
      if (record) fs.writeFileSync(p, run.actual)
      else expect(run.actual).toBe(text)
    })
  }
})
