/**
 * A private PostgreSQL server for one test run.
 *
 * Some tests prove things against the real PostgreSQL (the golden anomaly scripts'
 * expected outputs are PostgreSQL 15's, and later the wire protocol is compared with
 * it). Pointing them at a shared server would make CI depend on a service being set
 * up and on its state; instead a test starts its own: a fresh data directory in a temp
 * dir, a free loopback port, a socket directory inside the temp dir, and nothing left
 * behind afterwards.
 *
 *     startPostgres()
 *       ├─ mkdtemp  /tmp/isola-pg-XXXXXX/          (chowned to `postgres` when root)
 *       │             ├─ data/        initdb --auth=trust --locale=C --encoding=UTF8
 *       │             ├─ data/isola.conf  port, listen 127.0.0.1, socket dir, fsync on
 *       │             ├─ sock/        the Unix socket, never /var/run/postgresql
 *       │             └─ server.log
 *       ├─ watchdog   sh reading a pipe from this process: EOF = we are gone
 *       └─ postgres -D data   a child of this process (so it is reaped here, not
 *                             left to init), ready when postmaster.pid says so, as
 *                             pg_ctl -w decides; bounded, and a failure's error
 *                             carries the tail of server.log
 *     stop()  pg_ctl stop -m fast, then the temp dir is removed
 *
 * PostgreSQL refuses to run as root, and CI runs as root: then initdb, postgres and
 * pg_ctl run as the `postgres` OS user, which owns the temp dir. They are spawned
 * with Node's uid/gid options rather than through `su -c` or runuser: no shell
 * quoting, and no su process in between that would orphan the postmaster (leaving
 * it to init to reap) or turn a signal meant for it into a SIGKILL.
 *
 * No zombie servers: a process.on('exit') handler would miss SIGKILL, signals and a
 * worker that vitest tears down, so a tiny detached shell holds the read end of a pipe
 * whose write end only this process has. When this process ends, however it ends, the
 * shell reads EOF, sends the postmaster SIGQUIT (immediate shutdown) if it is still
 * running, and removes the temp dir. stop() closes the pipe after its own clean stop,
 * when the shell has nothing left to do.
 *
 * Shortcut: the free port is found by binding port 0 and closing it, so another
 * process may take it before the server binds; a bind failure is retried on a new
 * port a few times.
 */
import { type ChildProcess, execFile, execFileSync, spawn } from 'node:child_process'
import fs from 'node:fs'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'

/** How long the server may take to accept connections before startPostgres gives up. */
export const START_TIMEOUT_MS = 30_000
/** Bound on initdb and on pg_ctl stop. */
const COMMAND_TIMEOUT_MS = 60_000
/** New ports tried when the chosen one was taken between choosing and binding. */
const BIND_ATTEMPTS = 3
const SERVER_BINARIES = ['initdb', 'pg_ctl', 'postgres'] as const

export interface StartPostgresOptions {
  /** Milliseconds to wait for the server to accept connections (default START_TIMEOUT_MS). */
  readonly timeoutMs?: number
  /** The OS user the server runs as when this process is root (default `postgres`). */
  readonly osUser?: string
  /** Extra postgresql.conf settings, e.g. `{ max_prepared_transactions: 10 }` (not port, listen_addresses or unix_socket_directories). */
  readonly settings?: Readonly<Record<string, string | number | boolean>>
}

export interface PostgresServer {
  /** postgres://postgres@127.0.0.1:PORT/postgres (trust auth, no password). */
  readonly url: string
  readonly port: number
  /** Stops the server (fast shutdown) and removes its directory; idempotent. */
  stop(): Promise<void>
}

const isExecutable = (p: string): boolean => {
  try {
    fs.accessSync(p, fs.constants.X_OK)
    return fs.statSync(p).isFile()
  } catch {
    return false
  }
}

