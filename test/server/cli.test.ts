/**
 * `isola start` as a real process: it prints its ready line with the URL, serves
 * clients, owns its directory, and closes cleanly on SIGINT and SIGTERM, with a
 * committed row there at the next start.
 */
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import pg from 'pg'
import { afterAll, describe, expect, it } from 'vitest'
import { openLocalCluster } from '../../coordinator/local-cluster.js'

const CLI = path.resolve('dist/server/cli.js')

/** Every server started, killed at the end even when a test fails half-way (no process left behind). */
const started: ChildProcessWithoutNullStreams[] = []
afterAll(() => {
  for (const child of started) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
})

/** Starts the CLI and resolves with its URL once it prints the ready line. */
async function start(dir: string): Promise<{ child: ChildProcessWithoutNullStreams; url: string; output: () => string }> {
  const child = spawn(process.execPath, [CLI, 'start', '--data', dir, '--port', '0', '--log-level', 'info'], { stdio: ['pipe', 'pipe', 'pipe'] })
  started.push(child)
  let out = ''
  child.stdout.on('data', (d: Buffer) => (out += d.toString()))
  child.stderr.on('data', (d: Buffer) => (out += d.toString()))
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ready line: ${out}`)), 20_000)
    child.stdout.on('data', () => {
      const m = /^ready on (postgresql:\/\/\S+)$/m.exec(out)
      if (m !== null) {
        clearTimeout(timer)
        resolve(m[1]!)
      }
    })
    child.on('exit', (code) => reject(new Error(`start exited early with ${code}: ${out}`)))
  })
  return { child, url, output: () => out }
}

describe('isola start', () => {
  it('serves clients until SIGINT/SIGTERM, refuses a second process on the same directory, and closes cleanly', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'isola-cli-'))
    const first = await start(dir)
    const c = new pg.Client({ connectionString: first.url })
    await c.connect()
    await c.query('CREATE TABLE kept (k int PRIMARY KEY)')
    await c.query('INSERT INTO kept VALUES (42)')
    // A client in the middle of a transaction when the server stops: it is told, and its work is rolled back.
    c.on('error', () => undefined)
    await c.query('BEGIN')
    await c.query('INSERT INTO kept VALUES (43)')

    const second = spawnSync(process.execPath, [CLI, 'start', '--data', dir, '--port', '0'], { encoding: 'utf8', timeout: 20_000 })
    expect(second.status).toBe(1)
    expect(second.stderr).toMatch(/ERROR 55000: data directory .* is in use by process \d+/)

    const exited = new Promise<number | null>((r) => first.child.on('exit', (code) => r(code)))
    first.child.kill('SIGTERM')
    expect(await exited).toBe(0)
    expect(first.output()).toContain('closed cleanly')
    expect(fs.existsSync(path.join(dir, 'LOCK'))).toBe(false)

    const again = await start(dir)
    const d = new pg.Client({ connectionString: again.url })
    await d.connect()
    expect((await d.query('SELECT k FROM kept ORDER BY k')).rows).toEqual([{ k: 42 }])
    await d.end()
    const exitedAgain = new Promise<number | null>((r) => again.child.on('exit', (code) => r(code)))
    again.child.kill('SIGINT')
    expect(await exitedAgain).toBe(0)
    fs.rmSync(dir, { recursive: true, force: true })
  })
})

describe('a sharded cluster\'s directory (npm start\'s)', () => {
  it('is checked shard by shard, and refused by the single node\'s start and embedded sql', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'isola-cli-sharded-'))
    try {
      const c = await openLocalCluster({ dir, shards: 2 })
      await c.close()
      const run = (...args: string[]) => spawnSync(process.execPath, [CLI, ...args, '--data', dir], { encoding: 'utf8', input: '', timeout: 30_000 })
      const check = run('check')
      expect(check.status).toBe(0)
      expect(check.stdout).toMatch(/shard0: .*all invariants hold/)
      expect(check.stdout).toMatch(/shard1: .*all invariants hold/)
      for (const cmd of ['start', 'sql']) {
        const r = run(cmd)
        expect(r.status, cmd).toBe(1)
        expect(r.stderr).toMatch(/holds a sharded cluster/)
      }
      expect(fs.existsSync(path.join(dir, 'global.json'))).toBe(false)
      const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'isola-cli-empty-'))
      const none = spawnSync(process.execPath, [CLI, 'check', '--data', empty], { encoding: 'utf8', timeout: 30_000 })
      fs.rmSync(empty, { recursive: true, force: true })
      expect(none.status).toBe(1)
      expect(none.stderr).toMatch(/holds no database/)
    } finally {
      fs.rmSync(dir, { recursive: true, force: true })
    }
  })
})
