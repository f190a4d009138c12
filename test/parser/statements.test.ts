import { describe, expect, test } from 'vitest'
import { parse, type Statement } from '../../parser/index.js'
import { one, strip } from './helpers.js'

const st = (sql: string): Statement => strip(one(sql))

describe('DML', () => {
  test('INSERT … VALUES with columns, DEFAULT, ON CONFLICT DO UPDATE, RETURNING', () => {
    expect(st("INSERT INTO t (a, b) VALUES (1, 'x'), (2, DEFAULT) ON CONFLICT (a) DO UPDATE SET b = excluded.b WHERE t.a > 0 RETURNING *, a")).toEqual({
      kind: 'insert', table: 't', columns: ['a', 'b'], columnPositions: [16, 19],
      source: { kind: 'query', with: [], orderBy: [], body: { kind: 'values', rows: [
        [{ kind: 'number', text: '1' }, { kind: 'string', value: 'x' }],
        [{ kind: 'number', text: '2' }, { kind: 'default' }],
      ] } },
      onConflict: {
        action: 'update', columns: ['a'],
        set: [{ column: 'b', value: { kind: 'column', table: 'excluded', name: 'b' } }],
        where: { kind: 'binary', op: '>', left: { kind: 'column', table: 't', name: 'a' }, right: { kind: 'number', text: '0' } },
      },
      returning: [{ kind: 'star' }, { kind: 'expr', expr: { kind: 'column', name: 'a' } }],
    })
  })

  test('INSERT … SELECT, DEFAULT VALUES, DO NOTHING', () => {
    expect(st('INSERT INTO t SELECT * FROM u')).toMatchObject({ kind: 'insert', columns: [], source: { kind: 'query', body: { kind: 'select' } } })
    expect(st('INSERT INTO t (a) SELECT 1')).toMatchObject({ columns: ['a'], source: { kind: 'query' } })
    expect(st('INSERT INTO t (a) (SELECT 1)')).toMatchObject({ columns: ['a'], source: { body: { kind: 'nested' } } })
    expect(st('INSERT INTO t DEFAULT VALUES RETURNING id')).toMatchObject({ source: 'default-values', returning: [{ kind: 'expr' }] })
    expect(st('INSERT INTO t VALUES (1) ON CONFLICT DO NOTHING')).toMatchObject({ onConflict: { action: 'nothing', columns: [] } })
  })

  test('UPDATE with alias, FROM, WHERE, RETURNING', () => {
    expect(st('UPDATE t AS x SET a = a + 1, b = 2 FROM u WHERE x.id = u.id RETURNING a')).toMatchObject({
      kind: 'update', table: 't', alias: 'x', set: [{ column: 'a' }, { column: 'b' }], from: [{ kind: 'table', name: 'u' }],
      where: { kind: 'binary' }, returning: [{ kind: 'expr' }],
    })
    expect(st('UPDATE t x SET a = 1')).toMatchObject({ alias: 'x' })
    expect(st('UPDATE t SET a = 1')).toEqual({ kind: 'update', table: 't', set: [{ column: 'a', value: { kind: 'number', text: '1' } }], from: [], returning: [] })
  })

  test('DELETE with USING, WHERE, RETURNING', () => {
    expect(st('DELETE FROM t USING u, v WHERE t.a = u.a RETURNING t.*')).toMatchObject({
      kind: 'delete', table: 't', using: [{ name: 'u' }, { name: 'v' }], where: { kind: 'binary' }, returning: [{ kind: 'star', table: 't' }],
    })
    expect(st('DELETE FROM t')).toEqual({ kind: 'delete', table: 't', using: [], returning: [] })
  })
})

