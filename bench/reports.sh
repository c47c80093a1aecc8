#!/usr/bin/env bash
# Reproduces the reports section of BENCHMARKS.md: a million generated calls (`ivrpay calls
# generate`, spread over November 2026) on SQLite and on PostgreSQL, then `ivrpay report` for the
# month by day and by segment, each timed three times (the first cold, after the generator).
#
#   bash bench/reports.sh              # both backends
#   bash bench/reports.sh sqlite       # one
#
# Needs PostgreSQL at 127.0.0.1:5432 (user postgres, trust) for the postgres run; it creates and
# drops the database ivrpay_reports_bench.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${IVRPAY_BIN:-./target/release/ivrpay}
[ -x "$bin" ] || cargo build --release --quiet
out=${BENCH_OUT:-bench/results}
mkdir -p "$out"
count=${COUNT:-1000000}
export RUST_LOG=warn

run() { # name url
  local name=$1 url=$2
  echo "== $name: generate $count calls" | tee "$out/reports-$name.txt"
  /usr/bin/time -f "generate: %e s, %M KiB peak" "$bin" calls generate --count "$count" \
    --from 2026-11-01 --days 30 --db "$url" 2>&1 | tee -a "$out/reports-$name.txt"
  if [ "$name" = postgres ]; then
    psql -q -h 127.0.0.1 -U postgres -d ivrpay_reports_bench -c 'VACUUM ANALYZE' >/dev/null
  fi
  for by in day segment; do
    for i in 1 2 3; do
      /usr/bin/time -f "report --by $by (run $i): %e s" "$bin" report --from 2026-11-01 \
        --to 2026-11-30 --by "$by" --format csv --db "$url" 2>&1 >/dev/null | tee -a "$out/reports-$name.txt"
    done
  done
  "$bin" report --from 2026-11-01 --to 2026-11-30 --by week --db "$url" > "$out/reports-$name-table.txt"
}

backends=${1:-sqlite postgres}
for backend in $backends; do
  case $backend in
    sqlite)
      rm -f "$out/reports.db" "$out/reports.db-wal" "$out/reports.db-shm"
      run sqlite "sqlite:$out/reports.db"
      ;;
    postgres)
      psql -q -h 127.0.0.1 -U postgres -c 'DROP DATABASE IF EXISTS ivrpay_reports_bench' \
        -c 'CREATE DATABASE ivrpay_reports_bench'
      run postgres "postgres://postgres@127.0.0.1:5432/ivrpay_reports_bench"
      ;;
  esac
done
