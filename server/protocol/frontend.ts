/**
 * Client → server messages of protocol v3, decoded from a frame's payload into a
 * discriminated union. Every read is bounds-checked: a truncated or malformed
 * message is 08P01 (protocol_violation) with what was wrong, never an exception of
 * another kind, so a bad message costs its sender an error and nothing else.
 */
import { dbError } from '../../common/errors.js'
import type { Frame } from './frame-reader.js'

/** Start-up request codes (the first int32 of a start-up-phase message). */
export const SSL_REQUEST = 80877103
export const GSSENC_REQUEST = 80877104
export const CANCEL_REQUEST = 80877102
export const PROTOCOL_3 = 3 << 16

export type StartupMessage =
  | { readonly kind: 'ssl-request' }
  | { readonly kind: 'gssenc-request' }
  | { readonly kind: 'cancel'; readonly pid: number; readonly secret: number }
  | { readonly kind: 'startup'; readonly minor: number; readonly params: ReadonlyMap<string, string> }

export type FrontendMessage =
  | { readonly kind: 'query'; readonly sql: string }
  | { readonly kind: 'parse'; readonly name: string; readonly sql: string; readonly paramTypes: readonly number[] }
  | { readonly kind: 'bind'; readonly portal: string; readonly statement: string; readonly paramFormats: readonly number[]; readonly params: readonly (Buffer | null)[]; readonly resultFormats: readonly number[] }
  | { readonly kind: 'describe'; readonly target: 'S' | 'P'; readonly name: string }
  | { readonly kind: 'execute'; readonly portal: string; readonly maxRows: number }
  | { readonly kind: 'close'; readonly target: 'S' | 'P'; readonly name: string }
  | { readonly kind: 'flush' }
  | { readonly kind: 'sync' }
  | { readonly kind: 'terminate' }
  | { readonly kind: 'copy-data'; readonly data: Buffer }
  | { readonly kind: 'copy-done' }
  | { readonly kind: 'copy-fail'; readonly message: string }
  | { readonly kind: 'password'; readonly payload: Buffer }
  | { readonly kind: 'function-call' }

export function decodeStartup(payload: Buffer): StartupMessage {
  const r = new Reader(payload, 'start-up packet')
  const code = r.int32()
  if (code === SSL_REQUEST) return { kind: 'ssl-request' }
  if (code === GSSENC_REQUEST) return { kind: 'gssenc-request' }
  if (code === CANCEL_REQUEST) return { kind: 'cancel', pid: r.int32(), secret: r.int32() }
  const major = code >>> 16
  if (major !== 3) throw dbError('feature_not_supported', `unsupported frontend protocol ${major}.${code & 0xffff}: server supports 3.0 to 3.0`)
  const params = new Map<string, string>()
  for (;;) {
    const name = r.cstring()
    if (name === '') break
    params.set(name, r.cstring())
  }
  return { kind: 'startup', minor: code & 0xffff, params }
}

export function decodeMessage(frame: Frame): FrontendMessage {
  const r = new Reader(frame.payload, messageName(frame.type))
  let m: FrontendMessage
  switch (frame.type) {
    case 'Q':
      m = { kind: 'query', sql: r.cstring() }
      break
    case 'P': {
      const name = r.cstring()
      const sql = r.cstring()
      const n = r.int16()
      const paramTypes: number[] = []
      for (let i = 0; i < n; i++) paramTypes.push(r.int32() >>> 0)
      m = { kind: 'parse', name, sql, paramTypes }
      break
    }
    case 'B': {
      const portal = r.cstring()
      const statement = r.cstring()
      const paramFormats = r.int16Array()
      const n = r.int16()
      const params: (Buffer | null)[] = []
      for (let i = 0; i < n; i++) {
        const len = r.int32()
        params.push(len === -1 ? null : r.bytes(len))
      }
      const resultFormats = r.int16Array()
      for (const f of [...paramFormats, ...resultFormats]) if (f !== 0 && f !== 1) throw dbError('protocol_violation', `unsupported format code: ${f}`)
      if (paramFormats.length > 1 && paramFormats.length !== n) throw dbError('protocol_violation', `bind message has ${paramFormats.length} parameter formats but ${n} parameters`)
      m = { kind: 'bind', portal, statement, paramFormats, params, resultFormats }
      break
    }
    case 'D':
    case 'C': {
      const target = r.byte()
      if (target !== 'S' && target !== 'P') throw dbError('protocol_violation', `invalid ${frame.type === 'D' ? 'DESCRIBE' : 'CLOSE'} message subtype ${target.charCodeAt(0)}`)
      m = { kind: frame.type === 'D' ? 'describe' : 'close', target, name: r.cstring() }
      break
    }
    case 'E':
      m = { kind: 'execute', portal: r.cstring(), maxRows: r.int32() }
      break
    case 'H':
      m = { kind: 'flush' }
      break
    case 'S':
      m = { kind: 'sync' }
      break
    case 'X':
      m = { kind: 'terminate' }
      break
    case 'd':
      return { kind: 'copy-data', data: frame.payload }
    case 'c':
      m = { kind: 'copy-done' }
      break
    case 'f':
      m = { kind: 'copy-fail', message: r.cstring() }
      break
    case 'p':
      return { kind: 'password', payload: frame.payload }
    case 'F':
      return { kind: 'function-call' }
    default:
      throw dbError('protocol_violation', `invalid frontend message type ${frame.type.charCodeAt(0)}`)
  }
  r.done()
  return m
}

function messageName(type: string): string {
  const names: Record<string, string> = { Q: 'Query', P: 'Parse', B: 'Bind', D: 'Describe', E: 'Execute', C: 'Close', H: 'Flush', S: 'Sync', X: 'Terminate', c: 'CopyDone', f: 'CopyFail' }
  return `${names[type] ?? 'unknown'} message`
}

/** A bounds-checked reader over one payload. */
class Reader {
  private pos = 0
  constructor(
    private readonly buf: Buffer,
    private readonly what: string,
  ) {}

  private need(n: number): void {
    if (n < 0 || this.pos + n > this.buf.length) throw dbError('protocol_violation', `invalid ${this.what}: insufficient data left in message`)
  }

  byte(): string {
    this.need(1)
    return String.fromCharCode(this.buf[this.pos++]!)
  }

  int16(): number {
    this.need(2)
    const v = this.buf.readInt16BE(this.pos)
    this.pos += 2
    return v
  }

  int32(): number {
    this.need(4)
    const v = this.buf.readInt32BE(this.pos)
    this.pos += 4
    return v
  }

  int16Array(): number[] {
    const n = this.int16()
    if (n < 0) throw dbError('protocol_violation', `invalid ${this.what}: negative count`)
    const out: number[] = []
    for (let i = 0; i < n; i++) out.push(this.int16())
    return out
  }

  bytes(n: number): Buffer {
    this.need(n)
    const b = this.buf.subarray(this.pos, this.pos + n)
    this.pos += n
    return b
  }

  cstring(): string {
    const end = this.buf.indexOf(0, this.pos)
    if (end < 0) throw dbError('protocol_violation', `invalid ${this.what}: invalid string in message`)
    const s = this.buf.toString('utf8', this.pos, end)
    this.pos = end + 1
    return s
  }

  done(): void {
    if (this.pos !== this.buf.length) throw dbError('protocol_violation', `invalid ${this.what}: invalid message format`)
  }
}
