/**
 * A transaction's undo log: what to restore, newest last, packed in one growing
 * byte arena so that a million-row transaction costs a few bytes per row and no
 * object per row.
 *
 * Entry layout: kind u8 · tree u32 · key length u32 · key · before length i32
 * (-1: the key was absent) · before bytes. A savepoint is an entry count.
 */
import type { TreeId } from '../common/ids.js'

export const UndoKind = { restore: 1, createTree: 2 } as const
export type UndoKind = (typeof UndoKind)[keyof typeof UndoKind]

export interface UndoEntry {
  readonly kind: UndoKind
  readonly tree: TreeId
  /** restore: the key to put back. */
  readonly key: Buffer
  /** restore: the value to put back, or null to delete the key. */
  readonly before: Buffer | null
}

const ABSENT = -1

/** An empty arena to start from: most transactions (readers) never write, so they allocate none. */
const NO_ARENA = Buffer.alloc(0)

export class UndoLog {
  private arena = NO_ARENA
  private used = 0
  private starts: number[] = []

  get length(): number {
    return this.starts.length
  }

  push(kind: UndoKind, tree: TreeId, key: Uint8Array | null, before: Uint8Array | null): void {
    const keyLen = key?.length ?? 0
    const need = 13 + keyLen + (before?.length ?? 0)
    this.reserve(need)
    const a = this.arena
    let at = this.used
    this.starts.push(at)
    a[at] = kind
    a.writeUInt32LE(tree, at + 1)
    a.writeUInt32LE(keyLen, at + 5)
    at += 9
    if (key) a.set(key, at)
    at += keyLen
    a.writeInt32LE(before === null ? ABSENT : before.length, at)
    at += 4
    if (before) a.set(before, at)
    this.used = at + (before?.length ?? 0)
  }

  /** The newest entry (views into the arena, valid until the next push). */
  top(): UndoEntry {
    const at = this.starts[this.starts.length - 1]!
    const a = this.arena
    const keyLen = a.readUInt32LE(at + 5)
    const key = a.subarray(at + 9, at + 9 + keyLen)
    const beforeLen = a.readInt32LE(at + 9 + keyLen)
    const b = at + 13 + keyLen
    return {
      kind: a[at] as UndoKind,
      tree: a.readUInt32LE(at + 1) as TreeId,
      key,
      before: beforeLen === ABSENT ? null : a.subarray(b, b + beforeLen),
    }
  }

  pop(): void {
    const at = this.starts.pop()
    if (at !== undefined) this.used = at
  }

  private reserve(n: number): void {
    if (this.used + n <= this.arena.length) return
    let size = Math.max(256, this.arena.length * 2)
    while (size < this.used + n) size *= 2
    const bigger = Buffer.allocUnsafe(size)
    this.arena.copy(bigger, 0, 0, this.used)
    this.arena = bigger
  }
}
