/**
 * A CPU profile of one stretch of a benchmark (the measured operations, not the set-up
 * around them), written where `--profile FILE` asked; no profile without a file.
 */
import fs from 'node:fs'
import inspector from 'node:inspector/promises'

export async function profiled<T>(file: string, work: () => Promise<T>): Promise<T> {
  if (file === '') return work()
  const profiler = new inspector.Session()
  profiler.connect()
  await profiler.post('Profiler.enable')
  await profiler.post('Profiler.start')
  try {
    return await work()
  } finally {
    const { profile } = await profiler.post('Profiler.stop')
    fs.writeFileSync(file, JSON.stringify(profile))
    profiler.disconnect()
  }
}
