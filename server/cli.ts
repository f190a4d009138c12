#!/usr/bin/env node
/**
 * The `isola` command.
 *
 *   isola start [--data DIR] [--port 5433] [--host 127.0.0.1] [--log-level info]
 *               [--max-connections 100]
 *                              open (and recover) the database and serve the PostgreSQL
 *                              wire protocol until SIGINT/SIGTERM; prints one line
 *                              `ready on postgresql://…` once it accepts connections
 *   isola sql [--data DIR]     an interactive SQL prompt on a database (sql-shell.ts)
 *   isola check [--data DIR]   recover a data directory and check every B+tree invariant
 */
import path from 'node:path'
import pino from 'pino'
import { dbError, isIsolaError } from '../common/errors.js'
import { open } from '../index.js'
import { Store } from '../storage/store.js'
import { DEFAULT_PORT } from './server-options.js'
import { WireServer } from './server.js'
import { sqlShell } from './sql-shell.js'

function option(args: readonly string[], name: string, dflt: string): string {
  const i = args.indexOf(`--${name}`)
  return i >= 0 && args[i + 1] !== undefined ? args[i + 1]! : dflt
}

async function main(argv: readonly string[]): Promise<number> {
  const [command = 'help', ...args] = argv
  const dir = path.resolve(option(args, 'data', './data'))
  switch (command) {
    case 'start': {
      const log = pino({ level: option(args, 'log-level', 'info') }, pino.destination(2))
      const db = await open({ dir, user: 'postgres', database: 'postgres' })
      const server = await WireServer.listen({
        host: option(args, 'host', '127.0.0.1'),
        port: Number(option(args, 'port', String(DEFAULT_PORT))),
        maxConnections: Number(option(args, 'max-connections', '100')),
        logger: log,
        database: async (name) => {
          if (name !== 'postgres') throw dbError('invalid_catalog_name', `database "${name}" does not exist`)
          return db
        },
      })
      console.log(`ready on postgresql://postgres@${server.host}:${server.port}/postgres`)
      // Signal handlers alone do not keep Node's event loop alive: the listener does.
      await new Promise<void>((resolve) => {
        process.once('SIGINT', resolve)
        process.once('SIGTERM', resolve)
      })
      log.info('shutting down')
      await server.close()
      await db.close()
      log.info('closed cleanly')
      return 0
    }
    case 'sql':
      await sqlShell(dir, process.stdin, process.stdout, process.stderr)
      return 0
    case 'check': {
      const store = await Store.open({ dir })
      store.check()
      const s = store.stats()
      console.log(`isola: ${dir}: ${store.trees().length} trees, ${s.pages} pages: all invariants hold`)
      await store.close()
      return 0
    }
    default:
      console.log('usage: isola start [--data DIR] [--port P] | isola sql [--data DIR] | isola check [--data DIR]')
      return command === 'help' ? 0 : 2
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e: unknown) => {
    // Database errors are reported as PostgreSQL would print them, not as a stack trace.
    if (isIsolaError(e)) console.error(`isola: ERROR ${e.code}: ${e.message}${e.detail ? `\nDETAIL: ${e.detail}` : ''}`)
    else console.error(e)
    process.exit(1)
  },
)
