# Arrays (one dimension), regular-expression operators, reg* and oid casts, and the catalog functions psql's queries use.

SELECT ARRAY[1, 2, 3] AS a, ARRAY['x', NULL, 'y z', '', 'NULL', 'a"b', 'c\d'] AS b, ARRAY[1.5, 2] AS c, pg_typeof(ARRAY[1, 2]) AS t
---
a | b | c | t
{1,2,3} | {x,NULL,"y z","","NULL","a\"b","c\\d"} | {1.5,2} | integer[]

SELECT '{1,2,3}'::int4[] AS a, '{ a , "b c" ,NULL, "NULL"}'::text[] AS b, '{}'::int8[] AS c, (ARRAY[10, 20, 30])[2] AS d, (ARRAY[10, 20])[3] AS e
---
a | b | c | d | e
{1,2,3} | {a,"b c",NULL,"NULL"} | {} | 20 | NULL

SELECT ARRAY[1, 2] || ARRAY[3] AS cat, ARRAY[1, 2] || 3 AS app, 0 || ARRAY[1, 2] AS pre, ARRAY['a'] || '{b,c}' AS lit
---
cat | app | pre | lit
{1,2,3} | {1,2,3} | {0,1,2} | {a,b,c}

SELECT ARRAY[1, 2] = ARRAY[1, 2] AS eq, ARRAY[1, 2] <> '{1,3}' AS ne, ARRAY[1, 2] < ARRAY[1, 2, 0] AS lt, ARRAY[2] > ARRAY[1, 9] AS gt, '{0}' = ARRAY[0]::oid[] AS oids
---
eq | ne | lt | gt | oids
t | t | t | t | t

SELECT 2 = ANY (ARRAY[1, 2]) AS a, 3 = ANY (ARRAY[1, 2]) AS b, 3 = ANY (ARRAY[1, NULL]) AS c, 1 < ALL (ARRAY[2, 3]) AS d, 1 = ANY ('{}'::int4[]) AS e, NULL::int4 = ANY (ARRAY[1]) AS f, 'b' = ANY ('{a,b}') AS g
---
a | b | c | d | e | f | g
t | f | NULL | t | f | NULL | t

SELECT array_to_string(ARRAY['a', NULL, 'c'], ',') AS a, array_to_string(ARRAY['a', NULL, 'c'], ',', '*') AS b, array_to_string(ARRAY[1, 2], E'\n') AS c, array_to_string(NULL::text[], ',') AS d
---
a | b | c | d
a,c | a,*,c | 1
2 | NULL

SELECT array_position(ARRAY['x', 'y', 'z'], 'y') AS a, array_position(ARRAY[1, 2], 5) AS b, array_position(current_schemas(true), 'public') AS c, current_schemas(false) AS d
---
a | b | c | d
2 | NULL | 2 | {public}

SELECT array_upper(ARRAY[5, 6, 7], 1) AS a, array_length(ARRAY[5, 6], 1) AS b, array_upper('{}'::int4[], 1) AS c, cardinality(ARRAY[1, 2, 3]) AS d
---
a | b | c | d
3 | 2 | NULL | 3

SELECT ARRAY(SELECT g * 2 FROM generate_series(1, 4) g WHERE g <> 2) AS a, ARRAY(SELECT 1 WHERE false) AS b
---
a | b
{2,6,8} | {}

SELECT '{1,2'::int4[]
---
ERROR 22P02: malformed array literal: "{1,2" (at 8)
DETAIL: Unexpected end of input.

SELECT '1,2'::int4[]
---
ERROR 22P02: malformed array literal: "1,2" (at 8)
DETAIL: Array value must start with "{" or dimension information.

SELECT '{1,x}'::int4[]
---
ERROR 22P02: invalid input syntax for type integer: "x" (at 8)

SELECT '{"a"b}'::text[]
---
ERROR 22P02: malformed array literal: "{"a"b}" (at 8)
DETAIL: Unexpected array element.

SELECT ARRAY[1, 2] = ARRAY['a']
---
ERROR 42883: operator does not exist: integer[] = text[] (at 20)

SELECT 'abc' ~ '^a' AS a, 'abc' ~ 'B' AS b, 'abc' ~* 'B' AS c, 'abc' !~ 'z' AS d, 'abc' !~* 'A' AS e, 'abc' OPERATOR(pg_catalog.~) '^(abc)$' AS f, 'x' COLLATE "C" < 'y' AS g, 'public' ~ '^pg_' COLLATE pg_catalog.default AS h
---
a | b | c | d | e | f | g | h
t | f | t | t | f | t | t | f

