import { Buffer } from 'node:buffer'
import fc from 'fast-check'
import { describe, it, expect } from 'vitest'
import { isIsolaError, type IsolaError } from '../../common/errors.js'
import type { SqlStateName } from '../../common/sqlstate.js'
import {
  KEY_TYPE_KINDS, compareBytes, decodeInt64Key, decodeKey, encodeInt64Key, encodeKey,
  type KeyColumn, type KeyTypeKind, type KeyValue,
} from '../../common/key-encoding.js'

// ---------------------------------------------------------------------------------
// Reference semantics, written independently of the encoder: PostgreSQL's order.

const INT64_MIN = -(2n ** 63n)
const INT64_MAX = 2n ** 63n - 1n

type Dec = { readonly rank: 0 | 1 | 2 | 3; readonly big: bigint; readonly scale: number }

/** A decimal string as rank (-Inf, number, Inf, NaN) and an exact scaled integer. */
function parseDec(s: string): Dec {
  if (s === '-Infinity') return { rank: 0, big: 0n, scale: 0 }
  if (s === 'Infinity') return { rank: 2, big: 0n, scale: 0 }
  if (s === 'NaN') return { rank: 3, big: 0n, scale: 0 }
  const [i, f = ''] = s.split('.')
  return { rank: 1, big: BigInt((i ?? '') + f), scale: f.length }
}

function compareDec(a: string, b: string): number {
  const x = parseDec(a)
  const y = parseDec(b)
  if (x.rank !== y.rank || x.rank !== 1) return x.rank - y.rank
  const scale = Math.max(x.scale, y.scale)
  const xa = x.big * 10n ** BigInt(scale - x.scale)
  const yb = y.big * 10n ** BigInt(scale - y.scale)
  return xa < yb ? -1 : xa > yb ? 1 : 0
}

function canonicalDec(s: string): string {
  const d = parseDec(s)
  if (d.rank !== 1) return s
  let { big, scale } = d
  while (scale > 0 && big % 10n === 0n) {
    big /= 10n
    scale--
  }
  if (big === 0n) return '0'
  const digits = (big < 0n ? -big : big).toString().padStart(scale + 1, '0')
  const body = scale === 0 ? digits : `${digits.slice(0, -scale)}.${digits.slice(-scale)}`
  return big < 0n ? `-${body}` : body
}

function compareFloat(a: number, b: number): number {
  if (Number.isNaN(a) || Number.isNaN(b)) return Number(Number.isNaN(a)) - Number(Number.isNaN(b))
  return a < b ? -1 : a > b ? 1 : 0
}

/** PostgreSQL's order of two non-null values of one type ("C" collation for text). */
function sqlCompare(kind: KeyTypeKind, a: KeyValue, b: KeyValue): number {
  switch (kind) {
    case 'boolean': return Number(a) - Number(b)
    case 'int16': case 'int32': case 'date': return (a as number) - (b as number)
    case 'int64': case 'timestamp': case 'timestamptz': return a! < b! ? -1 : a! > b! ? 1 : 0
    case 'float32': return compareFloat(Math.fround(a as number), Math.fround(b as number))
    case 'float64': return compareFloat(a as number, b as number)
    case 'decimal': return compareDec(a as string, b as string)
    case 'text': return Buffer.compare(Buffer.from(a as string, 'utf8'), Buffer.from(b as string, 'utf8'))
    case 'bytes': return Buffer.compare(a as Uint8Array, b as Uint8Array)
  }
}

/** NULLS LAST ascending; a descending column reverses everything, NULLs included. */
function compareColumn(col: KeyColumn, a: KeyValue, b: KeyValue): number {
  const c = a === null || b === null
    ? Number(a === null) - Number(b === null)
    : Math.sign(sqlCompare(col.type.kind, a, b))
  return col.descending === true && c !== 0 ? -c : c
}

