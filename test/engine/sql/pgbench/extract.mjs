// Turns a PostgreSQL log (log_statement=all) of one pgbench invocation into a JSON-lines
// fixture: the statements of the pids that touched pgbench's tables (other clients of a
// shared server are left out), each {pid, sql, params?, via}, where via is 'simple',
// 'unnamed' (extended protocol, unnamed statement) or the prepared statement's name.
// A client's statements are kept up to `perClient` (the first transactions of a run).
//   node extract.mjs LOG [perClient [connections]] > fixture.jsonl
import fs from 'node:fs'
const [file, perClientArg, pidsArg] = process.argv.slice(2)
const perClient = Number(perClientArg ?? 1e9)
/** How many connections the pgbench run opened (1 + clients): the first pids to touch its tables; later ones are another pgbench on the shared server. */
const pidCount = Number(pidsArg ?? 1e9)
const head = /^\S+ \S+ UTC \[(\d+)\] (LOG|DETAIL):  (.*)$/
const entries = []
for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
  const m = head.exec(line)
  if (m === null) {
    // a continuation line of a multi-line statement
    if (entries.length > 0 && line !== '') entries[entries.length - 1].sql += '\n' + line
    continue
  }
  const [, pid, level, text] = m
  if (level === 'DETAIL') {
    const last = entries.findLast((e) => e.pid === pid)
    const params = []
    for (const p of text.replace(/^parameters: /, '').matchAll(/\$\d+ = (NULL|'((?:[^']|'')*)')/g)) params.push(p[1] === 'NULL' ? null : p[2].replace(/''/g, "'"))
    last.params = params
    continue
  }
  let s = /^statement: ([\s\S]*)$/.exec(text)
  if (s) entries.push({ pid, sql: s[1], via: 'simple' })
  else if ((s = /^execute (\S+): ([\s\S]*)$/.exec(text))) entries.push({ pid, sql: s[2], via: s[1] === '<unnamed>' ? 'unnamed' : s[1] })
}
const ours = new Set([...new Set(entries.filter((e) => /pgbench_/.test(e.sql)).map((e) => e.pid))].slice(0, pidCount))
const count = new Map()
for (const e of entries) {
  if (!ours.has(e.pid)) continue
  const n = (count.get(e.pid) ?? 0) + 1
  count.set(e.pid, n)
  if (n > perClient) continue
  process.stdout.write(JSON.stringify(e) + '\n')
}
