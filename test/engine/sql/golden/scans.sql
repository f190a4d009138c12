# Scans: a scan decodes only the columns its statement uses (engine/plan/prune.ts), and whole rows where rows are compared whole.

CREATE TABLE s (id int PRIMARY KEY, k int NOT NULL, v text, w int)
---
CREATE TABLE

CREATE INDEX s_k ON s (k)
---
CREATE INDEX

INSERT INTO s SELECT g, g % 7, 'v' || g, CASE WHEN g % 3 = 0 THEN NULL ELSE g * 10 END FROM generate_series(1, 40) g
---
INSERT 0 40

SELECT sum(k), count(*), count(w), sum(w), avg(k) FROM s WHERE id BETWEEN 5 AND 30
---
sum | count | count | sum | avg
77 | 26 | 17 | 2930 | 2.9615384615384615

SELECT count(*) FROM s
---
count
40

SELECT DISTINCT * FROM s WHERE k = 3 ORDER BY id
---
id | k | v | w
3 | 3 | v3 | NULL
10 | 3 | v10 | 100
17 | 3 | v17 | 170
24 | 3 | v24 | NULL
31 | 3 | v31 | 310
38 | 3 | v38 | 380

SELECT k FROM s WHERE id < 10 UNION SELECT k FROM s WHERE id > 35 ORDER BY 1
---
k
0
1
2
3
4
5
6

SELECT id FROM s a WHERE EXISTS (SELECT 1 FROM s b WHERE b.id = a.w / 10 AND b.v = 'v' || a.id) ORDER BY id
---
id
1
2
4
5
7
8
10
11
13
14
16
17
19
20
22
23
25
26
28
29
31
32
34
35
37
38
40

SELECT a.id, (SELECT max(b.v) FROM s b WHERE b.k = a.k AND b.id < a.id) FROM s a WHERE a.id BETWEEN 8 AND 10 ORDER BY 1
---
id | max
8 | v1
9 | v2
10 | v3

SELECT a.id, b.v FROM s a JOIN s b ON b.id = a.k WHERE a.id IN (9, 15, 21) ORDER BY 1
---
id | v
9 | v2
15 | v1

SELECT id, k FROM s WHERE id IN (5, 3, 9, 1000) ORDER BY id DESC
---
id | k
9 | 2
5 | 5
3 | 3

SELECT id FROM s WHERE id = 5 AND k = 99
---
id
(no rows)

SELECT id FROM s WHERE id = 5 AND k = 5
---
id
5

SELECT id, v FROM s WHERE k = 6 AND id > 20 ORDER BY id DESC
---
id | v
34 | v34
27 | v27

UPDATE s SET w = w + 1 WHERE id IN (1, 2) RETURNING id, w
---
id | w
1 | 11
2 | 21

SELECT a.id, b.k, c.k FROM s a JOIN s b ON b.id = a.k JOIN s c ON c.id = b.k + 1 WHERE a.id BETWEEN 10 AND 13 ORDER BY a.id
---
id | k | k
10 | 3 | 4
11 | 4 | 5
12 | 5 | 6
13 | 6 | 0

ALTER TABLE s ADD COLUMN x int DEFAULT 5
---
ALTER TABLE

ALTER TABLE s DROP COLUMN v
---
ALTER TABLE

INSERT INTO s VALUES (41, 6, NULL, 1)
---
INSERT 0 1

SELECT sum(x), count(x), sum(k) FROM s WHERE id > 38
---
sum | count | sum
11 | 3 | 15

SELECT * FROM s WHERE id > 38 ORDER BY id
---
id | k | w | x
39 | 4 | NULL | 5
40 | 5 | 400 | 5
41 | 6 | NULL | 1

SELECT count(*) FROM (SELECT DISTINCT k, x FROM s) d
---
count
8

CREATE TABLE m (id int PRIMARY KEY, k int)
---
CREATE TABLE

CREATE INDEX m_k ON m (k)
---
CREATE INDEX

INSERT INTO m SELECT g, g % 3 FROM generate_series(1, 1200) g
---
INSERT 0 1200

SELECT count(*), sum(id), min(id), max(id) FROM m WHERE k = 1
---
count | sum | min | max
400 | 239800 | 1 | 1198

SELECT id FROM m WHERE k = 2 ORDER BY k DESC, id DESC LIMIT 3
---
id
1199
1196
1193

SELECT count(*), sum(b.id) FROM m a JOIN m b ON b.k = a.k WHERE a.id = 4
---
count | sum
400 | 239800

SELECT a.id, b.id FROM m a JOIN m b ON b.id = a.k + 1 WHERE a.id BETWEEN 10 AND 15 ORDER BY a.id DESC
---
id | id
15 | 1
14 | 3
13 | 2
12 | 1
11 | 3
10 | 2

SELECT a.id, b.id FROM m a LEFT JOIN m b ON b.id = a.k * 1000 WHERE a.id < 6 ORDER BY a.id
---
id | id
1 | 1000
2 | NULL
3 | NULL
4 | 1000
5 | NULL

SELECT a.id, b.k FROM m a JOIN m b ON b.id = a.id + 600 ORDER BY a.id DESC LIMIT 4
---
id | k
600 | 0
599 | 2
598 | 1
597 | 0

SELECT a.id, b.id FROM (SELECT * FROM m WHERE id < 4) a FULL JOIN (SELECT * FROM m WHERE id BETWEEN 2 AND 5) b ON a.id = b.id ORDER BY a.id, b.id
---
id | id
1 | NULL
2 | 2
3 | 3
NULL | 4
NULL | 5