function compareTuple(cols: readonly KeyColumn[], a: readonly KeyValue[], b: readonly KeyValue[]): number {
  for (let i = 0; i < cols.length; i++) {
    const c = compareColumn(cols[i]!, a[i]!, b[i]!)
    if (c !== 0) return c
  }
  return 0
}

/** What decode must return for `v`. */
function canonical(kind: KeyTypeKind, v: KeyValue): KeyValue {
  if (v === null) return null
  if (kind === 'float32') return Math.fround(v as number) + 0
  if (kind === 'float64') return Number.isNaN(v) ? NaN : (v as number) + 0
  if (kind === 'decimal') return canonicalDec(v as string)
  return v
}

// ---------------------------------------------------------------------------------
// Value generators, biased towards edges.

const nanWithPayload = fc.tuple(fc.boolean(), fc.bigInt({ min: 1n, max: 2n ** 52n - 1n }))
  .map(([neg, payload]) => new Float64Array(new BigUint64Array([(neg ? 1n << 63n : 0n) | (0x7ffn << 52n) | payload]).buffer)[0]!)

const decimalText = fc.record({
  neg: fc.boolean(),
  lead: fc.nat({ max: 3 }),
  core: fc.string({ unit: fc.constantFrom('0', '1', '5', '9', '4'), minLength: 1, maxLength: 40 }),
  trail: fc.oneof(fc.nat({ max: 3 }), fc.nat({ max: 300 })),
  point: fc.nat(),
}).map(({ neg, lead, core, trail, point }) => {
  const whole = '0'.repeat(lead) + core + '0'.repeat(trail)
  const at = point % (whole.length + 1)
  const int = whole.slice(0, at) || '0'
  const frac = whole.slice(at)
  return (neg ? '-' : '') + int + (frac === '' ? '' : `.${frac}`)
})

/** Tiny magnitudes: 0.000…0ddd with up to 300 zeros (exponents below the one-byte range). */
const tinyDecimal = fc.tuple(fc.boolean(), fc.nat({ max: 300 }), fc.stringMatching(/^[0-9]{0,8}[1-9]$/))
  .map(([neg, zeros, digits]) => `${neg ? '-' : ''}0.${'0'.repeat(zeros)}${digits}`)

const decimalArb = fc.oneof(
  { weight: 6, arbitrary: decimalText },
  { weight: 2, arbitrary: tinyDecimal },
  { weight: 1, arbitrary: fc.bigInt().map(String) },
  { weight: 1, arbitrary: fc.constantFrom('NaN', 'Infinity', '-Infinity', '0', '-0', '0.000', '-0.0', '1.50', '1.5', '01.5', '0.000001', '-0.000001', '1' + '0'.repeat(300), '0.' + '0'.repeat(200) + '1', '99.99', '100', '-100') },
)

const textArb = fc.oneof(
  fc.string({ unit: 'binary' }),
  fc.string({ unit: fc.constantFrom('\u0000', '\u0001', 'a', 'b', '\u007f', '\u0080', '\u00ff', '\u07ff', '\u0800', '\ufeff', '\uffff', '\u{10000}', '😀', '\u{10ffff}', '\ud7ff', '\ue000') }),
  fc.constantFrom('', '\0', '\0\0', 'a\0', 'a\0b', '\ufeffx'),
)

const bytesArb = fc.oneof(
  fc.uint8Array({ maxLength: 40 }),
  fc.array(fc.constantFrom(0, 1, 2, 0xfe, 0xff), { maxLength: 12 }).map((a) => Uint8Array.from(a)),
)

const ints = (bits: 16 | 32) => {
  const min = -(2 ** (bits - 1))
  const max = 2 ** (bits - 1) - 1
  return fc.oneof(fc.integer({ min, max }), fc.constantFrom(min, max, min + 1, max - 1, 0, -1, 1))
}
const int64s = fc.oneof(
  fc.bigInt({ min: INT64_MIN, max: INT64_MAX }),
  fc.bigInt({ min: -300n, max: 300n }),
  fc.constantFrom(INT64_MIN, INT64_MAX, INT64_MIN + 1n, INT64_MAX - 1n, 0n, -1n, 1n, 2n ** 32n, -(2n ** 32n)),
)
const floatEdges = [0, -0, NaN, Infinity, -Infinity, 1, -1]

