#!/usr/bin/env node
/**
 * The `isola` command.
 *
 *   isola start [--data ./data] [--port 5433] [--host 127.0.0.1] [--auth METHOD]
 *               [--user NAME:PASSWORD]… [--max-connections 100] [--log-level info]
 *               [--tls-cert FILE --tls-key FILE] [--http-port 8080] [--shards N]
 *       Opens (and recovers) the data directory and serves the PostgreSQL wire
 *       protocol until SIGINT/SIGTERM; prints one line `ready on postgresql://…` once
 *       it accepts connections. Authentication: trust for loopback clients and
 *       scram-sha-256 for others, unless --auth (trust, password, md5,
 *       scram-sha-256) sets one method for all; --user creates a login superuser
 *       or sets its password. With a certificate and key, clients may use TLS.
 *       --http-port serves the read-only JSON admin (http-admin.ts). --shards N runs
 *       a coordinator over N local shards instead (--id names it, default c1).
 *   isola shard [--data ./data] [--port 5433] [--host 127.0.0.1] [--log-level info]
 *       A shard of a distributed Isola (shard.ts): the wire protocol over one
 *       database, for a coordinator's remote participants (trust; the first
 *       coordinator to connect is recorded and others are refused). Prints
 *       `ready on postgresql://…` like start.
 *   isola coordinator [--data ./data] [--port 5433] [--host 127.0.0.1] [--id c1]
 *               --shard HOST:PORT [--shard HOST:PORT]… [--max-connections 100] [--log-level info]
 *       A coordinator over shard processes (coordinator-process.ts): the wire
 *       protocol for clients, distributed transactions over the shards (shard i is
 *       the i-th --shard), the decision log in DIR/coordinator/. Prints `ready on
 *       postgresql://…` like start.
 *   isola sql [--data DIR | postgresql://…]
 *       An interactive SQL prompt on the embedded database or on a server.
 *   isola check [--data DIR]
 *       Recovers every database of a data directory and checks every B+tree invariant.
 */
import fs from 'node:fs'
import path from 'node:path'
import pino from 'pino'
import { dbError, isIsolaError } from '../common/errors.js'
import { ClusterMetadata, openLocalCluster } from '../coordinator/index.js'
import { ShardedWireSession } from '../coordinator/wire-session.js'
import { openCoordinatorServer, parseShardAddress } from './coordinator-process.js'
import { Store } from '../storage/store.js'
import { authExchange, AUTH_METHODS, type AuthMethod } from './auth/index.js'
import { Cluster, parseUserSpec } from './cluster/index.js'
import { startHttpAdmin } from './http-admin.js'
import { DEFAULT_PORT } from './server-options.js'
import { WireServer } from './server.js'
import { ShardServer } from './shard.js'
import { embeddedTarget, remoteTarget } from './shell-targets.js'
import { sqlShell } from './sql-shell.js'

function option(args: readonly string[], name: string, dflt: string): string {
  const i = args.indexOf(`--${name}`)
  return i >= 0 && args[i + 1] !== undefined ? args[i + 1]! : dflt
}

function options(args: readonly string[], name: string): string[] {
  return args.flatMap((a, i) => (a === `--${name}` && args[i + 1] !== undefined ? [args[i + 1]!] : []))
}

/** A mistake in the command line: printed as one line, without a stack. */
class UsageError extends Error {}

/** A single node's command must not make a single-node cluster inside a sharded one's directory (`npm start`'s ./data). */
function notSharded(dir: string, instead: string): void {
  if (fs.existsSync(path.join(dir, 'coordinator'))) throw new UsageError(`${dir} holds a sharded cluster (a coordinator and its shards): ${instead}`)
}

const isLoopback = (address: string | undefined): boolean => address === '127.0.0.1' || address === '::1' || address === '::ffff:127.0.0.1' || address?.startsWith('127.') === true

