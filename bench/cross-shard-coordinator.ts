/**
 * A coordinator process over remote shards, for bench/cross-shard.ts:
 *
 *   node dist/bench/cross-shard-coordinator.js --port P --data DIR --shard host:port --shard host:port
 *
 * The wire server over openRemoteCluster (remote-cluster.ts): each connection a
 * ShardedWireSession, the decision log (SQLite, synchronous=FULL) in DIR/coordinator.
 * Prints `ready on postgresql://…` once it serves; SIGINT/SIGTERM close it.
 *
 * Why it lives in bench/: `isola coordinator` (server/cli.ts) is being built
 * elsewhere (issue 6); until then this is the smallest honest coordinator process.
 * ShardedWireSession wants an engine session to keep settings and describe
 * statements: an empty in-memory database serves, because the benchmark speaks the
 * simple Query protocol only (nothing is described) and runs its DDL through the
 * coordinator, which routes it to the shards.
 */
import path from 'node:path'
import pino from 'pino'
import { dbError } from '../common/errors.js'
import { ClusterMetadata, ClusterSession, openRemoteCluster } from '../coordinator/index.js'
import { ShardedWireSession } from '../coordinator/wire-session.js'
import { open } from '../engine/index.js'
import { WireServer } from '../server/server.js'

const args = process.argv.slice(2)
const option = (name: string, dflt: string): string => {
  const i = args.indexOf(`--${name}`)
  return i >= 0 ? args[i + 1]! : dflt
}
const shards = args.flatMap((a, i) => (a === '--shard' ? [args[i + 1]!] : [])).map((s) => {
  const [host, port] = s.split(':')
  return { host: host!, port: Number(port) }
})

const log = pino({ level: option('log-level', 'warn') }, pino.destination(2))
const cluster = await openRemoteCluster({ dir: path.resolve(option('data', './data')), shards, maxConnections: Number(option('shard-connections', '32')) })
const describer = await open({ memory: true })
const metadata = new ClusterMetadata(shards.length)
const server = await WireServer.listen({
  host: '127.0.0.1',
  port: Number(option('port', '0')),
  maxConnections: 200,
  logger: log,
  session: async ({ user, database, applicationName }) => {
    if (database !== 'postgres') throw dbError('invalid_catalog_name', `database "${database}" does not exist`)
    return new ShardedWireSession(new ClusterSession(cluster.coordinator, metadata), describer.session({ user, database, applicationName }))
  },
})
console.log(`ready on postgresql://postgres@${server.host}:${server.port}/postgres`)
await new Promise<void>((resolve) => {
  process.once('SIGINT', resolve)
  process.once('SIGTERM', resolve)
})
await server.close()
await cluster.close()
await describer.close()
process.exit(0)