describe('transactions and settings', () => {
  const CASES: readonly (readonly [string, unknown])[] = [
    ['BEGIN', { kind: 'begin', modes: {} }],
    ['begin work', { kind: 'begin', modes: {} }],
    ['BEGIN TRANSACTION ISOLATION LEVEL SERIALIZABLE', { kind: 'begin', modes: { isolation: 'serializable' } }],
    ['BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY', { kind: 'begin', modes: { isolation: 'repeatable read', readOnly: true } }],
    ['START TRANSACTION ISOLATION LEVEL READ COMMITTED, READ WRITE, NOT DEFERRABLE', { kind: 'begin', modes: { isolation: 'read committed', readOnly: false, deferrable: false } }],
    ['BEGIN ISOLATION LEVEL READ UNCOMMITTED DEFERRABLE', { kind: 'begin', modes: { isolation: 'read uncommitted', deferrable: true } }],
    ['SET TRANSACTION ISOLATION LEVEL SERIALIZABLE, READ ONLY, DEFERRABLE', { kind: 'set-transaction', modes: { isolation: 'serializable', readOnly: true, deferrable: true } }],
    ['COMMIT', { kind: 'commit' }],
    ['COMMIT WORK', { kind: 'commit' }],
    ['END TRANSACTION', { kind: 'commit' }],
    ['ROLLBACK', { kind: 'rollback' }],
    ['ABORT WORK', { kind: 'rollback' }],
    ['ROLLBACK TRANSACTION', { kind: 'rollback' }],
    ['SAVEPOINT s1', { kind: 'savepoint', name: 's1' }],
    ['ROLLBACK TO s1', { kind: 'rollback-to', name: 's1' }],
    ['ROLLBACK WORK TO SAVEPOINT s1', { kind: 'rollback-to', name: 's1' }],
    ['RELEASE s1', { kind: 'release', name: 's1' }],
    ['RELEASE SAVEPOINT s1', { kind: 'release', name: 's1' }],
    ["PREPARE TRANSACTION 'g1'", { kind: 'prepare-transaction', gid: 'g1' }],
    ["COMMIT PREPARED 'g1'", { kind: 'commit-prepared', gid: 'g1' }],
    ["ROLLBACK PREPARED 'g1'", { kind: 'rollback-prepared', gid: 'g1' }],
    ['SET x = 1', { kind: 'set', scope: 'session', name: 'x', value: { kind: 'values', values: ['1'] } }],
    ["SET LOCAL lock_timeout TO '1s'", { kind: 'set', scope: 'local', name: 'lock_timeout', value: { kind: 'values', values: ['1s'] } }],
    ['SET SESSION search_path TO a, "B"', { kind: 'set', scope: 'session', name: 'search_path', value: { kind: 'values', values: ['a', 'B'] } }],
    ['SET enable_seqscan = off', { kind: 'set', scope: 'session', name: 'enable_seqscan', value: { kind: 'values', values: ['off'] } }],
    ['SET x TO DEFAULT', { kind: 'set', scope: 'session', name: 'x', value: { kind: 'default' } }],
    ['SET extra_float_digits = -3', { kind: 'set', scope: 'session', name: 'extra_float_digits', value: { kind: 'values', values: ['-3'] } }],
    ['SHOW transaction_isolation', { kind: 'show', name: 'transaction_isolation' }],
    ['SHOW ALL', { kind: 'show', name: 'all' }],
    ['RESET x', { kind: 'reset', name: 'x' }],
    ['RESET ALL', { kind: 'reset', name: 'all' }],
  ]
  for (const [sql, expected] of CASES) test(sql, () => expect(st(sql)).toEqual(expected))
})

