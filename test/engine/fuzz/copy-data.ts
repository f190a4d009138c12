/**
 * Data for fuzzed COPY … FROM STDIN: lines of plausible and broken fields (NULL
 * markers, backslash escapes that are bytes, CSV quotes, wrong field counts, long
 * and odd text), cut into chunks at random points, some of them sent as bytes with
 * a stray byte that is not UTF-8.
 */
import type { Rng } from '../../helpers/random.js'

const FIELDS = [
  '1', '42', '-7', 'abc', '', 'x@y', '2024-01-01', '2024-01-01 10:00:00', 'true', '1.5', 'NaN', '1e400', 'note 1',
  '\\N', '\\\\', '\\t', '\\n', '\\x41', '\\303\\251', '\\0', '\\377', '\\xc3', '\\', 'é😀', '"a,b"', '"', '""', '"x""y"',
  'x'.repeat(10_000), '\\.',
] as const

function line(r: Rng, separator: string): string {
  return Array.from({ length: r.int(1, 4) }, () => r.pick(FIELDS)).join(separator)
}

/** The data of one COPY FROM STDIN, as the chunks a client would send. */
export function copyData(r: Rng, csv: boolean): (string | Uint8Array)[] {
  const lines = Array.from({ length: r.int(0, 5) }, () => line(r, csv ? ',' : '\t'))
  if (r.chance(0.2)) lines.push('\\.')
  const text = lines.join(r.chance(0.9) ? '\n' : '\r\n') + (r.chance(0.8) ? '\n' : '')
  const cuts = [0, ...Array.from({ length: r.below(3) }, () => r.below(text.length + 1)).sort((a, b) => a - b), text.length]
  return cuts.slice(1).map((end, i) => {
    const piece = text.slice(cuts[i], end)
    if (r.chance(0.7)) return piece
    const bytes = Buffer.from(piece, 'utf8')
    // A byte that cannot start (or continue) a UTF-8 character.
    return r.chance(0.2) ? Buffer.concat([bytes, Buffer.from([r.pick([0xff, 0xc3, 0x80])])]) : bytes
  })
}