SELECT 'abc' ~ '('
---
ERROR 2201B: invalid regular expression: parentheses () not balanced

SELECT 1 ~ 2
---
ERROR 42883: operator does not exist: integer ~ integer (at 10)

SELECT 'abc' COLLATE "no_such"
---
ERROR 42704: collation "no_such" for encoding "UTF8" does not exist (at 14)

SELECT 1 OPERATOR(pg_catalog.+) 2 AS a, 5 OPERATOR(pg_catalog.<) 6 AS b
---
a | b
3 | t

SELECT 1259::oid AS a, '42'::oid AS b, (-1)::oid AS c, 7::oid = 7 AS d, 4294967295::oid AS e
---
a | b | c | d | e
1259 | 42 | 4294967295 | t | 4294967295

SELECT 'pg_catalog.pg_class'::regclass::text AS a, 'information_schema.tables'::regclass::text AS b, 25::regtype::text AS c, 1043::regtype::text AS d, 'public'::regnamespace::text AS e, 'pg_catalog'::regnamespace::oid AS f
---
a | b | c | d | e | f
pg_class | information_schema.tables | text | character varying | public | 11

SELECT 'no_such_table'::regclass
---
ERROR 42P01: relation "no_such_table" does not exist (at 8)

SELECT format_type(23, -1) AS a, format_type(1043, 24) AS b, format_type(1700, 655366) AS c, format_type(1042, 9) AS d, format_type(20, NULL) AS e, format_type(1009, -1) AS f, format_type(1700, -1) AS g
---
a | b | c | d | e | f | g
integer | character varying(20) | numeric(10,2) | character(5) | bigint | text[] | numeric

SELECT pg_encoding_to_char(6) AS a, pg_get_userbyid(10) IS NOT NULL AS b, pg_table_is_visible('pg_catalog.pg_class'::regclass) AS c, pg_table_is_visible('information_schema.tables'::regclass) AS d
---
a | b | c | d
UTF8 | t | t | f

SELECT x.n, y FROM (SELECT 1) AS x(n) CROSS JOIN LATERAL (SELECT x.n + 1 AS y) AS l
---
n | y
1 | 2

SELECT g, l.sq FROM generate_series(1, 3) g, LATERAL (SELECT g * g) AS l(sq) ORDER BY g
---
g | sq
1 | 1
2 | 4
3 | 9

SELECT * FROM generate_series(5, 7) WITH ORDINALITY AS s(v, n)
---
v | n
5 | 1
6 | 2
7 | 3

SELECT generate_series(1, 3) AS g
---
g
1
2
3

SELECT COALESCE(NULL, ARRAY[1, 2]) AS a, CASE WHEN true THEN '{3}' ELSE ARRAY[4] END AS b, COALESCE(ARRAY['x'::varchar(3)], ARRAY['y'::varchar(5)])::text AS c
---
a | b | c
{1,2} | {3} | {x}

SELECT ARRAY[1, 2]::text[] AS a, ARRAY['1', '2']::int8[] AS b, '{1,2}'::int4[] = ARRAY[1, 2] AS c, ARRAY[1] || NULL::int4 AS d, NULL::int4[] || ARRAY[1] AS e
---
a | b | c | d | e
{1,2} | {1,2} | t | {1,NULL} | {1}

SELECT x FROM (VALUES (ARRAY[10]), (ARRAY[9, 1]), (ARRAY[10, 0]), (ARRAY[NULL, 1]::int4[])) v(x) ORDER BY x
---
x
{9,1}
{10}
{10,0}
{NULL,1}

SELECT ARRAY[]::int4[] AS a
---
a
{}

SELECT ARRAY[]
---
ERROR 42P18: cannot determine type of empty array (at 8)

SELECT 'integer'::regtype::oid AS a, 'character varying'::regtype AS b, 'pg_catalog.int8'::regtype AS c, 'text[]'::regtype AS d, 'double precision'::regtype::oid AS e
---
a | b | c | d | e
23 | character varying | bigint | text[] | 701

SELECT 'no_such_type'::regtype
---
ERROR 42704: type "no_such_type" does not exist (at 8)
