/**
 * Arrays' text form, as PostgreSQL's array_out and array_in write and read it for
 * one-dimensional arrays: `{a,b,NULL}`, an element double-quoted when it is empty,
 * spells NULL, or holds a brace, comma, quote, backslash or white space (inside
 * quotes `"` and `\` are backslash-escaped).
 *
 * Not built: more than one dimension and explicit bounds (`[0:1]={…}`), which
 * array_in accepts; they are refused as 0A000, not misread.
 */
import { dbError } from '../../common/errors.js'
import type { SqlArray, SqlType, SqlValue } from './types.js'

/** array_cmp's order: element by element (NULL elements after all others, equal to each other), then the shorter first. */
export function compareArrays(element: SqlType, a: SqlArray, c: SqlArray, compare: (t: SqlType, x: SqlValue, y: SqlValue) => number): number {
  for (let i = 0; i < Math.min(a.length, c.length); i++) {
    const x = a[i]!
    const y = c[i]!
    if (x === null || y === null) {
      if (x !== y) return x === null ? 1 : -1
      continue
    }
    const r = compare(element, x, y)
    if (r !== 0) return r
  }
  return a.length - c.length
}

/** array_out. `format` is the element type's output function. */
export function formatArray(element: SqlType, v: SqlArray, format: (t: SqlType, x: SqlValue) => string | null): string {
  const parts = v.map((x) => {
    const s = format(element, x)
    if (s === null) return 'NULL'
    return s === '' || /^null$/i.test(s) || /[{}",\\\s]/.test(s) ? `"${s.replace(/["\\]/g, (c) => `\\${c}`)}"` : s
  })
  return `{${parts.join(',')}}`
}

const malformed = (text: string, detail: string) => dbError('invalid_text_representation', `malformed array literal: "${text}"`, { detail })

/** array_in for one dimension. `parse` is the element type's input function. */
export function parseArray(element: SqlType, text: string, parse: (t: SqlType, s: string) => SqlValue): SqlArray {
  let i = 0
  const ws = () => { while (i < text.length && /\s/.test(text[i]!)) i++ }
  ws()
  if (text[i] === '[') throw dbError('feature_not_supported', 'array bounds are not supported')
  if (text[i] !== '{') throw malformed(text, 'Array value must start with "{" or dimension information.')
  i++
  ws()
  const out: SqlValue[] = []
  if (text[i] === '}') {
    i++
  } else {
    for (;;) {
      ws()
      if (text[i] === '{') throw dbError('feature_not_supported', 'multidimensional arrays are not supported')
      let raw = ''
      let quoted = false
      if (text[i] === '"') {
        quoted = true
        i++
        while (i < text.length && text[i] !== '"') {
          if (text[i] === '\\') i++
          if (i >= text.length) break
          raw += text[i++]
        }
        if (text[i] !== '"') throw malformed(text, 'Unexpected end of input.')
        i++
        ws()
        if (i < text.length && text[i] !== ',' && text[i] !== '}') throw malformed(text, 'Unexpected array element.')
      } else {
        while (i < text.length && !/[,}]/.test(text[i]!)) {
          const c = text[i]!
          if (c === '{' || c === '"') throw malformed(text, `Unexpected "${c}" character.`)
          if (c === '\\') i++
          if (i < text.length) raw += text[i++]
        }
        raw = raw.trimEnd()
        if (raw === '') throw malformed(text, `Unexpected "${text[i] ?? ''}" character.`)
      }
      out.push(!quoted && /^null$/i.test(raw) ? null : parse(element, raw))
      if (text[i] === ',') {
        i++
        continue
      }
      if (text[i] === '}') {
        i++
        break
      }
      throw malformed(text, i >= text.length ? 'Unexpected end of input.' : `Unexpected "${text[i]}" character.`)
    }
  }
  ws()
  if (i < text.length) throw malformed(text, 'Junk after closing right brace.')
  return out
}