const VALUES: Record<KeyTypeKind, fc.Arbitrary<KeyValue>> = {
  boolean: fc.boolean(),
  int16: ints(16),
  int32: ints(32),
  date: ints(32),
  int64: int64s,
  timestamp: int64s,
  timestamptz: int64s,
  float32: fc.oneof(fc.float(), fc.constantFrom(...floatEdges, 1.401298464324817e-45, 3.4028234663852886e38, -3.4028234663852886e38)),
  float64: fc.oneof(fc.double(), nanWithPayload, fc.integer({ min: -5, max: 5 }), fc.constantFrom(...floatEdges, Number.MIN_VALUE, -Number.MIN_VALUE, Number.MAX_VALUE, -Number.MAX_VALUE)),
  decimal: decimalArb,
  text: textArb,
  bytes: bytesArb,
}

/** Values close to `a`, where encodings are most likely to get the order wrong. */
function near(kind: KeyTypeKind, a: KeyValue): fc.Arbitrary<KeyValue> {
  switch (kind) {
    case 'text':
      return fc.oneof(textArb.map((s) => (a as string) + s), fc.nat().map((n) => [...(a as string)].slice(0, n % ([...(a as string)].length + 1)).join('')))
    case 'bytes':
      return fc.oneof(bytesArb.map((s) => Uint8Array.from([...(a as Uint8Array), ...s])), fc.nat().map((n) => (a as Uint8Array).slice(0, n % ((a as Uint8Array).length + 1))))
    case 'decimal': {
      const s = a as string
      if (!/^-?\d/.test(s)) return VALUES.decimal
      const frac = s.includes('.') ? s : `${s}.`
      return fc.oneof(
        fc.integer({ min: 1, max: 5 }).map((n) => frac + '0'.repeat(n)),
        fc.constantFrom('1', '9', '01', '5').map((d) => frac + d),
        fc.constant(s.startsWith('-') ? s.slice(1) : `-${s}`),
        fc.constant(s.replace(/^(-?)/, '$10')),
      )
    }
    default:
      return VALUES[kind]
  }
}

const pairOf = (kind: KeyTypeKind) => fc.oneof(
  fc.tuple(VALUES[kind], VALUES[kind]),
  VALUES[kind].chain((a) => fc.tuple(fc.constant(a), fc.oneof(fc.constant(a), near(kind, a)))),
)
const nullable = (arb: fc.Arbitrary<KeyValue>) => fc.option(arb, { nil: null, freq: 8 })

const columnArb: fc.Arbitrary<KeyColumn> = fc.record({
  type: fc.constantFrom(...KEY_TYPE_KINDS).map((kind) => ({ kind })),
  descending: fc.boolean(),
})

// ---------------------------------------------------------------------------------

function expectError(name: SqlStateName, f: () => unknown): void {
  let caught: unknown
  try {
    f()
  } catch (e) {
    caught = e
  }
  if (!isIsolaError(caught, name)) {
    throw new Error(`expected IsolaError ${name}, got ${String(caught)} ${(caught as IsolaError | undefined)?.code ?? ''}`)
  }
}

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex')
const RUNS = { numRuns: 1000 }

