/**
 * Token-level mutations of valid statements: the statements that are *almost*
 * right are the ones that get deep into the binder and executor before something
 * is off (a literal out of range, a name that is not there, a clause missing).
 *
 * A statement is split with the engine's own lexer (so literals and quoted names
 * stay whole), mutated one to four times, and joined with spaces:
 *
 *     delete · duplicate · swap · replace with a random word · insert a random word
 *     literal → extreme value · name → another name · cut the tail · splice two statements
 */
import { tokenize } from '../../../parser/index.js'
import type { Rng } from '../../helpers/random.js'
import { IDENTIFIERS, KEYWORDS, NUMBERS, OPERATORS, STRINGS, TYPE_NAMES } from './vocabulary.js'

type Kind = 'number' | 'string' | 'name' | 'other'
interface Token {
  readonly text: string
  readonly kind: Kind
}

const cache = new Map<string, readonly Token[]>()

/** The statement's tokens (cached: the corpus is small and mutated many times). */
export function tokens(sql: string): readonly Token[] {
  let t = cache.get(sql)
  if (t === undefined) {
    t = tokenize(sql).map((tok) => {
      const name = tok.tokenType.name
      const kind: Kind = name === 'IntegerLit' || name === 'NumericLit' ? 'number' : name === 'StringLit' ? 'string' : name === 'Identifier' || name === 'QuotedIdentifier' ? 'name' : 'other'
      return { text: tok.image, kind }
    })
    cache.set(sql, t)
  }
  return t
}

function randomWord(r: Rng): string {
  return r.weighted<() => string>([
    [4, () => r.pick(KEYWORDS)],
    [3, () => r.pick(OPERATORS)],
    [3, () => r.pick(IDENTIFIERS)],
    [2, () => r.pick(NUMBERS)],
    [2, () => r.pick(STRINGS)],
    [1, () => r.pick(TYPE_NAMES)],
    [1, () => 'NULL'],
  ])()
}

function extremeLiteral(r: Rng, kind: Kind): string {
  return r.weighted<() => string>([
    [kind === 'number' ? 6 : 2, () => r.pick(NUMBERS)],
    [kind === 'string' ? 6 : 2, () => r.pick(STRINGS)],
    [1, () => 'NULL'],
    [1, () => `${r.pick(STRINGS)}::${r.pick(TYPE_NAMES)}`],
    [1, () => `-${r.pick(NUMBERS)}`],
  ])()
}

/** One to four mutations of `sql`; `other` is a second statement to splice with. */
export function mutate(r: Rng, sql: string, other: string): string {
  let t = [...tokens(sql)]
  const n = r.weighted([[5, 1], [3, 2], [1, 3], [1, 4]])
  for (let k = 0; k < n; k++) {
    const i = r.below(t.length + 1)
    const at = Math.min(i, t.length - 1)
    switch (r.weighted<string>([[3, 'delete'], [1, 'duplicate'], [2, 'swap'], [3, 'replace'], [2, 'insert'], [6, 'literal'], [4, 'name'], [1, 'cut'], [1, 'splice']])) {
      case 'delete':
        t.splice(at, 1)
        break
      case 'duplicate':
        if (t[at] !== undefined) t.splice(at, 0, t[at]!)
        break
      case 'swap': {
        const j = r.chance(0.7) ? at + 1 : r.below(t.length)
        if (t[at] !== undefined && t[j] !== undefined) [t[at], t[j]] = [t[j]!, t[at]!]
        break
      }
      case 'replace':
        if (t.length > 0) t[at] = { text: randomWord(r), kind: 'other' }
        break
      case 'insert':
        t.splice(i, 0, { text: randomWord(r), kind: 'other' })
        break
      case 'literal': {
        // Prefer a literal; any token will do when there is none.
        const lits = t.flatMap((x, idx) => (x.kind === 'number' || x.kind === 'string' ? [idx] : []))
        const idx = lits.length > 0 ? r.pick(lits) : at
        if (t[idx] !== undefined) t[idx] = { text: extremeLiteral(r, t[idx]!.kind), kind: 'other' }
        break
      }
      case 'name': {
        const names = t.flatMap((x, idx) => (x.kind === 'name' ? [idx] : []))
        if (names.length > 0) t[r.pick(names)] = { text: r.pick(IDENTIFIERS), kind: 'name' }
        break
      }
      case 'cut':
        t = t.slice(0, i)
        break
      case 'splice': {
        const o = tokens(other)
        t = [...t.slice(0, i), ...o.slice(r.below(o.length + 1))]
        break
      }
    }
  }
  return t.map((x) => x.text).join(' ')
}
