# The schema the psql fixtures describe: run before each fixture, on Isola and on PostgreSQL.

CREATE TABLE parent (a int4 NOT NULL, b text NOT NULL, label varchar(20) UNIQUE, PRIMARY KEY (a, b))
---
CREATE TABLE

CREATE SEQUENCE ticket_seq
---
CREATE SEQUENCE

CREATE TABLE t (id serial PRIMARY KEY, pa int4, pb text, price numeric(10,2) DEFAULT 0 CHECK (price >= 0), name varchar(40) NOT NULL DEFAULT 'none', ticket int8 DEFAULT nextval('ticket_seq'), created date, CONSTRAINT t_parent_fk FOREIGN KEY (pa, pb) REFERENCES parent (a, b) ON DELETE CASCADE)
---
CREATE TABLE

CREATE INDEX t_name_price_idx ON t (name DESC, price)
---
CREATE INDEX

CREATE INDEX t_cheap_idx ON t (price) WHERE price < 10
---
CREATE INDEX

CREATE VIEW cheap AS SELECT id, name FROM t WHERE price < 10
---
CREATE VIEW

CREATE TABLE misc (k int GENERATED ALWAYS AS IDENTITY PRIMARY KEY, born timestamptz DEFAULT now(), active bool DEFAULT true, score int DEFAULT -1, note text DEFAULT 'x', code char(3), ratio float8 DEFAULT 0.5, CONSTRAINT misc_range CHECK (score > -10 AND score < 100), CONSTRAINT misc_note CHECK (note <> ''), UNIQUE (code, score))
---
CREATE TABLE

CREATE INDEX misc_lower_idx ON misc (lower(note))
---
CREATE INDEX
