/**
 * Kill -9 tests with real child processes (test/storage/crash-writer.ts): every
 * acknowledged commit survives, no batch is half-applied, the trees keep their
 * invariants; the same with torn writes and with simulated power cuts
 * (storage/power-cut-model.ts), and a flipped byte is either harmless or reported
 * as XX001, never returned as data.
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { isIsolaError } from '../../common/errors.js'
import { Store } from '../../storage/store.js'
import { crashSeed, runAndKill, type KilledRun } from '../helpers/kill-writer.js'
import { Rng } from '../helpers/random.js'
import { CRASH_STORE_OPTIONS, verifyCrashStore } from './crash-model.js'

const WRITER = path.resolve('dist/test/storage/crash-writer.js')

const rng = new Rng(crashSeed)
const random = () => rng.next()

/** Starts the writer, SIGKILLs it `killAfterMs` after it is ready (or lets a fault kill it). */
function runWriter(dir: string, first: number, deletable: readonly number[], killAfterMs: number, fault?: string): Promise<KilledRun> {
  const env = { ...process.env, DELETABLE: deletable.slice(-200).join(','), ISOLA_FAULT: fault ?? '' }
  return runAndKill(WRITER, [dir, String(first), String(Math.floor(random() * 1e6))], killAfterMs, env)
}

async function verify(dir: string, acked: ReadonlySet<number>): Promise<number[]> {
  const store = await Store.open({ ...CRASH_STORE_OPTIONS, dir })
  try {
    return [...verifyCrashStore(store, acked).present]
  } finally {
    await store.close()
  }
}

function tempDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'isola-crash-'))
}

/** Flips one byte of a random file in `dir` (the log or the data file). */
function flipRandomByte(dir: string): string {
  const files = [path.join(dir, 'data.isola'), ...fs.readdirSync(path.join(dir, 'wal')).map((f) => path.join(dir, 'wal', f))]
  const sized = files.filter((f) => fs.statSync(f).size > 0)
  const file = sized[Math.floor(random() * sized.length)]!
  const size = fs.statSync(file).size
  const at = Math.floor(random() * size)
  const fd = fs.openSync(file, 'r+')
  const b = Buffer.alloc(1)
  fs.readSync(fd, b, 0, 1, at)
  b[0] = b[0]! ^ (1 << Math.floor(random() * 8))
  fs.writeSync(fd, b, 0, 1, at)
  fs.closeSync(fd)
  return `${path.basename(file)}@${at}`
}

describe('the crash model', () => {
  it('finds nothing committed when the writer died before its tree was created, unless a batch was acknowledged', async () => {
    const dir = tempDir()
    const store = await Store.open({ ...CRASH_STORE_OPTIONS, dir })
    try {
      expect(verifyCrashStore(store, new Set())).toEqual({ committed: new Set(), present: new Set() })
      expect(() => verifyCrashStore(store, new Set([7]))).toThrow(/acknowledged/)
    } finally {
      await store.close()
      fs.rmSync(dir, { recursive: true, force: true })
    }
  })
})

describe('kill -9 of a committing process', () => {
  it(`keeps every acknowledged commit across 50 kills at random moments (seed ${crashSeed})`, async () => {
    const dir = tempDir()
    const acked = new Set<number>()
    let present: number[] = []
    for (let run = 0; run < 50; run++) {
      const r = await runWriter(dir, run * 100_000, present, 20 + Math.floor(random() * 300))
      for (const b of r.acked) acked.add(b)
      present = await verify(dir, acked)
    }
    expect(acked.size).toBeGreaterThan(200)
    fs.rmSync(dir, { recursive: true, force: true })
  })

  it(`survives torn writes of log chunks, pages and meta pages (seed ${crashSeed})`, async () => {
    const dir = tempDir()
    const acked = new Set<number>()
    let present: number[] = []
    let tornDeaths = 0
    for (let run = 0; run < 25; run++) {
      const atWrite = 5 + Math.floor(random() * 150)
      const r = await runWriter(dir, run * 100_000, present, 3000, `torn-write:${atWrite}:${1 + Math.floor(random() * 1e6)}`)
      for (const b of r.acked) acked.add(b)
      if (!r.killedByTimer) tornDeaths++
      present = await verify(dir, acked)
    }
    // The fault, not the timer, ended (nearly) every run: the torn writes happened.
    expect(tornDeaths).toBeGreaterThanOrEqual(20)
    expect(acked.size).toBeGreaterThan(20)
    fs.rmSync(dir, { recursive: true, force: true })
  })

  it(`survives power cuts that lose any part of the unsynced writes, recycled log segments included (seed ${crashSeed})`, async () => {
    const dir = tempDir()
    const acked = new Set<number>()
    let present: number[] = []
    let cutDeaths = 0
    let recycledRuns = 0
    for (let run = 0; run < 25; run++) {
      // Segments a checkpoint freed are spares; the next new segment is one of them, renamed.
      if (fs.existsSync(path.join(dir, 'wal')) && fs.readdirSync(path.join(dir, 'wal')).some((f) => f.endsWith('.spare'))) recycledRuns++
      // Every other run counts only log writes, so that the cut often falls on the log's own.
      const atWrite = 5 + Math.floor(random() * 400)
      const only = run % 2 === 1 ? ':.wal' : ''
      const r = await runWriter(dir, run * 100_000, present, 3000, `power-cut:${atWrite}:${1 + Math.floor(random() * 1e6)}${only}`)
      for (const b of r.acked) acked.add(b)
      if (!r.killedByTimer) cutDeaths++
      present = await verify(dir, acked)
    }
    expect(cutDeaths).toBeGreaterThanOrEqual(20)
    expect(recycledRuns).toBeGreaterThan(0)
    expect(acked.size).toBeGreaterThan(20)
    fs.rmSync(dir, { recursive: true, force: true })
  })

  it(`reports a flipped byte as XX001 or recovers exactly, never wrong data (seed ${crashSeed})`, async () => {
    const dir = tempDir()
    const acked = new Set<number>()
    let present: number[] = []
    let detected = 0
    const outcomes: string[] = []
    for (let run = 0; run < 20; run++) {
      const r = await runWriter(dir, run * 100_000, present, 50 + Math.floor(random() * 200))
      for (const b of r.acked) acked.add(b)
      const copy = tempDir()
      fs.cpSync(dir, copy, { recursive: true })
      const where = flipRandomByte(copy)
      try {
        await verify(copy, acked)
        outcomes.push(`${where}: recovered`)
      } catch (e) {
        if (!isIsolaError(e, 'data_corrupted')) throw new Error(`flip at ${where} gave ${String(e)}`, { cause: e })
        detected++
        outcomes.push(`${where}: XX001`)
      }
      fs.rmSync(copy, { recursive: true, force: true })
      present = await verify(dir, acked)
    }
    // Most flips land in live log records or pages; some in free space, which is harmless.
    expect(detected, outcomes.join('\n')).toBeGreaterThan(0)
    fs.rmSync(dir, { recursive: true, force: true })
  })
})
