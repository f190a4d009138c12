# psql 15: \d+ t

SELECT c.oid,
  n.nspname,
  c.relname
FROM pg_catalog.pg_class c
     LEFT JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE c.relname OPERATOR(pg_catalog.~) '^(t)$' COLLATE pg_catalog.default
  AND pg_catalog.pg_table_is_visible(c.oid)
ORDER BY 2, 3;
---
oid | nspname | relname
<<t>> | public | t

SELECT c.relchecks, c.relkind, c.relhasindex, c.relhasrules, c.relhastriggers, c.relrowsecurity, c.relforcerowsecurity, false AS relhasoids, c.relispartition, pg_catalog.array_to_string(c.reloptions || array(select 'toast.' || x from pg_catalog.unnest(tc.reloptions) x), ', ')
, c.reltablespace, CASE WHEN c.reloftype = 0 THEN '' ELSE c.reloftype::pg_catalog.regtype::pg_catalog.text END, c.relpersistence, c.relreplident, am.amname
FROM pg_catalog.pg_class c
 LEFT JOIN pg_catalog.pg_class tc ON (c.reltoastrelid = tc.oid)
LEFT JOIN pg_catalog.pg_am am ON (c.relam = am.oid)
WHERE c.oid = '<<t>>';
---
relchecks | relkind | relhasindex | relhasrules | relhastriggers | relrowsecurity | relforcerowsecurity | relhasoids | relispartition | array_to_string | reltablespace | reloftype | relpersistence | relreplident | amname
1 | r | t | f | t | f | f | f | f |  | 0 |  | p | d | heap

SELECT a.attname,
  pg_catalog.format_type(a.atttypid, a.atttypmod),
  (SELECT pg_catalog.pg_get_expr(d.adbin, d.adrelid, true)
   FROM pg_catalog.pg_attrdef d
   WHERE d.adrelid = a.attrelid AND d.adnum = a.attnum AND a.atthasdef),
  a.attnotnull,
  (SELECT c.collname FROM pg_catalog.pg_collation c, pg_catalog.pg_type t
   WHERE c.oid = a.attcollation AND t.oid = a.atttypid AND a.attcollation <> t.typcollation) AS attcollation,
  a.attidentity,
  a.attgenerated,
  a.attstorage,
  a.attcompression AS attcompression,
  CASE WHEN a.attstattarget=-1 THEN NULL ELSE a.attstattarget END AS attstattarget,
  pg_catalog.col_description(a.attrelid, a.attnum)
FROM pg_catalog.pg_attribute a
WHERE a.attrelid = '<<t>>' AND a.attnum > 0 AND NOT a.attisdropped
ORDER BY a.attnum;
---
attname | format_type | pg_get_expr | attnotnull | attcollation | attidentity | attgenerated | attstorage | attcompression | attstattarget | col_description
id | integer | nextval('t_id_seq'::regclass) | t | NULL |  |  | p |  | NULL | NULL
pa | integer | NULL | f | NULL |  |  | p |  | NULL | NULL
pb | text | NULL | f | NULL |  |  | x |  | NULL | NULL
price | numeric(10,2) | 0 | f | NULL |  |  | m |  | NULL | NULL
name | character varying(40) | 'none'::character varying | t | NULL |  |  | x |  | NULL | NULL
ticket | bigint | nextval('ticket_seq'::regclass) | f | NULL |  |  | p |  | NULL | NULL
created | date | NULL | f | NULL |  |  | p |  | NULL | NULL

SELECT c2.relname, i.indisprimary, i.indisunique, i.indisclustered, i.indisvalid, pg_catalog.pg_get_indexdef(i.indexrelid, 0, true),
  pg_catalog.pg_get_constraintdef(con.oid, true), contype, condeferrable, condeferred, i.indisreplident, c2.reltablespace
FROM pg_catalog.pg_class c, pg_catalog.pg_class c2, pg_catalog.pg_index i
  LEFT JOIN pg_catalog.pg_constraint con ON (conrelid = i.indrelid AND conindid = i.indexrelid AND contype IN ('p','u','x'))
WHERE c.oid = '<<t>>' AND c.oid = i.indrelid AND i.indexrelid = c2.oid
ORDER BY i.indisprimary DESC, c2.relname;
---
relname | indisprimary | indisunique | indisclustered | indisvalid | pg_get_indexdef | pg_get_constraintdef | contype | condeferrable | condeferred | indisreplident | reltablespace
t_pkey | t | t | f | t | CREATE UNIQUE INDEX t_pkey ON t USING btree (id) | PRIMARY KEY (id) | p | f | f | f | 0
t_cheap_idx | f | f | f | t | CREATE INDEX t_cheap_idx ON t USING btree (price) WHERE price < 10::numeric | NULL | NULL | NULL | NULL | f | 0
t_name_price_idx | f | f | f | t | CREATE INDEX t_name_price_idx ON t USING btree (name DESC, price) | NULL | NULL | NULL | NULL | f | 0

SELECT r.conname, pg_catalog.pg_get_constraintdef(r.oid, true)
FROM pg_catalog.pg_constraint r
WHERE r.conrelid = '<<t>>' AND r.contype = 'c'
ORDER BY 1;
---
conname | pg_get_constraintdef
t_price_check | CHECK (price >= 0::numeric)

SELECT true as sametable, conname,
  pg_catalog.pg_get_constraintdef(r.oid, true) as condef,
  conrelid::pg_catalog.regclass AS ontable
FROM pg_catalog.pg_constraint r
WHERE r.conrelid = '<<t>>' AND r.contype = 'f'
     AND conparentid = 0
