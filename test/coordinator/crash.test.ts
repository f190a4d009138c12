/**
 * The coordinator crashes at each named fault point, and at random moments, in a
 * real child process (SIGKILL, as kill -9), with four clients committing
 * concurrently; after a restart
 * every transaction is on all its shards or on none, every acknowledged commit is
 * there, the bank total is intact, and no prepared transaction is left.
 */
import { spawn } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { asShardId } from '../../common/ids.js'
import type { FaultPoint } from '../../coordinator/faults.js'
import type { LocalCluster } from '../../coordinator/local-cluster.js'
import { openCluster, setUp, SHARDS, TOTAL } from './crash-workload.js'

const WORKER = path.resolve('dist/test/coordinator/crash-worker.js')
const seed = Number(process.env.CRASH_SEED ?? Date.now() % 100000)

interface Run {
  readonly acked: number[]
  readonly signal: NodeJS.Signals | null
  readonly code: number | null
  readonly stderr: string
}

/**
 * Runs the worker with ISOLA_FAULT=fault and waits for it to end; `killAfterMs`:
 * SIGKILL it that long after its first acknowledged commit (not after it is ready:
 * on a loaded machine the first commit may take longer than the whole window).
 */
function runWorker(dir: string, fault: string, killAfterMs?: number): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [WORKER, dir, String(seed)], { env: { ...process.env, ISOLA_FAULT: fault }, stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    let stderr = ''
    let timer: NodeJS.Timeout | undefined
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString()
      if (killAfterMs !== undefined && timer === undefined && /^ack \d+$/m.test(out)) timer = setTimeout(() => child.kill('SIGKILL'), killAfterMs)
    })
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
    child.on('error', reject)
    child.on('exit', (code, signal) => {
      clearTimeout(timer)
      const acked = [...out.matchAll(/^ack (\d+)$/gm)].map((m) => Number(m[1]))
      resolve({ acked, signal, code, stderr })
    })
  })
}

/** After recovery: nothing prepared, no decision left, every transaction on all its shards or none, every acknowledged one there, the total intact. */
async function check(c: LocalCluster, acked: readonly number[]): Promise<{ marks: number }> {
  for (const s of c.shards) expect(await s.listPrepared()).toEqual([])
  await new Promise((r) => setImmediate(r))
  expect(c.log.decisions()).toEqual([])
  const t = c.coordinator.begin({ isolation: 'repeatable read' })
  const found = new Map<number, { shards: string; on: number[] }>()
  let total = 0
  for (let s = 0; s < SHARDS; s++) {
    total += Number((await t.execute(asShardId(s), 'SELECT coalesce(sum(balance), 0) FROM accounts')).rows[0]![0])
    for (const [id, shards] of (await t.execute(asShardId(s), 'SELECT id, shards FROM marks')).rows) {
      const m = found.get(Number(id)) ?? { shards: String(shards), on: [] }
      m.on.push(s)
      found.set(Number(id), m)
    }
  }
  await t.commit()
  expect(total).toBe(TOTAL)
  for (const [id, m] of found) expect({ id, on: m.on.join(',') }).toEqual({ id, on: m.shards })
  for (const id of acked) expect(found.has(id), `acknowledged transaction ${id} is lost`).toBe(true)
  return { marks: found.size }
}

describe(`coordinator crashes at named fault points (CRASH_SEED=${seed})`, () => {
  const points: FaultPoint[] = ['after-prepare', 'after-votes', 'after-decision-logged', 'after-some-commit-prepared']
  for (const point of points) {
    it(`${point}: after a restart every transaction is atomic and every acknowledged one is there`, async () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'isola-crash-'))
      try {
        await setUp(dir)
        const run = await runWorker(dir, `${point}@4`)
        expect(run.stderr).toBe('')
        expect(run.signal, 'the fault point should have killed the worker').toBe('SIGKILL')
        const c = await openCluster(dir)
        try {
          const { marks } = await check(c, run.acked)
          expect(marks).toBeGreaterThanOrEqual(run.acked.length)
        } finally {
          await c.close()
        }
      } finally {
        fs.rmSync(dir, { recursive: true, force: true })
      }
    })
  }

  it('kill -9 at a random moment, three times over: every restart recovers', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'isola-crash-'))
    try {
      await setUp(dir)
      for (let round = 0; round < 3; round++) {
        const run = await runWorker(dir, '', 150 + ((seed * 7919 + round * 104729) % 400))
        expect(run.stderr).toBe('')
        expect(run.signal).toBe('SIGKILL')
        expect(run.acked.length).toBeGreaterThan(0)
        const c = await openCluster(dir)
        try {
          await check(c, run.acked)
          // Every run numbers its marks from the start again: clear them.
          const t = c.coordinator.begin()
          for (let s = 0; s < SHARDS; s++) await t.execute(asShardId(s), 'DELETE FROM marks')
          await t.commit()
          await c.coordinator.settled()
        } finally {
          await c.close()
        }
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true })
    }
  })

  it('during-recovery: a crash while re-driving decisions, then a second recovery finishes them', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'isola-crash-'))
    try {
      await setUp(dir)
      // Crash with a decision logged and committed nowhere…
      const first = await runWorker(dir, 'after-decision-logged@4')
      expect(first.signal).toBe('SIGKILL')
      // …then crash again while recovery re-drives it (after one participant committed).
      const second = await runWorker(dir, 'during-recovery')
      expect(second.stderr).toBe('')
      expect(second.signal, 'recovery should have reached the fault point').toBe('SIGKILL')
      expect(second.acked).toEqual([])
      const c = await openCluster(dir)
      try {
        await check(c, first.acked)
      } finally {
        await c.close()
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true })
    }
  })
})
