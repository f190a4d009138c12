/**
 * A coordinator process (`isola coordinator --shard host:port …`): the wire-protocol
 * server for clients over a coordinator whose shards are `isola shard` processes
 * (DESIGN.md §1, §6). It has no engine database of its own:
 *
 *     <dir>/coordinator/decisions.sqlite   the decision log, epoch and oracle reservation
 *
 * What a one-process cluster borrows from shard 0's engine comes from elsewhere:
 *   - routing metadata: read at start from shard 0's catalog over the wire
 *     (remote-metadata.ts); from the next shard that answers when shard 0 is down,
 *     with a warning, and an error naming shard 0 when none answers;
 *   - Parse/Describe: forwarded to a shard (remote-describer.ts);
 *   - SET/SHOW/RESET: kept in a session of a tiny in-memory engine that holds no
 *     table (settings only; the validation and display of one node's).
 *
 * Identity: `--id` names the coordinator in gids and in the `isola.coordinator`
 * start-up parameter of every connection to a shard; a shard that recorded another
 * coordinator refuses it with 28000.
 *
 * Recovery runs before the server listens but does not wait for a shard that
 * cannot be reached (coordinator.ts): it is resolved in the background when it
 * comes back; meanwhile statements that need it fail with 08006.
 * `ISOLA_FAULT` (coordinator/faults.ts) crashes the process at a named point.
 */
import type { Logger } from 'pino'
import { dbError, isIsolaError } from '../common/errors.js'
import { faultsFromEnv, openRemoteCluster, WireConnection, type ClusterMetadata, type RemoteCluster } from '../coordinator/index.js'
import { RemoteDescriber } from '../coordinator/remote-describer.js'
import { metadataFromRemoteShard } from '../coordinator/remote-metadata.js'
import { ShardedWireSession } from '../coordinator/wire-session.js'
import { open } from '../engine/index.js'
import { WireServer } from './server.js'

export interface ShardAddress {
  readonly host: string
  readonly port: number
}

export interface CoordinatorServerOptions {
  readonly dir: string
  readonly shards: readonly ShardAddress[]
  /** Default 'c1'. */
  readonly id?: string
  readonly host?: string
  /** 0 picks a free port. */
  readonly port?: number
  readonly maxConnections?: number
  readonly logger?: Logger
}

export interface CoordinatorServer {
  readonly server: WireServer
  readonly cluster: RemoteCluster
  close(): Promise<void>
}

/** `host:port` (or `[v6]:port`) as --shard gives it. */
export function parseShardAddress(spec: string): ShardAddress {
  const m = /^(?:\[([^\]]+)\]|([^:]+)):(\d+)$/.exec(spec)
  if (m === null) throw new Error(`--shard ${spec}: expected HOST:PORT`)
  return { host: m[1] ?? m[2]!, port: Number(m[3]) }
}

export async function openCoordinatorServer(options: CoordinatorServerOptions): Promise<CoordinatorServer> {
  const id = options.id ?? 'c1'
  const log = options.logger
  const cluster = await openRemoteCluster({ dir: options.dir, shards: options.shards, id, faults: faultsFromEnv() })
  const params = { 'isola.coordinator': id, application_name: `isola coordinator ${id}` }
  const describer = new RemoteDescriber(options.shards.map((a) => ({ ...a, params })))
  const settings = await open({ memory: true, owner: 'coordinator' })
  try {
    const down = cluster.coordinator.unrecoveredShards
    if (down.length > 0) log?.warn({ shards: down.map((s) => options.shards[s]) }, 'shards unreachable: their recovery goes on in the background, statements that need them fail with 08006')
    const metadata = await readMetadata(options.shards, params, log)
    const server = await WireServer.listen({
      host: options.host ?? '127.0.0.1',
      port: options.port ?? 0,
      maxConnections: options.maxConnections,
      logger: log,
      session: async ({ user, database, applicationName }) => {
        if (database !== 'postgres') throw dbError('invalid_catalog_name', `database "${database}" does not exist`)
        return ShardedWireSession.open(cluster.coordinator, metadata, settings.session({ user, database, applicationName }), describer)
      },
    })
    return {
      server,
      cluster,
      async close() {
        await server.close()
        await describer.close()
        await settings.close()
        await cluster.close()
      },
    }
  } catch (e) {
    await describer.close()
    await settings.close()
    await cluster.close()
    throw e
  }
}

/** The routing metadata from shard 0's catalog, or from the first other shard that answers when shard 0 does not. */
async function readMetadata(shards: readonly ShardAddress[], params: Record<string, string>, log: Logger | undefined): Promise<ClusterMetadata> {
  let first: unknown
  for (const [i, a] of shards.entries()) {
    let conn: WireConnection | undefined
    try {
      conn = await WireConnection.connect({ ...a, params })
      const metadata = await metadataFromRemoteShard(conn, shards.length)
      if (i > 0) log?.warn({ shard0: `${shards[0]!.host}:${shards[0]!.port}`, from: `${a.host}:${a.port}` }, `shard 0 is unreachable: routing metadata read from shard ${i}`)
      return metadata
    } catch (e) {
      if (!isIsolaError(e, 'connection_failure') && !isIsolaError(e, 'admin_shutdown')) throw e
      first ??= e
    } finally {
      await conn?.close()
    }
  }
  throw dbError('connection_failure', `no shard can be reached to read the routing metadata from (shard 0 at ${shards[0]!.host}:${shards[0]!.port}: ${(first as Error).message})`, {
    hint: 'Start the shards (isola shard) first, shard 0 at least.',
  })
}
