/**
 * A shard's CPU for one branch of a cross-shard transaction, through the engine API
 * on an in-memory database, with the statements a coordinator sends
 * (coordinator/remote-participant.ts):
 *
 *     BEGIN …; SET LOCAL isola.snapshot = …; UPDATE accounts …      (begin + first statement)
 *     PREPARE TRANSACTION 'g', then the vote's SELECT … FROM isola_prepared_xacts
 *     SET isola.commit_timestamp = …   then   COMMIT PREPARED 'g'
 *
 *   node dist/bench/prepared-branch.js [--batches 12 --size 300]
 *
 * Two ways of asking for the vote, in alternating batches on twin databases: the
 * gid as a literal in the SELECT's text (a text per gid: parsed and planned every
 * time), and the gid as a parameter (one text: its plan cached), which is what the
 * remote participant sends. Prints mean and best CPU µs per branch of each, the
 * first two batches left out (JIT).
 */
import { open, type Session } from '../engine/index.js'

const arg = (name: string, dflt: string): number => {
  const i = process.argv.indexOf(`--${name}`)
  return Number(i >= 0 ? process.argv[i + 1] : dflt)
}
const BATCHES = arg('batches', '12')
const SIZE = arg('size', '300')
const INFO = 'SELECT prepare_ts, in_conflict, out_conflict, rw_edges FROM isola_prepared_xacts WHERE gid'

interface Variant {
  readonly name: string
  readonly s: Session
  ts: number
  readonly us: number[]
  vote(g: string): Promise<void>
}

async function variant(name: string, parameter: boolean): Promise<Variant> {
  const db = await open({ memory: true, gcIntervalMs: 0 })
  const s = db.session()
  await s.execute('CREATE TABLE accounts (id int PRIMARY KEY, balance bigint NOT NULL)')
  await s.execute(`INSERT INTO accounts VALUES ${Array.from({ length: 1000 }, (_, i) => `(${i + 1}, 1000)`).join(', ')}`)
  const vote = parameter
    ? async (g: string) => {
        await s.execute(`PREPARE TRANSACTION '${g}'`)
        const ps = await s.prepare(`${INFO} = $1`)
        s.beginImplicitBlock(ps)
        const r = await s.executePrepared(ps, [g])
        await s.endImplicitBlock()
        if (r.rows.length !== 1) throw new Error(`no prepared transaction ${g}`)
      }
    : async (g: string) => {
        const r = await s.execute(`PREPARE TRANSACTION '${g}'; ${INFO} = '${g}'`)
        if (r.at(-1)!.rows.length !== 1) throw new Error(`no prepared transaction ${g}`)
      }
  return { name, s, ts: 1000, us: [], vote }
}

let gid = 0
async function batch(v: Variant): Promise<void> {
  const c0 = process.cpuUsage()
  for (let i = 0; i < SIZE; i++) {
    const g = `g${++gid}`
    await v.s.execute(`BEGIN ISOLATION LEVEL READ COMMITTED;\nSET LOCAL isola.snapshot = '${(v.ts += 10)}';\nUPDATE accounts SET balance = balance - 1 WHERE id = ${1 + (gid % 1000)}`)
    await v.vote(g)
    await v.s.execute(`SET isola.commit_timestamp = '${(v.ts += 10)}'`)
    await v.s.execute(`COMMIT PREPARED '${g}'`)
  }
  const c = process.cpuUsage(c0)
  v.us.push((c.user + c.system) / SIZE)
}

const variants = [await variant('gid as a literal', false), await variant('gid as a parameter', true)]
for (let b = 0; b < BATCHES; b++) for (const v of variants) await batch(v)
for (const v of variants) {
  const xs = v.us.slice(2)
  console.log(`${v.name.padEnd(20)} ${(xs.reduce((a, x) => a + x, 0) / xs.length).toFixed(0).padStart(5)} µs CPU per branch (mean of ${xs.length} batches of ${SIZE}), best batch ${Math.min(...xs).toFixed(0)} µs`)
}
