/**
 * Text the database accepts: what UTF-8 can carry, minus NUL.
 *
 * PostgreSQL never sees a NUL or an unpaired surrogate in a statement or a text
 * parameter: the protocol's strings are NUL-terminated and UTF-8 cannot encode a
 * lone surrogate, so the server refuses such bytes with 22021. The embedded API
 * takes JavaScript strings, which can hold both; they are refused the same way,
 * because storing them would change them (UTF-8 encoding turns a lone surrogate
 * into U+FFFD) or cut them short.
 */
import { dbError } from './errors.js'

const BAD = /[\u0000\uD800-\uDFFF]/

/** Throws 22021 unless `s` is NUL-free, well-formed UTF-16. */
export function checkText(s: string): void {
  if (!BAD.test(s)) return
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i)
    if (c === 0) throw dbError('character_not_in_repertoire', 'invalid byte sequence for encoding "UTF8": 0x00')
    if (c >= 0xd800 && c <= 0xdbff) {
      const next = s.charCodeAt(i + 1)
      if (next >= 0xdc00 && next <= 0xdfff) {
        i++
        continue
      }
    }
    if (c >= 0xd800 && c <= 0xdfff) {
      throw dbError('character_not_in_repertoire', `invalid Unicode: unpaired surrogate U+${c.toString(16).toUpperCase()} cannot be encoded in UTF8`)
    }
  }
}
