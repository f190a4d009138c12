# The system catalog as clients read it: definitions printed as pg_get_* print them, names through reg* casts.

CREATE TABLE parent (a int4 NOT NULL, b text NOT NULL, label varchar(20) UNIQUE, PRIMARY KEY (a, b))
---
CREATE TABLE

CREATE TABLE misc (k int GENERATED ALWAYS AS IDENTITY PRIMARY KEY, born timestamptz DEFAULT now(), active bool DEFAULT true, score int DEFAULT -1, big int8 DEFAULT 3000000000, note text DEFAULT 'x', code char(3) DEFAULT 'ab', ratio float8 DEFAULT 0.5, price numeric(8,2) DEFAULT 1.25 CHECK (price > 0 OR price IS NULL), pa int, pb text, CONSTRAINT misc_range CHECK (score > -10 AND score < 100), CONSTRAINT misc_note CHECK (note <> ''), UNIQUE (code, score), FOREIGN KEY (pa, pb) REFERENCES parent ON UPDATE CASCADE ON DELETE SET NULL)
---
CREATE TABLE

CREATE INDEX misc_lower_idx ON misc (lower(note))
---
CREATE INDEX

CREATE INDEX misc_part ON misc (score DESC NULLS LAST, code) WHERE score > 5 AND note <> 'y'
---
CREATE INDEX

SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'public' ORDER BY 1
---
indexname | indexdef
misc_code_score_key | CREATE UNIQUE INDEX misc_code_score_key ON public.misc USING btree (code, score)
misc_lower_idx | CREATE INDEX misc_lower_idx ON public.misc USING btree (lower(note))
misc_part | CREATE INDEX misc_part ON public.misc USING btree (score DESC NULLS LAST, code) WHERE ((score > 5) AND (note <> 'y'::text))
misc_pkey | CREATE UNIQUE INDEX misc_pkey ON public.misc USING btree (k)
parent_label_key | CREATE UNIQUE INDEX parent_label_key ON public.parent USING btree (label)
parent_pkey | CREATE UNIQUE INDEX parent_pkey ON public.parent USING btree (a, b)

SELECT conname, contype, pg_get_constraintdef(oid) AS plain, pg_get_constraintdef(oid, true) AS pretty FROM pg_constraint WHERE conrelid = 'misc'::regclass ORDER BY 1
---
conname | contype | plain | pretty
misc_code_score_key | u | UNIQUE (code, score) | UNIQUE (code, score)
misc_note | c | CHECK ((note <> ''::text)) | CHECK (note <> ''::text)
misc_pa_pb_fkey | f | FOREIGN KEY (pa, pb) REFERENCES parent(a, b) ON UPDATE CASCADE ON DELETE SET NULL | FOREIGN KEY (pa, pb) REFERENCES parent(a, b) ON UPDATE CASCADE ON DELETE SET NULL
misc_pkey | p | PRIMARY KEY (k) | PRIMARY KEY (k)
misc_price_check | c | CHECK (((price > (0)::numeric) OR (price IS NULL))) | CHECK (price > 0::numeric OR price IS NULL)
misc_range | c | CHECK (((score > '-10'::integer) AND (score < 100))) | CHECK (score > '-10'::integer AND score < 100)

SELECT a.attname, pg_get_expr(d.adbin, d.adrelid) AS plain, pg_get_expr(d.adbin, d.adrelid, true) AS pretty FROM pg_attrdef d JOIN pg_attribute a ON a.attrelid = d.adrelid AND a.attnum = d.adnum WHERE d.adrelid = 'misc'::regclass ORDER BY d.adnum
---
attname | plain | pretty
born | now() | now()
active | true | true
score | '-1'::integer | '-1'::integer
big | '3000000000'::bigint | '3000000000'::bigint
note | 'x'::text | 'x'::text
code | 'ab'::bpchar | 'ab'::bpchar
ratio | 0.5 | 0.5
price | 1.25 | 1.25

