# CREATE / ALTER / DROP of tables, views, indexes and sequences, with their notices and errors.

CREATE TABLE items (id int PRIMARY KEY, name text NOT NULL, price numeric(8,2) DEFAULT 0, tag varchar(5))
---
CREATE TABLE

CREATE TABLE items (id int)
---
ERROR 42P07: relation "items" already exists

CREATE TABLE IF NOT EXISTS items (id int)
---
NOTICE: relation "items" already exists, skipping
CREATE TABLE

CREATE TABLE dup (a int, a text)
---
ERROR 42701: column "a" specified more than once

CREATE TABLE badtype (a nosuchtype)
---
ERROR 42704: type "nosuchtype" does not exist (at 25)

CREATE TABLE twopk (a int PRIMARY KEY, b int PRIMARY KEY)
---
ERROR 42P16: multiple primary keys for table "twopk" are not allowed (at 46)

INSERT INTO items (id, name) VALUES (1, 'pen'), (2, 'ink')
---
INSERT 0 2

SELECT * FROM items ORDER BY id
---
id | name | price | tag
1 | pen | 0.00 | NULL
2 | ink | 0.00 | NULL

ALTER TABLE items ADD COLUMN stock int DEFAULT 7
---
ALTER TABLE

SELECT id, stock FROM items ORDER BY id
---
id | stock
1 | 7
2 | 7

ALTER TABLE items ADD COLUMN stock int
---
ERROR 42701: column "stock" of relation "items" already exists

ALTER TABLE items ADD COLUMN IF NOT EXISTS stock int
---
NOTICE: column "stock" of relation "items" already exists, skipping
ALTER TABLE

ALTER TABLE items ADD COLUMN must int NOT NULL
---
ERROR 23502: column "must" of relation "items" contains null values

ALTER TABLE items RENAME COLUMN stock TO qty
---
ALTER TABLE

SELECT id, qty FROM items WHERE qty = 7 ORDER BY id
---
id | qty
1 | 7
2 | 7

ALTER TABLE items DROP COLUMN qty
---
ALTER TABLE

ALTER TABLE items DROP COLUMN qty
---
ERROR 42703: column "qty" of relation "items" does not exist

ALTER TABLE items DROP COLUMN IF EXISTS qty
---
NOTICE: column "qty" of relation "items" does not exist, skipping
ALTER TABLE

SELECT * FROM items ORDER BY id
---
id | name | price | tag
1 | pen | 0.00 | NULL
2 | ink | 0.00 | NULL

ALTER TABLE items RENAME TO goods
---
ALTER TABLE

SELECT count(*) FROM items
---
ERROR 42P01: relation "items" does not exist (at 22)

SELECT count(*) FROM goods
---
count
2

CREATE INDEX goods_name ON goods (name)
---
CREATE INDEX

CREATE INDEX goods_name ON goods (price)
---
ERROR 42P07: relation "goods_name" already exists

CREATE INDEX IF NOT EXISTS goods_name ON goods (price)
---
NOTICE: relation "goods_name" already exists, skipping
CREATE INDEX

CREATE UNIQUE INDEX goods_tag ON goods (tag)
---
CREATE INDEX

INSERT INTO goods (id, name, tag) VALUES (3, 'cap', 'x'), (4, 'lid', 'x')
---
ERROR 23505: duplicate key value violates unique constraint "goods_tag"
DETAIL: Key (tag)=(x) already exists.

INSERT INTO goods (id, name, tag) VALUES (5, 'cap', NULL), (6, 'lid', NULL)
---
INSERT 0 2

DROP INDEX goods_pkey
---
ERROR 42704: index "goods_pkey" does not exist

DROP INDEX nosuch
---
ERROR 42704: index "nosuch" does not exist

DROP INDEX IF EXISTS nosuch
---
NOTICE: index "nosuch" does not exist, skipping
DROP INDEX

DROP INDEX goods_name, goods_tag
---
DROP INDEX

