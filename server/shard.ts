/**
 * A shard process (`isola shard`): the wire-protocol server over one engine
 * database, reached by a coordinator's remote participants (DESIGN.md §1, §6) and
 * by anyone with psql (a shard can be inspected like any server).
 *
 * Data directory layout:
 *
 *     <dir>/shard.json   the shard's identity: the coordinator it belongs to, recorded at first use
 *     <dir>/db/          the engine database
 *
 * Identity: a coordinator names itself in the start-up parameter `isola.coordinator`.
 * The first coordinator to connect is recorded; a connection from a coordinator of
 * another id is refused with 28000 before it gets a session, so a shard is never
 * driven by two coordinators (whose gids, epochs and timestamps would not agree).
 * Connections that name no coordinator (psql, an operator) are let in.
 *
 * As for local shards, version GC is off: its horizon is the oldest snapshot the
 * coordinator may still hand out, which only the coordinator knows.
 */
import fs from 'node:fs'
import path from 'node:path'
import type { Logger } from 'pino'
import { dbError } from '../common/errors.js'
import { open, type Database } from '../engine/index.js'
import { WireServer } from './server.js'

export interface ShardServerOptions {
  readonly dir: string
  readonly host?: string
  /** 0 picks a free port. */
  readonly port?: number
  readonly logger?: Logger
}

/** The start-up parameter a coordinator names itself with. */
const COORDINATOR_PARAM = 'isola.coordinator'

export interface ShardIdentity {
  readonly coordinator: string
}

export class ShardServer {
  private constructor(
    readonly dir: string,
    readonly db: Database,
    readonly server: WireServer,
  ) {}

  static async open(options: ShardServerOptions): Promise<ShardServer> {
    fs.mkdirSync(options.dir, { recursive: true })
    const db = await open({ dir: path.join(options.dir, 'db'), gcIntervalMs: 0, owner: 'shard' })
    try {
      const identity = new IdentityFile(path.join(options.dir, 'shard.json'))
      const server = await WireServer.listen({
        host: options.host ?? '127.0.0.1',
        port: options.port ?? 0,
        logger: options.logger,
        session: async (o) => {
          const coordinator = o.startupParams.get(COORDINATOR_PARAM)
          if (coordinator !== undefined) identity.admit(coordinator)
          return db.session({ user: o.user, database: o.database, applicationName: o.applicationName })
        },
      })
      return new ShardServer(options.dir, db, server)
    } catch (e) {
      await db.close()
      throw e
    }
  }

  get port(): number {
    return this.server.port
  }

  get host(): string {
    return this.server.host
  }

  /** Ends every connection (57P01 to each), then closes the database. */
  async close(): Promise<void> {
    await this.server.close()
    await this.db.close()
  }
}

/** `<dir>/shard.json`: written once (write, fsync, rename), read at every coordinator connection's start. */
class IdentityFile {
  private known: ShardIdentity | undefined

  constructor(private readonly file: string) {
    if (fs.existsSync(file)) this.known = JSON.parse(fs.readFileSync(file, 'utf8')) as ShardIdentity
  }

  admit(coordinator: string): void {
    if (this.known === undefined) {
      this.record({ coordinator })
      return
    }
    if (this.known.coordinator !== coordinator) {
      throw dbError('invalid_authorization_specification', `shard belongs to coordinator "${this.known.coordinator}", not "${coordinator}"`, {
        detail: `Its data directory recorded coordinator "${this.known.coordinator}" at first use (${this.file}).`,
        hint: 'Connect the shard to the coordinator it belongs to, or give the new coordinator a fresh shard.',
      })
    }
  }

  private record(identity: ShardIdentity): void {
    const tmp = `${this.file}.tmp`
    const fd = fs.openSync(tmp, 'w')
    try {
      fs.writeSync(fd, JSON.stringify(identity) + '\n')
      fs.fsyncSync(fd)
    } finally {
      fs.closeSync(fd)
    }
    fs.renameSync(tmp, this.file)
    this.known = identity
  }
}
