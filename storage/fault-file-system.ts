/**
 * Named faults in the file layer, for crash tests in real child processes and for
 * teaching demos (DESIGN.md §7). Production passes the plain file system; a test
 * wraps it with one fault:
 *
 * - `torn-write`: the Nth write writes only a prefix of its bytes, and the process
 *   then dies by SIGKILL at once, as a kill -9 in the middle of a write would.
 * - `power-cut`: at the Nth write (which is made), the files lose what a power cut
 *   may take (power-cut-model.ts: every sector written since its file's last
 *   datasync independently keeps its new content or returns to its old), and the
 *   process dies by SIGKILL. With a file-name suffix, only writes to such files
 *   count (`power-cut:40:7:.wal`: at the 40th write to the log).
 * - `no-space`: writes beyond a byte budget fail with ENOSPC.
 * - `io-error`: the Nth write and every later one fail with EIO.
 *
 * `ISOLA_FAULT` in the environment selects one, e.g. `torn-write:120:seed`,
 * `power-cut:120:seed` or `no-space:1000000`; see `faultFromEnv`.
 */
import { ioError } from '../common/errors.js'
import type { FileHandle, FileSystem } from './file-system.js'
import { PowerCutModel } from './power-cut-model.js'

export type Fault =
  | { readonly kind: 'torn-write'; readonly atWrite: number; readonly seed: number }
  | { readonly kind: 'power-cut'; readonly atWrite: number; readonly seed: number; readonly suffix?: string }
  | { readonly kind: 'no-space'; readonly afterBytes: number }
  | { readonly kind: 'io-error'; readonly atWrite: number }

export function faultFromEnv(value: string | undefined): Fault | undefined {
  if (!value) return undefined
  const [kind, a = '0', b = '1', suffix] = value.split(':')
  if (kind === 'torn-write') return { kind, atWrite: Number(a), seed: Number(b) }
  if (kind === 'power-cut') return { kind, atWrite: Number(a), seed: Number(b), ...(suffix ? { suffix } : {}) }
  if (kind === 'no-space') return { kind, afterBytes: Number(a) }
  if (kind === 'io-error') return { kind, atWrite: Number(a) }
  throw new Error(`unknown ISOLA_FAULT "${value}"`)
}

/** A deterministic stream in [0, 1) from a seed (xorshift32): the fault's own choices. */
function seededRandom(seed: number): () => number {
  let x = seed >>> 0 || 1
  return () => {
    x ^= x << 13
    x ^= x >>> 17
    x ^= x << 5
    x >>>= 0
    return x / 4294967296
  }
}

export function withFault(base: FileSystem, fault: Fault): FileSystem {
  let writes = 0
  let bytes = 0
  const model = fault.kind === 'power-cut' ? new PowerCutModel() : undefined
  const wrap = (h: FileHandle): FileHandle => ({
    path: h.path,
    read: (buf, off, len, pos) => h.read(buf, off, len, pos),
    write(buf, off, len, pos) {
      if (fault.kind !== 'power-cut' || fault.suffix === undefined || h.path.endsWith(fault.suffix)) writes++
      bytes += len
      switch (fault.kind) {
        case 'torn-write':
          if (writes === fault.atWrite) {
            // A deterministic prefix length from the seed: 0 … len-1 bytes reach the file.
            const keep = Math.floor(((fault.seed * 2654435761) % 4294967296) / 4294967296 * len)
            if (keep > 0) h.write(buf, off, keep, pos)
            process.kill(process.pid, 'SIGKILL')
          }
          break
        case 'power-cut':
          model?.beforeWrite(h, pos, len)
          if (writes === fault.atWrite) {
            h.write(buf, off, len, pos)
            model?.cut(base, seededRandom(fault.seed))
            process.kill(process.pid, 'SIGKILL')
          }
          break
        case 'no-space':
          if (bytes > fault.afterBytes) throw ioError(`write file "${h.path}"`, Object.assign(new Error('no space left on device'), { code: 'ENOSPC' }))
          break
        case 'io-error':
          if (writes >= fault.atWrite) throw ioError(`write file "${h.path}"`, Object.assign(new Error('i/o error'), { code: 'EIO' }))
          break
      }
      h.write(buf, off, len, pos)
    },
    async datasync() {
      const done = model?.datasyncStarted(h)
      await h.datasync()
      done?.()
    },
    datasyncSync() {
      const done = model?.datasyncStarted(h)
      h.datasyncSync()
      done?.()
    },
    size: () => h.size(),
    truncate: (n) => h.truncate(n),
    close: () => h.close(),
  })
  return {
    ...base,
    open: (file, create) => wrap(base.open(file, create)),
    rename(from, to) {
      base.rename(from, to)
      model?.rename(from, to)
    },
    remove(file) {
      base.remove(file)
      model?.remove(file)
    },
  }
}
