/** ISOLA_FAULT's parsing (the crash tests see the points fire in real processes). */
import { describe, expect, it } from 'vitest'
import { faultsFromEnv, NO_FAULTS } from '../../coordinator/faults.js'

describe('faultsFromEnv', () => {
  it('knows the named points, refuses others, and leaves the file layer’s faults alone', () => {
    expect(faultsFromEnv(undefined)).toBe(NO_FAULTS)
    expect(faultsFromEnv('')).toBe(NO_FAULTS)
    expect(faultsFromEnv('torn-write:120:7')).toBe(NO_FAULTS)
    expect(() => faultsFromEnv('after-lunch')).toThrow(/unknown fault point "after-lunch"/)
    const f = faultsFromEnv('after-votes@3')
    expect(f).not.toBe(NO_FAULTS)
    // Other points, and the first two passages of this one, do nothing.
    f('after-prepare')
    f('after-votes')
    f('after-votes')
  })
})
