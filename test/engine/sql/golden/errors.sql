# Errors: SQLSTATE, message and position as PostgreSQL reports them.

CREATE TABLE t (id int PRIMARY KEY, name text, d date)
---
CREATE TABLE

SELECT * FROM nosuch
---
ERROR 42P01: relation "nosuch" does not exist (at 15)

SELECT nosuch FROM t
---
ERROR 42703: column "nosuch" does not exist (at 8)

SELECT t.nosuch FROM t
---
ERROR 42703: column t.nosuch does not exist (at 8)

SELECT x.id FROM t
---
ERROR 42P01: missing FROM-clause entry for table "x" (at 8)

SELECT id FROM t a, t b
---
ERROR 42702: column reference "id" is ambiguous (at 8)

SELECT nosuch(1)
---
ERROR 42883: function nosuch(integer) does not exist (at 8)

SELECT lower(1)
---
ERROR 42883: function lower(integer) does not exist (at 8)

SELECT 1 + 'a'
---
ERROR 22P02: invalid input syntax for type integer: "a" (at 12)

SELECT 'a' + 1
---
ERROR 22P02: invalid input syntax for type integer: "a" (at 8)

SELECT 1 = 'x'::text
---
ERROR 42883: operator does not exist: integer = text (at 10)

SELECT 2147483647 + 1
---
ERROR 22003: integer out of range

SELECT 1 / 0
---
ERROR 22012: division by zero

SELECT 'abc'::int
---
ERROR 22P02: invalid input syntax for type integer: "abc" (at 8)

SELECT '2021-02-30'::date
---
ERROR 22008: date/time field value out of range: "2021-02-30" (at 8)

SELECT 12345678901234567890::int8
---
ERROR 22003: bigint out of range

SELEC 1
---
ERROR 42601: syntax error at or near "SELEC" (at 1)

SELECT (1
---
ERROR 42601: syntax error at end of input (at 10)

SELECT 1 FROM
---
ERROR 42601: syntax error at end of input (at 14)

SELECT count(*) FROM t WHERE count(*) > 1
---
ERROR 42803: aggregate functions are not allowed in WHERE (at 30)

SELECT sum(count(*)) FROM t
---
ERROR 42803: aggregate function calls cannot be nested (at 12)

SELECT id FROM t WHERE id
---
ERROR 42804: argument of WHERE must be type boolean, not type integer (at 24)

SELECT * FROM t WHERE name = 1
---
ERROR 42883: operator does not exist: text = integer (at 28)

INSERT INTO t VALUES ('x')
---
ERROR 22P02: invalid input syntax for type integer: "x" (at 23)

INSERT INTO t (id, d) VALUES (1, 'soon')
---
ERROR 22007: invalid input syntax for type date: "soon" (at 34)

SELECT CASE WHEN true THEN 1 ELSE 'x' END
---
ERROR 22P02: invalid input syntax for type integer: "x" (at 35)

SELECT CASE WHEN true THEN 1 ELSE 'x'::text END
---
ERROR 42804: CASE types text and integer cannot be matched (at 28)

SELECT * FROM t LIMIT -1
---
ERROR 2201W: LIMIT must not be negative

SELECT * FROM t OFFSET -1
---
ERROR 2201X: OFFSET must not be negative

SELECT substring('abc', 1, -1)
---
ERROR 22011: negative substring length not allowed

SELECT 'a' LIKE 'a\'
---
?column?
f

SELECT DISTINCT id FROM t ORDER BY name
---
ERROR 42P10: for SELECT DISTINCT, ORDER BY expressions must appear in select list (at 36)

SELECT 1 GROUP BY 2
---
ERROR 42P10: GROUP BY position 2 is not in select list (at 19)

SELECT $1
---
ERROR 42P02: there is no parameter $1 (at 8)

SELECT DATE 'xyz'
---
ERROR 22007: invalid input syntax for type date: "xyz" (at 13)

SELECT 1 UNION SELECT true
---
ERROR 42804: UNION types integer and boolean cannot be matched (at 23)

SELECT 1, 'a' UNION SELECT 2, 3
---
ERROR 22P02: invalid input syntax for type integer: "a" (at 11)

INSERT INTO t (id, name) VALUES (1)
---
ERROR 42601: INSERT has more target columns than expressions (at 20)

INSERT INTO public.t VALUES (7, 'qualified')
---
INSERT 0 1

UPDATE public.t SET name = 'q' WHERE id = 7 RETURNING name
---
name
q

DELETE FROM public.t WHERE id = 7
---
DELETE 1

DELETE FROM nosuch.t
---
ERROR 42P01: relation "nosuch.t" does not exist (at 13)

SELECT x FROM (SELECT x, 1 / (x - x) AS c FROM generate_series(1, 3) x) s ORDER BY x
---
x
1
2
3

SELECT c FROM (SELECT x, 1 / (x - x) AS c FROM generate_series(1, 3) x) s
---
ERROR 22012: division by zero

SELECT count(*) FROM (SELECT x, 1 / (x - x) AS c FROM generate_series(1, 3) x) s
---
count
3

SELECT count(*) FROM (SELECT DISTINCT x, 1 / (x - x) FROM generate_series(1, 3) x) s
---
ERROR 22012: division by zero

WITH w AS (SELECT x, 1 / (x - x) AS c FROM generate_series(1, 3) x) SELECT x FROM w ORDER BY x DESC
---
x
3
2
1

INSERT INTO t (id, d) SELECT 1, 'garbage'
---
ERROR 22007: invalid input syntax for type date: "garbage" (at 33)

INSERT INTO t (id, d) SELECT 1, 'garbage' WHERE false
---
ERROR 22007: invalid input syntax for type date: "garbage" (at 33)

INSERT INTO t (id, d) SELECT 1, '2024-02-30' FROM t
---
ERROR 22008: date/time field value out of range: "2024-02-30" (at 33)