const versionOf = (dir: string): number => Number(/postgresql\/(\d+)\//.exec(dir + '/')?.[1] ?? 0)

/**
 * The directory holding PostgreSQL's server binaries (initdb, pg_ctl, postgres):
 * the first on PATH, else /usr/lib/postgresql/15/bin, else the newest
 * /usr/lib/postgresql/N/bin; undefined when there is none (tests skip on that).
 */
export function postgresBinaries(): string | undefined {
  const onPath = (process.env.PATH ?? '').split(path.delimiter).filter((d) => d !== '')
  let installed: string[] = []
  try {
    installed = fs
      .readdirSync('/usr/lib/postgresql')
      .map((v) => `/usr/lib/postgresql/${v}/bin`)
      .sort((a, b) => versionOf(b) - versionOf(a))
  } catch {
    // no Debian-style install
  }
  const candidates = [...onPath, '/usr/lib/postgresql/15/bin', ...installed]
  return candidates.find((dir) => SERVER_BINARIES.every((b) => isExecutable(path.join(dir, b))))
}

const isRoot = (): boolean => process.getuid?.() === 0

/** Whom the server's commands run as (spawn's uid/gid); undefined means this process's own user. */
interface OsUser {
  readonly uid: number
  readonly gid: number
}

/** The uid and gid of an OS user (`id` asks NSS, so LDAP users work too). */
function idsOf(user: string): OsUser {
  try {
    const uid = Number(execFileSync('id', ['-u', user], { encoding: 'utf8' }).trim())
    const gid = Number(execFileSync('id', ['-g', user], { encoding: 'utf8' }).trim())
    return { uid, gid }
  } catch {
    throw new Error(`PostgreSQL refuses to run as root and there is no OS user '${user}' to run it as`)
  }
}

interface RunResult {
  readonly ok: boolean
  readonly output: string
}

/** Runs a command with a time bound; never rejects (the output explains a failure). */
function run(argv: readonly string[], as: OsUser | undefined, cwd: string, timeoutMs: number): Promise<RunResult> {
  return new Promise((resolve) => {
    execFile(argv[0]!, argv.slice(1), { ...as, cwd, timeout: timeoutMs, killSignal: 'SIGKILL', maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      const output = `${stdout}${stderr}`.trim()
      resolve({ ok: err === null, output: err === null ? output : `${output}\n(${err.message.split('\n')[0]})`.trim() })
    })
  })
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms))

/** A port that was free on 127.0.0.1 a moment ago. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer()
    srv.unref()
    srv.on('error', reject)
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address()
      srv.close(() => (typeof addr === 'object' && addr !== null ? resolve(addr.port) : reject(new Error('no port'))))
    })
  })
}

/** True once a TCP connection to the port succeeds (tried at least once), false at the deadline. */
async function accepts(port: number, deadline: number): Promise<boolean> {
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect({ host: '127.0.0.1', port })
      const done = (connected: boolean) => {
        s.destroy()
        resolve(connected)
      }
      s.setTimeout(1_000)
      s.once('connect', () => done(true))
      s.once('error', () => done(false))
      s.once('timeout', () => done(false))
    })
    if (ok) return true
    if (Date.now() >= deadline) return false
    await sleep(50)
  }
}

const logSize = (file: string): number => {
  try {
    return fs.statSync(file).size
  } catch {
    return 0
  }
}

/** The last lines the server logged after byte `from` (this attempt's, not an earlier one's). */
function logTail(file: string, from: number, lines = 30): string {
  try {
    const text = fs.readFileSync(file).subarray(from).toString('utf8').trimEnd()
    return text === '' ? '(the server logged nothing)' : text.split('\n').slice(-lines).join('\n')
  } catch {
    return '(no server log)'
  }
}

/**
 * The watchdog: when this process ends, the pipe closes, and the shell stops the
 * postmaster (if its pid file is still there) and removes the directory.
 */
function startWatchdog(dir: string): ChildProcess {
  const script = [
    'read _',
    'f="$1/data/postmaster.pid"',
    'if [ -f "$f" ]; then',
    '  pm=$(head -n 1 "$f")',
    '  kill -QUIT "$pm" 2>/dev/null',
    '  i=0',
    // The postmaster removes its pid file as it exits (kill -0 would also see a zombie).
    '  while [ -f "$f" ] && kill -0 "$pm" 2>/dev/null && [ "$i" -lt 100 ]; do sleep 0.1; i=$((i + 1)); done',
    '  kill -KILL "$pm" 2>/dev/null',
    'fi',
    'rm -rf "$1"',
  ].join('\n')
  const child = spawn('/bin/sh', ['-c', script, 'isola-pg-watchdog', dir], { detached: true, stdio: ['pipe', 'ignore', 'ignore'] })
  child.on('error', () => {})
  child.stdin?.on('error', () => {})
  child.unref()
  // The pipe must not keep this process alive either.
  ;(child.stdin as unknown as { unref?: () => void } | null)?.unref?.()
  return child
}

/** The postmaster, this process's own child. */
interface ServerProcess {
  readonly exited: Promise<void>
  hasExited(): boolean
  /** SIGQUIT: PostgreSQL's immediate shutdown. */
  quit(): void
}

function launch(argv: readonly string[], as: OsUser | undefined, cwd: string, log: string): ServerProcess {
  const fd = fs.openSync(log, 'a')
  let child: ChildProcess
  try {
    child = spawn(argv[0]!, argv.slice(1), { ...as, cwd, stdio: ['ignore', fd, fd] })
  } finally {
    fs.closeSync(fd)
  }
  // The server must not keep this process alive: the watchdog covers a forgotten stop().
  child.unref()
  let done = false
  const exited = new Promise<void>((resolve) => {
    const end = () => {
      done = true
      resolve()
    }
    child.once('exit', end)
    child.once('error', end)
  })
  return { exited, hasExited: () => done, quit: () => void child.kill('SIGQUIT') }
}

