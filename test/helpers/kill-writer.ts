/**
 * The parent's side of the kill -9 tests (test/storage, test/engine/sql): a writer
 * is a compiled test script run as a child process that prints `ready` once it has
 * opened its data directory, then `ack N` for every batch N whose commit it got an
 * acknowledgement for. The parent kills it with SIGKILL at a random moment and then
 * checks that every acknowledged batch survived.
 *
 * The writers take their random choices from a seed on their command line, and the
 * parent draws those seeds and kill times from CRASH_SEED, so a failing run replays.
 */
import { spawn } from 'node:child_process'
import { Rng } from './random.js'

/** The seed of this run's random choices: CRASH_SEED, or a fresh one the test names in its title. */
export const crashSeed = Number(process.env.CRASH_SEED ?? Date.now() % 100000)

export interface KilledRun {
  readonly acked: number[]
  /** False when the writer died before the timer fired: an injected fault killed it. */
  readonly killedByTimer: boolean
}

/**
 * Runs `node writer ...args`, SIGKILLs it `killAfterMs` after it is ready, and
 * resolves with the batches it acknowledged. Any other exit is a failure of the test.
 */
export function runAndKill(writer: string, args: readonly string[], killAfterMs: number, env: NodeJS.ProcessEnv = process.env): Promise<KilledRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [writer, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] })
    const acked: number[] = []
    let out = ''
    let err = ''
    let timer: NodeJS.Timeout | undefined
    let killedByTimer = false
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString()
      let nl: number
      while ((nl = out.indexOf('\n')) >= 0) {
        const line = out.slice(0, nl)
        out = out.slice(nl + 1)
        if (line === 'ready') {
          timer = setTimeout(() => {
            killedByTimer = true
            child.kill('SIGKILL')
          }, killAfterMs)
        } else if (line.startsWith('ack ')) acked.push(Number(line.slice(4)))
      }
    })
    child.stderr.on('data', (d: Buffer) => (err += d.toString()))
    child.on('exit', (code, signal) => {
      clearTimeout(timer)
      if (signal !== 'SIGKILL') reject(new Error(`writer exited with ${code ?? signal}: ${err}`))
      else resolve({ acked, killedByTimer })
    })
  })
}

/** The writer's side: its random choices, from the seed the parent passed. */
export function writerRandom(seedArg: string | undefined): () => number {
  const rng = new Rng(Number(seedArg) || 1)
  return () => rng.next()
}
