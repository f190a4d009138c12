/**
 * The child process of the cluster crash test: creates roles and databases (and
 * drops every other database) as fast as it can, printing `ack N` once role rN and
 * database dN are created (and dN dropped when N is odd), until it is killed.
 *
 *   node dist/test/server/cluster/crash-writer.js DIR FIRST
 */
import { Cluster } from '../../../server/cluster/index.js'

const [dir, firstArg] = process.argv.slice(2)
let n = Number(firstArg)
const cluster = await Cluster.open({ dir: dir!, passwordEncryption: 'md5' })
process.stdout.write('ready\n')
for (;;) {
  await cluster.createRole(`r${n}`, { login: true, password: `p${n}` })
  await cluster.createDatabase(`d${n}`, `r${n}`)
  if (n % 2 === 1) await cluster.dropDatabase(`d${n}`, false)
  process.stdout.write(`ack ${n}\n`)
  n++
}
