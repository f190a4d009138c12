# Queries: result column names, joins, grouping, ordering, set operations, subqueries, CTEs.

CREATE TABLE emp (id int PRIMARY KEY, name text, dept int, salary numeric(8,2), boss int)
---
CREATE TABLE

CREATE TABLE dept (id int PRIMARY KEY, title text)
---
CREATE TABLE

INSERT INTO dept VALUES (1, 'eng'), (2, 'ops'), (3, 'empty')
---
INSERT 0 3

INSERT INTO emp VALUES (1, 'ann', 1, 300, NULL), (2, 'bob', 1, 200, 1), (3, 'cid', 2, 150, 1), (4, 'dan', NULL, 100, 2), (5, 'eve', 2, NULL, 3)
---
INSERT 0 5

SELECT 1, 1 + 1, 'a', true, NULL, 1.5::float8, CAST('7' AS int), 'x'::text AS named, now() IS NULL, count(*), lower('A'), coalesce(1, 2), CASE WHEN true THEN 1 END
---
?column? | ?column? | ?column? | ?column? | ?column? | float8 | int4 | named | ?column? | count | lower | coalesce | case
1 | 2 | a | t | NULL | 1.5 | 7 | x | f | 1 | a | 1 | 1

SELECT e.name, d.title FROM emp e JOIN dept d ON e.dept = d.id ORDER BY e.name
---
name | title
ann | eng
bob | eng
cid | ops
eve | ops

SELECT e.name, d.title FROM emp e LEFT JOIN dept d ON e.dept = d.id ORDER BY e.name
---
name | title
ann | eng
bob | eng
cid | ops
dan | NULL
eve | ops

SELECT e.name, d.title FROM emp e RIGHT JOIN dept d ON e.dept = d.id ORDER BY d.title, e.name
---
name | title
NULL | empty
ann | eng
bob | eng
cid | ops
eve | ops

SELECT e.name, d.title FROM emp e FULL JOIN dept d ON e.dept = d.id ORDER BY e.name NULLS FIRST, d.title
---
name | title
NULL | empty
ann | eng
bob | eng
cid | ops
dan | NULL
eve | ops

SELECT e.name, b.name AS boss FROM emp e LEFT JOIN emp b ON e.boss = b.id ORDER BY e.id
---
name | boss
ann | NULL
bob | ann
cid | ann
dan | bob
eve | cid

SELECT * FROM dept JOIN emp USING (id) ORDER BY id
---
id | title | name | dept | salary | boss
1 | eng | ann | 1 | 300.00 | NULL
2 | ops | bob | 1 | 200.00 | 1
3 | empty | cid | 2 | 150.00 | 1

SELECT count(*) FROM emp, dept
---
count
15

SELECT dept, count(*), sum(salary), avg(salary), min(name), max(salary) FROM emp GROUP BY dept ORDER BY dept NULLS LAST
---
dept | count | sum | avg | min | max
1 | 2 | 500.00 | 250.0000000000000000 | ann | 300.00
2 | 2 | 150.00 | 150.0000000000000000 | cid | 150.00
NULL | 1 | 100.00 | 100.0000000000000000 | dan | 100.00

SELECT dept, count(salary) AS paid FROM emp GROUP BY 1 HAVING count(*) > 1 ORDER BY 1
---
dept | paid
1 | 2
2 | 1

SELECT count(DISTINCT dept), count(*) FILTERED FROM emp
---
count | filtered
2 | 5

SELECT count(DISTINCT dept) AS depts, sum(DISTINCT salary) AS s FROM emp
---
depts | s
2 | 750.00

SELECT name FROM emp GROUP BY dept
---
ERROR 42803: column "emp.name" must appear in the GROUP BY clause or be used in an aggregate function (at 8)

SELECT e.id, e.name, count(*) FROM emp e JOIN dept d ON d.id = e.dept GROUP BY e.id ORDER BY e.id
---
id | name | count
1 | ann | 1
2 | bob | 1
3 | cid | 1
5 | eve | 1

SELECT sum(salary) FROM emp WHERE false
---
sum
NULL

SELECT DISTINCT dept FROM emp ORDER BY dept
---
dept
1
2
NULL

SELECT name, salary FROM emp ORDER BY salary DESC NULLS LAST, name LIMIT 3
---
name | salary
ann | 300.00
bob | 200.00
cid | 150.00

