/**
 * A client that speaks the protocol by hand, for tests that send what no driver
 * would: any message type, any bytes, any length. It reads the server's messages
 * into a list as they arrive.
 */
import net from 'node:net'

export interface ServerMessage {
  readonly type: string
  readonly body: Buffer
}

export function msg(type: string, ...parts: (Buffer | string | number[])[]): Buffer {
  const body = Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p + '\0') : Array.isArray(p) ? Buffer.from(p) : p)))
  const head = Buffer.alloc(5)
  head.write(type, 0, 'latin1')
  head.writeInt32BE(body.length + 4, 1)
  return Buffer.concat([head, body])
}

export const int16 = (n: number): Buffer => {
  const b = Buffer.alloc(2)
  b.writeInt16BE(n)
  return b
}
export const int32 = (n: number): Buffer => {
  const b = Buffer.alloc(4)
  b.writeInt32BE(n)
  return b
}

export function startupPacket(params: Record<string, string>, protocol = 196608): Buffer {
  const body = Buffer.concat([int32(protocol), ...Object.entries(params).map(([k, v]) => Buffer.from(`${k}\0${v}\0`)), Buffer.from([0])])
  return Buffer.concat([int32(body.length + 4), body])
}

export const query = (sql: string): Buffer => msg('Q', sql)
export const sync = (): Buffer => msg('S')

export class RawClient {
  readonly messages: ServerMessage[] = []
  closed = false
  private buf = Buffer.alloc(0)
  private waiters: (() => void)[] = []

  private constructor(readonly socket: net.Socket) {
    socket.on('data', (d) => {
      this.buf = Buffer.concat([this.buf, d])
      while (this.buf.length >= 5) {
        const len = this.buf.readInt32BE(1)
        if (this.buf.length < 1 + len) break
        this.messages.push({ type: String.fromCharCode(this.buf[0]!), body: this.buf.subarray(5, 1 + len) })
        this.buf = this.buf.subarray(1 + len)
      }
      this.wake()
    })
    socket.on('error', () => undefined)
    socket.on('close', () => {
      this.closed = true
      this.wake()
    })
  }

  static connect(port: number): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const s = net.connect(port, '127.0.0.1', () => resolve(new RawClient(s)))
      s.once('error', reject)
    })
  }

  /** Connects and completes start-up (trust): resolves after the first ReadyForQuery. */
  static async ready(port: number, params: Record<string, string> = {}): Promise<RawClient> {
    const c = await RawClient.connect(port)
    c.send(startupPacket({ user: 'postgres', database: 'postgres', ...params }))
    await c.until((m) => m.type === 'Z' || m.type === 'E')
    return c
  }

  send(b: Buffer): void {
    if (!this.socket.destroyed) this.socket.write(b)
  }

  /** Waits for a message matching `pred` among those not yet taken, or for the close. */
  async until(pred: (m: ServerMessage) => boolean, timeoutMs = 10_000): Promise<ServerMessage | undefined> {
    const deadline = Date.now() + timeoutMs
    for (;;) {
      const i = this.messages.findIndex(pred)
      if (i >= 0) return this.messages.splice(0, i + 1)[i]
      if (this.closed) return undefined
      if (Date.now() > deadline) throw new Error(`timed out; got ${this.messages.map((m) => m.type).join('')}`)
      await new Promise<void>((r) => {
        this.waiters.push(r)
        setTimeout(r, 50)
      })
    }
  }

  /** The SQLSTATE of an ErrorResponse. */
  static code(m: ServerMessage | undefined): string | undefined {
    if (m === undefined || m.type !== 'E') return undefined
    const fields = m.body.toString('utf8').split('\0')
    return fields.find((f) => f.startsWith('C'))?.slice(1)
  }

  close(): void {
    this.socket.destroy()
  }

  private wake(): void {
    const w = this.waiters
    this.waiters = []
    for (const r of w) r()
  }
}
