/**
 * The data file: logical pages in physical slots, made crash-safe by shadow paging.
 *
 * B+tree nodes point at *logical* page ids. A page map (logical id → slot,
 * generation) says where the newest image of each page lives. The file holds:
 *
 * | slot | content                                                        |
 * |-----:|----------------------------------------------------------------|
 * |    0 | meta page of even checkpoint generations                        |
 * |    1 | meta page of odd checkpoint generations                         |
 * |  2 … | page images, page-map pages, free slots                         |
 *
 * Invariants (numbered, as DESIGN.md §8 asks):
 *  1. A slot referenced by a durable checkpoint, or by the checkpoint being
 *     written, is never written to. A page that changes after a checkpoint moves
 *     to a new slot when it is next written; its old slot is released only when
 *     the *next* checkpoint is durable ("pending free" below).
 *  2. So a write torn by a crash can only hit a slot no checkpoint refers to,
 *     and the checkpoint a restart loads is intact: torn pages need no
 *     double-write buffer and no full-page images in the log.
 *  3. The two meta pages alternate; a torn meta write leaves the other, older
 *     checkpoint valid, and invariant 1 kept that checkpoint's slots intact.
 *  4. Every image carries its logical id and generation, and the map records the
 *     generation it expects, so a page read from the wrong slot is caught (XX001).
 *
 * The checkpoint state is a consistent cut of the trees at one log position
 * (its LSN); recovery loads it and replays the logical log from there. Scratch
 * writes of evicted pages between checkpoints are never fsynced: nothing refers
 * to them after a crash.
 *
 * Meta page layout (after the common 24-byte header, little-endian):
 *
 * | offset | size | field                                       |
 * |-------:|-----:|---------------------------------------------|
 * |     24 |    4 | magic "ISLA"                                |
 * |     28 |    4 | format version                              |
 * |     32 |    4 | page size                                   |
 * |     36 |    4 | page-map head slot                          |
 * |     40 |    4 | page-map page count                         |
 * |     44 |    4 | next logical page id                        |
 * |     48 |    8 | checkpoint LSN (redo starts here)           |
 * |     56 |    8 | undo-start LSN (oldest record of a transaction open at the checkpoint) |
 * |     64 |    8 | next transaction id                         |
 * |     72 |    4 | next tree id                                |
 *
 * Page-map page: header (type map, count = entries, link = next map slot) then
 * `count` entries of (slot u32, generation u32) for consecutive page ids.
 */
import { dbError, internalError } from '../common/errors.js'
import type { Lsn, PageId, TxnId } from '../common/ids.js'
import type { FileHandle, FileSystem } from './file-system.js'
import {
  HEADER_SIZE,
  OFF_COUNT,
  OFF_GENERATION,
  OFF_LINK,
  OFF_PAGE_ID,
  OFF_TYPE,
  PageType,
  pageIntact,
  sealPage,
} from './page-layout.js'

const MAGIC = 0x414c5349 // "ISLA"
const FORMAT_VERSION = 1
const META_SLOTS = 2
/** Logical page 0 is "no page"; page 1 is the root of the tree catalog. */
export const CATALOG_ROOT = 1 as PageId

/** What a checkpoint records besides the pages. */
export interface CheckpointInfo {
  readonly checkpointLsn: Lsn
  readonly undoStartLsn: Lsn
  readonly nextTxnId: TxnId
  readonly nextTreeId: number
}

export interface LoadedMeta extends CheckpointInfo {
  readonly generation: number
}

/** A checkpoint whose pages are written; its meta page is not yet. */
export interface PendingCheckpoint {
  readonly generation: number
  readonly meta: Buffer
}

export class Pager {
  private slotOf: Uint32Array
  private genOf: Uint32Array
  private nextPageId: number
  private readonly freeIds: number[] = []
  private freeSlots: number[] = []
  private fileSlots: number
  private mapSlots: number[] = []
  /** Slots released when the checkpoint of that generation is durable. */
  private readonly pendingFree = new Map<number, number[]>()
  /** The generation new page images are written in (one past the last checkpoint taken). */
  private openGen: number
  private readonly scratch: Buffer
  /** Page images read from and written to the data file (statistics). */
  reads = 0
  writes = 0

