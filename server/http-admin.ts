/**
 * The HTTP admin port (`isola start --http-port 8080`): what an operator or a
 * teaching UI reads without a SQL client. JSON only, read-only, loopback by default.
 *
 *     GET /health        {"status":"ok","connections":3}
 *     GET /activity      the open connections: pid, user, database, state … (pg_stat_activity)
 *     GET /databases     the cluster's databases (oid, name, owner)
 *     GET /roles         its roles, without passwords
 *
 * fastify: its schema-less JSON routes are all this needs, and the coordinator's
 * views (issue 6) will join them here.
 */
import Fastify, { type FastifyInstance } from 'fastify'
import type { ClusterAdmin } from '../engine/cluster-admin.js'
import type { WireServer } from './server.js'

export async function startHttpAdmin(options: { readonly host: string; readonly port: number; readonly server: WireServer; readonly cluster: ClusterAdmin }): Promise<FastifyInstance> {
  const app = Fastify({ logger: false })
  app.get('/health', async () => ({ status: 'ok', connections: options.server.connectionCount }))
  app.get('/activity', async () => options.server.activity())
  app.get('/databases', async () => options.cluster.databases())
  app.get('/roles', async () => options.cluster.roles())
  await app.listen({ host: options.host, port: options.port })
  return app
}
