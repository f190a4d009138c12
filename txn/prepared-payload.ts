/**
 * What a prepared transaction records in its storage prepare record, so that after
 * a restart it comes back with its gid, prepare time, owner and locks
 * (DESIGN.md §5: a participant never drops a prepared transaction on its own).
 *
 * Layout: u16 gid length · gid (UTF-8) · f64 prepare ts · u16 owner length · owner ·
 * u32 lock count · per lock: u8 mode (1 exclusive, 2 shared) · u32 row id length · row id (latin1).
 */
import { dbError } from '../common/errors.js'
import type { Timestamp } from '../common/ids.js'
import type { RowLockMode } from './types.js'

export interface PreparedPayload {
  readonly gid: string
  readonly prepareTs: Timestamp
  readonly owner: string
  readonly locks: readonly { readonly row: string; readonly mode: RowLockMode }[]
}

export function encodePrepared(p: PreparedPayload): Buffer {
  const gid = Buffer.from(p.gid, 'utf8')
  const owner = Buffer.from(p.owner, 'utf8')
  const rows = p.locks.map((l) => Buffer.from(l.row, 'latin1'))
  const size = 2 + gid.length + 8 + 2 + owner.length + 4 + rows.reduce((n, r) => n + 5 + r.length, 0)
  const out = Buffer.alloc(size)
  let at = out.writeUInt16LE(gid.length, 0)
  at += gid.copy(out, at)
  at = out.writeDoubleLE(p.prepareTs, at)
  at = out.writeUInt16LE(owner.length, at)
  at += owner.copy(out, at)
  at = out.writeUInt32LE(rows.length, at)
  p.locks.forEach((l, i) => {
    at = out.writeUInt8(l.mode === 'update' ? 1 : 2, at)
    at = out.writeUInt32LE(rows[i]!.length, at)
    at += rows[i]!.copy(out, at)
  })
  return out
}

export function decodePrepared(bytes: Uint8Array): PreparedPayload {
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  try {
    let at = 0
    const gidLen = b.readUInt16LE(at)
    const gid = b.toString('utf8', (at += 2), (at += gidLen))
    const prepareTs = b.readDoubleLE(at) as Timestamp
    const ownerLen = b.readUInt16LE((at += 8))
    const owner = b.toString('utf8', (at += 2), (at += ownerLen))
    const n = b.readUInt32LE(at)
    at += 4
    const locks: { row: string; mode: RowLockMode }[] = []
    for (let i = 0; i < n; i++) {
      const mode: RowLockMode = b.readUInt8(at) === 1 ? 'update' : 'share'
      const len = b.readUInt32LE(at + 1)
      locks.push({ row: b.toString('latin1', at + 5, at + 5 + len), mode })
      at += 5 + len
    }
    if (at !== b.length) throw new RangeError('trailing bytes')
    return { gid, prepareTs, owner, locks }
  } catch (e) {
    throw dbError('data_corrupted', 'malformed prepared-transaction record', { cause: e })
  }
}
