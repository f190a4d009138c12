#!/bin/sh
# Re-captures the fixtures of this folder: what pgbench 15 sends, from the statement log
# of a PostgreSQL with log_statement=all (by default the shared one of the helpers'
# machine). Each run's log is the part of the server log it appended; extract.mjs keeps
# the statements of that run's own connections (the first 1 + clients pids).
#   sh capture.sh [host port logfile database]
set -e
HOST=${1:-127.0.0.1} PORT=${2:-55439} LOG=${3:-/tmp/pgq/pg.log} DB=${4:-helper_pgbench}
cd "$(dirname "$0")"
tmp=$(mktemp -d)
createdb -h "$HOST" -p "$PORT" -U postgres "$DB" 2>/dev/null || true
cap() { # name connections perClient -- pgbench args
  name=$1 conns=$2 per=$3; shift 3
  off=$(stat -c %s "$LOG")
  pgbench -h "$HOST" -p "$PORT" -U postgres "$@" "$DB" >"$tmp/$name.out" 2>&1
  sleep 0.5
  tail -c +$((off + 1)) "$LOG" >"$tmp/$name.log"
  node extract.mjs "$tmp/$name.log" "$per" "$conns" >"$name.jsonl"
}
cap init-client 1 1000 -i -s 1
cap init-server 1 1000 -i -s 1 -I dtGvp
for m in simple extended prepared; do
  for b in tpcb-like select-only; do
    cap "$b-$m" 3 60 -b "$b" -M "$m" -T 2 -c 2
    cap "$b-$m-n" 3 60 -n -b "$b" -M "$m" -T 2 -c 2
  done
done
rm -rf "$tmp"
dropdb -h "$HOST" -p "$PORT" -U postgres "$DB"
