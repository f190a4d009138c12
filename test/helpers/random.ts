/**
 * The tests' seeded PRNG (the differential generator, the fuzzers, the crash tests):
 * sfc32 (Chris Doty-Humphrey's small fast counting generator), seeded through
 * splitmix32 so that nearby seeds give unrelated streams. Deterministic across
 * platforms (only 32-bit integer arithmetic): a failure reproduces from its seed.
 *
 * Not fast-check: the generators are recursive grammar walks whose shape depends on
 * earlier draws (the scope of a subquery depends on the tables picked before it), and
 * a plain stream of numbers states that most directly.
 */
export class Rng {
  private a: number
  private b: number
  private c: number
  private d: number

  constructor(seed: number) {
    let s = seed >>> 0
    const split = (): number => {
      s = (s + 0x9e3779b9) >>> 0
      let z = s
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0
      return (z ^ (z >>> 16)) >>> 0
    }
    this.a = split()
    this.b = split()
    this.c = split()
    this.d = split()
    for (let i = 0; i < 12; i++) this.u32()
  }

  /** The next 32-bit unsigned integer. */
  u32(): number {
    const t = (((this.a + this.b) >>> 0) + this.d) >>> 0
    this.d = (this.d + 1) >>> 0
    this.a = this.b ^ (this.b >>> 9)
    this.b = (this.c + (this.c << 3)) >>> 0
    this.c = ((this.c << 21) | (this.c >>> 11)) >>> 0
    this.c = (this.c + t) >>> 0
    return t
  }

  /** A float in [0, 1). */
  next(): number {
    return this.u32() / 4294967296
  }

  /** An integer in [lo, hi], both inclusive. */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1))
  }

  /** An integer in [0, n). */
  below(n: number): number {
    return Math.floor(this.next() * n)
  }

  chance(p: number): boolean {
    return this.next() < p
  }

  pick<T>(xs: readonly T[]): T {
    if (xs.length === 0) throw new Error('pick from an empty list')
    return xs[this.int(0, xs.length - 1)]!
  }

  /** One of the values, with probability proportional to its weight. */
  weighted<T>(entries: readonly (readonly [number, T])[]): T {
    const total = entries.reduce((s, [w]) => s + w, 0)
    let r = this.next() * total
    for (const [w, v] of entries) {
      r -= w
      if (r < 0) return v
    }
    return entries[entries.length - 1]![1]
  }

  shuffle<T>(xs: readonly T[]): T[] {
    const out = [...xs]
    for (let i = out.length - 1; i > 0; i--) {
      const j = this.int(0, i)
      ;[out[i], out[j]] = [out[j]!, out[i]!]
    }
    return out
  }

  /** Between `min` and `max` distinct elements, in their original order. */
  subset<T>(xs: readonly T[], min: number, max: number): T[] {
    const n = this.int(Math.min(min, xs.length), Math.min(max, xs.length))
    const chosen = new Set(this.shuffle(xs.map((_, i) => i)).slice(0, n))
    return xs.filter((_, i) => chosen.has(i))
  }
}