SELECT name FROM emp ORDER BY id LIMIT 2 OFFSET 3
---
name
dan
eve

SELECT name FROM emp ORDER BY id OFFSET 1 ROWS FETCH FIRST 2 ROWS ONLY
---
name
bob
cid

SELECT name AS n FROM emp ORDER BY n DESC
---
n
eve
dan
cid
bob
ann

SELECT name FROM emp ORDER BY 2
---
ERROR 42P10: ORDER BY position 2 is not in select list (at 31)

SELECT id FROM emp UNION SELECT id FROM dept ORDER BY id
---
id
1
2
3
4
5

SELECT dept FROM emp UNION ALL SELECT id FROM dept ORDER BY 1 NULLS FIRST
---
dept
NULL
1
1
1
2
2
2
3

SELECT dept FROM emp INTERSECT SELECT id FROM dept ORDER BY 1
---
dept
1
2

SELECT id FROM dept EXCEPT SELECT dept FROM emp
---
id
3

SELECT id, name FROM emp UNION SELECT id FROM dept
---
ERROR 42601: each UNION query must have the same number of columns (at 39)

SELECT 1 UNION SELECT 'a'
---
ERROR 22P02: invalid input syntax for type integer: "a" (at 23)

SELECT name FROM emp WHERE salary > (SELECT avg(salary) FROM emp) ORDER BY name
---
name
ann
bob

SELECT name FROM emp WHERE dept IN (SELECT id FROM dept WHERE title = 'eng') ORDER BY name
---
name
ann
bob

SELECT title FROM dept WHERE id NOT IN (SELECT dept FROM emp)
---
title
(no rows)

SELECT title FROM dept WHERE id NOT IN (SELECT dept FROM emp WHERE dept IS NOT NULL) ORDER BY title
---
title
empty

SELECT title FROM dept d WHERE NOT EXISTS (SELECT 1 FROM emp e WHERE e.dept = d.id)
---
title
empty

SELECT name, (SELECT title FROM dept d WHERE d.id = e.dept) FROM emp e ORDER BY id
---
name | title
ann | eng
bob | eng
cid | ops
dan | NULL
eve | ops

SELECT name FROM emp WHERE salary >= ALL (SELECT salary FROM emp WHERE salary IS NOT NULL)
---
name
ann

SELECT name FROM emp WHERE salary > ANY (SELECT salary FROM emp WHERE dept = 2) ORDER BY name
---
name
ann
bob

SELECT (SELECT id FROM emp)
---
ERROR 21000: more than one row returned by a subquery used as an expression

SELECT * FROM (SELECT dept, count(*) AS n FROM emp GROUP BY dept) s WHERE n > 1 ORDER BY dept
---
dept | n
1 | 2
2 | 2

SELECT * FROM (SELECT 1)
---
ERROR 42601: subquery in FROM must have an alias (at 15)

WITH paid AS (SELECT * FROM emp WHERE salary IS NOT NULL), top AS (SELECT max(salary) AS m FROM paid) SELECT name FROM paid, top WHERE salary = m
---
name
ann

SELECT * FROM (VALUES (1, 'a'), (2, 'b')) AS v(n, s) ORDER BY n DESC
---
n | s
2 | b
1 | a

SELECT g, g * 2 AS twice FROM generate_series(1, 3) g
---
g | twice
1 | 2
2 | 4
3 | 6

SELECT * FROM generate_series(5, 1, -2)
---
generate_series
5
3
1

SELECT name FROM emp WHERE name LIKE '_a%' OR name ILIKE 'E%' ORDER BY name
---
name
dan
eve

SELECT name FROM emp WHERE salary BETWEEN 150 AND 300 AND dept IS NOT DISTINCT FROM 1 ORDER BY name
---
name
ann
bob

SELECT id FROM emp WHERE id IN (1, 3, 5, NULL) ORDER BY id
---
id
1
3
5

SELECT id FROM emp WHERE id NOT IN (1, 3, NULL)
---
id
(no rows)

SELECT name FROM emp WHERE id = 2 FOR UPDATE
---
name
bob

SELECT dept, count(*) FROM emp GROUP BY dept FOR UPDATE
---
ERROR 0A000: FOR UPDATE is not allowed with GROUP BY clause

