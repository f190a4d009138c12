# isola-only
# EXPLAIN: access paths, join methods and orders, sort elimination. Estimates come
# from ANALYZE where it ran. EXPLAIN ANALYZE timings are masked by the runner.

CREATE TABLE customer (id int PRIMARY KEY, name text, country text)
---
CREATE TABLE

CREATE TABLE orders (id int PRIMARY KEY, customer int REFERENCES customer, amount int, placed date)
---
CREATE TABLE

CREATE INDEX orders_customer ON orders (customer)
---
CREATE INDEX

CREATE INDEX orders_amount_placed ON orders (amount, placed)
---
CREATE INDEX

INSERT INTO customer SELECT g, 'c' || g, CASE WHEN g % 3 = 0 THEN 'fr' ELSE 'de' END FROM generate_series(1, 200) g
---
INSERT 0 200

INSERT INTO orders SELECT g, 1 + g % 200, g % 50, DATE '2024-01-01' + g % 30 FROM generate_series(1, 2000) g
---
INSERT 0 2000

ANALYZE
---
ANALYZE

EXPLAIN SELECT * FROM customer WHERE id = 7
---
QUERY PLAN
Index Scan using customer_pkey on customer  (rows=1)
  Index Cond: (id = 7)

EXPLAIN SELECT * FROM customer WHERE id > 190
---
QUERY PLAN
Index Scan using customer_pkey on customer  (rows=67)
  Index Cond: (id > 190)

EXPLAIN SELECT * FROM customer WHERE id IN (3, 1, 2)
---
QUERY PLAN
Index Scan using customer_pkey on customer  (rows=3)
  Index Cond: (id IN (3, 1, 2))

EXPLAIN SELECT * FROM customer WHERE country = 'fr'
---
QUERY PLAN
Seq Scan on customer  (rows=100)
  Filter: (country = 'fr'::text)

EXPLAIN SELECT * FROM orders WHERE customer = 5
---
QUERY PLAN
Index Scan using orders_customer on orders  (rows=10)
  Index Cond: (customer = 5)

EXPLAIN SELECT * FROM orders WHERE amount = 10 AND placed >= DATE '2024-01-10'
---
QUERY PLAN
Index Scan using orders_amount_placed on orders  (rows=13)
  Index Cond: ((amount = 10) AND (placed >= '2024-01-10'::date))

EXPLAIN SELECT * FROM orders WHERE placed = DATE '2024-01-10'
---
QUERY PLAN
Seq Scan on orders  (rows=67)
  Filter: (placed = '2024-01-10'::date)

EXPLAIN SELECT * FROM orders WHERE amount + 0 = 10
---
QUERY PLAN
Seq Scan on orders  (rows=10)
  Filter: ((amount + 0) = 10)

EXPLAIN SELECT * FROM customer ORDER BY id
---
QUERY PLAN
Seq Scan on customer  (rows=200)

EXPLAIN SELECT * FROM customer ORDER BY id DESC LIMIT 5
---
QUERY PLAN
Limit  (rows=5)
  ->  Seq Scan Backward on customer  (rows=200)

EXPLAIN SELECT * FROM orders ORDER BY customer LIMIT 3
---
QUERY PLAN
Limit  (rows=3)
  ->  Index Scan using orders_customer on orders  (rows=2000)

EXPLAIN SELECT * FROM orders ORDER BY customer
---
QUERY PLAN
Sort  (rows=2000)
  Sort Key: customer
  ->  Seq Scan on orders  (rows=2000)

EXPLAIN SELECT * FROM orders WHERE amount = 7 ORDER BY placed
---
QUERY PLAN
Index Scan using orders_amount_placed on orders  (rows=40)
  Index Cond: (amount = 7)

EXPLAIN SELECT c.name, o.amount FROM customer c JOIN orders o ON o.customer = c.id
---
QUERY PLAN
Nested Loop  (rows=2000)
  ->  Seq Scan on customer c  (rows=200)
  ->  Index Scan using orders_customer on orders o  (rows=10)
        Index Cond: (o.customer = c.id)

EXPLAIN SELECT c.name, o.amount FROM customer c JOIN orders o ON o.customer = c.id WHERE c.id = 42
---
QUERY PLAN
Nested Loop  (rows=10)
  ->  Index Scan using customer_pkey on customer c  (rows=1)
        Index Cond: (c.id = 42)
  ->  Index Scan using orders_customer on orders o  (rows=10)
        Index Cond: (o.customer = c.id)

EXPLAIN SELECT c.name, count(o.id) FROM customer c LEFT JOIN orders o ON o.customer = c.id GROUP BY c.name
---
QUERY PLAN
HashAggregate  (rows=200)
  Group Key: c.name
  ->  Nested Loop Left Join  (rows=2000)
        ->  Seq Scan on customer c  (rows=200)
        ->  Index Scan using orders_customer on orders o  (rows=10)
              Index Cond: (o.customer = c.id)

EXPLAIN SELECT * FROM customer c WHERE EXISTS (SELECT 1 FROM orders o WHERE o.customer = c.id AND o.amount > 40)
---
QUERY PLAN
Seq Scan on customer c  (rows=100)
  Filter: (SubPlan 1)
  SubPlan 1
  ->  Index Scan using orders_customer on orders o  (rows=3)
        Index Cond: (o.customer = c.id)
        Filter: (o.amount > 40)

EXPLAIN SELECT * FROM customer WHERE id = (SELECT max(customer) FROM orders)
---
QUERY PLAN
Seq Scan on customer  (rows=1)
  Filter: (customer.id = (SubPlan 1))
  SubPlan 1
  ->  Aggregate  (rows=1)
        ->  Seq Scan on orders  (rows=2000)

