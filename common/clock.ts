/**
 * Time as an interface (DESIGN.md §7): production passes the system clock, tests and
 * the simulator pass one they drive by hand.
 */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number
  sleep(ms: number): Promise<void>
}

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
}