SELECT CASE WHEN false THEN 1/0 ELSE 1 END, CASE WHEN 1 = 1 THEN 2 ELSE 1/0 END, false AND 1/0 = 1, coalesce(1, 1/0)
---
case | case | ?column? | coalesce
1 | 2 | f | 1

SELECT id FROM emp WHERE id > 10 AND 1/0 = 1
---
ERROR 22012: division by zero

SELECT upper(name), length(name) * 2 + 1 FROM emp WHERE name = lower('ANN')
---
upper | ?column?
ANN | 7

SELECT position('b' in name), substring(name from 2 for 1), trim(both 'a' from name), extract(year from DATE '2024-05-01') FROM emp ORDER BY id LIMIT 2
---
position | substring | btrim | extract
0 | n | nn | 2024
1 | o | bob | 2024

SELECT FROM emp WHERE id < 3
---
(no columns, 2 rows)

SELECT count(*) FROM (SELECT FROM emp) s
---
count
5

SELECT * FROM emp NATURAL JOIN (SELECT id, 'x' AS tag FROM dept) d ORDER BY id
---
id | name | dept | salary | boss | tag
1 | ann | 1 | 300.00 | NULL | x
2 | bob | 1 | 200.00 | 1 | x
3 | cid | 2 | 150.00 | 1 | x

SELECT id, name, title FROM emp NATURAL LEFT JOIN dept ORDER BY id
---
id | name | title
1 | ann | eng
2 | bob | ops
3 | cid | empty
4 | dan | NULL
5 | eve | NULL

SELECT count(*) FROM emp NATURAL JOIN (SELECT 1 AS one) s
---
count
5

SELECT * FROM emp NATURAL JOIN dept ON true
---
ERROR 42601: syntax error at or near "ON" (at 37)

SELECT dept, count(*) FILTER (WHERE salary > 150) AS rich, sum(salary) FILTER (WHERE boss IS NOT NULL), string_agg(name, ',' ORDER BY name DESC) FILTER (WHERE salary IS NOT NULL) FROM emp GROUP BY dept ORDER BY dept
---
dept | rich | sum | string_agg
1 | 2 | 200.00 | bob,ann
2 | 0 | 150.00 | cid
NULL | 0 | 100.00 | dan

SELECT count(*) FILTER (WHERE count(*) > 1) FROM emp
---
ERROR 42803: aggregate functions are not allowed in FILTER (at 31)

SELECT abs(1) FILTER (WHERE true)
---
ERROR 42809: FILTER specified, but abs is not an aggregate function (at 8)

SELECT count(*) FILTER (WHERE 1) FROM emp
---
ERROR 42804: argument of FILTER must be type boolean, not type integer (at 31)

SELECT filter FROM (SELECT 1 AS filter) f
---
filter
1

CREATE TABLE dn (g int, x int, s text)
---
CREATE TABLE

INSERT INTO dn VALUES (1, 3, 'c'), (1, 1, 'a'), (2, 5, 'e'), (2, 4, 'd'), (NULL, 9, 'n'), (NULL, 8, 'm'), (3, NULL, 'z')
---
INSERT 0 7

SELECT DISTINCT ON (g) g, x, s FROM dn ORDER BY g, x
---
g | x | s
1 | 1 | a
2 | 4 | d
3 | NULL | z
NULL | 8 | m

SELECT DISTINCT ON (g) g, x FROM dn ORDER BY g, x DESC
---
g | x
1 | 3
2 | 5
3 | NULL
NULL | 9

SELECT DISTINCT ON (g) s FROM dn ORDER BY g DESC NULLS LAST, s
---
s
z
d
a
m

SELECT DISTINCT ON (1) g, x FROM dn ORDER BY 1, 2
---
g | x
1 | 1
2 | 4
3 | NULL
NULL | 8

SELECT DISTINCT ON (g % 2) g, x FROM dn ORDER BY g % 2, x
---
g | x
2 | 4
1 | 1
NULL | 8

SELECT DISTINCT ON (g) g, x FROM dn ORDER BY x
---
ERROR 42P10: SELECT DISTINCT ON expressions must match initial ORDER BY expressions (at 21)

