/**
 * An interval tree of key ranges [from, to): which ranges contain key k?
 *
 * A treap ordered by (from, id), each node augmented with the largest `to` in its
 * subtree, so a stabbing query skips every subtree whose ranges all end at or
 * before k. Insert, remove and stab cost O(log n) expected (plus one step per
 * range found). Priorities come from a hash of a counter: deterministic, so a test
 * run is the same every time (DESIGN.md §7).
 *
 * ```
 *                 [c,f) max:∞           a query for key "d" visits [c,f) ✓,
 *               /          \            the left subtree (max e > d): [a,e) ✓,
 *        [a,e) max:e     [g,∞) max:∞    and stops at [g,∞) (g > d, so its right
 *        /                              subtree starts after d too)
 *   [a,b) max:b  ← skipped: max b ≤ d
 * ```
 *
 * Bounds are bytes compared as bytes (the key encoding is order-preserving); an
 * empty `from` is the first key, an undefined `to` is past the last key.
 */

export class RangeNode<T> {
  /** @internal */ left: RangeNode<T> | null = null
  /** @internal */ right: RangeNode<T> | null = null
  /** @internal Largest `to` in this subtree; undefined: unbounded. */
  maxTo: Uint8Array | undefined
  /** @internal */ readonly prio: number
  /** @internal Whether the node is in a tree (a removed node is never searched for). */
  linked = false

  constructor(
    readonly from: Uint8Array,
    readonly to: Uint8Array | undefined,
    public owner: T,
    /** @internal Tie-breaker for equal `from`, and the source of the priority. */
    readonly id: number,
  ) {
    this.maxTo = to
    this.prio = hash32(id)
  }
}

/** Bytewise order. Short keys compare in JS: cheaper than a call into Buffer.compare's native code. */
export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = a.length < b.length ? a.length : b.length
  if (n > 32) return Buffer.compare(a, b)
  for (let i = 0; i < n; i++) {
    const d = a[i]! - b[i]!
    if (d !== 0) return d
  }
  return a.length - b.length
}
const compare = compareBytes

function hash32(n: number): number {
  let h = Math.imul(n ^ 0x9e3779b9, 0x85ebca6b)
  h ^= h >>> 13
  h = Math.imul(h, 0xc2b2ae35)
  return (h ^ (h >>> 16)) >>> 0
}

export class RangeTree<T> {
  private root: RangeNode<T> | null = null
  private nextId = 1
  size = 0

  /** Adds [from, to) owned by `owner`; the returned node removes it again. */
  insert(from: Uint8Array, to: Uint8Array | undefined, owner: T): RangeNode<T> {
    const node = new RangeNode(from, to, owner, this.nextId++)
    this.root = this.insertAt(this.root, node)
    node.linked = true
    this.size++
    return node
  }

  remove(node: RangeNode<T>): void {
    if (!node.linked) return
    this.root = this.removeAt(this.root, node)
    node.linked = false
    node.left = node.right = null
    this.size--
  }

  /** Pushes the owner of every range containing `key` onto `out` (an owner may appear more than once). */
  stab(key: Uint8Array, out: T[]): void {
    if (this.root) this.stabAt(this.root, key, out)
  }

  /** Every node, in order (tests and statistics). */
  *nodes(): Generator<RangeNode<T>> {
    const stack: RangeNode<T>[] = []
    let n = this.root
    while (n || stack.length > 0) {
      while (n) {
        stack.push(n)
        n = n.left
      }
      const top = stack.pop()!
      yield top
      n = top.right
    }
  }

  private stabAt(start: RangeNode<T>, key: Uint8Array, out: T[]): void {
    let n: RangeNode<T> | null = start
    while (n) {
      if (n.maxTo !== undefined && compare(n.maxTo, key) <= 0) return // everything here ends at or before key
      if (n.left) this.stabAt(n.left, key, out)
      if (compare(n.from, key) > 0) return // n and its right subtree start after key
      if (n.to === undefined || compare(key, n.to) < 0) out.push(n.owner)
      n = n.right
    }
  }

  private insertAt(t: RangeNode<T> | null, node: RangeNode<T>): RangeNode<T> {
    if (!t) return node
    if (node.prio > t.prio) {
      this.split(t, node)
      node.left = this.splitLeft
      node.right = this.splitRight
      update(node)
      return node
    }
    if (before(node, t)) t.left = this.insertAt(t.left, node)
    else t.right = this.insertAt(t.right, node)
    update(t)
    return t
  }

  private splitLeft: RangeNode<T> | null = null
  private splitRight: RangeNode<T> | null = null

  /** Splits `t` into the nodes before `pivot` (splitLeft) and after it (splitRight). */
  private split(t: RangeNode<T> | null, pivot: RangeNode<T>): void {
    if (!t) {
      this.splitLeft = this.splitRight = null
      return
    }
    if (before(t, pivot)) {
      this.split(t.right, pivot)
      t.right = this.splitLeft
      update(t)
      this.splitLeft = t
    } else {
      this.split(t.left, pivot)
      t.left = this.splitRight
      update(t)
      this.splitRight = t
    }
  }

  private removeAt(t: RangeNode<T> | null, node: RangeNode<T>): RangeNode<T> | null {
    if (!t) return null
    if (t === node) return merge(t.left, t.right)
    if (before(node, t)) t.left = this.removeAt(t.left, node)
    else t.right = this.removeAt(t.right, node)
    update(t)
    return t
  }
}

function before<T>(a: RangeNode<T>, b: RangeNode<T>): boolean {
  const c = compare(a.from, b.from)
  return c < 0 || (c === 0 && a.id < b.id)
}

function merge<T>(a: RangeNode<T> | null, b: RangeNode<T> | null): RangeNode<T> | null {
  if (!a) return b
  if (!b) return a
  if (a.prio > b.prio) {
    a.right = merge(a.right, b)
    update(a)
    return a
  }
  b.left = merge(a, b.left)
  update(b)
  return b
}

function update<T>(n: RangeNode<T>): void {
  let m = n.to
  if (m !== undefined && n.left) m = n.left.maxTo === undefined ? undefined : larger(m, n.left.maxTo)
  if (m !== undefined && n.right) m = n.right.maxTo === undefined ? undefined : larger(m, n.right.maxTo)
  n.maxTo = m
}

function larger(a: Uint8Array, b: Uint8Array): Uint8Array {
  return compare(a, b) >= 0 ? a : b
}