describe('key encoding: order', () => {
  for (const kind of KEY_TYPE_KINDS) {
    for (const descending of [false, true]) {
      it(`${kind}${descending ? ' desc' : ''}: byte order is SQL order`, () => {
        const col: KeyColumn = { type: { kind }, descending }
        fc.assert(fc.property(pairOf(kind), nullable(VALUES[kind]), ([a, b], c) => {
          for (const [x, y] of [[a, b], [a, c], [c, b]] as const) {
            const got = Math.sign(compareBytes(encodeKey([col], [x]), encodeKey([col], [y])))
            expect(got).toBe(compareColumn(col, x, y))
          }
        }), RUNS)
      })
    }
  }

  it('composite keys of 2–4 mixed columns compare column by column', () => {
    const arb = fc.array(columnArb, { minLength: 2, maxLength: 4 }).chain((cols) => {
      const tuple = fc.tuple(...cols.map((c) => nullable(VALUES[c.type.kind])))
      const same = fc.array(fc.boolean(), { minLength: cols.length, maxLength: cols.length })
      return fc.tuple(fc.constant(cols), tuple, tuple, same)
    })
    fc.assert(fc.property(arb, ([cols, a, fresh, same]) => {
      const b = a.map((v, i) => (same[i] === true ? v : fresh[i]!))
      const got = Math.sign(compareBytes(encodeKey(cols, a), encodeKey(cols, b)))
      expect(got).toBe(compareTuple(cols, a, b))
      // A key prefix bounds every key extending it: [P, P ‖ 0xFF).
      const p = encodeKey(cols.slice(0, 1), a.slice(0, 1))
      const full = encodeKey(cols, a)
      expect(compareBytes(p, full)).toBeLessThan(0)
      expect(compareBytes(full, Uint8Array.from([...p, 0xff]))).toBeLessThan(0)
    }), { numRuns: 3000 })
  })
})

describe('key encoding: decode', () => {
  for (const kind of KEY_TYPE_KINDS) {
    it(`${kind}: round-trips (canonicalised) and rejects every truncation with XX001`, () => {
      fc.assert(fc.property(nullable(VALUES[kind]), fc.boolean(), (v, descending) => {
        const cols: KeyColumn[] = [{ type: { kind }, descending }]
        const bytes = encodeKey(cols, [v])
        const [back] = decodeKey(cols, bytes)
        expect(back).toEqual(canonical(kind, v))
        expect(Object.is(back, -0)).toBe(false)
        for (let n = 0; n < bytes.length; n++) expectError('data_corrupted', () => decodeKey(cols, bytes.subarray(0, n)))
        expectError('data_corrupted', () => decodeKey(cols, Uint8Array.from([...bytes, 0x10])))
      }), RUNS)
    })
  }

  it('composite keys round-trip and truncations fail with XX001', () => {
    const arb = fc.array(columnArb, { minLength: 1, maxLength: 4 })
      .chain((cols) => fc.tuple(fc.constant(cols), fc.tuple(...cols.map((c) => nullable(VALUES[c.type.kind])))))
    fc.assert(fc.property(arb, ([cols, values]) => {
      const bytes = encodeKey(cols, values)
      expect(decodeKey(cols, bytes)).toEqual(values.map((v, i) => canonical(cols[i]!.type.kind, v)))
      for (let n = 0; n < bytes.length; n++) expectError('data_corrupted', () => decodeKey(cols, bytes.subarray(0, n)))
    }), RUNS)
  })

  it('damaged bytes either fail with XX001 or decode to a value that re-encodes to them', () => {
    const arb = fc.array(columnArb, { minLength: 1, maxLength: 3 }).chain((cols) => fc.tuple(
      fc.constant(cols),
      fc.tuple(...cols.map((c) => nullable(VALUES[c.type.kind]))),
      fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 3 }),
    ))
    fc.assert(fc.property(arb, ([cols, values, damage]) => {
      const bytes = encodeKey(cols, values).slice()
      for (const [at, b] of damage) bytes[at % bytes.length] = b
      let decoded: KeyValue[]
      try {
        decoded = decodeKey(cols, bytes)
      } catch (e) {
        expect(isIsolaError(e, 'data_corrupted')).toBe(true)
        return
      }
      expect(hex(encodeKey(cols, decoded))).toBe(hex(bytes))
    }), { numRuns: 5000 })
  })

  it('random bytes never decode to garbage', () => {
    fc.assert(fc.property(fc.array(columnArb, { minLength: 1, maxLength: 3 }), fc.uint8Array({ maxLength: 24 }), (cols, bytes) => {
      try {
        expect(hex(encodeKey(cols, decodeKey(cols, bytes)))).toBe(hex(bytes))
      } catch (e) {
        if (!isIsolaError(e, 'data_corrupted')) throw e
      }
    }), { numRuns: 5000 })
  })
})

