/**
 * Kill -9 of a process changing the cluster (crash-writer.ts), again and again:
 * global.json is always whole, every acknowledged role and database is there (and
 * every acknowledged drop stays dropped), and no directory outlives its database.
 */
import fs from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { crashSeed, runAndKill } from '../../helpers/kill-writer.js'
import { Rng } from '../../helpers/random.js'
import { cluster, tempDir } from './helpers.js'

const WRITER = path.resolve('dist/test/server/cluster/crash-writer.js')
const ROUNDS = 5

describe('the cluster across kill -9', () => {
  it(`keeps every acknowledged change, and global.json whole (${ROUNDS} kills, seed ${crashSeed})`, async () => {
    const rng = new Rng(crashSeed)
    const dir = tempDir()
    const acked: number[] = []
    for (let round = 0; round < ROUNDS; round++) {
      const run = await runAndKill(WRITER, [dir, String(round * 100_000)], 50 + Math.floor(rng.next() * 200))
      acked.push(...run.acked)
      const c = await cluster(dir)
      for (const n of acked) {
        expect(c.role(`r${n}`)?.password, `role r${n}`).toMatch(/^md5/)
        if (n % 2 === 0) expect(c.database(`d${n}`)?.owner, `database d${n}`).toBe(c.role(`r${n}`)!.oid)
        else expect(c.database(`d${n}`), `dropped d${n}`).toBeUndefined()
      }
      const live = new Set(c.databases().map((d) => String(d.oid)))
      expect(fs.readdirSync(path.join(dir, 'base')).filter((e) => !live.has(e))).toEqual([])
      expect(new Set(c.roles().map((r) => r.oid)).size).toBe(c.roles().length)
      await c.close()
    }
    expect(acked.length).toBeGreaterThan(ROUNDS)
  })
})
