/**
 * COPY FROM STDIN on the wire: after CopyInResponse the client sends CopyData
 * messages, then CopyDone (the rows are committed as the statement's result) or
 * CopyFail (the statement fails with 57014). A data error ends the copy at once, but
 * the client goes on sending until its CopyDone or CopyFail, which are then ignored
 * and answered with ReadyForQuery; Flush and Sync are allowed and ignored; anything
 * else ends the copy with 08P01, as in PostgreSQL.
 */
import { dbError } from '../common/errors.js'
import type { CopyIn } from '../engine/index.js'
import type { BackendWriter } from './protocol/backend.js'
import type { FrontendMessage } from './protocol/frontend.js'

export class CopyInMode {
  /** A data error ended the copy: the rest of the client's data is dropped. */
  private failed = false

  constructor(
    private readonly copy: CopyIn,
    private readonly out: BackendWriter,
    private readonly error: (e: unknown) => void,
  ) {}

  /** Handles one message of COPY mode; resolves true when COPY mode is over. */
  async handle(m: FrontendMessage): Promise<boolean> {
    switch (m.kind) {
      case 'copy-data':
        if (this.failed) return false
        try {
          await this.copy.write(m.data)
        } catch (e) {
          this.error(e)
          this.failed = true
        }
        return false
      case 'copy-done':
        if (!this.failed) {
          try {
            this.out.commandComplete(`COPY ${await this.copy.end()}`)
          } catch (e) {
            this.error(e)
          }
        }
        return true
      case 'copy-fail':
        if (!this.failed) {
          await this.copy.fail(m.message).catch(() => undefined)
          this.error(dbError('query_canceled', `COPY from stdin failed: ${m.message}`))
        }
        return true
      case 'flush':
      case 'sync':
        return false
      default:
        if (!this.failed) {
          await this.copy.fail('unexpected message').catch(() => undefined)
          this.error(dbError('protocol_violation', `unexpected message (${m.kind}) during COPY from stdin`))
        }
        return true
    }
  }
}
