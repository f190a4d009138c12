import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { columnPicker, decodeColumns, decodeRow, encodeRow, type RowLayout } from '../../engine/rows/row-codec.js'
import { T, type SqlValue } from '../../engine/values/index.js'

// Slot 2 is a dropped column (no type); slots 5 and 6 were added after the rows were written.
const layout: RowLayout = {
  slots: 7,
  types: [T.int4, T.text, undefined, T.int8, T.bool, T.float8, T.text],
  missing: [null, null, null, null, null, 1.5, 'missing'],
}
const written: RowLayout = { slots: 5, types: layout.types.slice(0, 5), missing: layout.missing.slice(0, 5) }

const row = fc.tuple(
  fc.option(fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 })),
  fc.option(fc.string({ unit: 'grapheme', maxLength: 200 })),
  fc.constant(null),
  fc.option(fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n })),
  fc.option(fc.boolean()),
)

describe('decodeColumns', () => {
  it('decodes the picked slots as decodeRow does, missing and dropped slots included', () => {
    fc.assert(
      fc.property(row, fc.shuffledSubarray([0, 1, 2, 3, 4, 5, 6]), (values, slots) => {
        const bytes = encodeRow(written, values as SqlValue[])
        const whole = decodeRow(layout, bytes)
        expect(whole).toEqual([...values, 1.5, 'missing'])
        const picker = columnPicker(layout, slots, slots.length + 1)!
        const got = decodeColumns(picker, bytes)
        expect(got.length).toBe(slots.length + 1)
        expect(got.slice(0, slots.length)).toEqual(slots.map((s) => whole[s]))
      }),
    )
  })

  it('has no picker for a slot picked twice', () => {
    expect(columnPicker(layout, [1, 1])).toBeUndefined()
  })

  it('stops after the last picked slot; whole rows are still checked to the end', () => {
    const bytes = encodeRow(written, [7, 'x', null, 9n, true])
    const truncated = bytes.subarray(0, bytes.length - 1) // cuts the last slot (the bool)
    expect(decodeColumns(columnPicker(layout, [0, 1])!, truncated)).toEqual([7, 'x'])
    expect(() => decodeRow(layout, truncated)).toThrow(expect.objectContaining({ code: 'XX001' }))
  })
})
