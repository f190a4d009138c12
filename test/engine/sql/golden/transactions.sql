# Transaction blocks, failed blocks, savepoints and prepared transactions, in two sessions.

CREATE TABLE t (id int PRIMARY KEY, v int)
---
CREATE TABLE

INSERT INTO t VALUES (1, 10), (2, 20)
---
INSERT 0 2

t1: BEGIN
---
BEGIN

t1: UPDATE t SET v = 11 WHERE id = 1
---
UPDATE 1

t2: SELECT v FROM t WHERE id = 1
---
v
10

t1: COMMIT
---
COMMIT

t2: SELECT v FROM t WHERE id = 1
---
v
11

t1: BEGIN ISOLATION LEVEL REPEATABLE READ
---
BEGIN

t1: SELECT v FROM t WHERE id = 2
---
v
20

t2: UPDATE t SET v = 21 WHERE id = 2
---
UPDATE 1

t1: SELECT v FROM t WHERE id = 2
---
v
20

t1: UPDATE t SET v = v + 1 WHERE id = 2
---
ERROR 40001: could not serialize access due to concurrent update

t1: SELECT 1
---
ERROR 25P02: current transaction is aborted, commands ignored until end of transaction block

t1: COMMIT
---
ROLLBACK

t1: SELECT v FROM t WHERE id = 2
---
v
21

t1: BEGIN
---
BEGIN

t1: BEGIN
---
WARNING: there is already a transaction in progress
BEGIN

t1: INSERT INTO t VALUES (3, 30)
---
INSERT 0 1

t1: SAVEPOINT a
---
SAVEPOINT

t1: INSERT INTO t VALUES (4, 40)
---
INSERT 0 1

t1: INSERT INTO t VALUES (4, 41)
---
ERROR 23505: duplicate key value violates unique constraint "t_pkey"
DETAIL: Key (id)=(4) already exists.

t1: SELECT count(*) FROM t
---
ERROR 25P02: current transaction is aborted, commands ignored until end of transaction block

t1: ROLLBACK TO SAVEPOINT a
---
ROLLBACK

t1: SELECT id FROM t ORDER BY id
---
id
1
2
3

t1: SAVEPOINT b
---
SAVEPOINT

t1: INSERT INTO t VALUES (5, 50)
---
INSERT 0 1

t1: RELEASE SAVEPOINT b
---
RELEASE

t1: ROLLBACK TO b
---
ERROR 3B001: savepoint "b" does not exist

t1: ROLLBACK TO a
---
ROLLBACK

t1: COMMIT
---
COMMIT

t1: SELECT id FROM t ORDER BY id
---
id
1
2
3

t1: COMMIT
---
WARNING: there is no transaction in progress
COMMIT

t1: ROLLBACK
---
WARNING: there is no transaction in progress
ROLLBACK

t1: SAVEPOINT x
---
ERROR 25P01: SAVEPOINT can only be used in transaction blocks

t1: BEGIN; INSERT INTO t VALUES (6, 60); COMMIT; SELECT count(*) FROM t
---
BEGIN
INSERT 0 1
COMMIT
count
4

t1: INSERT INTO t VALUES (7, 70); SELECT 1/0
---
ERROR 22012: division by zero

t1: SELECT count(*) FROM t WHERE id = 7
---
count
0

t1: BEGIN
---
BEGIN

t1: INSERT INTO t VALUES (8, 80)
---
INSERT 0 1

t1: PREPARE TRANSACTION 'tx8'
---
PREPARE TRANSACTION

t2: SELECT count(*) FROM t WHERE id = 8
---
count
0

t2: SELECT gid FROM pg_prepared_xacts
---
gid
tx8

t2: COMMIT PREPARED 'tx8'
---
COMMIT PREPARED

t2: SELECT count(*) FROM t WHERE id = 8
---
count
1

t2: ROLLBACK PREPARED 'tx8'
---
ERROR 42704: prepared transaction with identifier "tx8" does not exist

t1: BEGIN READ ONLY
---
BEGIN

t1: INSERT INTO t VALUES (9, 90)
---
ERROR 25006: cannot execute INSERT in a read-only transaction

t1: ROLLBACK
---
ROLLBACK

t1: SHOW transaction_isolation
---
transaction_isolation
read committed

t1: SET default_transaction_isolation = 'serializable'
---
SET

t1: BEGIN
---
BEGIN

t1: SHOW transaction_isolation
---
transaction_isolation
serializable

t1: COMMIT
---
COMMIT

t1: RESET default_transaction_isolation
---
RESET

t1: BEGIN
---
BEGIN

t1: SET LOCAL statement_timeout = '5s'
---
SET

t1: SHOW statement_timeout
---
statement_timeout
5s

t1: COMMIT
---
COMMIT

t1: SHOW statement_timeout
---
statement_timeout
0

t1: BEGIN
---
BEGIN

t1: SET statement_timeout = '7s'
---
SET

t1: ROLLBACK
---
ROLLBACK

t1: SHOW statement_timeout
---
statement_timeout
0
