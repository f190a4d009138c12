# SET, SHOW and RESET of session settings.

SHOW DateStyle
---
DateStyle
ISO, MDY

SHOW datestyle
---
DateStyle
ISO, MDY

SHOW standard_conforming_strings
---
standard_conforming_strings
on

SET statement_timeout = 5000
---
SET

SHOW statement_timeout
---
statement_timeout
5s

SET statement_timeout TO '90s'
---
SET

SHOW statement_timeout
---
statement_timeout
90s

SET statement_timeout = 'soon'
---
ERROR 22023: invalid value for parameter "statement_timeout": "soon"

RESET statement_timeout
---
RESET

SHOW statement_timeout
---
statement_timeout
0

SET application_name = 'golden'
---
SET

SHOW application_name
---
application_name
golden

SELECT current_setting('application_name')
---
current_setting
golden

SET nosuch_setting = 1
---
ERROR 42704: unrecognized configuration parameter "nosuch_setting"

SHOW nosuch_setting
---
ERROR 42704: unrecognized configuration parameter "nosuch_setting"

SET myapp.user_id = '42'
---
SET

SHOW myapp.user_id
---
myapp.user_id
42

SET server_version = '1'
---
ERROR 55P02: parameter "server_version" cannot be changed

SET lock_timeout = '250ms'
---
SET

SHOW lock_timeout
---
lock_timeout
250ms

SET default_transaction_isolation = 'bogus'
---
ERROR 22023: invalid value for parameter "default_transaction_isolation": "bogus"

SET client_encoding = 'UTF8'
---
SET

SHOW client_encoding
---
client_encoding
UTF8

SET default_transaction_isolation = serializable
---
SET

SHOW transaction_isolation
---
transaction_isolation
serializable

SET default_transaction_read_only = on
---
SET

SHOW transaction_read_only
---
transaction_read_only
on

BEGIN ISOLATION LEVEL REPEATABLE READ, READ WRITE
---
BEGIN

SHOW transaction_isolation
---
transaction_isolation
repeatable read

SHOW transaction_read_only
---
transaction_read_only
off

COMMIT
---
COMMIT

RESET default_transaction_isolation
---
RESET

RESET default_transaction_read_only
---
RESET

SHOW transaction_isolation
---
transaction_isolation
read committed

# ROLLBACK undoes SET and RESET made in the block, SET LOCAL included (the value at
# BEGIN wins over the one SET LOCAL replaced); COMMIT keeps SET and drops SET LOCAL.

SET lock_timeout = '1s'
---
SET

BEGIN
---
BEGIN

SET lock_timeout = '2s'
---
SET

SET LOCAL lock_timeout = '3s'
---
SET

RESET extra_float_digits
---
RESET

SHOW lock_timeout
---
lock_timeout
3s

ROLLBACK
---
ROLLBACK

SHOW lock_timeout
---
lock_timeout
1s

BEGIN
---
BEGIN

SET lock_timeout = '4s'
---
SET

SET LOCAL extra_float_digits = 3
---
SET

COMMIT
---
COMMIT

SHOW lock_timeout
---
lock_timeout
4s

SHOW extra_float_digits
---
extra_float_digits
1

RESET lock_timeout
---
RESET

# ROLLBACK TO SAVEPOINT takes back the SETs (plain and LOCAL) made after the
# savepoint; RELEASE keeps them; a plain SET after SET LOCAL is what COMMIT keeps.

BEGIN
---
BEGIN

SET LOCAL lock_timeout = '5s'
---
SET

SAVEPOINT a
---
SAVEPOINT

SET lock_timeout = '7s'
---
SET

SET LOCAL statement_timeout = '1s'
---
SET

ROLLBACK TO SAVEPOINT a
---
ROLLBACK

SHOW lock_timeout
---
lock_timeout
5s

SHOW statement_timeout
---
statement_timeout
0

SAVEPOINT b
---
SAVEPOINT

SET lock_timeout = '9s'
---
SET

RELEASE SAVEPOINT b
---
RELEASE

COMMIT
---
COMMIT

SHOW lock_timeout
---
lock_timeout
9s

RESET lock_timeout
---
RESET