CREATE VIEW big_orders AS SELECT o.id, o.amount, c.name FROM orders o JOIN customer c ON c.id = o.customer WHERE o.amount > 45
---
CREATE VIEW

EXPLAIN SELECT * FROM big_orders WHERE id = 99
---
QUERY PLAN
Nested Loop  (rows=1)
  ->  Index Scan using orders_pkey on orders o  (rows=1)
        Index Cond: (o.id = 99)
        Filter: (o.amount > 45)
  ->  Index Scan using customer_pkey on customer c  (rows=1)
        Index Cond: (c.id = o.customer)

EXPLAIN SELECT country, count(*) FROM customer GROUP BY country HAVING count(*) > 10 ORDER BY 2 DESC
---
QUERY PLAN
Sort  (rows=7)
  Sort Key: count DESC
  ->  Filter  (rows=7)
        Filter: (count > 10)
        ->  HashAggregate  (rows=20)
              Group Key: country
              ->  Seq Scan on customer  (rows=200)

EXPLAIN SELECT id FROM customer UNION SELECT customer FROM orders
---
QUERY PLAN
HashSetOp Union  (rows=2200)
  ->  Seq Scan on customer  (rows=200)
  ->  Seq Scan on orders  (rows=2000)

EXPLAIN UPDATE orders SET amount = amount + 1 WHERE id = 5
---
QUERY PLAN
Update on orders
  ->  Index Scan using orders_pkey on orders  (rows=1)
        Index Cond: (id = 5)

EXPLAIN DELETE FROM orders WHERE customer = 9
---
QUERY PLAN
Delete on orders
  ->  Index Scan using orders_customer on orders  (rows=10)
        Index Cond: (customer = 9)

EXPLAIN ANALYZE SELECT count(*) FROM orders WHERE customer < 10
---
QUERY PLAN
Aggregate  (rows=1) (actual time=… rows=1 loops=1)
  ->  Index Scan using orders_customer on orders  (rows=667) (actual time=… rows=90 loops=1)
        Index Cond: (customer < 10)
Execution Time: … ms

CREATE INDEX orders_big_placed ON orders (placed) WHERE amount > 40
---
CREATE INDEX

EXPLAIN SELECT id FROM orders WHERE amount > 40 AND placed = DATE '2024-01-05'
---
QUERY PLAN
Index Scan using orders_big_placed on orders  (rows=22)
  Index Cond: (placed = '2024-01-05'::date)
  Filter: (amount > 40)

EXPLAIN SELECT id FROM orders WHERE placed = DATE '2024-01-05'
---
QUERY PLAN
Seq Scan on orders  (rows=67)
  Filter: (placed = '2024-01-05'::date)

SELECT count(*) FROM orders WHERE amount > 40 AND placed = DATE '2024-01-05'
---
count
13

SELECT count(*) FROM orders WHERE amount + 0 > 40 AND placed = DATE '2024-01-05'
---
count
13

# enable_seqscan, enable_indexscan, enable_hashjoin, enable_nestloop switch planner methods off.

CREATE TABLE ea (id int PRIMARY KEY, k int, v text)
---
CREATE TABLE

CREATE INDEX ea_k ON ea (k)
---
CREATE INDEX

CREATE TABLE eb (id int PRIMARY KEY, a_id int)
---
CREATE TABLE

INSERT INTO ea SELECT g, g % 10, 'x' FROM generate_series(1, 200) g
---
INSERT 0 200

INSERT INTO eb SELECT g, g FROM generate_series(1, 5) g
---
INSERT 0 5

ANALYZE ea
---
ANALYZE

ANALYZE eb
---
ANALYZE

EXPLAIN SELECT * FROM ea WHERE id = 5
---
QUERY PLAN
Index Scan using ea_pkey on ea  (rows=1)
  Index Cond: (id = 5)

SET enable_indexscan = off
---
SET

EXPLAIN SELECT * FROM ea WHERE id = 5
---
QUERY PLAN
Seq Scan on ea  (rows=1)
  Filter: (id = 5)

SELECT v FROM ea WHERE id = 5
---
v
x

RESET enable_indexscan
---
RESET

SET enable_seqscan = off
---
SET

EXPLAIN SELECT * FROM ea
---
QUERY PLAN
Index Scan using ea_pkey on ea  (rows=200)

RESET enable_seqscan
---
RESET

EXPLAIN SELECT * FROM eb JOIN ea ON ea.id = eb.a_id
---
QUERY PLAN
Nested Loop  (rows=5)
  ->  Seq Scan on eb  (rows=5)
  ->  Index Scan using ea_pkey on ea  (rows=1)
        Index Cond: (ea.id = eb.a_id)

SET enable_nestloop = off
---
SET

EXPLAIN SELECT * FROM eb JOIN ea ON ea.id = eb.a_id
---
QUERY PLAN
Hash Join  (rows=5)
  Hash Cond: (ea.id = eb.a_id)
  ->  Seq Scan on ea  (rows=200)
  ->  Hash  (rows=5)
        ->  Seq Scan on eb  (rows=5)

SET enable_hashjoin = off
---
SET

SET enable_nestloop = on
---
SET

EXPLAIN SELECT * FROM eb JOIN ea ON ea.k = eb.a_id
---
QUERY PLAN
Nested Loop  (rows=100)
  ->  Seq Scan on eb  (rows=5)
  ->  Index Scan using ea_k on ea  (rows=20)
        Index Cond: (ea.k = eb.a_id)

SELECT count(*) FROM eb JOIN ea ON ea.k = eb.a_id
---
count
100
