/**
 * A throwaway PostgreSQL server for a benchmark: initdb into a temp dir, `pg_ctl start
 * -w` on a free loopback port with fsync on, `pg_ctl stop -m fast` and the dir removed
 * at the end. As root (PostgreSQL refuses to run as root) initdb, pg_ctl and the server
 * run as the `postgres` OS user, through spawn's uid/gid (no su in between).
 *
 * test/helpers/postgres-server.ts does the same for tests with more care (a watchdog
 * for killed test workers, bind retries, log tails); a benchmark runs in the
 * foreground, so a failure here is printed and the dir left for a look.
 */
import { execFile, execFileSync } from 'node:child_process'
import fs from 'node:fs'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'

export interface BenchPostgres {
  readonly port: number
  /** The server binaries' directory (pgbench is looked up on PATH, then here). */
  readonly bin: string
  stop(): Promise<void>
}

/** PostgreSQL 15's binaries: /usr/lib/postgresql/15/bin, else the first initdb on PATH. */
export function postgresBin(): string {
  const candidates = ['/usr/lib/postgresql/15/bin', ...(process.env.PATH ?? '').split(path.delimiter)]
  const dir = candidates.find((d) => d !== '' && fs.existsSync(path.join(d, 'initdb')) && fs.existsSync(path.join(d, 'pg_ctl')))
  if (dir === undefined) throw new Error('PostgreSQL 15 server binaries not found (apt-get install postgresql-15)')
  return dir
}

/** A port free on 127.0.0.1 a moment ago. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer()
    srv.on('error', reject)
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address()
      srv.close(() => (typeof addr === 'object' && addr !== null ? resolve(addr.port) : reject(new Error('no port'))))
    })
  })
}

/** Runs a command to completion; rejects with its output on failure. */
export function run(file: string, args: readonly string[], options: { uid?: number; gid?: number; cwd?: string } = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(file, args, { ...options, maxBuffer: 64 << 20 }, (err, stdout, stderr) => {
      if (err !== null) reject(new Error(`${path.basename(file)} ${args.join(' ')} failed: ${err.message}\n${stdout}${stderr}`))
      else resolve(`${stdout}${stderr}`)
    })
  })
}

/** Starts PostgreSQL (fsync on, `settings` added to postgresql.conf) and resolves once it accepts connections. */
export async function startPostgres(settings: Readonly<Record<string, string | number>> = {}): Promise<BenchPostgres> {
  const bin = postgresBin()
  const as = process.getuid?.() === 0 ? { uid: Number(execFileSync('id', ['-u', 'postgres']).toString()), gid: Number(execFileSync('id', ['-g', 'postgres']).toString()) } : {}
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'isola-bench-pg-'))
  const data = path.join(dir, 'data')
  if (as.uid !== undefined) fs.chownSync(dir, as.uid, as.gid!)
  await run(path.join(bin, 'initdb'), ['-D', data, '-U', 'postgres', '--auth=trust', '--locale=C', '--encoding=UTF8', '--no-instructions'], { ...as, cwd: dir })
  const port = await freePort()
  const conf = { fsync: 'on', synchronous_commit: 'on', listen_addresses: "'127.0.0.1'", unix_socket_directories: `'${dir}'`, port, max_connections: 100, ...settings }
  fs.appendFileSync(path.join(data, 'postgresql.conf'), '\n' + Object.entries(conf).map(([k, v]) => `${k} = ${v}`).join('\n') + '\n')
  await run(path.join(bin, 'pg_ctl'), ['-D', data, '-l', path.join(dir, 'server.log'), '-w', '-t', '60', 'start'], { ...as, cwd: dir })
  let stopped: Promise<void> | undefined
  return {
    port,
    bin,
    stop: () =>
      (stopped ??= (async () => {
        await run(path.join(bin, 'pg_ctl'), ['-D', data, '-m', 'fast', '-w', 'stop'], { ...as, cwd: dir })
        fs.rmSync(dir, { recursive: true, force: true })
      })()),
  }
}
