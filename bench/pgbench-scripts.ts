/**
 * What pgbench 15 sends, as text, for driving the engine without pgbench (the profile
 * in pgbench-profile.ts): its initialisation at a scale, both ways, and its built-in
 * tpcb-like and select-only scripts with the random choices pgbench makes. The exact
 * captured statements are the fixtures of test/engine/sql/pgbench/.
 */

/** pgbench_accounts rows per unit of scale (naccounts), tellers (ntellers) and branches (nbranches). */
export const ACCOUNTS = 100_000
export const TELLERS = 10
export const BRANCHES = 1

/** Steps d, t and the tables pgbench creates (its DDL, byte for byte but for whitespace). */
export const CREATE_TABLES: readonly string[] = [
  'drop table if exists pgbench_accounts, pgbench_branches, pgbench_history, pgbench_tellers',
  'create table pgbench_history(tid int,bid int,aid    int,delta int,mtime timestamp,filler char(22))',
  'create table pgbench_tellers(tid int not null,bid int,tbalance int,filler char(84)) with (fillfactor=100)',
  'create table pgbench_accounts(aid    int not null,bid int,abalance int,filler char(84)) with (fillfactor=100)',
  'create table pgbench_branches(bid int not null,bbalance int,filler char(88)) with (fillfactor=100)',
]

/** Step g (client-side): the statements before the COPY of pgbench_accounts, inside `begin`. */
export function clientSideInserts(scale: number): string[] {
  const out = ['truncate table pgbench_accounts, pgbench_branches, pgbench_history, pgbench_tellers']
  for (let b = 1; b <= BRANCHES * scale; b++) out.push(`insert into pgbench_branches(bid,bbalance) values(${b},0)`)
  for (let t = 1; t <= TELLERS * scale; t++) out.push(`insert into pgbench_tellers(tid,bid,tbalance) values (${t},${Math.floor((t - 1) / TELLERS) + 1},0)`)
  return out
}

export const COPY_ACCOUNTS = 'copy pgbench_accounts from stdin with (freeze on)'

/** The COPY data of step g, in chunks of `chunk` lines: aid, bid, abalance 0, an empty filler. */
export function* accountsCopyData(scale: number, chunk = 10_000): Generator<string> {
  const n = scale * ACCOUNTS
  for (let from = 1; from <= n; from += chunk) {
    let s = ''
    for (let aid = from; aid < Math.min(from + chunk, n + 1); aid++) s += `${aid}\t${Math.floor((aid - 1) / ACCOUNTS) + 1}\t0\t\n`
    yield s
  }
}

/** Step G (server-side generation), inside `begin` … `commit`. */
export function serverSideGeneration(scale: number): string[] {
  return [
    'truncate table pgbench_accounts, pgbench_branches, pgbench_history, pgbench_tellers',
    `insert into pgbench_branches(bid,bbalance) select bid, 0 from generate_series(1, ${BRANCHES * scale}) as bid`,
    `insert into pgbench_tellers(tid,bid,tbalance) select tid, (tid - 1) / ${TELLERS} + 1, 0 from generate_series(1, ${TELLERS * scale}) as tid`,
    `insert into pgbench_accounts(aid,bid,abalance,filler) select aid, (aid - 1) / ${ACCOUNTS} + 1, 0, '' from generate_series(1, ${ACCOUNTS * scale}) as aid`,
  ]
}

/** Steps v and p. */
export const VACUUM_AND_KEYS: readonly string[] = [
  'vacuum analyze pgbench_branches',
  'vacuum analyze pgbench_tellers',
  'vacuum analyze pgbench_accounts',
  'vacuum analyze pgbench_history',
  'alter table pgbench_branches add primary key (bid)',
  'alter table pgbench_tellers add primary key (tid)',
  'alter table pgbench_accounts add primary key (aid)',
]

/** The built-in tpcb-like script's commands, with $n parameters (-M extended and prepared). */
export const TPCB_LIKE: readonly string[] = [
  'BEGIN;',
  'UPDATE pgbench_accounts SET abalance = abalance + $1 WHERE aid = $2;',
  'SELECT abalance FROM pgbench_accounts WHERE aid = $1;',
  'UPDATE pgbench_tellers SET tbalance = tbalance + $1 WHERE tid = $2;',
  'UPDATE pgbench_branches SET bbalance = bbalance + $1 WHERE bid = $2;',
  'INSERT INTO pgbench_history (tid, bid, aid, delta, mtime) VALUES ($1, $2, $3, $4, CURRENT_TIMESTAMP);',
  'END;',
]

export const SELECT_ONLY = 'SELECT abalance FROM pgbench_accounts WHERE aid = $1;'

/** One transaction's random choices, as pgbench draws them: \set aid random(1, 100000 * :scale) etc. */
export interface TpcbChoice {
  readonly aid: number
  readonly bid: number
  readonly tid: number
  readonly delta: number
}

/** A seeded generator of TPC-B choices (xorshift; pgbench's own generator differs, the distribution does not). */
export function tpcbChoices(scale: number, seed = 1): () => TpcbChoice {
  let x = seed | 0 || 1
  const rnd = (lo: number, hi: number) => {
    x ^= x << 13
    x ^= x >>> 17
    x ^= x << 5
    return lo + ((x >>> 0) % (hi - lo + 1))
  }
  return () => ({ aid: rnd(1, ACCOUNTS * scale), bid: rnd(1, BRANCHES * scale), tid: rnd(1, TELLERS * scale), delta: rnd(-5000, 5000) })
}

/** The parameters of each TPCB_LIKE command for one choice (none for BEGIN and END). */
export function tpcbParams(c: TpcbChoice): readonly (readonly unknown[])[] {
  return [[], [c.delta, c.aid], [c.aid], [c.delta, c.tid], [c.delta, c.bid], [c.tid, c.bid, c.aid, c.delta], []]
}

/** TPCB_LIKE with the parameters written in, as -M simple sends it. */
export function tpcbSimple(c: TpcbChoice): readonly string[] {
  const params = tpcbParams(c)
  return TPCB_LIKE.map((sql, i) => sql.replace(/\$(\d+)/g, (_, n: string) => String(params[i]![Number(n) - 1])))
}
