#!/bin/sh
# Captures the SQL that psql 15 sends for each backslash command (psql -E) into
# one fixture file per command, with the oids of the schema's relations written
# as <<name>>. The expected outputs are then recorded from a private PostgreSQL:
#   ISOLA_PSQL_RECORD=1 npx vitest run test/engine/sql/psql-catalog.test.ts
# Recapturing rewrites every fixture without outputs: record right after.
# pgbench-startup.sql is written by hand (pgbench 15's query, from the server log).
# Usage: capture.sh HOST PORT DB   (DB, which must not exist, is created with
# schema.sql's statements for the capture and dropped afterwards)
set -eu
HOST=$1 PORT=$2 DB=$3
DIR=$(dirname "$0")
BIN=${PGBIN:-/usr/lib/postgresql/15/bin}
PSQL=$BIN/psql
q() { "$PSQL" -h "$HOST" -p "$PORT" -U postgres -d "$DB" "$@"; }
"$BIN/createdb" -h "$HOST" -p "$PORT" -U postgres "$DB"
trap '"$BIN/dropdb" -h "$HOST" -p "$PORT" -U postgres "$DB"' EXIT
# schema.sql's statements: the lines before each ---, comments and outputs left out.
awk '/^#/ { next } /^---$/ { print ";"; skip = 1; next } /^$/ { skip = 0; next } !skip { print }' "$DIR/schema.sql" | q -q -v ON_ERROR_STOP=1 >/dev/null
OIDS=$(q -Atc "SELECT c.oid || ' ' || c.relname FROM pg_class c WHERE c.relnamespace = 'public'::regnamespace")
capture() { # file command
  out="$DIR/$1.sql"
  { echo "# psql 15: $2"; echo
    q -E -c "$2" 2>/dev/null | awk '
      /^\*+ QUERY \*+$/ { inq = 1; n = 0; next }
      /^\*+$/ && inq { inq = 0; for (i = 1; i <= n; i++) print buf[i]; print "---"; print ""; next }
      inq { buf[++n] = $0 }'
  } > "$out.tmp"
  echo "$OIDS" | while read -r oid name; do sed -i "s/'$oid'/'<<$name>>'/g" "$out.tmp"; done
  mv "$out.tmp" "$out"
}
capture dt '\dt'
capture d '\d'
capture di '\di'
capture dv '\dv'
capture ds '\ds'
capture dn '\dn'
capture l '\l'
capture d-table '\d t'
capture d-parent '\d parent'
capture d-view '\d cheap'
capture d-sequence '\d ticket_seq'
capture d-index '\d t_name_price_idx'
capture d-misc '\d misc'
capture dt-pattern '\dt pa*'
capture d-plus '\d+ t'
capture du '\du'
capture d-qualified '\d public.parent'
capture dt-schema '\dt public.*'
capture di-pattern '\di t_*'
capture d-plus-view '\d+ cheap'
capture dT '\dT'
capture dm '\dm'
capture dE '\dE'
capture dp '\dp'