describe('key encoding: layout', () => {
  const enc = (kind: KeyTypeKind, v: KeyValue, descending = false) => hex(encodeKey([{ type: { kind }, descending }], [v]))

  it('matches the documented bytes', () => {
    expect(hex(encodeKey(
      [{ type: { kind: 'int32' } }, { type: { kind: 'text' }, descending: true }, { type: { kind: 'boolean' } }],
      [42, 'a\0b', null],
    ))).toBe('108000002a' + 'ef9eff009dfffe' + 'f0')
    expect(enc('int32', null, true)).toBe('0f')
    expect(enc('boolean', false)).toBe('10')
    expect(enc('boolean', true)).toBe('11')
    expect(enc('int16', -1)).toBe('107fff')
    expect(enc('int64', 1n)).toBe('108000000000000001')
    expect(enc('float64', 0)).toBe('108000000000000000')
    expect(enc('float64', -0)).toBe('108000000000000000')
    expect(enc('float64', NaN)).toBe('10fff8000000000000')
    expect(enc('float32', -1)).toBe('10407fffff')
    expect(enc('text', '')).toBe('100001')
    expect(enc('bytes', Uint8Array.of(0, 0xff))).toBe('1000ffff0001')
    expect(enc('decimal', '123.45')).toBe('1382032f5a')
    expect(enc('decimal', '-123.45')).toBe('117dfcd0a5')
    expect(enc('decimal', '0.000')).toBe('12')
    expect(enc('decimal', '1.50')).toBe(enc('decimal', '01.5'))
    expect(enc('decimal', 'NaN')).toBe('15')
    expect(enc('decimal', '1' + '0'.repeat(200))).toBe('13e080000065' + '02')
    // Exponent bands: 10^125 = 0.10 × 100^63 (last one-byte exponent), 10^126 = 0.01 × 100^64.
    expect(enc('decimal', '1' + '0'.repeat(125))).toBe('13bf14')
    expect(enc('decimal', '1' + '0'.repeat(126))).toBe('13e08000004002')
    expect(enc('decimal', '0.01')).toBe('138002')
    // 10^-129 = 0.10 × 100^-64 (first one-byte exponent), 10^-131 = 0.10 × 100^-65.
    expect(enc('decimal', '0.' + '0'.repeat(128) + '1')).toBe('134014')
    expect(enc('decimal', '0.' + '0'.repeat(130) + '1')).toBe('13207fffffbf14')
    expect(enc('decimal', '-0.01')).toBe('117ffd')
  })

  it('decodes decimals to canonical text', () => {
    const dec = (s: string) => decodeKey([{ type: { kind: 'decimal' } }], encodeKey([{ type: { kind: 'decimal' } }], [s]))[0]
    expect(['-0.0', '007.50', '-0.00100', '100', '1e'.slice(0, 1), '-Infinity'].map(dec))
      .toEqual(['0', '7.5', '-0.001', '100', '1', '-Infinity'])
  })
})

