/**
 * Named fault points (DESIGN.md §7): places in the two-phase commit where a test or a
 * teaching demo crashes the coordinator on purpose, to see recovery finish the work.
 *
 * In a real process, `ISOLA_FAULT=<point>` (or `<point>@<n>`: the n-th time the point
 * is reached) kills the process with SIGKILL there, as kill -9 would: no cleanup, no
 * flushed buffers. In-process tests pass their own injector instead (one that throws).
 */
export const FAULT_POINTS = [
  /** One participant has voted yes; others may still be preparing. No decision exists. */
  'after-prepare',
  /** Every participant has voted yes; the decision is not logged. */
  'after-votes',
  /** The decision is durable; the client has no answer and no participant committed. */
  'after-decision-logged',
  /** One participant acknowledged COMMIT PREPARED; others have not. */
  'after-some-commit-prepared',
  /** Recovery has re-driven one logged decision to one participant. */
  'during-recovery',
] as const
export type FaultPoint = (typeof FAULT_POINTS)[number]

/** Called at every fault point: does nothing, or crashes (or throws, in a simulation). */
export type FaultInjector = (point: FaultPoint) => void

export const NO_FAULTS: FaultInjector = () => undefined

/**
 * The injector of ISOLA_FAULT: SIGKILL at the named point's n-th passage. The file
 * layer's faults share the variable (`torn-write:120:7`, storage/fault-file-system.ts:
 * a kind and a colon) and are left to it.
 */
export function faultsFromEnv(spec = process.env.ISOLA_FAULT): FaultInjector {
  if (spec === undefined || spec === '' || spec.includes(':')) return NO_FAULTS
  const [name, nth] = spec.split('@')
  if (!(FAULT_POINTS as readonly string[]).includes(name!)) throw new Error(`ISOLA_FAULT: unknown fault point "${name}" (known: ${FAULT_POINTS.join(', ')})`)
  let left = nth === undefined ? 1 : Number(nth)
  return (point) => {
    if (point !== name || --left > 0) return
    process.kill(process.pid, 'SIGKILL')
    process.exit(137) // not reached: SIGKILL to oneself is delivered before kill() returns
  }
}
