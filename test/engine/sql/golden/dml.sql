# INSERT, UPDATE, DELETE: defaults, RETURNING, ON CONFLICT, UPDATE … FROM, DELETE … USING.

CREATE TABLE acct (id int PRIMARY KEY, owner text, balance int DEFAULT 100, note text)
---
CREATE TABLE

INSERT INTO acct (id, owner) VALUES (1, 'ann'), (2, 'bob')
---
INSERT 0 2

INSERT INTO acct VALUES (3, 'cid', DEFAULT, 'x') RETURNING *
---
id | owner | balance | note
3 | cid | 100 | x

INSERT INTO acct DEFAULT VALUES
---
ERROR 23502: null value in column "id" of relation "acct" violates not-null constraint
DETAIL: Failing row contains (null, null, 100, null).

INSERT INTO acct (id) SELECT g + 10 FROM generate_series(1, 3) g RETURNING id, balance
---
id | balance
11 | 100
12 | 100
13 | 100

INSERT INTO acct (id, owner) VALUES (4)
---
ERROR 42601: INSERT has more target columns than expressions (at 23)

INSERT INTO acct (id) VALUES (4, 'x')
---
ERROR 42601: INSERT has more expressions than target columns (at 34)

INSERT INTO acct (id, nosuch) VALUES (4, 1)
---
ERROR 42703: column "nosuch" of relation "acct" does not exist (at 23)

INSERT INTO acct (id, id) VALUES (4, 4)
---
ERROR 42701: column "id" specified more than once (at 23)

UPDATE acct SET balance = balance + 50 WHERE owner = 'ann' RETURNING id, balance
---
id | balance
1 | 150

UPDATE acct SET balance = balance - 10, note = 'paid' WHERE balance > 100 RETURNING *
---
id | owner | balance | note
1 | ann | 140 | paid

UPDATE acct SET nosuch = 1
---
ERROR 42703: column "nosuch" of relation "acct" does not exist (at 17)

UPDATE acct SET balance = 'lots'
---
ERROR 22P02: invalid input syntax for type integer: "lots" (at 27)

UPDATE acct SET balance = DEFAULT WHERE id = 1 RETURNING balance
---
balance
100

CREATE TABLE bonus (acct int, amount int)
---
CREATE TABLE

INSERT INTO bonus VALUES (1, 5), (2, 7), (9, 100)
---
INSERT 0 3

UPDATE acct a SET balance = a.balance + b.amount FROM bonus b WHERE a.id = b.acct RETURNING a.id, a.balance, b.amount
---
id | balance | amount
1 | 105 | 5
2 | 107 | 7

DELETE FROM acct a USING bonus b WHERE a.id = b.acct AND b.amount > 6 RETURNING a.id, a.owner
---
id | owner
2 | bob

SELECT id, owner, balance, note FROM acct ORDER BY id
---
id | owner | balance | note
1 | ann | 105 | paid
3 | cid | 100 | x
11 | NULL | 100 | NULL
12 | NULL | 100 | NULL
13 | NULL | 100 | NULL

INSERT INTO acct (id, owner) VALUES (1, 'dup') ON CONFLICT DO NOTHING
---
INSERT 0 0

INSERT INTO acct (id, owner) VALUES (1, 'dup'), (50, 'new') ON CONFLICT (id) DO NOTHING RETURNING id
---
id
50

INSERT INTO acct (id, owner, balance) VALUES (1, 'upd', 1), (51, 'ins', 2) ON CONFLICT (id) DO UPDATE SET owner = excluded.owner, balance = acct.balance + excluded.balance RETURNING id, owner, balance
---
id | owner | balance
1 | upd | 106
51 | ins | 2

INSERT INTO acct (id, owner) VALUES (1, 'a'), (1, 'b') ON CONFLICT (id) DO UPDATE SET owner = excluded.owner
---
ERROR 21000: ON CONFLICT DO UPDATE command cannot affect row a second time

INSERT INTO acct (id, owner) VALUES (1, 'skip') ON CONFLICT (id) DO UPDATE SET owner = excluded.owner WHERE acct.balance > 1000 RETURNING id
---
id
(no rows)

INSERT INTO acct (id, owner) VALUES (1, 'x') ON CONFLICT (owner) DO NOTHING
---
ERROR 42P10: there is no unique or exclusion constraint matching the ON CONFLICT specification

DELETE FROM acct WHERE id > 10 RETURNING id
---
id
11
12
13
50
51

DELETE FROM acct WHERE id = 999
---
DELETE 0

SELECT id, owner, balance FROM acct ORDER BY id
---
id | owner | balance
1 | upd | 106
3 | cid | 100

UPDATE acct SET id = id + 100 WHERE id < 3 RETURNING id
---
id
101

UPDATE acct SET id = 3 WHERE id = 101
---
ERROR 23505: duplicate key value violates unique constraint "acct_pkey"
DETAIL: Key (id)=(3) already exists.

SELECT id FROM acct ORDER BY id
---
id
3
101
