/**
 * Shortest decimal digits of a float4/float8, as PostgreSQL's Ryu (common/f2s.c,
 * d2s.c) chooses them: the fewest digits d·10^k strictly inside the interval of
 * reals that round to the value, the nearest to it among those, ties to even.
 *
 * Why not `toExponential()`: JavaScript's shortest form breaks ties upwards and
 * accepts a decimal on the interval's edge; Ryu does neither, so a handful of floats
 * print differently (float4 4174417.25 is 4.1744172e+06 in PostgreSQL). This is
 * exact bigint arithmetic, a few microseconds per value: output is not a hot path.
 */

const SCRATCH = new DataView(new ArrayBuffer(8))

/** Digits (no leading zeros) and the power of ten of the last one: x = digits · 10^exp. */
export function shortestDigits(x: number, real: boolean): { digits: string; exp: number } {
  const mantBits = real ? 23 : 52
  const bias = real ? 127 : 1023
  let bits: bigint
  if (real) {
    SCRATCH.setFloat32(0, Math.abs(x))
    bits = BigInt(SCRATCH.getUint32(0))
  } else {
    SCRATCH.setFloat64(0, Math.abs(x))
    bits = SCRATCH.getBigUint64(0)
  }
  const fieldE = Number(bits >> BigInt(mantBits))
  const fieldM = bits & ((1n << BigInt(mantBits)) - 1n)
  const M = fieldE === 0 ? fieldM : fieldM | (1n << BigInt(mantBits))
  const E = (fieldE === 0 ? 1 : fieldE) - bias - mantBits
  // In units of 2^(E-2): value 4M, bounds 4M ± 2 (the lower one 4M − 1 at a power of two).
  const lowerGap = fieldM === 0n && fieldE > 1 ? 1n : 2n
  const v4 = 4n * M
  const lo4 = v4 - lowerGap
  const hi4 = v4 + 2n
  // Compare d·10^k with n·2^(E−2) exactly: scale both to integers.
  const e2 = E - 2
  const scaleOf = (k: number) => {
    // returns [factor for d·10^k, factor for n·2^e2] so that both products are integers
    const p2 = e2 >= 0 ? 1n << BigInt(e2) : 1n
    const q2 = e2 < 0 ? 1n << BigInt(-e2) : 1n
    const p10 = k >= 0 ? 10n ** BigInt(k) : 1n
    const q10 = k < 0 ? 10n ** BigInt(-k) : 1n
    // d·10^k·q2·q10 vs n·2^e2·q2·q10 → d·p10·q2 vs n·p2·q10
    return [p10 * q2, p2 * q10] as const
  }
  const e10 = Math.floor(Math.log10(Math.abs(x)))
  for (let k = e10 + 1; k >= e10 - 20; k--) {
    const [fd, fn] = scaleOf(k)
    const v = v4 * fn
    const lo = lo4 * fn
    const hi = hi4 * fn
    const floor = v / fd
    let best: bigint | undefined
    let bestDist = 0n
    for (const d of [floor, floor + 1n]) {
      const at = d * fd
      if (d <= 0n || at <= lo || at >= hi) continue
      const dist = at > v ? at - v : v - at
      if (best === undefined || dist < bestDist || (dist === bestDist && d % 2n === 0n)) {
        best = d
        bestDist = dist
      }
    }
    if (best !== undefined) {
      let digits = best.toString()
      let exp = k
      while (digits.length > 1 && digits.endsWith('0')) {
        digits = digits.slice(0, -1)
        exp++
      }
      return { digits, exp }
    }
  }
  throw new Error(`no shortest form for ${x}`)
}