/** True once the postmaster says (line 8 of postmaster.pid, as pg_ctl -w reads it) that it accepts connections on `port`. */
function ready(data: string, port: number): boolean {
  try {
    const lines = fs.readFileSync(path.join(data, 'postmaster.pid'), 'utf8').split('\n')
    return lines[3]?.trim() === String(port) && lines[7]?.trim() === 'ready'
  } catch {
    return false
  }
}

/** Starts a private PostgreSQL; see the module comment. Rejects (and cleans up) if it does not come up in time. */
export async function startPostgres(options: StartPostgresOptions = {}): Promise<PostgresServer> {
  const bin = postgresBinaries()
  if (bin === undefined) throw new Error('PostgreSQL server binaries (initdb, pg_ctl, postgres) not found on PATH or in /usr/lib/postgresql/*/bin (Debian: apt-get install postgresql-15)')
  const timeoutMs = options.timeoutMs ?? START_TIMEOUT_MS
  const user = options.osUser ?? 'postgres'
  const as = isRoot() ? idsOf(user) : undefined

  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'isola-pg-'))
  const data = path.join(dir, 'data')
  const sock = path.join(dir, 'sock')
  const log = path.join(dir, 'server.log')
  const watchdog = startWatchdog(dir)
  let proc: ServerProcess | undefined

  const pgCtl = (mode: 'fast' | 'immediate'): Promise<RunResult> =>
    run([path.join(bin, 'pg_ctl'), '-D', data, 'stop', '-m', mode, '-w', '-t', '30'], as, dir, COMMAND_TIMEOUT_MS)
  /** Stops the server if it runs, in bounded time. */
  const halt = async (mode: 'fast' | 'immediate'): Promise<void> => {
    if (!proc || proc.hasExited()) return
    // pg_ctl signals the pid in postmaster.pid and waits for the shutdown to finish;
    // a postmaster that has not written that file yet, or ignores pg_ctl, gets SIGQUIT.
    const stopped = fs.existsSync(path.join(data, 'postmaster.pid')) && (await pgCtl(mode)).ok
    if (!stopped) proc.quit()
    await Promise.race([proc.exited, sleep(10_000)])
  }
  const cleanUp = async (): Promise<void> => {
    await halt('fast')
    await fs.promises.rm(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 })
    watchdog.stdin?.end()
  }

  try {
    fs.mkdirSync(sock)
    if (as) for (const p of [dir, sock]) fs.chownSync(p, as.uid, as.gid)

    // --no-sync: the directory is thrown away after the run, so initdb's own flush
    // buys nothing; the server itself runs with fsync on.
    const init = await run(
      [path.join(bin, 'initdb'), '-D', data, '-U', 'postgres', '--auth=trust', '--locale=C', '--encoding=UTF8', '--no-sync', '--no-instructions'],
      as,
      dir,
      COMMAND_TIMEOUT_MS,
    )
    if (!init.ok) throw new Error(`initdb failed:\n${init.output}`)
    fs.appendFileSync(path.join(data, 'postgresql.conf'), "\ninclude = 'isola.conf'\n")

    for (let attempt = 1; ; attempt++) {
      const port = await freePort()
      // The caller's settings may not move the server off its port, address or socket dir.
      const settings: Record<string, string | number | boolean> = {
        fsync: true,
        logging_collector: false,
        ...options.settings,
        listen_addresses: '127.0.0.1',
        port,
        unix_socket_directories: sock,
      }
      const conf = Object.entries(settings).map(([k, v]) => `${k} = ${typeof v === 'string' ? `'${v.replace(/'/g, "''")}'` : typeof v === 'boolean' ? (v ? 'on' : 'off') : v}`)
      fs.writeFileSync(path.join(data, 'isola.conf'), conf.join('\n') + '\n', { mode: 0o644 })

      const logFrom = logSize(log)
      const deadline = Date.now() + timeoutMs
      const server = launch([path.join(bin, 'postgres'), '-D', data], as, dir, log)
      proc = server
      while (!server.hasExited() && !ready(data, port) && Date.now() < deadline) await sleep(25)
      if (!server.hasExited() && ready(data, port) && (await accepts(port, deadline))) {
        let stopping: Promise<void> | undefined
        return { url: `postgres://postgres@127.0.0.1:${port}/postgres`, port, stop: () => (stopping ??= cleanUp()) }
      }
      const exitedEarly = server.hasExited()
      // A server that did not come up in time may still be starting: stop it before retrying or giving up.
      await halt('immediate')
      const tail = logTail(log, logFrom)
      if (exitedEarly && attempt < BIND_ATTEMPTS && /could not bind|could not create any TCP\/IP sockets|Address already in use/i.test(tail)) {
        fs.appendFileSync(log, `\n--- port ${port} was taken; retrying on another ---\n`)
        continue
      }
      const why = exitedEarly ? 'exited while starting' : `did not accept connections within ${timeoutMs} ms`
      throw new Error(`PostgreSQL on 127.0.0.1:${port} ${why}\n--- server log (tail) ---\n${tail}`)
    }
  } catch (e) {
    await cleanUp().catch(() => {})
    throw e
  }
}