  private constructor(
    private readonly file: FileHandle,
    readonly pageSize: number,
    private readonly fields: MetaFields | undefined,
  ) {
    this.scratch = Buffer.alloc(pageSize)
    this.fileSlots = Math.max(META_SLOTS, Math.floor(file.size() / pageSize))
    this.slotOf = new Uint32Array(1024)
    this.genOf = new Uint32Array(1024)
    this.nextPageId = CATALOG_ROOT + 1
    this.openGen = (fields?.generation ?? 0) + 1
  }

  /** The checkpoint this pager was loaded from (undefined for a new file). */
  get meta(): LoadedMeta | undefined {
    return this.fields
  }

  /** Opens (or creates) the data file and loads the newest intact checkpoint's page map. */
  static open(fs: FileSystem, file: string, newPageSize: number): Pager {
    const handle = fs.open(file, true)
    const pageSize = existingPageSize(handle) ?? newPageSize
    const existing = Math.floor(handle.size() / pageSize) >= META_SLOTS
    const fields = existing ? readNewestMeta(handle, pageSize) : undefined
    const pager = new Pager(handle, pageSize, fields)
    if (fields) pager.loadMap(fields)
    return pager
  }

  get isNew(): boolean {
    return this.meta === undefined
  }

  get path(): string {
    return this.file.path
  }

  get pageCount(): number {
    return this.nextPageId
  }

  get slotCount(): number {
    return this.fileSlots
  }

  // ---- pages ------------------------------------------------------------------

  readPage(id: PageId, into: Buffer): void {
    const slot = id < this.nextPageId ? this.slotOf[id]! : 0
    if (slot === 0) throw internalError(`page ${id} has no image on disk`)
    const n = this.file.read(into, 0, this.pageSize, slot * this.pageSize)
    this.reads++
    if (n !== this.pageSize || !pageIntact(into)) throw corrupted(this.file.path, id, slot, 'checksum mismatch')
    if (into.readUInt32LE(OFF_PAGE_ID) !== id || into.readUInt32LE(OFF_GENERATION) !== this.genOf[id])
      throw corrupted(this.file.path, id, slot, 'the slot holds another page')
  }

  /** Writes a page image in the open generation (in place if it already has one there). */
  writePage(id: PageId, page: Buffer): void {
    let slot = this.slotOf[id]!
    if (slot === 0 || this.genOf[id] !== this.openGen) {
      if (slot !== 0) this.release(slot, this.genOf[id]!)
      slot = this.takeSlot()
    }
    sealPage(page, id, this.openGen)
    this.file.write(page, 0, this.pageSize, slot * this.pageSize)
    this.writes++
    this.slotOf[id] = slot
    this.genOf[id] = this.openGen
  }

  allocate(): PageId {
    const id = this.freeIds.pop() ?? this.nextPageId++
    this.ensureMapSize(id + 1)
    this.slotOf[id] = 0
    this.genOf[id] = 0
    return id as PageId
  }

  free(id: PageId): void {
    const slot = this.slotOf[id]!
    if (slot !== 0) this.release(slot, this.genOf[id]!)
    this.slotOf[id] = 0
    this.genOf[id] = 0
    this.freeIds.push(id)
  }

  // ---- checkpoints -------------------------------------------------------------