ORDER BY conname
---
sametable | conname | condef | ontable
t | t_parent_fk | FOREIGN KEY (pa, pb) REFERENCES parent(a, b) ON DELETE CASCADE | t

SELECT conname, conrelid::pg_catalog.regclass AS ontable,
       pg_catalog.pg_get_constraintdef(oid, true) AS condef
  FROM pg_catalog.pg_constraint c
 WHERE confrelid IN (SELECT pg_catalog.pg_partition_ancestors('<<t>>')
                     UNION ALL VALUES ('<<t>>'::pg_catalog.regclass))
       AND contype = 'f' AND conparentid = 0
ORDER BY conname;
---
conname | ontable | condef
(no rows)

SELECT pol.polname, pol.polpermissive,
  CASE WHEN pol.polroles = '{0}' THEN NULL ELSE pg_catalog.array_to_string(array(select rolname from pg_catalog.pg_roles where oid = any (pol.polroles) order by 1),',') END,
  pg_catalog.pg_get_expr(pol.polqual, pol.polrelid),
  pg_catalog.pg_get_expr(pol.polwithcheck, pol.polrelid),
  CASE pol.polcmd
    WHEN 'r' THEN 'SELECT'
    WHEN 'a' THEN 'INSERT'
    WHEN 'w' THEN 'UPDATE'
    WHEN 'd' THEN 'DELETE'
    END AS cmd
FROM pg_catalog.pg_policy pol
WHERE pol.polrelid = '<<t>>' ORDER BY 1;
---
polname | polpermissive | array_to_string | pg_get_expr | pg_get_expr | cmd
(no rows)

SELECT oid, stxrelid::pg_catalog.regclass, stxnamespace::pg_catalog.regnamespace::pg_catalog.text AS nsp, stxname,
pg_catalog.pg_get_statisticsobjdef_columns(oid) AS columns,
  'd' = any(stxkind) AS ndist_enabled,
  'f' = any(stxkind) AS deps_enabled,
  'm' = any(stxkind) AS mcv_enabled,
stxstattarget
FROM pg_catalog.pg_statistic_ext
WHERE stxrelid = '<<t>>'
ORDER BY nsp, stxname;
---
oid | stxrelid | nsp | stxname | columns | ndist_enabled | deps_enabled | mcv_enabled | stxstattarget
(no rows)

SELECT pubname
     , NULL
     , NULL
FROM pg_catalog.pg_publication p
     JOIN pg_catalog.pg_publication_namespace pn ON p.oid = pn.pnpubid
     JOIN pg_catalog.pg_class pc ON pc.relnamespace = pn.pnnspid
WHERE pc.oid ='<<t>>' and pg_catalog.pg_relation_is_publishable('<<t>>')
UNION
SELECT pubname
     , pg_get_expr(pr.prqual, c.oid)
     , (CASE WHEN pr.prattrs IS NOT NULL THEN
         (SELECT string_agg(attname, ', ')
           FROM pg_catalog.generate_series(0, pg_catalog.array_upper(pr.prattrs::pg_catalog.int2[], 1)) s,
                pg_catalog.pg_attribute
          WHERE attrelid = pr.prrelid AND attnum = prattrs[s])
        ELSE NULL END) FROM pg_catalog.pg_publication p
     JOIN pg_catalog.pg_publication_rel pr ON p.oid = pr.prpubid
     JOIN pg_catalog.pg_class c ON c.oid = pr.prrelid
WHERE pr.prrelid = '<<t>>'
UNION
SELECT pubname
     , NULL
     , NULL
FROM pg_catalog.pg_publication p
WHERE p.puballtables AND pg_catalog.pg_relation_is_publishable('<<t>>')
ORDER BY 1;
---
pubname | ?column? | ?column?
(no rows)

SELECT t.tgname, pg_catalog.pg_get_triggerdef(t.oid, true), t.tgenabled, t.tgisinternal,
  CASE WHEN t.tgparentid != 0 THEN
    (SELECT u.tgrelid::pg_catalog.regclass
     FROM pg_catalog.pg_trigger AS u,
          pg_catalog.pg_partition_ancestors(t.tgrelid) WITH ORDINALITY AS a(relid, depth)
     WHERE u.tgname = t.tgname AND u.tgrelid = a.relid
           AND u.tgparentid = 0
     ORDER BY a.depth LIMIT 1)
  END AS parent
FROM pg_catalog.pg_trigger t
WHERE t.tgrelid = '<<t>>' AND (NOT t.tgisinternal OR (t.tgisinternal AND t.tgenabled = 'D'))
ORDER BY 1;
---
tgname | pg_get_triggerdef | tgenabled | tgisinternal | parent
(no rows)

SELECT c.oid::pg_catalog.regclass
FROM pg_catalog.pg_class c, pg_catalog.pg_inherits i
WHERE c.oid = i.inhparent AND i.inhrelid = '<<t>>'
  AND c.relkind != 'p' AND c.relkind != 'I'
ORDER BY inhseqno;
---
oid
(no rows)

SELECT c.oid::pg_catalog.regclass, c.relkind, inhdetachpending, pg_catalog.pg_get_expr(c.relpartbound, c.oid)
FROM pg_catalog.pg_class c, pg_catalog.pg_inherits i
WHERE c.oid = i.inhrelid AND i.inhparent = '<<t>>'
ORDER BY pg_catalog.pg_get_expr(c.relpartbound, c.oid) = 'DEFAULT', c.oid::pg_catalog.regclass::pg_catalog.text;
---
oid | relkind | inhdetachpending | pg_get_expr
(no rows)

