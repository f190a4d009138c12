/**
 * Server → client messages of protocol v3, written into one growing buffer that
 * the connection sends with a single socket write per batch (a query's
 * RowDescription, DataRows, CommandComplete and ReadyForQuery leave together).
 *
 * Every message is `type byte · int32 length · body`; `begin()` reserves the
 * length and `end()` fills it in, so bodies are written in place, never built
 * separately and copied.
 */
import type { ErrorFields } from './error-fields.js'

const INITIAL_BYTES = 16 * 1024

export class BackendWriter {
  private buf = Buffer.allocUnsafe(INITIAL_BYTES)
  private len = 0
  private start = 0

  /** True when messages wait to be sent. */
  get pending(): boolean {
    return this.len > 0
  }

  /** Bytes waiting to be sent. */
  get size(): number {
    return this.len
  }

  /** The batch so far, and a fresh buffer for the next one. */
  take(): Buffer {
    const out = this.buf.subarray(0, this.len)
    this.buf = Buffer.allocUnsafe(Math.max(INITIAL_BYTES, Math.min(this.len, 1 << 20)))
    this.len = 0
    return out
  }

  // ── messages ────────────────────────────────────────────────────────────────

  authentication(code: number, data?: Buffer): void {
    this.begin('R')
    this.int32(code)
    if (data !== undefined) this.bytes(data)
    this.end()
  }

  /** AuthenticationSASL: the mechanisms, each a string, then an empty string. */
  authenticationSasl(mechanisms: readonly string[]): void {
    this.begin('R')
    this.int32(10)
    for (const m of mechanisms) this.cstring(m)
    this.byte(0)
    this.end()
  }

  parameterStatus(name: string, value: string): void {
    this.begin('S')
    this.cstring(name)
    this.cstring(value)
    this.end()
  }

  backendKeyData(pid: number, secret: number): void {
    this.begin('K')
    this.int32(pid)
    this.int32(secret)
    this.end()
  }

  readyForQuery(status: 'I' | 'T' | 'E'): void {
    this.begin('Z')
    this.byte(status.charCodeAt(0))
    this.end()
  }

  /** RowDescription; `formats[i]` is 0 (text) or 1 (binary), as the Bind asked. */
  rowDescription(fields: readonly WireField[], formats: readonly number[] = []): void {
    this.begin('T')
    this.int16(fields.length)
    for (let i = 0; i < fields.length; i++) {
      const f = fields[i]!
      this.cstring(f.name)
      this.int32(f.tableOid)
      this.int16(f.attnum)
      this.int32(f.typeOid)
      this.int16(f.typeLen)
      this.int32(f.typmod)
      this.int16(formatOf(formats, i))
    }
    this.end()
  }

  parameterDescription(oids: readonly number[]): void {
    this.begin('t')
    this.int16(oids.length)
    for (const o of oids) this.int32(o)
    this.end()
  }

  /** DataRow: each column's bytes, or null for SQL NULL. */
  dataRow(values: readonly (Buffer | string | null)[]): void {
    this.begin('D')
    this.int16(values.length)
    for (const v of values) {
      if (v === null) this.int32(-1)
      else if (typeof v === 'string') {
        const at = this.len
        this.int32(0)
        const n = this.utf8(v)
        this.buf.writeInt32BE(n, at)
      } else {
        this.int32(v.length)
        this.bytes(v)
      }
    }
    this.end()
  }

  commandComplete(tag: string): void {
    this.begin('C')
    this.cstring(tag)
    this.end()
  }

  emptyQueryResponse(): void {
    this.simple('I')
  }

  parseComplete(): void {
    this.simple('1')
  }

  bindComplete(): void {
    this.simple('2')
  }

  closeComplete(): void {
    this.simple('3')
  }

  noData(): void {
    this.simple('n')
  }

  portalSuspended(): void {
    this.simple('s')
  }

  /** CopyInResponse ('G') or CopyOutResponse ('H'): overall format and one per column (text here). */
  copyResponse(type: 'G' | 'H', columns: number, format: 0 | 1 = 0): void {
    this.begin(type)
    this.byte(format)
    this.int16(columns)
    for (let i = 0; i < columns; i++) this.int16(format)
    this.end()
  }

  copyData(data: Buffer | string): void {
    this.begin('d')
    if (typeof data === 'string') this.utf8(data)
    else this.bytes(data)
    this.end()
  }

  copyDone(): void {
    this.simple('c')
  }

  /** ErrorResponse ('E') or NoticeResponse ('N'): one field per code byte, then a zero. */
  errorOrNotice(type: 'E' | 'N', fields: ErrorFields): void {
    this.begin(type)
    for (const [code, value] of fields) {
      this.byte(code.charCodeAt(0))
      this.cstring(value)
    }
    this.byte(0)
    this.end()
  }

  /** A bare byte, written before start-up (the answer to SSLRequest / GSSENCRequest). */
  rawByte(c: string): void {
    this.reserve(1)
    this.buf[this.len++] = c.charCodeAt(0)
  }

  // ── encoding ────────────────────────────────────────────────────────────────

  private simple(type: string): void {
    this.begin(type)
    this.end()
  }

  private begin(type: string): void {
    this.reserve(5)
    this.buf[this.len] = type.charCodeAt(0)
    this.start = this.len + 1
    this.len += 5
  }

  private end(): void {
    this.buf.writeInt32BE(this.len - this.start, this.start)
  }

  private reserve(n: number): void {
    if (this.len + n <= this.buf.length) return
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.len + n))
    this.buf.copy(next, 0, 0, this.len)
    this.buf = next
  }

  private byte(b: number): void {
    this.reserve(1)
    this.buf[this.len++] = b
  }

  private int16(n: number): void {
    this.reserve(2)
    this.buf.writeInt16BE(n, this.len)
    this.len += 2
  }

  private int32(n: number): void {
    this.reserve(4)
    this.buf.writeInt32BE(n, this.len)
    this.len += 4
  }

  private bytes(b: Uint8Array): void {
    this.reserve(b.length)
    this.buf.set(b, this.len)
    this.len += b.length
  }

  /** Writes a string as UTF-8 and returns its byte length. */
  private utf8(s: string): number {
    // A UTF-8 encoding takes at most 3 bytes per UTF-16 unit.
    this.reserve(s.length * 3)
    const n = this.buf.write(s, this.len, 'utf8')
    this.len += n
    return n
  }

  private cstring(s: string): void {
    // A NUL inside would end the string early on the client: PostgreSQL's strings cannot hold one.
    this.utf8(s.includes('\0') ? s.replaceAll('\0', '') : s)
    this.byte(0)
  }
}

/** A result column as RowDescription describes it. */
export interface WireField {
  readonly name: string
  readonly tableOid: number
  readonly attnum: number
  readonly typeOid: number
  readonly typeLen: number
  readonly typmod: number
}

/** A Bind's result formats: none means all text, one applies to every column, else one per column. */
export function formatOf(formats: readonly number[], i: number): number {
  if (formats.length === 0) return 0
  return formats.length === 1 ? formats[0]! : (formats[i] ?? 0)
}
