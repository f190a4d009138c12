/** The golden-script runner itself: parsing, formatting, scheduling (with a fake backend). */
import fs from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { GOLDEN_DIR, goldenFiles } from './golden-files.js'
import { toSql } from './golden-postgres.js'
import { type Command, formatScript, type GoldenBackend, type Line, matches, parseLine, parseScript, runScript } from './golden-runner.js'

describe('golden scripts: format', () => {
  it('every script parses, every command is understood, and formatting gives the text back', () => {
    const files = goldenFiles()
    expect(files.length).toBeGreaterThanOrEqual(54)
    for (const f of files) {
      const text = fs.readFileSync(path.join(GOLDEN_DIR, f), 'utf8')
      const items = parseScript(text)
      expect(formatScript(items), f).toBe(text)
      const blocks = items.filter((i) => i.kind === 'block')
      expect(blocks.length, f).toBeGreaterThan(3)
      for (const b of blocks) expect(() => parseLine(b.command), `${f}: ${b.command}`).not.toThrow()
      expect(text, f).toMatch(/^# PostgreSQL 15: /m)
    }
  })

  it('parses the commands and translates them to SQL', () => {
    const sql = (s: string) => toSql(parseLine(s).command)
    expect(sql('setup: 1 = 10, 2 = 20')).toContain('insert into test (id, value) values (1, 10), (2, 20)')
    expect(sql('t1: begin repeatable read')).toBe('begin isolation level repeatable read')
    expect(sql('t1: begin serializable read only deferrable')).toBe('begin isolation level serializable read only deferrable')
    expect(sql('t1: get 1')).toBe('select id, value from test where id = 1')
    expect(sql('t1: get 1 2')).toBe('select id, value from test where id in (1, 2)')
    expect(sql('t1: scan')).toBe('select id, value from test')
    expect(sql('t1: scan where value % 3 = 0')).toBe('select id, value from test where value % 3 = 0')
    expect(sql('t1: scan where id >= 100 and value = 1')).toBe('select id, value from test where id >= 100 and value = 1')
    expect(sql('t1: set 1 = 11')).toBe('insert into test (id, value) values (1, 11) on conflict (id) do update set value = excluded.value')
    expect(sql('t1: update value = value + 10')).toBe('update test set value = value + 10')
    expect(sql('t1: update 1 set value = 12')).toBe('update test set value = 12 where id = 1')
    expect(sql('t1: update set value = 12 where value = 10')).toBe('update test set value = 12 where value = 10')
    expect(sql('t1: delete where value = 20')).toBe('delete from test where value = 20')
    expect(sql('t1: delete 3')).toBe('delete from test where id = 3')
    expect(sql('t1: insert 3 = 30')).toBe('insert into test (id, value) values (3, 30)')
    expect(sql('t1: commit')).toBe('commit')
    expect(() => parseLine('begin')).toThrow(/prefix/)
    expect(() => parseLine('t1: frobnicate')).toThrow(/cannot parse/)
    expect(matches(parseWhere('value % 3 = 0'), 1, 30)).toBe(true)
    expect(matches(parseWhere('id in (1, 2) and value <> 20'), 2, 20)).toBe(false)
  })
})

function parseWhere(p: string) {
  const c = parseLine(`t1: scan where ${p}`).command as Extract<Command, { kind: 'scan' }>
  return c.where
}

/** A backend of one lock: `update` takes it until commit; `get` reads a value. */
class FakeBackend implements GoldenBackend {
  private holder: string | undefined
  private waiters: (() => void)[] = []
  private value = 10
  constructor(private readonly probe: boolean) {
    if (probe) this.waiting = async (s) => this.blocked.has(s)
  }
  readonly blocked = new Set<string>()
  waiting?: (session: string) => Promise<boolean>
  async run(line: Line): Promise<string[]> {
    const c = line.command
    switch (c.kind) {
      case 'update':
        while (this.holder !== undefined && this.holder !== line.session) {
          this.blocked.add(line.session)
          await new Promise<void>((r) => this.waiters.push(r))
          this.blocked.delete(line.session)
        }
        this.holder = line.session
        if (c.expr.op === 'const') this.value = c.expr.n
        return ['updated 1']
      case 'get':
        return [`1 = ${this.value}`]
      case 'commit':
        if (this.holder === line.session) {
          this.holder = undefined
          for (const w of this.waiters.splice(0)) w()
        }
        return ['ok']
      case 'rollback':
        throw Object.assign(new Error('nope'), { code: '40001' })
      default:
        return ['ok']
    }
  }
  async close(): Promise<void> {
    this.holder = undefined
    for (const w of this.waiters.splice(0)) w()
  }
}

const SCRIPT = `# a comment
t1: update 1 set value = 11
---
updated 1

t2: update 1 set value = 12
---

t1: get 1
---
1 = 11

t1: commit
---
ok
t2: updated 1

t2: get 1
---
1 = 12

t2: rollback
---
! 40001
`

describe('golden scripts: running', () => {
  for (const probe of [false, true]) {
    it(`prints blocked commands when released (${probe ? 'lock probe' : 'timing'})`, async () => {
      const run = await runScript(SCRIPT, new FakeBackend(probe))
      expect(run.mismatches).toEqual([])
      expect(run.actual).toBe(SCRIPT)
    })
  }

  it('reports a step that differs', async () => {
    const wrong = SCRIPT.replace('1 = 12', '1 = 13')
    const run = await runScript(wrong, new FakeBackend(true))
    expect(run.mismatches).toEqual([{ line: 18, command: 't2: get 1', expected: ['1 = 13'], got: ['1 = 12'] }])
    expect(run.actual).toBe(SCRIPT)
  })

  it('reports a command that never completes', async () => {
    const run = await runScript('t1: update 1 set value = 1\n---\nupdated 1\n\nt2: update 1 set value = 2\n---\n', new FakeBackend(true))
    expect(run.mismatches.map((m) => m.command)).toEqual(['(end of script)'])
  })
})
