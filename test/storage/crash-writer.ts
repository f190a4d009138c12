/**
 * The child process of the crash tests: commits batches and reports each one on
 * stdout once its commit is acknowledged, until it is killed.
 *
 *   node dist/test/storage/crash-writer.js DIR FIRST_BATCH SEED
 *
 * Batch b writes BATCH_KEYS data keys `d:b:i` and a marker `m:b` whose value names
 * the earlier batch it deleted (or -1), so that after a crash the test can tell
 * from the store alone which batches committed. Up to CONCURRENCY batches are in
 * flight at once (group commit); some roll back, some roll back to a savepoint.
 * ISOLA_FAULT may inject a torn write or a power cut (storage/fault-file-system.ts).
 */
import { nodeFileSystem } from '../../storage/file-system.js'
import { faultFromEnv, withFault } from '../../storage/fault-file-system.js'
import { Store } from '../../storage/store.js'
import { writerRandom } from '../helpers/kill-writer.js'
import { CRASH_STORE_OPTIONS, CRASH_TREE, dataKey, dataValue, markerKey, BATCH_KEYS } from './crash-model.js'

const [dir, firstArg, seedArg] = process.argv.slice(2)
let next = Number(firstArg)
const random = writerRandom(seedArg)
const CONCURRENCY = 4

const fault = faultFromEnv(process.env.ISOLA_FAULT)
const store = await Store.open({ ...CRASH_STORE_OPTIONS, dir: dir!, fs: fault ? withFault(nodeFileSystem, fault) : nodeFileSystem })
if (!store.hasTree(CRASH_TREE)) {
  const t = store.begin()
  t.createTree()
  await t.commit()
}
/** Committed batches whose data may be deleted by a later batch (each at most once). */
const deletable: number[] = (process.env.DELETABLE ?? '').split(',').filter(Boolean).map(Number)
process.stdout.write('ready\n')

async function worker(): Promise<void> {
  for (;;) {
    const b = next++
    const t = store.begin()
    for (let i = 0; i < BATCH_KEYS; i++) t.put(CRASH_TREE, dataKey(b, i), dataValue(b, i))
    if (random() < 0.1) {
      // Work that a savepoint rollback removes again.
      const sp = t.savepoint()
      t.put(CRASH_TREE, dataKey(b, 999), Buffer.alloc(50))
      t.rollbackTo(sp)
    }
    let victim = -1
    if (deletable.length > 0 && random() < 0.3) {
      victim = deletable.splice(Math.floor(random() * deletable.length), 1)[0]!
      for (let i = 0; i < BATCH_KEYS; i++) t.delete(CRASH_TREE, dataKey(victim, i))
    }
    t.put(CRASH_TREE, markerKey(b), Buffer.from(String(victim)))
    if (random() < 0.1) {
      t.rollback()
      if (victim >= 0) deletable.push(victim)
      continue
    }
    await t.commit()
    process.stdout.write(`ack ${b}\n`)
    deletable.push(b)
  }
}

await Promise.all(Array.from({ length: CONCURRENCY }, worker))
