/** Prepared transactions survive kill -9 of a real process, with their locks, and then finish. */
import { spawn } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { MvccDatabase } from '../../txn/database.js'
import type { TableId } from '../../txn/types.js'

describe('prepared transactions and kill -9', () => {
  it('come back after a SIGKILL holding their locks, then commit or roll back', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'isola-prepared-'))
    const child = spawn(process.execPath, [path.resolve('dist/test/txn/prepared-writer.js'), dir], { stdio: ['ignore', 'pipe', 'inherit'] })
    const table = await new Promise<TableId>((resolve, reject) => {
      let out = ''
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString()
        const m = /prepared (\d+)/.exec(out)
        if (m) resolve(Number(m[1]) as TableId)
      })
      child.on('exit', (code) => reject(new Error(`writer exited early (${code})`)))
    })
    const exited = new Promise((r) => child.on('exit', r))
    child.kill('SIGKILL')
    await exited

    const db = await MvccDatabase.open({ dir, pageSize: 1024, gcIntervalMs: 0 })
    try {
      const prepared = db.prepared()
      expect(prepared.map((p) => p.gid).sort()).toEqual(['to-abort', 'to-commit'])
      // Their exclusive locks (a, b) and shared locks (c) are held again.
      const t = db.begin({ lockTimeoutMs: 30 })
      await expect(t.put(table, Buffer.from('a'), Buffer.from('x'))).rejects.toMatchObject({ code: '55P03' })
      await expect(t.put(table, Buffer.from('c'), Buffer.from('x'))).rejects.toMatchObject({ code: '55P03' })
      expect(await t.lockRow(table, Buffer.from('c'), 'share', 'nowait')).toBe(true)
      await t.rollback()

      await db.commitPrepared('to-commit')
      await db.rollbackPrepared('to-abort')
      expect(db.prepared()).toEqual([])
      const r = db.begin()
      expect((await r.scan(table)).map(([k, v]) => `${k}=${v}`)).toEqual(['a=to-commit', 'b=0', 'c=0'])
      // The locks went with them.
      await r.put(table, Buffer.from('c'), Buffer.from('free'))
      await r.commit()
    } finally {
      await db.close()
      fs.rmSync(dir, { recursive: true, force: true })
    }
  })
})
