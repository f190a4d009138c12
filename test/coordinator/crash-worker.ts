/**
 * Child process of the coordinator crash tests: opens the cluster in DIR (recovery
 * runs), prints `ready`, runs the workload printing `ack N` per acknowledged commit,
 * and is killed by the fault point named in ISOLA_FAULT (exits 0 if it never fires).
 *
 *   ISOLA_FAULT=after-votes@3 node dist/test/coordinator/crash-worker.js DIR SEED
 */
import { openCluster, runWorkload } from './crash-workload.js'

const c = await openCluster(process.argv[2]!)
process.stdout.write('ready\n')
await runWorkload(c, Number(process.argv[3] ?? 1))
await c.close()
