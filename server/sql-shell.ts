/**
 * `isola sql --data DIR` or `isola sql postgresql://…`: an interactive SQL prompt on
 * an embedded database or a server (shell-targets.ts), in the manner of psql:
 * statements end with a semicolon and may span lines, results print
 * in psql's aligned format, errors (on stderr) as psql shows them. Input that is not a
 * terminal (a pipe, a file) runs the same way without prompts, so scripts work:
 *
 *     echo "SELECT 1 + 1;" | npx isola sql --data ./data
 *     npx isola sql postgresql://postgres@127.0.0.1:5433/postgres
 *
 * Commands: \q quits; \? lists the commands.
 */
import readline from 'node:readline'
import { isIsolaError } from '../common/errors.js'
import type { ShellTarget } from './shell-targets.js'
import { formatError, formatResult } from './table-format.js'

/** True when `text` ends a statement: a semicolon outside quotes and comments. */
export function complete(text: string): boolean {
  let quote: string | undefined
  let last = ''
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!
    if (quote !== undefined) {
      if (c === quote) quote = undefined
      continue
    }
    if (c === "'" || c === '"') quote = c
    else if (c === '-' && text[i + 1] === '-') {
      while (i < text.length && text[i] !== '\n') i++
      continue
    }
    if (!/\s/.test(c)) last = c
  }
  return quote === undefined && last === ';'
}

export async function sqlShell(target: ShellTarget, input: NodeJS.ReadableStream, output: NodeJS.WritableStream, errors: NodeJS.WritableStream = output): Promise<void> {
  const interactive = (input as NodeJS.ReadStream).isTTY === true
  const rl = readline.createInterface({ input, output: interactive ? output : undefined, terminal: interactive })
  const prompt = (continued: boolean) => {
    if (!interactive) return
    rl.setPrompt(continued ? `isola-# ` : `isola=> `)
    rl.prompt()
  }
  if (interactive) output.write(`isola: ${target.label} (type \\q to quit)\n`)
  let buffer = ''
  prompt(false)
  try {
    for await (const line of rl) {
      if (buffer === '' && line.trim().startsWith('\\')) {
        const cmd = line.trim()
        if (cmd === '\\q') break
        output.write(cmd === '\\?' ? '\\q quit\n' : `invalid command ${cmd}\n`)
        prompt(false)
        continue
      }
      buffer += (buffer === '' ? '' : '\n') + line
      if (!complete(buffer)) {
        prompt(buffer.trim() !== '')
        if (buffer.trim() === '') buffer = ''
        continue
      }
      const sql = buffer
      buffer = ''
      try {
        for (const r of await target.execute(sql)) output.write(formatResult(r) + (r.columns === undefined ? '' : '\n'))
      } catch (e) {
        if (!isIsolaError(e)) throw e
        errors.write(formatError(e, sql))
      }
      prompt(false)
    }
  } finally {
    rl.close()
    await target.close()
  }
}