describe('key encoding: errors', () => {
  it('rejects a value of the wrong type with 42804', () => {
    const wrong: Record<KeyTypeKind, KeyValue> = {
      boolean: 1, int16: 1.5, int32: 1n, date: '1', int64: 1, timestamp: 1, timestamptz: '1',
      float32: 1n, float64: '1', decimal: 1, text: Uint8Array.of(1), bytes: 'x',
    }
    for (const kind of KEY_TYPE_KINDS) expectError('datatype_mismatch', () => encodeKey([{ type: { kind } }], [wrong[kind]]))
  })

  it('rejects out-of-range integers, malformed decimals and unpaired surrogates', () => {
    expectError('numeric_value_out_of_range', () => encodeKey([{ type: { kind: 'int16' } }], [32768]))
    expectError('numeric_value_out_of_range', () => encodeKey([{ type: { kind: 'int32' } }], [-(2 ** 31) - 1]))
    expectError('numeric_value_out_of_range', () => encodeKey([{ type: { kind: 'int64' } }], [INT64_MAX + 1n]))
    expectError('numeric_value_out_of_range', () => encodeKey([{ type: { kind: 'float32' } }], [1e39]))
    expectError('numeric_value_out_of_range', () => encodeKey([{ type: { kind: 'decimal' } }], ['1' + '0'.repeat(131_072)]))
    for (const s of ['', '-', '1.', '.5', '+1', '1e5', 'nan', ' 1', '1,5', '١']) {
      expectError('invalid_text_representation', () => encodeKey([{ type: { kind: 'decimal' } }], [s]))
    }
    expectError('character_not_in_repertoire', () => encodeKey([{ type: { kind: 'text' } }], ['a\ud800']))
    expectError('character_not_in_repertoire', () => encodeKey([{ type: { kind: 'text' } }], ['\udc00a']))
    expectError('character_not_in_repertoire', () => encodeKey([{ type: { kind: 'text' } }], ['\udc00\udc00']))
    expectError('character_not_in_repertoire', () => encodeKey([{ type: { kind: 'text' } }], ['\ud800\ud800']))
    expectError('internal_error', () => encodeKey([{ type: { kind: 'text' } }], []))
  })

  it('rejects invalid UTF-8 and non-canonical floats as corruption', () => {
    expectError('data_corrupted', () => decodeKey([{ type: { kind: 'text' } }], Uint8Array.of(0x10, 0xc0, 0x80, 0x00, 0x01)))
    expectError('data_corrupted', () => decodeKey([{ type: { kind: 'float64' } }], Uint8Array.of(0x10, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff)))
    expectError('data_corrupted', () => decodeKey([{ type: { kind: 'float32' } }], Uint8Array.of(0x10, 0xff, 0xc0, 0, 1)))
    // Exponent 1 in the five-byte form (the encoder writes it as one byte 0x81).
    expectError('data_corrupted', () => decodeKey([{ type: { kind: 'decimal' } }], Uint8Array.of(0x13, 0xe0, 0x80, 0, 0, 1, 0x02)))
    expectError('data_corrupted', () => decodeKey([{ type: { kind: 'decimal' } }], Uint8Array.of(0x13, 0x81, 0x00)))
    expectError('data_corrupted', () => decodeKey([{ type: { kind: 'boolean' } }], Uint8Array.of(0x12)))
  })
})

describe('encodeInt64Key', () => {
  it('is encodeKey for one int64 column, numbers included, and preserves order', () => {
    const safe = fc.oneof(fc.maxSafeInteger(), fc.integer({ min: -(2 ** 33), max: 2 ** 33 }), fc.constantFrom(0, -1, 2 ** 32, -(2 ** 32), Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER))
    fc.assert(fc.property(safe, safe, (a, b) => {
      const ea = encodeInt64Key(a)
      expect(hex(ea)).toBe(hex(encodeKey([{ type: { kind: 'int64' } }], [BigInt(a)])))
      expect(decodeInt64Key(ea)).toBe(BigInt(a))
      expect(Math.sign(compareBytes(ea, encodeInt64Key(b)))).toBe(Math.sign(a - b))
    }), RUNS)
    fc.assert(fc.property(int64s, (n) => {
      expect(hex(encodeInt64Key(n as bigint))).toBe(hex(encodeKey([{ type: { kind: 'int64' } }], [n])))
    }), RUNS)
    expectError('datatype_mismatch', () => encodeInt64Key(0.5))
    expectError('datatype_mismatch', () => encodeInt64Key(2 ** 53))
    expectError('numeric_value_out_of_range', () => encodeInt64Key(INT64_MIN - 1n))
  })
})
