/**
 * Differences the differential test found, kept as regression cases: each is a
 * minimal schema and the queries that went wrong, compared with PostgreSQL by
 * regressions.test.ts exactly as the generated ones are (same SQLSTATE, same column
 * names and types, same multiset of rows). The `bug` line says what was wrong and
 * where it was fixed.
 */
export interface Regression {
  readonly bug: string
  /** Statements creating what the queries need, run on both systems. */
  readonly setup: readonly string[]
  readonly queries: readonly string[]
}

const T_AS = [
  'CREATE TABLE t (a int, s text, n numeric(5,2), PRIMARY KEY (a))',
  "INSERT INTO t VALUES (1, 'x', 1.50), (2, NULL, -2), (3, ' y ', NULL)",
]

const TV = ['CREATE TABLE tv (a int, v varchar(5), s text)', "INSERT INTO tv VALUES (1, 'ab', 'cd'), (-1, NULL, 'x'), (2, 'ab', 'ab')"]

export const REGRESSIONS: readonly Regression[] = [
  {
    bug: 'bind/select.ts figureName: column names as FigureColname with strengths (CASE takes its ELSE name, a cast of a cast its outer type, TRUE is ?column?, trim() is btrim)',
    setup: T_AS,
    queries: [
      'SELECT false, true, NULL::text::varchar(4), CASE 2.75 WHEN 1 THEN 1 ELSE a END, trim(s), CASE WHEN true THEN 1 ELSE (SELECT abs(a)) END FROM t',
      "SELECT CASE WHEN a > 1 THEN 'x' END, CASE WHEN a > 1 THEN s ELSE s::varchar END, (SELECT a FROM t LIMIT 1 UNION SELECT 2 LIMIT 1), 1::int::text FROM t",
      'SELECT CASE WHEN a > 1 THEN 1 ELSE (SELECT 1) END, trim(s, \'x\'), n::numeric::float8 FROM t',
    ],
  },
  {
    bug: 'bind/query.ts positionalItem: a non-integer constant in GROUP BY or ORDER BY is 42601, a negative integer a position not in the select list',
    setup: T_AS,
    queries: [
      'SELECT 1 FROM t GROUP BY 2.75',
      "SELECT a FROM t GROUP BY a, 'x'",
      'SELECT a FROM t ORDER BY NULL',
      'SELECT a FROM t ORDER BY true',
      'SELECT a FROM t ORDER BY -1',
      'SELECT a FROM t ORDER BY 3000000000',
      'SELECT a FROM t UNION SELECT 1 ORDER BY 1.5',
      'SELECT a, count(*) FROM t GROUP BY 1 ORDER BY 1',
    ],
  },
  {
    bug: 'parser/grammar-expr.ts queryAhead: IN, ANY/ALL and scalar subqueries whose query starts with a parenthesised query',
    setup: T_AS,
    queries: [
      'SELECT a FROM t WHERE a IN ((SELECT 1) UNION SELECT 2)',
      'SELECT a FROM t WHERE a <> ALL ((SELECT 1) UNION SELECT 2)',
      'SELECT a FROM t WHERE a IN ((SELECT 1), 2)',
      'SELECT a FROM t WHERE a IN (((SELECT 1)))',
      'SELECT ((SELECT 1) UNION SELECT 2 ORDER BY 1 LIMIT 1), ((SELECT 5) + 1), (SELECT 1 UNION SELECT 2 ORDER BY 1 LIMIT 1)',
    ],
  },
  {
    bug: "bind/expr.ts bindCase: CASE's type is select_common_type with the ELSE result first, as transformCaseExpr lists it (CASE WHEN … THEN text ELSE varchar END is varchar)",
    setup: TV,
    queries: [
      "SELECT CASE WHEN a > 0 THEN v ELSE s END, CASE WHEN a > 0 THEN s ELSE v END, CASE WHEN a > 0 THEN s END, CASE WHEN a > 0 THEN 'lit' ELSE v END FROM tv",
      "SELECT CASE WHEN a > 0 THEN s ELSE v END FROM tv UNION SELECT 'zz'::varchar(3)",
    ],
  },
  {
    bug: "bind/select.ts: in a set operation's branch, an untyped literal that is DISTINCT or grouped by is typed text (addTargetToSortList), not by the set operation",
    setup: TV,
    queries: [
      "SELECT DISTINCT 'ab' FROM tv INTERSECT SELECT v FROM tv",
      "SELECT 'ab' FROM tv GROUP BY 1 INTERSECT SELECT v FROM tv",
      "SELECT 'ab', a FROM tv GROUP BY 2 INTERSECT SELECT v, a FROM tv",
      "SELECT 'ab' FROM tv INTERSECT ALL SELECT v FROM tv UNION SELECT s FROM tv",
    ],
  },
  {
    bug: "bind/query.ts: every CTE is bound, also one never referenced (PostgreSQL analyses them all: 'hello' = 7 in an unused CTE is 22P02)",
    setup: TV,
    queries: [
      "WITH c AS (SELECT 1 FROM tv WHERE 'hello' = 7) SELECT 2",
      'WITH c AS (SELECT nosuchcolumn FROM tv) SELECT 2 FROM tv',
      'WITH c AS (SELECT a FROM tv), d AS (SELECT a FROM c WHERE a > 0) SELECT count(*) FROM tv',
    ],
  },
  {
    bug: 'functions/strings.ts initcap: in the C locale only ASCII letters and digits make words (asc_initcap), so é starts a new word',
    setup: [
    ],
    queries: [
      "SELECT initcap('Ünïcödé hello wORLD a1b2 é'), initcap('ÀB'), initcap('x😀y')",
    ],
  },
  {
    bug: "bind/coerce.ts commonType: an untyped literal among the inputs drops the typmod (select_common_typmod), so COALESCE('ab', x::varchar(1)) is 'ab', not a 22001 or a truncation",
    setup: TV,
    queries: [
      "SELECT COALESCE('ab', 'zz'::varchar(1)), CASE WHEN a > 0 THEN v END, CASE WHEN a > 0 THEN v ELSE 'long text' END FROM tv",
      "SELECT 'abc' UNION SELECT 'x'::varchar(1)",
      "SELECT 'abc' AS c EXCEPT SELECT initcap(NULL::text)::varchar(1)",
      "SELECT * FROM (VALUES ('abcd'), ('x'::varchar(2))) v(c)",
    ],
  },
  {
    bug: "bind/expr.ts bindUnary: -x and +x have x's type without its modifiers (-n of a numeric(5,2) is a numeric, as numeric_uminus returns)",
    setup: T_AS,
    queries: [
      'SELECT - n, + n, -a, +a, -(-n), n FROM t',
    ],
  },
  {
    bug: "bind/expr.ts quantified: the subquery's column of IN / op ANY / op ALL is coerced to the operator's right type (int8 values under numeric = numeric never matched)",
    setup: [
      'CREATE TABLE tq (a int, x int8, n numeric(5,1), v text)',
      "INSERT INTO tq VALUES (11, 11, 11, 'B'), (2, 3, 2.5, 'a'), (3, NULL, 3, 'c')",
    ],
    queries: [
      'SELECT a FROM tq t1 WHERE a::numeric(12,1) IN (SELECT x FROM tq)',
      'SELECT a FROM tq t1 WHERE a::numeric(12,1) IN (SELECT x FROM tq t3 WHERE t3.v >= t1.v)',
      'SELECT a FROM tq WHERE n NOT IN (SELECT x FROM tq WHERE x IS NOT NULL)',
      'SELECT a FROM tq WHERE n = ANY (SELECT a FROM tq)',
      'SELECT a FROM tq WHERE n >= ALL (SELECT x FROM tq WHERE x < 5)',
    ],
  },
  {
    bug: "bind/expr.ts: AND/OR chains flatten to the left only, as PostgreSQL's grammar does, so HAVING x AND (y AND z) matches a GROUP BY (y AND z)",
    setup: [
      'CREATE TABLE tg (a int, b int, c int)',
      'INSERT INTO tg VALUES (1, 2, 3), (1, 2, 4), (2, 2, 2)',
    ],
    queries: [
      'SELECT (a > 1 AND b > 1) FROM tg GROUP BY (a > 1 AND b > 1) HAVING (true AND (a > 1 AND b > 1))',
      'SELECT (a > 1 AND b > 1) FROM tg GROUP BY (a > 1 AND b > 1) HAVING ((a > 1 AND b > 1) AND true)',
      'SELECT count(*) FROM tg GROUP BY (a > 1 OR b > 1) HAVING c > 0 OR (a > 1 OR b > 1)',
      'SELECT a FROM tg WHERE a > 0 AND (b > 1 AND c > 2)',
    ],
  },
  {
    bug: 'exec/subquery.ts: the left side of IN / ANY / ALL is evaluated only when the subquery has rows, as PostgreSQL does (so its errors are not raised over none)',
    setup: [
      'CREATE TABLE tl (a int, d date, w int)',
      "INSERT INTO tl VALUES (1, '2024-02-29', 2147483647), (2, NULL, 5)",
    ],
    queries: [
      'SELECT a, (d - w) IN (SELECT d FROM tl WHERE false) FROM tl',
      'SELECT a, (d - w) NOT IN (SELECT d FROM tl t2 WHERE t2.a > tl.a + 10) FROM tl',
      'SELECT a, (w * 2) = ANY (SELECT a FROM tl WHERE a < 0), (w + w) > ALL (SELECT a FROM tl t2 WHERE t2.a = tl.a + 5) FROM tl',
      'SELECT a, (d - w) IN (SELECT d FROM tl) FROM tl',
    ],
  },
  {
    bug: 'functions/math.ts: gcd of int4 (an int4) and of numeric, not only int8; gcd overflow is 22003',
    setup: [
      'CREATE TABLE tm (a int, s smallint, b bigint, n numeric(6,2))',
      'INSERT INTO tm VALUES (12, 3, 10, 2.50), (-2147483648, 0, -9223372036854775808, NULL)',
    ],
    queries: [
      'SELECT gcd(a, 18), gcd(b, 4), gcd(n, 0.75), gcd(a::numeric, 8) FROM tm WHERE a > 0',
      'SELECT gcd(s, s) FROM tm',
      'SELECT gcd(a, 0) FROM tm',
      'SELECT gcd(b, 0) FROM tm',
      "SELECT gcd(1.5, 2.25), gcd(0, 0), gcd(-12, 18), gcd(0::numeric, 0), gcd('NaN'::numeric, 1), gcd(3.000, 6)",
    ],
  },
  {
    bug: "exec/aggregate.ts: DISTINCT aggregates take their distinct inputs in ascending order (string_agg(DISTINCT s, ',') is sorted, as PostgreSQL's sort-based DISTINCT) and a NULL in another argument (the delimiter) does not drop the row",
    setup: [
      'CREATE TABLE ts (a int, s text, f float8)',
      "INSERT INTO ts VALUES (1, 'b', 0.1), (2, 'a', 0.2), (3, NULL, 0.3), (4, 'c', NULL), (5, 'a', 0.1)",
    ],
    queries: [
      "SELECT string_agg(DISTINCT s, ',') FROM (SELECT s FROM ts ORDER BY s DESC) q",
      'SELECT string_agg(DISTINCT s, NULL), string_agg(s, NULL) FROM (SELECT s FROM ts ORDER BY a) q',
      "SELECT a % 2, string_agg(DISTINCT s, '-'), count(DISTINCT s), sum(DISTINCT f) FROM (SELECT a, s, f FROM ts ORDER BY s DESC) q GROUP BY 1",
      'SELECT count(DISTINCT s), count(DISTINCT f), sum(DISTINCT a), avg(DISTINCT f) FROM ts',
    ],
  },
  {
    bug: "bind: a chain of minus signs over a number is one constant, as the grammar's doNegate folds it: - (-2147483648) is a bigint, ORDER BY - (-0.5) a non-integer constant",
    setup: T_AS,
    queries: [
      'SELECT - (-5), - (-2147483648), - - 2.5, -(+1)',
      'SELECT a FROM t ORDER BY (- (-0.01)) NULLS FIRST, 1',
      'SELECT a FROM t ORDER BY - (-1)',
      'SELECT a FROM t ORDER BY - (- a)',
    ],
  },
  {
    bug: "functions/math.ts: sign(float8 NaN) is 0, as PostgreSQL's dsign (numeric's sign(NaN) stays NaN)",
    setup: [
    ],
    queries: [
      "SELECT sign('NaN'::float8), sign('-Infinity'::float8), sign(-0.0::float8), sign('NaN'::numeric), sign(-2.5::float8)",
    ],
  },
  {
    bug: "bind/select.ts: the select list is bound before WHERE, and HAVING and ORDER BY before GROUP BY, as transformSelectStmt, so a query with two errors reports PostgreSQL's",
    setup: T_AS,
    queries: [
      "SELECT DATE '2024-12-31' - 5::bigint FROM t WHERE 'A' = n",
      'SELECT nosuch FROM t WHERE alsonot > 0',
      'SELECT a FROM t GROUP BY nosuch HAVING alsonot > 0',
      'SELECT a FROM t GROUP BY nosuch ORDER BY alsonot',
    ],
  },
  {
    bug: 'bind/from.ts: a USING column whose sides differ only in typmod is of the type without it (numeric(5,2) USING numeric(6,1) is a numeric), as buildMergedJoinVar',
    setup: [
      'CREATE TABLE tu1 (n numeric(5,2), v varchar(3), k int)',
      'CREATE TABLE tu2 (n numeric(6,1), v varchar(3), k int)',
      "INSERT INTO tu1 VALUES (1.5, 'ab', 1), (2, 'x', 2)",
      "INSERT INTO tu2 VALUES (1.5, 'ab', 1), (3, 'y', 3)",
    ],
    queries: [
      'SELECT n, v, k FROM tu1 JOIN tu2 USING (n, v, k)',
      'SELECT n, v FROM tu1 LEFT JOIN tu2 USING (n, v)',
      'SELECT n, v FROM tu1 RIGHT JOIN tu2 USING (n, v)',
      'SELECT n, v FROM tu1 FULL JOIN tu2 USING (n, v)',
    ],
  },
  {
    bug: 'functions/math.ts width_bucket: NaN operands and infinite bounds are 2201G, count + 1 overflowing is 22003 (a NaN bucket number came out before)',
    setup: [
      'CREATE TABLE tw (f float8)',
      "INSERT INTO tw VALUES (1.5), ('NaN')",
    ],
    queries: [
      'SELECT width_bucket(f, 0, 100, 4) FROM tw',
      'SELECT width_bucket(5, 0, 10, 2147483647), width_bucket(11, 0, 10, 2147483647)',
      "SELECT width_bucket(1, 0, 'Infinity'::float8, 2)",
      "SELECT width_bucket('Infinity'::float8, 0, 1, 2), width_bucket(0.5, 1, 0, 3), width_bucket(30, 0, 100, 10)",
    ],
  },
  {
    bug: "bind/query.ts applyLimit: LIMIT and OFFSET coerce an untyped literal straight to bigint (LIMIT NULL is no limit, LIMIT '2' two rows), not through text",
    setup: T_AS,
    queries: [
      'SELECT a FROM t ORDER BY 1 LIMIT NULL',
      "SELECT a FROM t ORDER BY 1 LIMIT '2' OFFSET '1'",
      'SELECT a FROM t ORDER BY 1 LIMIT NULL OFFSET NULL',
      "SELECT a FROM t ORDER BY 1 LIMIT 'x'",
      'SELECT a FROM t ORDER BY 1 LIMIT true',
      'SELECT a FROM t ORDER BY 1 LIMIT ALL OFFSET -1',
    ],
  },
  {
    bug: "parser, bind, exec/aggregate.ts: an aggregate's own ORDER BY (string_agg(x, ',' ORDER BY x DESC)) was a syntax error; now parsed, bound (with DISTINCT only over arguments, 42P10) and executed in that order",
    setup: [
      'CREATE TABLE ta (a int, s text, v varchar(5), f float8)',
      "INSERT INTO ta VALUES (1, 'b', 'x', 1.5), (2, 'a', 'y', NULL), (3, NULL, 'x', 0.5), (4, 'c', NULL, 2), (5, 'a', 'z', -1)",
    ],
    queries: [
      "SELECT string_agg(s, ',' ORDER BY s), string_agg(s, ',' ORDER BY s DESC), string_agg(s, ',' ORDER BY a DESC), string_agg(s, '' ORDER BY s NULLS FIRST) FROM ta",
      "SELECT a % 2, string_agg(s, '-' ORDER BY s DESC NULLS LAST), count(s ORDER BY s), sum(a ORDER BY a) FROM ta GROUP BY 1",
      "SELECT string_agg(DISTINCT s, ',' ORDER BY s DESC), string_agg(DISTINCT v, ',' ORDER BY v) FROM ta",
      "SELECT string_agg(DISTINCT s, ',' ORDER BY a) FROM ta",
      'SELECT lower(s ORDER BY s) FROM ta',
      "SELECT string_agg(s, ',' ORDER BY f, a) FROM ta",
      "SELECT (SELECT string_agg(x.s, ',' ORDER BY x.s) FROM ta x WHERE x.a <= ta.a) FROM ta",
      'SELECT max(a ORDER BY s), bool_and(a > 0 ORDER BY a), avg(f ORDER BY f DESC) FROM ta',
    ],
  },
  {
    bug: "bind/expr.ts: an aggregate's DISTINCT ORDER BY of an untyped literal does not match the argument it was typed into (42P10, as PostgreSQL)",
    setup: T_AS,
    queries: [
      "SELECT string_agg(DISTINCT 'a', ' | ' ORDER BY 'a' DESC NULLS LAST) FROM t",
      "SELECT string_agg(DISTINCT 'a'::text, ' | ' ORDER BY 'a'::text), string_agg(DISTINCT a::text, ',' ORDER BY a::text) FROM t",
    ],
  },
  {
    bug: "exec/run.ts limit: OFFSET is evaluated before LIMIT (recompute_limits), so with both negative the error is OFFSET's 2201X",
    setup: T_AS,
    queries: [
      'SELECT a FROM t ORDER BY 1 LIMIT -1 OFFSET -1',
      'SELECT a FROM t ORDER BY 1 LIMIT -1 OFFSET 1',
      'SELECT a FROM t ORDER BY 1 LIMIT 1 OFFSET -1',
    ],
  },
  {
    bug: "bind/expr.ts: a subquery in a DISTINCT aggregate's ORDER BY matches the same subquery among its arguments (bound subqueries never compare equal)",
    setup: T_AS,
    queries: [
      "SELECT string_agg(DISTINCT (SELECT max(s) FROM t t2 WHERE t2.a = t.a), ',' ORDER BY (SELECT max(s) FROM t t2 WHERE t2.a = t.a) DESC) FROM t",
      "SELECT string_agg(DISTINCT (SELECT max(s) FROM t t2 WHERE t2.a = t.a), ',' ORDER BY (SELECT min(s) FROM t t2 WHERE t2.a = t.a) DESC) FROM t",
    ],
  },
]
