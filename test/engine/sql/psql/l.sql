# psql 15: \l

SELECT d.datname as "Name",
       pg_catalog.pg_get_userbyid(d.datdba) as "Owner",
       pg_catalog.pg_encoding_to_char(d.encoding) as "Encoding",
       d.datcollate as "Collate",
       d.datctype as "Ctype",
       d.daticulocale as "ICU Locale",
       CASE d.datlocprovider WHEN 'c' THEN 'libc' WHEN 'i' THEN 'icu' END AS "Locale Provider",
       pg_catalog.array_to_string(d.datacl, E'\n') AS "Access privileges"
FROM pg_catalog.pg_database d
ORDER BY 1;
---
Name | Owner | Encoding | Collate | Ctype | ICU Locale | Locale Provider | Access privileges
postgres | postgres | UTF8 | C | C | NULL | libc | NULL
template0 | postgres | UTF8 | C | C | NULL | libc | =c/postgres
postgres=CTc/postgres
template1 | postgres | UTF8 | C | C | NULL | libc | =c/postgres
postgres=CTc/postgres

