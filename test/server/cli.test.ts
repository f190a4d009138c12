/** `isola start` as a real process: it stays up until SIGINT, closes cleanly, and owns its directory. */
import { spawn, spawnSync } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { describe, expect, it } from 'vitest'

const CLI = path.resolve('dist/server/cli.js')

describe('isola start', () => {
  it('runs until SIGINT, refuses a second process on the same directory, and closes cleanly', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'isola-cli-'))
    const first = spawn(process.execPath, [CLI, 'start', '--data', dir], { stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    first.stdout.on('data', (d: Buffer) => (out += d.toString()))
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no start-up line: ${out}`)), 20_000)
      first.stdout.on('data', () => {
        if (out.includes('open')) {
          clearTimeout(timer)
          resolve()
        }
      })
      first.on('exit', (code) => reject(new Error(`start exited early with ${code}: ${out}`)))
    })
    // Still running a moment later (it once exited at once: signal handlers keep no loop alive).
    await new Promise((r) => setTimeout(r, 300))
    expect(first.exitCode).toBeNull()

    const second = spawnSync(process.execPath, [CLI, 'start', '--data', dir], { encoding: 'utf8', timeout: 20_000 })
    expect(second.status).toBe(1)
    expect(second.stderr).toMatch(/ERROR 55000: data directory .* is in use by process \d+/)

    const exited = new Promise<number | null>((r) => first.on('exit', (code) => r(code)))
    first.kill('SIGINT')
    expect(await exited).toBe(0)
    expect(out).toContain('closed cleanly')
    expect(fs.existsSync(path.join(dir, 'LOCK'))).toBe(false)
    fs.rmSync(dir, { recursive: true, force: true })
  })
})
