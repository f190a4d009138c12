/**
 * Cross-shard SSI (coordinator/global-ssi.ts) over both kinds of participant: a
 * dangerous structure whose two rw edges live on two shards is stopped by the
 * coordinator, with a 40001 that names it; the same transactions on disjoint rows
 * commit; and a later reader that closes a structure through a committed pivot's
 * out edge on another shard fails on its own shard (isola.commit_out_conflict).
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { asShardId } from '../../common/ids.js'
import { CLUSTER_KINDS, type ClusterKind, type TestCluster } from './clusters.js'

const S0 = asShardId(0)
const S1 = asShardId(1)
let open: { c: TestCluster; dir: string }[] = []

async function cluster(kind: ClusterKind): Promise<TestCluster> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'isola-xssi-'))
  const c = await kind.open({ dir, shards: 2, memoryShards: true })
  open.push({ c, dir })
  const t = c.coordinator.begin()
  for (const s of [S0, S1]) await t.execute(s, 'CREATE TABLE doctors (id int PRIMARY KEY, on_call bool)')
  await t.execute(S0, 'INSERT INTO doctors VALUES (1, true)')
  await t.execute(S1, 'INSERT INTO doctors VALUES (2, true)')
  await t.commit()
  await c.coordinator.settled()
  return c
}

afterEach(async () => {
  for (const { c, dir } of open) {
    await c.close().catch(() => undefined)
    fs.rmSync(dir, { recursive: true, force: true })
  }
  open = []
})

const onCall = 'SELECT count(*) FROM doctors WHERE on_call'

for (const kind of CLUSTER_KINDS) describe(`cross-shard SSI over ${kind.name} shards`, () => {
  it('stops a write skew whose rows live on two shards, naming the structure', async () => {
    const c = await cluster(kind)
    const t1 = c.coordinator.begin({ isolation: 'serializable' })
    const t2 = c.coordinator.begin({ isolation: 'serializable' })
    for (const t of [t1, t2]) for (const s of [S0, S1]) await t.execute(s, onCall)
    await t1.execute(S0, 'UPDATE doctors SET on_call = false WHERE id = 1')
    await t2.execute(S1, 'UPDATE doctors SET on_call = false WHERE id = 2')
    await t1.commit()
    const e = await t2.commit().then(() => undefined, (x: unknown) => x)
    expect(e).toMatchObject({ code: '40001' })
    expect((e as { detail: string }).detail).toContain(`Dangerous structure across shards: transaction ${t1.gid} →rw transaction ${t2.gid} →rw transaction ${t1.gid}, which commits first.`)
    // Nothing of t2 is left anywhere, and somebody is still on call.
    for (const s of c.shards) expect(await s.listPrepared()).toEqual([])
    const r = c.coordinator.begin({ isolation: 'repeatable read' })
    expect(Number((await r.execute(S0, onCall)).rows[0]![0]) + Number((await r.execute(S1, onCall)).rows[0]![0])).toBe(1)
    await r.commit()
  })

  it('commits both when their reads and writes do not cross', async () => {
    const c = await cluster(kind)
    const t1 = c.coordinator.begin({ isolation: 'serializable' })
    const t2 = c.coordinator.begin({ isolation: 'serializable' })
    await t1.execute(S0, 'SELECT on_call FROM doctors WHERE id = 1')
    await t1.execute(S1, 'SELECT on_call FROM doctors WHERE id = 2')
    await t2.execute(S0, 'SELECT 1')
    await t2.execute(S1, 'SELECT 1')
    await t1.execute(S0, 'UPDATE doctors SET on_call = false WHERE id = 1')
    await t2.execute(S1, 'INSERT INTO doctors VALUES (3, true)')
    await t1.commit()
    await expect(t2.commit()).resolves.toBeGreaterThan(0)
  })

  it('a reader that skips a committed pivot\'s version fails when the pivot\'s out edge is on another shard', async () => {
    const c = await cluster(kind)
    // pivot reads row 2 (S1); tout overwrites it and commits first: pivot →rw tout on S1.
    const pivot = c.coordinator.begin({ isolation: 'serializable' })
    await pivot.execute(S1, 'SELECT on_call FROM doctors WHERE id = 2')
    const tout = c.coordinator.begin({ isolation: 'serializable' })
    await tout.execute(S1, 'UPDATE doctors SET on_call = false WHERE id = 2')
    await tout.commit()
    // tin takes its snapshot now, before the pivot writes row 1 (S0) and commits.
    const tin = c.coordinator.begin({ isolation: 'serializable', readOnly: true })
    await tin.execute(S1, 'SELECT on_call FROM doctors WHERE id = 2')
    await pivot.execute(S0, 'UPDATE doctors SET on_call = false WHERE id = 1')
    await pivot.commit()
    await c.coordinator.settled()
    // tin reads past the pivot's version of row 1 on S0: tin →rw pivot →rw tout, tout first.
    await expect(tin.execute(S0, 'SELECT on_call FROM doctors WHERE id = 1')).rejects.toMatchObject({ code: '40001' })
  })

  it('READ ONLY DEFERRABLE waits for the serializable writers that ran at its snapshot, then keeps it when none committed with a conflict out', async () => {
    const c = await cluster(kind)
    const writer = c.coordinator.begin({ isolation: 'serializable' })
    await writer.execute(S0, 'SELECT on_call FROM doctors WHERE id = 1')
    await writer.execute(S1, 'SELECT on_call FROM doctors WHERE id = 2')
    const reader = c.coordinator.begin({ isolation: 'serializable', readOnly: true, deferrable: true })
    let read: unknown
    const first = reader.execute(S0, 'SELECT on_call FROM doctors WHERE id = 1').then((r) => (read = r.rows[0]![0]))
    await new Promise((r) => setTimeout(r, 150))
    expect(read).toBeUndefined() // waiting for the writer
    await writer.execute(S0, 'UPDATE doctors SET on_call = false WHERE id = 1')
    await writer.commit()
    await first
    // The snapshot taken before the writer committed was safe (no conflict out): kept, so the old value.
    expect(read).toBe(true)
    expect(Number((await reader.execute(S1, 'SELECT count(*) FROM doctors WHERE on_call')).rows[0]![0])).toBe(1)
    await expect(reader.commit()).resolves.toBeUndefined()
  })
})
