/** Byte-string helpers shared by the storage layer. */

/** memcmp order: the order of keys in every tree. */
export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  return Buffer.compare(a, b)
}
