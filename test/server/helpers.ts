/**
 * A wire-protocol server in the test's process over an in-memory database (or a
 * directory), on a free loopback port, and the URL clients connect to.
 */
import fs from 'node:fs'
import { open, type Database } from '../../index.js'
import { WireServer } from '../../server/server.js'
import type { ServerOptions } from '../../server/server-options.js'
import { dbError } from '../../common/errors.js'

export interface TestServer {
  readonly server: WireServer
  readonly db: Database
  readonly port: number
  readonly url: string
  close(): Promise<void>
}

export async function startServer(options: Partial<ServerOptions> & { dir?: string } = {}): Promise<TestServer> {
  const db = await open(options.dir !== undefined ? { dir: options.dir, user: 'postgres', database: 'postgres' } : { memory: true, user: 'postgres', database: 'postgres' })
  const server = await WireServer.listen({
    port: 0,
    session: async ({ user, database, applicationName }) => {
      if (database !== 'postgres') throw dbError('invalid_catalog_name', `database "${database}" does not exist`)
      return db.session({ user, database, applicationName })
    },
    ...options,
  })
  return {
    server,
    db,
    port: server.port,
    url: `postgresql://postgres@127.0.0.1:${server.port}/postgres`,
    close: async () => {
      await server.close()
      await db.close()
    },
  }
}

/** psql from PATH or PostgreSQL 15's directory, when installed. */
export function pgTool(name: 'psql' | 'pgbench'): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(':').concat('/usr/lib/postgresql/15/bin')) {
    const p = `${dir}/${name}`
    try {
      fs.accessSync(p, fs.constants.X_OK)
      return p
    } catch {
      // not here
    }
  }
  return undefined
}