CREATE VIEW cheap AS SELECT id, name FROM goods WHERE price < 1
---
CREATE VIEW

SELECT * FROM cheap ORDER BY id
---
id | name
1 | pen
2 | ink
5 | cap
6 | lid

CREATE VIEW cheap AS SELECT 1
---
ERROR 42P07: relation "cheap" already exists

CREATE OR REPLACE VIEW cheap AS SELECT id, name, price FROM goods WHERE price < 1
---
CREATE VIEW

DROP TABLE cheap
---
ERROR 42809: "cheap" is not a table

DROP TABLE goods
---
ERROR 2BP01: cannot drop table goods because other objects depend on it
DETAIL: view cheap depends on table goods

DROP VIEW cheap
---
DROP VIEW

DROP VIEW IF EXISTS cheap
---
NOTICE: view "cheap" does not exist, skipping
DROP VIEW

DROP TABLE IF EXISTS nosuch, goods
---
NOTICE: table "nosuch" does not exist, skipping
DROP TABLE

SELECT count(*) FROM goods
---
ERROR 42P01: relation "goods" does not exist (at 22)

CREATE TABLE s (id serial PRIMARY KEY, b bigserial, note text)
---
CREATE TABLE

INSERT INTO s (note) VALUES ('a'), ('b') RETURNING id, b, note
---
id | b | note
1 | 1 | a
2 | 2 | b

SELECT nextval('s_id_seq'), currval('s_id_seq')
---
nextval | currval
3 | 3

CREATE SEQUENCE counter START 10 INCREMENT 5
---
CREATE SEQUENCE

SELECT nextval('counter'), nextval('counter')
---
nextval | nextval
10 | 15

SELECT setval('counter', 100), nextval('counter')
---
setval | nextval
100 | 105

SELECT currval('nosuch')
---
ERROR 42P01: relation "nosuch" does not exist (at 16)

CREATE TABLE ident (id int GENERATED ALWAYS AS IDENTITY, v int)
---
CREATE TABLE

INSERT INTO ident (v) VALUES (1), (2) RETURNING *
---
id | v
1 | 1
2 | 2

INSERT INTO ident (id, v) VALUES (9, 3)
---
ERROR 428C9: cannot insert a non-DEFAULT value into column "id"
DETAIL: Column "id" is an identity column defined as GENERATED ALWAYS.

TRUNCATE s
---
TRUNCATE TABLE

SELECT count(*) FROM s
---
count
0

CREATE TABLE opts (a int) WITH (fillfactor = 70)
---
CREATE TABLE

CREATE TABLE opts2 (a int) WITH (fillfactor = 5)
---
ERROR 22023: value 5 out of bounds for option "fillfactor"
DETAIL: Valid values are between "10" and "100".

DROP TABLE s, opts, ident
---
DROP TABLE

CREATE TABLE ty (a char(5), b varchar(3), c text, d numeric(5,2), e timestamptz, f timestamp, g date, h bytea, i bool, j float4, k float8, l int2, m int8 NOT NULL)
---
CREATE TABLE

SELECT column_name, data_type, is_nullable, character_maximum_length, numeric_precision, numeric_scale FROM information_schema.columns WHERE table_name = 'ty' ORDER BY ordinal_position
---
column_name | data_type | is_nullable | character_maximum_length | numeric_precision | numeric_scale
a | character | YES | 5 | NULL | NULL
b | character varying | YES | 3 | NULL | NULL
c | text | YES | NULL | NULL | NULL
d | numeric | YES | NULL | 5 | 2
e | timestamp with time zone | YES | NULL | NULL | NULL
f | timestamp without time zone | YES | NULL | NULL | NULL
g | date | YES | NULL | NULL | NULL
h | bytea | YES | NULL | NULL | NULL
i | boolean | YES | NULL | NULL | NULL
j | real | YES | NULL | 24 | NULL
k | double precision | YES | NULL | 53 | NULL
l | smallint | YES | NULL | 16 | 0
m | bigint | NO | NULL | 64 | 0
