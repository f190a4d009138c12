# NOT NULL, CHECK, UNIQUE, PRIMARY KEY and FOREIGN KEY, with PostgreSQL's messages and details.

CREATE TABLE parent (id int PRIMARY KEY, code text UNIQUE)
---
CREATE TABLE

CREATE TABLE child (id int PRIMARY KEY, pid int REFERENCES parent ON DELETE CASCADE, pcode text REFERENCES parent (code) ON DELETE SET NULL, qty int CHECK (qty > 0), CONSTRAINT qty_small CHECK (qty < 100))
---
CREATE TABLE

INSERT INTO parent VALUES (1, 'a'), (2, 'b'), (3, 'c')
---
INSERT 0 3

INSERT INTO parent VALUES (1, 'z')
---
ERROR 23505: duplicate key value violates unique constraint "parent_pkey"
DETAIL: Key (id)=(1) already exists.

INSERT INTO parent VALUES (4, 'a')
---
ERROR 23505: duplicate key value violates unique constraint "parent_code_key"
DETAIL: Key (code)=(a) already exists.

INSERT INTO parent VALUES (NULL, 'q')
---
ERROR 23502: null value in column "id" of relation "parent" violates not-null constraint
DETAIL: Failing row contains (null, q).

INSERT INTO child VALUES (10, 1, 'a', 5), (11, 1, 'b', 6), (12, 2, NULL, 7), (13, NULL, 'c', 8)
---
INSERT 0 4

INSERT INTO child VALUES (14, 9, NULL, 1)
---
ERROR 23503: insert or update on table "child" violates foreign key constraint "child_pid_fkey"
DETAIL: Key (pid)=(9) is not present in table "parent".

INSERT INTO child VALUES (14, NULL, 'nope', 1)
---
ERROR 23503: insert or update on table "child" violates foreign key constraint "child_pcode_fkey"
DETAIL: Key (pcode)=(nope) is not present in table "parent".

INSERT INTO child VALUES (14, 1, NULL, 0)
---
ERROR 23514: new row for relation "child" violates check constraint "child_qty_check"
DETAIL: Failing row contains (14, 1, null, 0).

INSERT INTO child VALUES (14, 1, NULL, 100)
---
ERROR 23514: new row for relation "child" violates check constraint "qty_small"
DETAIL: Failing row contains (14, 1, null, 100).

INSERT INTO child VALUES (14, 1, NULL, NULL)
---
INSERT 0 1

UPDATE child SET qty = -1 WHERE id = 10
---
ERROR 23514: new row for relation "child" violates check constraint "child_qty_check"
DETAIL: Failing row contains (10, 1, a, -1).

DELETE FROM parent WHERE id = 1
---
DELETE 1

SELECT * FROM child ORDER BY id
---
id | pid | pcode | qty
12 | 2 | NULL | 7
13 | NULL | c | 8

DELETE FROM parent WHERE code = 'c'
---
DELETE 1

SELECT * FROM child ORDER BY id
---
id | pid | pcode | qty
12 | 2 | NULL | 7
13 | NULL | NULL | 8

CREATE TABLE strict_child (id int PRIMARY KEY, pid int REFERENCES parent (id))
---
CREATE TABLE

INSERT INTO strict_child VALUES (1, 2)
---
INSERT 0 1

DELETE FROM parent WHERE id = 2
---
ERROR 23503: update or delete on table "parent" violates foreign key constraint "strict_child_pid_fkey" on table "strict_child"
DETAIL: Key (id)=(2) is still referenced from table "strict_child".

UPDATE parent SET id = 20 WHERE id = 2
---
ERROR 23503: update or delete on table "parent" violates foreign key constraint "child_pid_fkey" on table "child"
DETAIL: Key (id)=(2) is still referenced from table "child".

CREATE TABLE selfref (id int PRIMARY KEY, boss int REFERENCES selfref)
---
CREATE TABLE

INSERT INTO selfref VALUES (2, 1), (1, NULL)
---
INSERT 0 2