async function start(args: readonly string[], dir: string): Promise<number> {
  const log = pino({ level: option(args, 'log-level', 'info') }, pino.destination(2))
  const auth = option(args, 'auth', '')
  if (auth !== '' && !(AUTH_METHODS as readonly string[]).includes(auth)) throw new UsageError(`--auth must be one of ${AUTH_METHODS.join(', ')}`)
  const shards = Number(option(args, 'shards', '0'))
  if (shards > 0) return startSharded(args, dir, shards, log)
  notSharded(dir, 'start it with isola start --shards N')
  const cluster = await Cluster.open({ dir })
  for (const spec of options(args, 'user')) {
    const { name, password } = parseUserSpec(spec)
    await cluster.ensureUser(name, password)
  }
  const server = await WireServer.listen({
    ...listenOptions(args, log),
    tls: option(args, 'tls-cert', '') === '' ? undefined : { cert: fs.readFileSync(option(args, 'tls-cert', '')), key: fs.readFileSync(option(args, 'tls-key', '')) },
    session: (o) => cluster.session(o),
    authenticate: (user, _database, remote) => {
      const method: AuthMethod = auth !== '' ? (auth as AuthMethod) : isLoopback(remote) ? 'trust' : 'scram-sha-256'
      return authExchange(method, user, cluster.role(user))
    },
  })
  const httpPort = option(args, 'http-port', '')
  const http = httpPort === '' ? undefined : await startHttpAdmin({ host: option(args, 'host', '127.0.0.1'), port: Number(httpPort), server, cluster })
  return serveUntilSignalled(log, server, { dir, httpPort: httpPort || undefined }, async () => {
    await http?.close()
    await server.close()
    await cluster.close()
  })
}

/**
 * `isola start --shards N`: a coordinator and N local shards in this process (issue 6
 * in progress): DIR/shard<i>/ per shard, DIR/coordinator/ for the decision log; one
 * database, `postgres`, and trust authentication; distributed tables are declared
 * with DISTRIBUTED BY (col) or DISTRIBUTED REPLICATED.
 */
/** Options of the single node that a coordinator does not have yet: refused rather than ignored (trust, no TLS, no roles). */
const SINGLE_NODE_ONLY = ['auth', 'user', 'tls-cert', 'tls-key', 'http-port']

async function startSharded(args: readonly string[], dir: string, shards: number, log: pino.Logger): Promise<number> {
  const unsupported = SINGLE_NODE_ONLY.filter((o) => args.includes(`--${o}`))
  if (unsupported.length > 0) throw new UsageError(`${unsupported.map((o) => `--${o}`).join(', ')}: not available with --shards yet (a coordinator trusts its clients: keep it on loopback)`)
  if (fs.existsSync(path.join(dir, 'global.json'))) throw new UsageError(`${dir} holds a single-node cluster; --shards needs a directory of its own`)
  const local = await openLocalCluster({ dir, shards, id: option(args, 'id', 'c1') })
  const metadata = ClusterMetadata.fromShard(local.shards[0]!.db, shards)
  const server = await WireServer.listen({
    ...listenOptions(args, log),
    session: async ({ user, database, applicationName }) => {
      if (database !== 'postgres') throw dbError('invalid_catalog_name', `database "${database}" does not exist`)
      return ShardedWireSession.open(local.coordinator, metadata, local.shards[0]!.db.session({ user, database, applicationName }))
    },
  })
  return serveUntilSignalled(log, server, { dir, shards }, async () => {
    await server.close()
    await local.close()
  })
}

async function shard(args: readonly string[], dir: string): Promise<number> {
  const log = pino({ level: option(args, 'log-level', 'info') }, pino.destination(2))
  const { host, port } = listenOptions(args, log)
  const s = await ShardServer.open({ dir, host, port, logger: log })
  return serveUntilSignalled(log, s, { dir, shard: true }, () => s.close())
}