describe('DDL', () => {
  test('CREATE TABLE with column and table constraints and options', () => {
    const s = st(`CREATE TABLE IF NOT EXISTS t (
      id serial PRIMARY KEY,
      a int NOT NULL DEFAULT 0,
      b varchar(10) NULL UNIQUE,
      c text CONSTRAINT c_ok CHECK (c <> ''),
      d bigint REFERENCES u (id) ON DELETE CASCADE ON UPDATE SET NULL,
      e int8 GENERATED ALWAYS AS IDENTITY,
      f int GENERATED BY DEFAULT AS IDENTITY,
      g timestamp with time zone,
      h double precision,
      i numeric(10, 2),
      CONSTRAINT pk PRIMARY KEY (a, b),
      UNIQUE (c),
      CHECK (a > 0),
      FOREIGN KEY (d) REFERENCES u (id) ON DELETE RESTRICT
    ) WITH (fillfactor = 90)`)
    expect(s).toMatchObject({
      kind: 'create-table', name: 't', ifNotExists: true,
      columns: [
        { name: 'id', type: { name: 'serial' }, constraints: [{ kind: 'primary-key' }] },
        { name: 'a', type: { name: 'int4' }, constraints: [{ kind: 'not-null' }, { kind: 'default', expr: { kind: 'number', text: '0' } }] },
        { name: 'b', type: { name: 'varchar', args: [10] }, constraints: [{ kind: 'null' }, { kind: 'unique' }] },
        { name: 'c', type: { name: 'text' }, constraints: [{ kind: 'check', name: 'c_ok' }] },
        { name: 'd', type: { name: 'int8' }, constraints: [{ kind: 'references', references: { table: 'u', columns: ['id'], onDelete: 'cascade', onUpdate: 'set null' } }] },
        { name: 'e', constraints: [{ kind: 'identity', always: true }] },
        { name: 'f', constraints: [{ kind: 'identity', always: false }] },
        { name: 'g', type: { name: 'timestamptz' } },
        { name: 'h', type: { name: 'float8' } },
        { name: 'i', type: { name: 'numeric', args: [10, 2] } },
      ],
      constraints: [
        { kind: 'primary-key', name: 'pk', columns: ['a', 'b'] },
        { kind: 'unique', columns: ['c'] },
        { kind: 'check', expr: { kind: 'binary', op: '>' } },
        { kind: 'foreign-key', columns: ['d'], references: { table: 'u', onDelete: 'restrict' } },
      ],
      options: [{ name: 'fillfactor', value: '90' }],
    })
  })

  test('DEFAULT followed by NOT NULL: the NOT starts the next constraint (found by the engine fuzzer)', () => {
    expect(st("CREATE TABLE t (b text DEFAULT 'x' NOT NULL, c int DEFAULT 1 NOT IN (2) NOT NULL)")).toMatchObject({
      columns: [
        { name: 'b', constraints: [{ kind: 'default', expr: { kind: 'string', value: 'x' } }, { kind: 'not-null' }] },
        { name: 'c', constraints: [{ kind: 'default', expr: { kind: 'in-list', not: true } }, { kind: 'not-null' }] },
      ],
    })
    expect(st('ALTER TABLE t ADD COLUMN f bool DEFAULT false NOT NULL')).toMatchObject({
      actions: [{ kind: 'add-column', column: { constraints: [{ kind: 'default' }, { kind: 'not-null' }] } }],
    })
  })

  test('DROP TABLE, TRUNCATE', () => {
    expect(st('DROP TABLE IF EXISTS a, b CASCADE')).toEqual({ kind: 'drop-table', names: ['a', 'b'], ifExists: true, behavior: 'cascade' })
    expect(st('DROP TABLE a RESTRICT')).toEqual({ kind: 'drop-table', names: ['a'], ifExists: false, behavior: 'restrict' })
    expect(st('TRUNCATE TABLE a, b')).toEqual({ kind: 'truncate', names: ['a', 'b'] })
    expect(st('TRUNCATE a')).toEqual({ kind: 'truncate', names: ['a'] })
  })

  test('ALTER TABLE', () => {
    expect(st('ALTER TABLE t ADD COLUMN x int NOT NULL, ADD y text, DROP COLUMN IF EXISTS z, DROP w CASCADE, ADD PRIMARY KEY (a), ADD CONSTRAINT u1 UNIQUE (b), RENAME COLUMN a TO b, RENAME c TO d')).toMatchObject({
      kind: 'alter-table', name: 't', actions: [
        { kind: 'add-column', column: { name: 'x', constraints: [{ kind: 'not-null' }] } },
        { kind: 'add-column', column: { name: 'y' } },
        { kind: 'drop-column', name: 'z', ifExists: true },
        { kind: 'drop-column', name: 'w', ifExists: false, behavior: 'cascade' },
        { kind: 'add-constraint', constraint: { kind: 'primary-key', columns: ['a'] } },
        { kind: 'add-constraint', constraint: { kind: 'unique', name: 'u1', columns: ['b'] } },
        { kind: 'rename-column', from: 'a', to: 'b' },
        { kind: 'rename-column', from: 'c', to: 'd' },
      ],
    })
    expect(st('ALTER TABLE t RENAME TO n')).toEqual({ kind: 'alter-table', name: 't', actions: [{ kind: 'rename-table', to: 'n' }] })
  })

  test('CREATE / DROP INDEX', () => {
    expect(st('CREATE UNIQUE INDEX IF NOT EXISTS i ON t USING btree (a DESC NULLS FIRST, lower(b)) WHERE a > 0')).toMatchObject({
      kind: 'create-index', name: 'i', unique: true, ifNotExists: true, table: 't', method: 'btree',
      columns: [{ expr: { kind: 'column', name: 'a' }, direction: 'desc', nulls: 'first' }, { expr: { kind: 'function', name: 'lower' } }],
      where: { kind: 'binary' },
    })
    expect(st('CREATE INDEX ON t (a)')).toEqual({ kind: 'create-index', unique: false, ifNotExists: false, table: 't', columns: [{ expr: { kind: 'column', name: 'a' } }] })
    expect(st('DROP INDEX IF EXISTS i')).toEqual({ kind: 'drop-index', names: ['i'], ifExists: true })
  })

  test('views and sequences', () => {
    expect(st('CREATE OR REPLACE VIEW v (x) AS SELECT a FROM t')).toMatchObject({ kind: 'create-view', name: 'v', orReplace: true, columns: ['x'], query: { kind: 'query' } })
    expect(st('CREATE VIEW v AS SELECT 1')).toMatchObject({ orReplace: false, columns: [] })
    expect(st('DROP VIEW IF EXISTS v')).toEqual({ kind: 'drop-view', names: ['v'], ifExists: true })
    expect(st('CREATE SEQUENCE s START WITH 10 INCREMENT BY -2')).toEqual({ kind: 'create-sequence', name: 's', start: 10n, increment: -2n })
    expect(st('CREATE SEQUENCE s INCREMENT 5 START 1')).toEqual({ kind: 'create-sequence', name: 's', start: 1n, increment: 5n })
  })

  test('VACUUM, ANALYZE, EXPLAIN', () => {
    expect(st('VACUUM')).toEqual({ kind: 'vacuum', analyze: false, tables: [] })
    expect(st('VACUUM ANALYZE t')).toEqual({ kind: 'vacuum', analyze: true, tables: ['t'] })
    expect(st('ANALYZE')).toEqual({ kind: 'analyze', tables: [] })
    expect(st('ANALYZE t')).toEqual({ kind: 'analyze', tables: ['t'] })
    expect(st('EXPLAIN SELECT 1')).toMatchObject({ kind: 'explain', analyze: false, statement: { kind: 'query' } })
    expect(st('EXPLAIN ANALYZE UPDATE t SET a = 1')).toMatchObject({ kind: 'explain', analyze: true, statement: { kind: 'update' } })
  })

  test('COPY', () => {
    expect(st('COPY t FROM STDIN')).toEqual({ kind: 'copy', table: 't', columns: [], direction: 'from-stdin', format: 'text', header: false })
    expect(st('COPY t (a, b) TO STDOUT WITH (FORMAT csv, HEADER)')).toEqual({ kind: 'copy', table: 't', columns: ['a', 'b'], direction: 'to-stdout', format: 'csv', header: true })
    expect(st('COPY t FROM STDIN (FORMAT csv, HEADER false)')).toMatchObject({ format: 'csv', header: false })
    expect(st('COPY t TO STDOUT CSV HEADER')).toMatchObject({ format: 'csv', header: true })
  })
})

describe('scripts', () => {
  test('several statements, empty ones skipped, positions relative to the whole text', () => {
    const list = parse(';SELECT 1;; COMMIT;')
    expect(list.map((s) => [s.kind, s.position])).toEqual([['query', 2], ['commit', 13]])
    expect(parse('')).toEqual([])
    expect(parse(' -- only a comment\n /* and /* nested */ one */ ')).toEqual([])
  })
})
