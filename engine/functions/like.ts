/**
 * LIKE and ILIKE: `%` matches any run of characters, `_` one character, and the
 * escape character (default backslash; ESCAPE '' turns escaping off) quotes the
 * next one. A pattern ending in the escape character is 22025 when matching reaches it.
 * Patterns compile to anchored regular expressions, cached by (pattern, escape,
 * case); a pattern without wildcards is a plain comparison. ILIKE folds ASCII case
 * only, like the "C" collation.
 */
import { dbError } from '../../common/errors.js'

const cache = new Map<string, (s: string) => boolean>()

export function likeMatcher(pattern: string, escape: string, caseInsensitive: boolean): (s: string) => boolean {
  const key = `${caseInsensitive ? 'i' : 'c'}${escape}\0${pattern}`
  const hit = cache.get(key)
  if (hit !== undefined) return hit
  if (Array.from(escape).length > 1) throw dbError('invalid_escape_sequence', 'invalid escape string', { hint: 'Escape string must be empty or one character.' })
  const fold = caseInsensitive ? asciiFold : (s: string) => s
  let re = ''
  let text = ''
  let wildcards = false
  const chars = Array.from(pattern)
  for (let i = 0; i < chars.length; i++) {
    let c = chars[i]!
    if (escape !== '' && c === escape) {
      if (++i >= chars.length) return remember(key, trailingEscape(re, fold))
      c = chars[i]!
    } else if (c === '%' || c === '_') {
      re += c === '%' ? '[^]*' : '[^]'
      wildcards = true
      continue
    }
    re += escapeRegex(fold(c))
    text += fold(c)
  }
  let m: (s: string) => boolean
  if (!wildcards) m = (s) => fold(s) === text
  else {
    const compiled = new RegExp(`^${re}$`, 'u')
    m = (s) => compiled.test(fold(s))
  }
  return remember(key, m)
}

function remember(key: string, m: (s: string) => boolean): (s: string) => boolean {
  if (cache.size > 1000) cache.clear()
  cache.set(key, m)
  return m
}

/**
 * A pattern ending in the escape character: PostgreSQL complains only when matching
 * gets there with text left over (its matcher is lazy), and otherwise the pattern
 * cannot match. `prefix` is the compiled pattern before the escape.
 */
function trailingEscape(prefix: string, fold: (s: string) => string): (s: string) => boolean {
  const reaches = new RegExp(`^${prefix}[^]`, 'u')
  return (s) => {
    if (reaches.test(fold(s))) throw dbError('invalid_escape_sequence', 'LIKE pattern must not end with escape character')
    return false
  }
}

const escapeRegex = (c: string): string => c.replace(/[\\^$.*+?()[\]{}|/]/g, '\\$&')
const asciiFold = (s: string): string => s.replace(/[A-Z]+/g, (x) => x.toLowerCase())
