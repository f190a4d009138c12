/**
 * Text the database accepts: what UTF-8 can carry, minus NUL. `checkText` guards
 * JavaScript strings coming in; `decodeUtf8` turns escaped bytes into text.
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

const STRICT_UTF8 = new TextDecoder('utf-8', { fatal: true })

/**
 * Bytes (from \x and octal escapes in E'' strings and COPY data) as text; invalid
 * UTF-8 or a NUL is PostgreSQL's 22021, naming the bad sequence as pg_verify_mbstr does.
 */
export function decodeUtf8(bytes: readonly number[]): string {
  const buf = Uint8Array.from(bytes)
  let text: string | undefined
  try {
    text = STRICT_UTF8.decode(buf)
  } catch {
    text = undefined
  }
  if (text !== undefined && !text.includes('\0')) return text
  // Find the first bad sequence the way pg_verify_mbstr reports it: its lead byte's length in bytes.
  let at = 0
  while (at < buf.length) {
    const b = buf[at]!
    const len = b < 0xc0 ? 1 : b < 0xe0 ? 2 : b < 0xf0 ? 3 : b < 0xf8 ? 4 : 1
    const lead = b < 0x80 || (b >= 0xc2 && b < 0xf5)
    const seq = buf.subarray(at, Math.min(at + len, buf.length))
    const second = seq[1] ?? 0
    // The second byte's narrower ranges rule out overlong forms, surrogates and code points past U+10FFFF.
    const secondOk = b === 0xe0 ? second >= 0xa0 : b === 0xed ? second < 0xa0 : b === 0xf0 ? second >= 0x90 : b === 0xf4 ? second < 0x90 : true
    const ok = b !== 0 && lead && seq.length === len && secondOk && seq.subarray(1).every((x) => (x & 0xc0) === 0x80)
    if (!ok) {
      const shown = [...seq].map((x) => `0x${x.toString(16).padStart(2, '0')}`).join(' ')
      throw dbError('character_not_in_repertoire', `invalid byte sequence for encoding "UTF8": ${shown}`)
    }
    at += len
  }
  throw dbError('character_not_in_repertoire', 'invalid byte sequence for encoding "UTF8"')
}
