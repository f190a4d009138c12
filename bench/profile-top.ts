/**
 * The hottest functions of a V8 CPU profile (`node --cpu-prof`, or bench/cpu-profile.ts):
 *
 *   node dist/bench/profile-top.js FILE.cpuprofile [--top 30]
 *
 * Self time per function (name, file, line), and self time per file, as shares of
 * the samples that were not idle, so two profiles of different lengths compare.
 */
import fs from 'node:fs'
import path from 'node:path'

interface ProfileNode {
  readonly id: number
  readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number }
  readonly children?: readonly number[]
}

interface Profile {
  readonly nodes: readonly ProfileNode[]
  readonly samples: readonly number[]
  readonly timeDeltas: readonly number[]
}

const file = process.argv[2]
if (file === undefined) throw new Error('usage: profile-top FILE.cpuprofile [--top N]')
const i = process.argv.indexOf('--top')
const TOP = i >= 0 ? Number(process.argv[i + 1]) : 30
const profile = JSON.parse(fs.readFileSync(file, 'utf8')) as Profile

const byId = new Map(profile.nodes.map((n) => [n.id, n]))
const selfUs = new Map<number, number>()
profile.samples.forEach((id, k) => selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[k] ?? 0)))

const fn = new Map<string, number>()
const files = new Map<string, number>()
let busy = 0
let idle = 0
for (const [id, us] of selfUs) {
  const f = byId.get(id)!.callFrame
  if (f.functionName === '(idle)') {
    idle += us
    continue
  }
  busy += us
  const where = f.url === '' ? '' : `${path.basename(f.url)}:${f.lineNumber + 1}`
  const key = `${f.functionName || '(anonymous)'} ${where}`
  fn.set(key, (fn.get(key) ?? 0) + us)
  const fk = f.url === '' ? f.functionName : f.url.replace(/^file:\/\//, '').replace(/.*\/node_modules\//, 'node_modules/').replace(/.*\/dist\//, '')
  files.set(fk, (files.get(fk) ?? 0) + us)
}

const pct = (us: number): string => `${((100 * us) / busy).toFixed(1).padStart(5)}%`
console.log(`${file}: ${(busy / 1e6).toFixed(2)} s busy, ${(idle / 1e6).toFixed(2)} s idle`)
console.log('\nself time by function')
for (const [k, us] of [...fn].sort((a, b) => b[1] - a[1]).slice(0, TOP)) console.log(`${pct(us)}  ${k}`)
console.log('\nself time by file')
for (const [k, us] of [...files].sort((a, b) => b[1] - a[1]).slice(0, 20)) console.log(`${pct(us)}  ${k}`)
