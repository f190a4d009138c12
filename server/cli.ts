#!/usr/bin/env node
/**
 * The `isola` command.
 *
 *   isola start [--data DIR]   open (and recover) a database and hold it until SIGINT/SIGTERM
 *   isola sql [--data DIR]     an interactive SQL prompt on a database (sql-shell.ts)
 *   isola check [--data DIR]   recover a data directory and check every B+tree invariant
 *
 * The PostgreSQL wire-protocol server joins `start` with the server layer; until
 * then `start` shows the database recovering and closing cleanly.
 */
import path from 'node:path'
import { isIsolaError } from '../common/errors.js'
import { open } from '../index.js'
import { Store } from '../storage/store.js'
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
      const started = Date.now()
      const db = await open({ dir })
      console.log(
        `isola: database ${dir} open (${db.catalog.tables().length} tables, recovered in ${Date.now() - started} ms); ` +
          'the wire-protocol server is not built yet. Ctrl-C to stop.',
      )
      // Signal handlers alone do not keep Node's event loop alive: a timer does.
      const alive = setInterval(() => undefined, 60_000)
      await new Promise<void>((resolve) => {
        process.once('SIGINT', resolve)
        process.once('SIGTERM', resolve)
      })
      clearInterval(alive)
      await db.close()
      console.log('isola: closed cleanly')
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
      console.log('usage: isola start [--data DIR] | isola sql [--data DIR] | isola check [--data DIR]')
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
