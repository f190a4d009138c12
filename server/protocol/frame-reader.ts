/**
 * Cuts the bytes of a connection into PostgreSQL protocol messages.
 *
 * Two framings share one stream. Before start-up completes a message has no type
 * byte (`int32 length · payload`: SSLRequest, GSSENCRequest, CancelRequest,
 * StartupMessage); after it every message is `byte type · int32 length · payload`,
 * the length counting itself but not the type byte.
 *
 *     start-up:   [len:4][code or protocol:4][...]
 *     regular:    [type:1][len:4][payload: len - 4]
 *
 * Chunks from the socket are kept in a list and joined only once a message that
 * spans them is complete, so a batch of small messages in one chunk is cut without
 * copying and a large message arriving in many chunks is copied once. A length
 * below 4, or above the limit, is a framing error: the connection cannot find the
 * next message boundary and must be closed (08P01), as PostgreSQL does.
 */
import { dbError, type IsolaError } from '../../common/errors.js'

export interface Frame {
  /** The type byte as a character, or '' for a start-up-phase message. */
  readonly type: string
  readonly payload: Buffer
}

export class FrameReader {
  /** Received chunks not yet cut; the first may be partly consumed (a subarray). */
  private chunks: Buffer[] = []
  private total = 0
  /** True until the start-up phase ends (then every message has a type byte). */
  startup = true

  constructor(private readonly maxBytes: number) {}

  /** Adds bytes from the socket. */
  push(chunk: Buffer): void {
    if (chunk.length === 0) return
    this.chunks.push(chunk)
    this.total += chunk.length
  }

  /** Bytes received and not yet cut into messages. */
  get buffered(): number {
    return this.total
  }

  /** The next complete message, undefined when more bytes are needed; throws 08P01 on a bad length. */
  next(): Frame | undefined {
    const head = this.startup ? 4 : 5
    if (this.total < head) return undefined
    if (this.chunks[0]!.length < head) this.join()
    const first = this.chunks[0]!
    const type = this.startup ? '' : String.fromCharCode(first[0]!)
    const len = first.readInt32BE(head - 4)
    if (len < 4) throw framingError(`invalid message length ${len}`)
    if (len > this.maxBytes) throw framingError(`message of ${len} bytes exceeds the maximum of ${this.maxBytes}`)
    const end = head - 4 + len
    if (end > this.total) return undefined
    // Joined once, when a complete message spans chunks: never per arriving chunk.
    if (first.length < end) this.join()
    const whole = this.chunks[0]!
    const payload = whole.subarray(head, end)
    if (end === whole.length) this.chunks.shift()
    else this.chunks[0] = whole.subarray(end)
    this.total -= end
    return { type, payload }
  }

  private join(): void {
    this.chunks = [Buffer.concat(this.chunks, this.total)]
  }
}

function framingError(message: string): IsolaError {
  return dbError('protocol_violation', message)
}
