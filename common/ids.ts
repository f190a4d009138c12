/**
 * Branded ids: numbers that the type checker keeps apart.
 *
 * A `PageId` is not a `TxnId` even though both are numbers at run time; the brand
 * costs nothing and catches the classic "passed the slot where the page id goes" bug.
 */
declare const brand: unique symbol
type Brand<T, B extends string> = T & { readonly [brand]: B }

/** A logical page number inside one data file (0 is "no page"). */
export type PageId = Brand<number, 'PageId'>
/** A physical 8 KiB slot in the data file; a page moves between slots (shadow paging). */
export type SlotNo = Brand<number, 'SlotNo'>
/** A B+tree (a table or an index) inside one data file. */
export type TreeId = Brand<number, 'TreeId'>
/** A transaction, unique for the life of a data directory. */
export type TxnId = Brand<number, 'TxnId'>
/** A position in the write-ahead log: the byte offset in the log stream. */
export type Lsn = Brand<number, 'Lsn'>
/** A point in the one global timestamp order (DESIGN.md §2). */
export type Timestamp = Brand<number, 'Timestamp'>
/** A shard of a cluster. */
export type ShardId = Brand<number, 'ShardId'>

export const NO_PAGE = 0 as PageId

export const asPageId = (n: number): PageId => n as PageId
export const asSlot = (n: number): SlotNo => n as SlotNo
export const asTreeId = (n: number): TreeId => n as TreeId
export const asTxnId = (n: number): TxnId => n as TxnId
export const asLsn = (n: number): Lsn => n as Lsn
export const asTimestamp = (n: number): Timestamp => n as Timestamp
export const asShardId = (n: number): ShardId => n as ShardId
