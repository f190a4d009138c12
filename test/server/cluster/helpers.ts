/** A cluster in a temporary directory, closed and removed after the test. */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterEach } from 'vitest'
import { Cluster, type ClusterOptions } from '../../../server/cluster/index.js'

const clusters: Cluster[] = []
const dirs: string[] = []

afterEach(async () => {
  for (const c of clusters.splice(0)) await c.close().catch(() => undefined)
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true })
})

export function tempDir(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'isola-cluster-'))
  dirs.push(d)
  return d
}

export async function cluster(dir = tempDir(), options: Omit<ClusterOptions, 'dir'> = {}): Promise<Cluster> {
  const c = await Cluster.open({ dir, databaseOptions: { gcIntervalMs: 0 }, ...options })
  clusters.push(c)
  return c
}

export async function failure(p: Promise<unknown>): Promise<{ code: string; message: string; detail?: string }> {
  try {
    await p
  } catch (e) {
    const x = e as { code: string; message: string; detail?: string }
    return x.detail === undefined ? { code: x.code, message: x.message } : { code: x.code, message: x.message, detail: x.detail }
  }
  throw new Error('no error')
}