  /**
   * The synchronous half of a checkpoint, run after the buffer pool has written
   * every dirty page: writes the page map and builds the meta page. From here on
   * new images go to the next generation, so later writes cannot touch this
   * checkpoint's slots.
   */
  prepareCheckpoint(info: CheckpointInfo): PendingCheckpoint {
    const generation = this.openGen
    for (const s of this.mapSlots) this.release(s, -1)
    this.mapSlots = this.writeMap(generation)
    const meta = Buffer.alloc(this.pageSize)
    meta[OFF_TYPE] = PageType.meta
    meta.writeUInt32LE(MAGIC, 24)
    meta.writeUInt32LE(FORMAT_VERSION, 28)
    meta.writeUInt32LE(this.pageSize, 32)
    meta.writeUInt32LE(this.mapSlots[0] ?? 0, 36)
    meta.writeUInt32LE(this.mapSlots.length, 40)
    meta.writeUInt32LE(this.nextPageId, 44)
    meta.writeDoubleLE(info.checkpointLsn, 48)
    meta.writeDoubleLE(info.undoStartLsn, 56)
    meta.writeDoubleLE(info.nextTxnId, 64)
    meta.writeUInt32LE(info.nextTreeId, 72)
    sealPage(meta, generation % 2, generation)
    this.openGen = generation + 1
    return { generation, meta }
  }

  /** Makes the checkpoint's pages durable (call before the log is forced and the meta written). */
  syncData(): Promise<void> {
    return this.file.datasync()
  }

  /** Writes and syncs the meta page: the checkpoint's commit point. Then frees what it superseded. */
  async completeCheckpoint(cp: PendingCheckpoint): Promise<void> {
    this.file.write(cp.meta, 0, this.pageSize, (cp.generation % 2) * this.pageSize)
    await this.file.datasync()
    for (const [gen, slots] of this.pendingFree) {
      if (gen > cp.generation) continue
      for (const s of slots) this.freeSlots.push(s)
      this.pendingFree.delete(gen)
    }
  }

  close(): void {
    this.file.close()
  }

  // ---- internals ---------------------------------------------------------------

  /** A slot no checkpoint refers to: a freed one or a new one at the end of the file. */
  private takeSlot(): number {
    return this.freeSlots.pop() ?? this.fileSlots++
  }

  /**
   * Gives a slot back. One written in the open generation is referenced by no
   * checkpoint and is free at once; any other is still part of the last checkpoint
   * and is freed when the checkpoint of the open generation is durable (invariant 1).
   */
  private release(slot: number, generation: number): void {
    if (generation === this.openGen) {
      this.freeSlots.push(slot)
      return
    }
    const list = this.pendingFree.get(this.openGen)
    if (list) list.push(slot)
    else this.pendingFree.set(this.openGen, [slot])
  }

  private ensureMapSize(n: number): void {
    if (n <= this.slotOf.length) return
    let size = this.slotOf.length
    while (size < n) size *= 2
    const s = new Uint32Array(size)
    s.set(this.slotOf)
    const g = new Uint32Array(size)
    g.set(this.genOf)
    this.slotOf = s
    this.genOf = g
  }

  private entriesPerMapPage(): number {
    return Math.floor((this.pageSize - HEADER_SIZE) / 8)
  }

  private writeMap(generation: number): number[] {
    const per = this.entriesPerMapPage()
    const count = Math.max(1, Math.ceil(this.nextPageId / per))
    const slots: number[] = []
    for (let i = 0; i < count; i++) slots.push(this.takeSlot())
    const page = this.scratch
    for (let i = 0; i < count; i++) {
      page.fill(0)
      page[OFF_TYPE] = PageType.map
      const first = i * per
      const n = Math.min(per, this.nextPageId - first)
      page.writeUInt16LE(n, OFF_COUNT)
      page.writeUInt32LE(slots[i + 1] ?? 0, OFF_LINK)
      for (let j = 0; j < n; j++) {
        page.writeUInt32LE(this.slotOf[first + j]!, HEADER_SIZE + j * 8)
        page.writeUInt32LE(this.genOf[first + j]!, HEADER_SIZE + j * 8 + 4)
      }
      sealPage(page, i, generation)
      this.file.write(page, 0, this.pageSize, slots[i]! * this.pageSize)
    }
    return slots
  }

