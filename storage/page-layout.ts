/**
 * The byte layout shared by every page of the data file.
 *
 * Every page starts with the same 24-byte header (little-endian):
 *
 * | offset | size | field                                                           |
 * |-------:|-----:|-----------------------------------------------------------------|
 * |      0 |    4 | CRC-32 of bytes 4 .. pageSize (zlib.crc32)                        |
 * |      4 |    4 | logical page id (a page read from the wrong slot is caught)      |
 * |      8 |    4 | generation: the checkpoint generation the image was written in   |
 * |     12 |    1 | page type (PageType)                                            |
 * |     13 |    1 | reserved (0)                                                    |
 * |     14 |    2 | leaf/internal: cell count · overflow: data bytes · map: entries  |
 * |     16 |    2 | leaf/internal: start of the cell content area                   |
 * |     18 |    2 | leaf/internal: fragmented free bytes inside the content area    |
 * |     20 |    4 | internal: rightmost child · overflow/map: next page (or slot)   |
 * |     24 |      | leaf/internal: slot array (u16 cell offsets), then free space,  |
 * |        |      | then cells growing down from the end of the page                |
 *
 * The CRC, page id and generation are stamped by the pager as the page goes to disk,
 * and checked as it comes back; the rest belongs to the page's owner (node.ts,
 * overflow.ts, pager.ts).
 */
import zlib from 'node:zlib'

export const HEADER_SIZE = 24
export const OFF_CRC = 0
export const OFF_PAGE_ID = 4
export const OFF_GENERATION = 8
export const OFF_TYPE = 12
export const OFF_COUNT = 14
export const OFF_CONTENT_START = 16
export const OFF_FRAGMENTED = 18
export const OFF_LINK = 20

export const PageType = { free: 0, leaf: 1, internal: 2, overflow: 3, map: 4, meta: 5 } as const
export type PageType = (typeof PageType)[keyof typeof PageType]

/** 8 KiB, as DESIGN.md §3 says; tests use 512 to force deep trees. */
export const DEFAULT_PAGE_SIZE = 8192
export const MIN_PAGE_SIZE = 512
/** Offsets inside a page are u16, so a page is at most 32 KiB. */
export const MAX_PAGE_SIZE = 32768

export function isValidPageSize(n: number): boolean {
  return Number.isInteger(n) && n >= MIN_PAGE_SIZE && n <= MAX_PAGE_SIZE && (n & (n - 1)) === 0
}

export function pageChecksum(page: Uint8Array): number {
  return zlib.crc32(page.subarray(OFF_CRC + 4))
}

/** Stamps id, generation and checksum just before the page is written. */
export function sealPage(page: Buffer, pageId: number, generation: number): void {
  page.writeUInt32LE(pageId, OFF_PAGE_ID)
  page.writeUInt32LE(generation, OFF_GENERATION)
  page.writeUInt32LE(pageChecksum(page), OFF_CRC)
}

/** True when the page's checksum matches its content. */
export function pageIntact(page: Buffer): boolean {
  return page.readUInt32LE(OFF_CRC) === pageChecksum(page)
}