INSERT INTO selfref VALUES (3, 4)
---
ERROR 23503: insert or update on table "selfref" violates foreign key constraint "selfref_boss_fkey"
DETAIL: Key (boss)=(4) is not present in table "selfref".

CREATE TABLE nopk (a int, b int)
---
CREATE TABLE

INSERT INTO nopk VALUES (1, 1), (1, 2), (NULL, 3)
---
INSERT 0 3

ALTER TABLE nopk ADD PRIMARY KEY (a)
---
ERROR 23505: could not create unique index "nopk_pkey"
DETAIL: Key (a)=(1) is duplicated.

CREATE TABLE nopk_null (a int, b int)
---
CREATE TABLE

INSERT INTO nopk_null VALUES (1, 1), (NULL, 2), (3, 3), (NULL, 4)
---
INSERT 0 4

ALTER TABLE nopk_null ADD PRIMARY KEY (a)
---
ERROR 23502: column "a" of relation "nopk_null" contains null values

INSERT INTO nopk_null VALUES (3, 5)
---
INSERT 0 1

ALTER TABLE nopk_null ADD PRIMARY KEY (a)
---
ERROR 23505: could not create unique index "nopk_null_pkey"
DETAIL: Key (a)=(3) is duplicated.

DELETE FROM nopk_null WHERE a IS NULL OR b = 5
---
DELETE 3

ALTER TABLE nopk_null ADD PRIMARY KEY (a)
---
ALTER TABLE

SELECT a, b FROM nopk_null ORDER BY a
---
a | b
1 | 1
3 | 3

DROP TABLE nopk_null
---
DROP TABLE

DELETE FROM nopk WHERE a IS NULL
---
DELETE 1

ALTER TABLE nopk ADD PRIMARY KEY (a)
---
ERROR 23505: could not create unique index "nopk_pkey"
DETAIL: Key (a)=(1) is duplicated.

DELETE FROM nopk WHERE b = 2
---
DELETE 1

ALTER TABLE nopk ADD PRIMARY KEY (a)
---
ALTER TABLE

ALTER TABLE nopk ADD CONSTRAINT b_pos CHECK (b > 5)
---
ERROR 23514: check constraint "b_pos" of relation "nopk" is violated by some row

ALTER TABLE nopk ADD CONSTRAINT b_pos CHECK (b > 0)
---
ALTER TABLE

INSERT INTO nopk VALUES (2, -1)
---
ERROR 23514: new row for relation "nopk" violates check constraint "b_pos"
DETAIL: Failing row contains (2, -1).

ALTER TABLE nopk ADD CONSTRAINT b_uniq UNIQUE (b)
---
ALTER TABLE

INSERT INTO nopk VALUES (3, 1)
---
ERROR 23505: duplicate key value violates unique constraint "b_uniq"
DETAIL: Key (b)=(1) already exists.

CREATE TABLE v (s varchar(3), c char(2), n numeric(4,1))
---
CREATE TABLE

INSERT INTO v VALUES ('abcd', 'a', 1)
---
ERROR 22001: value too long for type character varying(3)

INSERT INTO v VALUES ('abc', 'abc', 1)
---
ERROR 22001: value too long for type character(2)

INSERT INTO v VALUES ('abc', 'ab', 1234.5)
---
ERROR 22003: numeric field overflow
DETAIL: A field with precision 4, scale 1 must round to an absolute value less than 10^3.

INSERT INTO v VALUES ('ab  ', 'a', 123.45) RETURNING s, c, n, length(s), length(c)
---
s | c | n | length | length
ab  | a  | 123.5 | 3 | 1

INSERT INTO v VALUES ('x', 'y', 'z')
---
ERROR 22P02: invalid input syntax for type numeric: "z" (at 33)

INSERT INTO v (s) VALUES (1.5)
---
INSERT 0 1

INSERT INTO v (n) VALUES ('2020-01-01'::date)
---
ERROR 42804: column "n" is of type numeric but expression is of type date (at 27)