async function coordinator(args: readonly string[], dir: string): Promise<number> {
  const log = pino({ level: option(args, 'log-level', 'info') }, pino.destination(2))
  const shards = options(args, 'shard').map(parseShardAddress)
  if (shards.length === 0) throw new UsageError('isola coordinator needs its shards: --shard HOST:PORT, once for each, in order')
  const c = await openCoordinatorServer({ ...listenOptions(args, log), dir, shards, id: option(args, 'id', 'c1') })
  return serveUntilSignalled(log, c.server, { dir, shards: shards.map((a) => `${a.host}:${a.port}`) }, () => c.close())
}

/** The listener options every server command takes. */
function listenOptions(args: readonly string[], log: pino.Logger): { host: string; port: number; maxConnections: number; logger: pino.Logger } {
  return {
    host: option(args, 'host', '127.0.0.1'),
    port: Number(option(args, 'port', String(DEFAULT_PORT))),
    maxConnections: Number(option(args, 'max-connections', '100')),
    logger: log,
  }
}

/**
 * Prints the ready line, serves until SIGINT or SIGTERM, then closes. (Signal
 * handlers alone keep no event loop alive: the listeners do.)
 */
async function serveUntilSignalled(log: pino.Logger, at: { readonly host: string; readonly port: number }, details: object, close: () => Promise<void>): Promise<number> {
  console.log(`ready on postgresql://postgres@${at.host}:${at.port}/postgres`)
  log.info({ ...details, port: at.port }, 'listening')
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve)
    process.once('SIGTERM', resolve)
  })
  log.info('shutting down')
  await close()
  log.info('closed cleanly')
  return 0
}

async function main(argv: readonly string[]): Promise<number> {
  const [command = 'help', ...args] = argv
  const dir = path.resolve(option(args, 'data', './data'))
  switch (command) {
    case 'start':
      return start(args, dir)
    case 'shard':
      return shard(args, dir)
    case 'coordinator':
      return coordinator(args, dir)
    case 'sql': {
      const url = args.find((a) => /^postgres(ql)?:\/\//.test(a))
      if (url === undefined) notSharded(dir, 'connect to it while it runs: isola sql postgresql://…')
      await sqlShell(url !== undefined ? await remoteTarget(url) : await embeddedTarget(dir), process.stdin, process.stdout, process.stderr)
      return 0
    }
    case 'check': {
      // Each database of a single node is a store of its own under base/; each local shard of a cluster is one store.
      const base = path.join(dir, 'base')
      const stores = [
        ...(fs.existsSync(base) ? fs.readdirSync(base).map((name) => path.join(base, name)) : []),
        ...(fs.existsSync(dir) ? fs.readdirSync(dir).filter((n) => /^shard\d+$/.test(n)).map((n) => path.join(dir, n)) : []),
      ]
      if (stores.length === 0) throw new UsageError(`${dir} holds no database`)
      for (const at of stores) {
        const store = await Store.open({ dir: at })
        store.check()
        const s = store.stats()
        console.log(`isola: ${at}: ${store.trees().length} trees, ${s.pages} pages: all invariants hold`)
        await store.close()
      }
      return 0
    }
    default:
      console.log('usage: isola start [--data DIR] [--port P] [--auth METHOD] [--user NAME:PASSWORD] | isola shard [--data DIR] [--port P] | isola coordinator [--data DIR] [--port P] [--id ID] --shard HOST:PORT… | isola sql [--data DIR | postgresql://…] | isola check [--data DIR]')
      return command === 'help' ? 0 : 2
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e: unknown) => {
    // Database errors are reported as PostgreSQL would print them, not as a stack trace.
    if (isIsolaError(e)) console.error(`isola: ERROR ${e.code}: ${e.message}${e.detail ? `\nDETAIL: ${e.detail}` : ''}`)
    else if (e instanceof UsageError) console.error(`isola: ${e.message}`)
    else console.error(e)
    process.exit(1)
  },
)