SELECT c.relname, pg_get_indexdef(i.indexrelid, 0, true) AS def, pg_get_indexdef(i.indexrelid, 1, true) AS first_key, pg_get_expr(i.indpred, i.indrelid, true) AS pred FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid WHERE i.indrelid = 'misc'::regclass ORDER BY 1
---
relname | def | first_key | pred
misc_code_score_key | CREATE UNIQUE INDEX misc_code_score_key ON misc USING btree (code, score) | code | NULL
misc_lower_idx | CREATE INDEX misc_lower_idx ON misc USING btree (lower(note)) | lower(note) | NULL
misc_part | CREATE INDEX misc_part ON misc USING btree (score DESC NULLS LAST, code) WHERE score > 5 AND note <> 'y'::text | score | score > 5 AND note <> 'y'::text
misc_pkey | CREATE UNIQUE INDEX misc_pkey ON misc USING btree (k) | k | NULL

SELECT a.attname, format_type(a.atttypid, a.atttypmod) AS type, a.attnotnull, a.atthasdef, a.attidentity FROM pg_attribute a WHERE a.attrelid = 'misc'::regclass AND a.attnum > 0 ORDER BY a.attnum
---
attname | type | attnotnull | atthasdef | attidentity
k | integer | t | f | a
born | timestamp with time zone | f | t | 
active | boolean | f | t | 
score | integer | f | t | 
big | bigint | f | t | 
note | text | f | t | 
code | character(3) | f | t | 
ratio | double precision | f | t | 
price | numeric(8,2) | f | t | 
pa | integer | f | f | 
pb | text | f | f | 

SELECT conname, conrelid::regclass AS rel, confrelid::regclass AS ref, conkey, confkey, confupdtype, confdeltype FROM pg_constraint WHERE contype = 'f' ORDER BY 1
---
conname | rel | ref | conkey | confkey | confupdtype | confdeltype
misc_pa_pb_fkey | misc | parent | {10,11} | {1,2} | c | n

SELECT relname, relkind, relhasindex, relhastriggers, relchecks, relnatts FROM pg_class WHERE relnamespace = 'public'::regnamespace ORDER BY 1
---
relname | relkind | relhasindex | relhastriggers | relchecks | relnatts
misc | r | t | t | 3 | 11
misc_code_score_key | i | f | f | 0 | 2
misc_k_seq | S | f | f | 0 | 3
misc_lower_idx | i | f | f | 0 | 1
misc_part | i | f | f | 0 | 2
misc_pkey | i | f | f | 0 | 1
parent | r | t | t | 0 | 3
parent_label_key | i | f | f | 0 | 1
parent_pkey | i | f | f | 0 | 2

CREATE TABLE tv (v varchar(5) CHECK (v <> 'x'), c char(2) CHECK (c <> 'y'))
---
CREATE TABLE

SELECT conname, pg_get_constraintdef(oid) AS plain, pg_get_constraintdef(oid, true) AS pretty FROM pg_constraint WHERE conrelid = 'tv'::regclass ORDER BY 1
---
conname | plain | pretty
tv_c_check | CHECK ((c <> 'y'::bpchar)) | CHECK (c <> 'y'::bpchar)
tv_v_check | CHECK (((v)::text <> 'x'::text)) | CHECK (v::text <> 'x'::text)

CREATE TABLE t (id int PRIMARY KEY, name varchar(10), price numeric(6,2), pa int)
---
CREATE TABLE

CREATE VIEW v1 AS SELECT id AS ident, name, price * 2 FROM t x WHERE price > 1 AND name <> 'a' ORDER BY id DESC LIMIT 5
---
CREATE VIEW

CREATE VIEW v2 AS SELECT pa, count(*) AS n FROM t GROUP BY pa HAVING count(*) > 1
---
CREATE VIEW

CREATE VIEW v3 AS SELECT id, name FROM t WHERE price < 10 OR price IS NULL
---
CREATE VIEW

SELECT c.relname, pg_get_viewdef(c.oid, true) FROM pg_class c WHERE c.relkind = 'v' AND c.relnamespace = 'public'::regnamespace ORDER BY 1
---
relname | pg_get_viewdef
v1 |  SELECT x.id AS ident,
    x.name,
    x.price * 2::numeric AS "?column?"
   FROM t x
  WHERE x.price > 1::numeric AND x.name::text <> 'a'::text
  ORDER BY x.id DESC
 LIMIT 5;
v2 |  SELECT t.pa,
    count(*) AS n
   FROM t
  GROUP BY t.pa
 HAVING count(*) > 1;
v3 |  SELECT t.id,
    t.name
   FROM t
  WHERE t.price < 10::numeric OR t.price IS NULL;
