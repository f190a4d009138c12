/**
 * Fuzz: random and mutated statements never crash the parser. parse() either
 * returns statements or throws an IsolaError 42601 (22021 for an escape that is
 * not UTF-8); any other exception (a TypeError in a semantic action, a chevrotain
 * internal error) or a hang fails.
 */
import fc from 'fast-check'
import { expect, test } from 'vitest'
import { isIsolaError } from '../../common/errors.js'
import { parse } from '../../parser/index.js'

const CORPUS = [
  'SELECT 1 + 2 * 3',
  "SELECT a, t.b AS x, count(DISTINCT c), 'it''s', E'\\n', $$d$$ FROM t JOIN u ON t.a = u.a WHERE a BETWEEN 1 AND 2 GROUP BY 1 HAVING count(*) > 1 ORDER BY 1 DESC NULLS LAST LIMIT 5 OFFSET 1",
  'SELECT * FROM a LEFT JOIN b USING (x) CROSS JOIN generate_series(1, 3) g(n) FOR UPDATE SKIP LOCKED',
  'WITH c AS (SELECT 1) SELECT * FROM c UNION ALL (SELECT 2) EXCEPT SELECT 3 INTERSECT SELECT 4',
  "SELECT CASE WHEN a IS NOT NULL THEN a::int ELSE CAST(b AS numeric(10,2)) END, DATE '2020-01-01', TIMESTAMP WITH TIME ZONE 'x'",
  'SELECT x IN (SELECT 1), x NOT IN (1, 2), x = ANY (SELECT 1), EXISTS (SELECT 1), (SELECT 1), - - 1, $1, a IS DISTINCT FROM b',
  "INSERT INTO t (a, b) VALUES (1, DEFAULT), (2, 'x') ON CONFLICT (a) DO UPDATE SET b = excluded.b WHERE t.a > 0 RETURNING *",
  'INSERT INTO t DEFAULT VALUES',
  'UPDATE t AS x SET a = a + 1 FROM u WHERE x.id = u.id RETURNING a',
  'DELETE FROM t USING u WHERE t.a = u.a RETURNING t.*',
  "BEGIN ISOLATION LEVEL SERIALIZABLE, READ ONLY, DEFERRABLE; SAVEPOINT s; ROLLBACK TO SAVEPOINT s; RELEASE s; PREPARE TRANSACTION 'g'; COMMIT PREPARED 'g'",
  "SET LOCAL lock_timeout TO '1s'; SHOW ALL; RESET x; SET TRANSACTION READ WRITE; COMMIT; ROLLBACK; END; ABORT",
  "CREATE TABLE IF NOT EXISTS t (id serial PRIMARY KEY, a int NOT NULL DEFAULT 0 CHECK (a > 0), b text REFERENCES u (id) ON DELETE CASCADE, CONSTRAINT k UNIQUE (a, b)) WITH (fillfactor = 90)",
  'ALTER TABLE t ADD COLUMN c int, DROP COLUMN IF EXISTS d, ADD PRIMARY KEY (a), RENAME a TO b',
  'CREATE UNIQUE INDEX i ON t USING btree (a DESC NULLS FIRST) WHERE a > 0; DROP INDEX IF EXISTS i; DROP TABLE a, b CASCADE; TRUNCATE t',
  'CREATE OR REPLACE VIEW v (x) AS SELECT 1; DROP VIEW v; CREATE SEQUENCE s START WITH 1 INCREMENT BY 2',
  'VACUUM ANALYZE t; ANALYZE; EXPLAIN ANALYZE SELECT 1; COPY t (a) FROM STDIN WITH (FORMAT csv, HEADER); COPY t TO STDOUT CSV',
  'SELECT pg_catalog.count(*), CURRENT_TIMESTAMP, x.y FROM pg_catalog.pg_class x WHERE a NOT LIKE $2 OFFSET 1 ROWS FETCH NEXT 2 ROWS ONLY',
  "SELECT 'é' || \"Ü\" FROM (VALUES (1), (2)) v(\"Ü\") WHERE NOT a IS NULL AND b IS NOT TRUE",
]

const TOKENS = [
  'SELECT', 'FROM', 'WHERE', '(', ')', ',', ';', '.', '*', '+', '-', '::', '=', '<>', 'AND', 'OR', 'NOT', 'IS', 'NULL',
  'IN', 'BETWEEN', 'LIKE', 'JOIN', 'ON', 'USING', 'AS', 'CASE', 'WHEN', 'THEN', 'END', 'CAST', 'int', 'a', 't', '1',
  '1.5', "'s'", '$1', '$$x$$', 'UNION', 'ORDER', 'BY', 'LIMIT', 'VALUES', 'SET', 'INSERT', 'INTO', 'UPDATE', 'DELETE',
  'CREATE', 'TABLE', 'DROP', 'BEGIN', 'COMMIT', 'WITH', 'TIMESTAMP', 'TIME', 'ZONE', 'DOUBLE', 'PRECISION', 'ANY',
  'EXISTS', 'DEFAULT', 'ALL', 'DISTINCT', 'count', '"Q"', '||', '^', '~', '|/', 'ISNULL', 'LEFT', 'pg_catalog', '/*', '*/', '--', "'", '"', '$', 'E\'', '\n',
]

const mutation = fc.oneof(
  // drop, duplicate or replace a slice of a corpus statement
  fc.tuple(fc.constantFrom(...CORPUS), fc.nat(), fc.nat(20), fc.constantFrom('', ...TOKENS, ' ', 'x', '\\', '\u00e9', '\ud83d\ude00'))
    .map(([s, at, len, ins]) => { const i = at % (s.length + 1); return s.slice(0, i) + ins + s.slice(i + len) }),
  // cut a statement at a random point
  fc.tuple(fc.constantFrom(...CORPUS), fc.nat()).map(([s, at]) => s.slice(0, at % (s.length + 1))),
  // a sequence of random tokens
  fc.array(fc.constantFrom(...TOKENS), { maxLength: 25 }).map((ts) => ts.join(' ')),
  // random characters
  fc.string({ maxLength: 40 }),
  fc.string({ unit: fc.constantFrom(...'()\'"$;:.,*+-/<>=!|^%eE0123456789 abxSELCT\n'.split('')), maxLength: 40 }),
)

test('the corpus parses', () => {
  for (const sql of CORPUS) expect(parse(sql).length).toBeGreaterThan(0)
})

test('parse() returns or throws 42601, nothing else (20,000 cases)', () => {
  const started = Date.now()
  fc.assert(fc.property(mutation, (sql) => {
    try {
      parse(sql)
    } catch (e) {
      // E'\377' and the like are not UTF-8: 22021, as in PostgreSQL, without a position.
      if (isIsolaError(e, 'character_not_in_repertoire')) return
      if (!isIsolaError(e, 'syntax_error')) throw e
      expect(typeof e.position).toBe('number')
    }
  }), { numRuns: 20_000 })
  expect(Date.now() - started).toBeLessThan(20_000)
})