SELECT DISTINCT ON (g, x) g, x FROM dn ORDER BY x, g
---
g | x
1 | 1
1 | 3
2 | 4
2 | 5
NULL | 8
NULL | 9
3 | NULL

SELECT DISTINCT ON (g) count(*) FROM dn GROUP BY g ORDER BY g
---
count
2
2
1
2

SELECT DISTINCT ON (g) g, x FROM dn ORDER BY g, x LIMIT 2
---
g | x
1 | 1
2 | 4

SELECT DISTINCT ON (5) g FROM dn
---
ERROR 42P10: DISTINCT ON position 5 is not in select list (at 21)

SELECT count(*) FROM (SELECT DISTINCT ON (g) g FROM dn) s
---
count
4

SELECT DISTINCT ON (x > 3) x > 3 AS big, s FROM dn ORDER BY x > 3, s DESC
---
big | s
f | c
t | n
NULL | z

# WITH RECURSIVE

WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r WHERE n < 5) SELECT * FROM r
---
n
1
2
3
4
5

WITH RECURSIVE r(n) AS (SELECT 1 UNION SELECT n % 3 + 1 FROM r) SELECT * FROM r ORDER BY n
---
n
1
2
3

CREATE TABLE org (id int PRIMARY KEY, boss int, name text)
---
CREATE TABLE

INSERT INTO org VALUES (1, NULL, 'ceo'), (2, 1, 'vp'), (3, 2, 'dev'), (4, 2, 'ops'), (5, 3, 'intern')
---
INSERT 0 5

WITH RECURSIVE chain AS (SELECT id, name, 0 AS depth, name AS path FROM org WHERE boss IS NULL UNION ALL SELECT e.id, e.name, c.depth + 1, c.path || ' > ' || e.name FROM org e JOIN chain c ON e.boss = c.id) SELECT * FROM chain ORDER BY depth, id
---
id | name | depth | path
1 | ceo | 0 | ceo
2 | vp | 1 | ceo > vp
3 | dev | 2 | ceo > vp > dev
4 | ops | 2 | ceo > vp > ops
5 | intern | 3 | ceo > vp > dev > intern

WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1.5 FROM r WHERE n < 5) SELECT * FROM r
---
ERROR 42804: recursive query "r" column 1 has type integer in non-recursive term but type numeric overall (at 32)

WITH RECURSIVE r(n) AS (SELECT 1::numeric UNION ALL SELECT n + 1.5 FROM r WHERE n < 5) SELECT * FROM r
---
n
1
2.5
4.0
5.5

WITH RECURSIVE r(n) AS (SELECT n FROM r UNION SELECT 1) SELECT * FROM r
---
ERROR 42P19: recursive reference to query "r" must not appear within its non-recursive term (at 39)

WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT r.n + 1 FROM r, r r2 WHERE r.n < 3) SELECT * FROM r
---
ERROR 42P19: recursive reference to query "r" must not appear more than once (at 67)

WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM org WHERE id < (SELECT max(n) FROM r)) SELECT * FROM r
---
ERROR 42P19: recursive reference to query "r" must not appear within a subquery (at 97)

WITH RECURSIVE r(n) AS (SELECT 1 INTERSECT SELECT n FROM r) SELECT * FROM r
---
ERROR 42P19: recursive query "r" does not have the form non-recursive-term UNION [ALL] recursive-term (at 16)

WITH RECURSIVE t(n) AS (VALUES (1) UNION ALL SELECT n+1 FROM t WHERE n < 3) SELECT sum(n) FROM t
---
sum
6

WITH RECURSIVE a(x) AS (SELECT 'a' UNION ALL SELECT x || 'b' FROM a WHERE length(x) < 3) SELECT * FROM a
---
x
a
ab
abb

WITH RECURSIVE fib(a, b) AS (SELECT 0::bigint, 1::bigint UNION ALL SELECT b, a + b FROM fib WHERE b < 100) SELECT a FROM fib
---
a
0
1
1
2
3
5
8
13
21
34
55
89

WITH RECURSIVE r AS (SELECT 1 AS n UNION ALL SELECT n + 1 FROM (SELECT * FROM r) s WHERE n < 3) SELECT * FROM r
---
n
1
2
3

WITH RECURSIVE x AS (SELECT 1 AS y) SELECT * FROM x
---
y
1