  private loadMap(mp: MetaFields): void {
    const head = this.scratch
    this.nextPageId = mp.nextPageId
    this.ensureMapSize(this.nextPageId + 1)
    const per = this.entriesPerMapPage()
    let slot = mp.mapHead
    const referenced = new Uint8Array(this.fileSlots)
    for (let i = 0; i < mp.mapCount; i++) {
      if (slot < META_SLOTS || slot >= this.fileSlots) throw corruptedMap(this.file.path, slot)
      const n = this.file.read(head, 0, this.pageSize, slot * this.pageSize)
      if (n !== this.pageSize || !pageIntact(head) || head[OFF_TYPE] !== PageType.map || head.readUInt32LE(OFF_PAGE_ID) !== i)
        throw corruptedMap(this.file.path, slot)
      this.mapSlots.push(slot)
      referenced[slot] = 1
      const count = head.readUInt16LE(OFF_COUNT)
      for (let j = 0; j < count; j++) {
        const id = i * per + j
        const s = head.readUInt32LE(HEADER_SIZE + j * 8)
        if (s !== 0 && (s < META_SLOTS || s >= this.fileSlots)) throw corruptedMap(this.file.path, slot)
        this.slotOf[id] = s
        this.genOf[id] = head.readUInt32LE(HEADER_SIZE + j * 8 + 4)
        if (s !== 0) referenced[s] = 1
      }
      slot = head.readUInt32LE(OFF_LINK)
    }
    for (let id = CATALOG_ROOT + 1; id < this.nextPageId; id++) if (this.slotOf[id] === 0) this.freeIds.push(id)
    for (let s = this.fileSlots - 1; s >= META_SLOTS; s--) if (!referenced[s]) this.freeSlots.push(s)
  }
}

interface MetaFields extends LoadedMeta {
  readonly mapHead: number
  readonly mapCount: number
  readonly nextPageId: number
}

function readMetaFields(file: FileHandle, pageSize: number, slot: number): MetaFields | undefined {
  const p = Buffer.alloc(pageSize)
  if (file.read(p, 0, pageSize, slot * pageSize) !== pageSize) return undefined
  if (!pageIntact(p) || p[OFF_TYPE] !== PageType.meta || p.readUInt32LE(24) !== MAGIC) return undefined
  if (p.readUInt32LE(28) !== FORMAT_VERSION || p.readUInt32LE(32) !== pageSize) return undefined
  return {
    generation: p.readUInt32LE(OFF_GENERATION),
    mapHead: p.readUInt32LE(36),
    mapCount: p.readUInt32LE(40),
    nextPageId: p.readUInt32LE(44),
    checkpointLsn: p.readDoubleLE(48) as Lsn,
    undoStartLsn: p.readDoubleLE(56) as Lsn,
    nextTxnId: p.readDoubleLE(64) as TxnId,
    nextTreeId: p.readUInt32LE(72),
  }
}

/** The page size recorded in either meta page, if one is readable. */
function existingPageSize(file: FileHandle): number | undefined {
  const p = Buffer.alloc(40)
  for (const slot of [0, 1]) {
    // Page sizes are powers of two from 512: try each possible offset of meta slot 1.
    const positions = slot === 0 ? [0] : [512, 1024, 2048, 4096, 8192, 16384, 32768]
    for (const pos of positions) {
      if (file.read(p, 0, 40, pos) !== 40 || p.readUInt32LE(24) !== MAGIC) continue
      const size = p.readUInt32LE(32)
      if (slot === 0 || size === pos) return size
    }
  }
  return undefined
}

function readNewestMeta(file: FileHandle, pageSize: number): MetaFields {
  const a = readMetaFields(file, pageSize, 0)
  const b = readMetaFields(file, pageSize, 1)
  const best = a && b ? (a.generation > b.generation ? a : b) : (a ?? b)
  if (!best) {
    throw dbError('data_corrupted', `no valid checkpoint in data file "${file.path}"`, {
      detail: 'Both meta pages fail their checksum or are not Isola meta pages (or the page size differs).',
    })
  }
  return best
}

function corrupted(file: string, id: number, slot: number, why: string) {
  return dbError('data_corrupted', `invalid page ${id} in data file "${file}" (slot ${slot}): ${why}`)
}

function corruptedMap(file: string, slot: number) {
  return dbError('data_corrupted', `invalid page-map page at slot ${slot} in data file "${file}"`)
}
