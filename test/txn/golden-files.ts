/** The golden scripts of test/txn/golden/, in name order. */
import fs from 'node:fs'
import { fileURLToPath } from 'node:url'

export const GOLDEN_DIR = fileURLToPath(new URL('./golden/', import.meta.url))

export function goldenFiles(): string[] {
  return fs
    .readdirSync(GOLDEN_DIR)
    .filter((f) => !f.startsWith('.') && !f.endsWith('.md'))
    .sort()
}
