/**
 * A vote lost on its way back: a shard PREPAREs durably and then dies (or its
 * connection breaks) before the coordinator hears the answer. The coordinator counts
 * it a refusal and aborts, but the shard holds a prepared transaction, of the
 * coordinator's current epoch, with its locks, and makes readers of its rows wait.
 * Recovery at the next open would roll it back (an earlier epoch by then), but the
 * coordinator that is running must not leave it there: it rolls back on every
 * writer, whatever its vote, retrying where the shard cannot be reached until it
 * answers (presumed abort: ROLLBACK PREPARED of a gid the shard lacks is harmless).
 *
 * Found by chaos.test.ts (a shard killed at random moments): transfers and audits
 * stalled behind such a transaction after the shard came back.
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { dbError } from '../../common/errors.js'
import { asShardId } from '../../common/ids.js'
import type { Branch, Participant } from '../../coordinator/participant.js'
import { CLUSTER_KINDS } from './clusters.js'

const S0 = asShardId(0)
const S1 = asShardId(1)
const lost = (): Error => dbError('connection_failure', 'connection to shard 1 failed: the connection was closed')

/** What the coordinator sees of shard 1: PREPARE replies lost while `losing()`, and ROLLBACK PREPARED unreachable while `unreachable()` says so. */
function shard1(p: Participant, losing: () => boolean, unreachable: () => boolean): Participant {
  if (p.id !== S1) return p
  return {
    id: p.id,
    async begin(o) {
      const b = await p.begin(o)
      const wrapped: Branch = {
        participant: b.participant,
        get hasWrites() {
          return b.hasWrites
        },
        get hasCatalogChanges() {
          return b.hasCatalogChanges
        },
        execute: (sql, params, options) => b.execute(sql, params, options),
        async prepare(gid) {
          const v = await b.prepare(gid)
          return v.kind === 'prepared' && losing() ? { kind: 'refused', error: lost() } : v
        },
        commit: (ts) => b.commit(ts),
        conflicts: () => b.conflicts(),
        cancel: () => b.cancel(),
        rollback: () => b.rollback(),
      }
      return wrapped
    },
    commitPrepared: (g, ts, o) => p.commitPrepared(g, ts, o),
    rollbackPrepared: async (g) => {
      if (unreachable()) throw lost()
      return p.rollbackPrepared(g)
    },
    listPrepared: () => p.listPrepared(),
    advanceHorizon: (ts) => p.advanceHorizon(ts),
    lockWaits: () => p.lockWaits(),
    rejectLockWait: (w, detail) => p.rejectLockWait(w, detail),
    close: () => p.close(),
  }
}

for (const kind of CLUSTER_KINDS) describe(`a PREPARE whose answer is lost (${kind.name} shards)`, () => {
  for (const unreachable of [0, 3]) {
    it(`is rolled back by the running coordinator${unreachable > 0 ? `, retried while the shard cannot be reached` : ''}; its rows are free again`, async () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'isola-lost-vote-'))
      let losing = false
      // ROLLBACK PREPARED on shard 1 fails `failures` times, then goes through.
      let failures = 0
      const c = await kind.open({ dir, shards: 2, wrap: (p) => shard1(p, () => losing, () => failures-- > 0) })
      try {
        const setup = c.coordinator.begin()
        for (const s of [S0, S1]) await setup.execute(s, 'CREATE TABLE t (id int PRIMARY KEY, v int NOT NULL)')
        await setup.commit()
        const fill = c.coordinator.begin()
        for (const s of [S0, S1]) await fill.execute(s, 'INSERT INTO t VALUES (1, 0)')
        await fill.commit()
        await c.coordinator.settled()

        losing = true
        failures = unreachable
        const t = c.coordinator.begin()
        for (const s of [S0, S1]) await t.execute(s, 'UPDATE t SET v = 1 WHERE id = 1')
        await expect(t.commit()).rejects.toMatchObject({ code: '08006' })
        expect(t.state).toBe('aborted')
        losing = false
        await c.coordinator.settled()
        expect(failures, 'ROLLBACK PREPARED was retried until the shard answered').toBe(-1)
        for (const s of c.shards) expect(await s.listPrepared(), `shard ${s.id}`).toEqual([])

        // Nothing of it was committed, and its row takes a new writer at once.
        const u = c.coordinator.begin({ isolation: 'repeatable read' })
        for (const s of [S0, S1]) expect((await u.execute(s, 'UPDATE t SET v = v + 10 WHERE id = 1 RETURNING v')).rows).toEqual([[10]])
        await u.commit()
        await c.coordinator.settled()
      } finally {
        await c.close()
        fs.rmSync(dir, { recursive: true, force: true })
      }
    })
  }
})
