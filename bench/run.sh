#!/usr/bin/env bash
# Reproduces BENCHMARKS.md: the service on SQLite and on PostgreSQL, and the ceiling (a minimal
# axum server answering a fixed TwiML document), driven by `ivrpay loadtest` on this machine.
#
#   bash bench/run.sh            # both backends
#   bash bench/run.sh sqlite     # one
#
# Needs PostgreSQL at 127.0.0.1:5432 (user postgres) for the postgres runs.
set -euo pipefail
cd "$(dirname "$0")/.."
ulimit -n 65535 2>/dev/null || ulimit -n "$(ulimit -Hn)" || true
cargo build --release --quiet
bin=./target/release/ivrpay
out=${BENCH_OUT:-bench/results}
mkdir -p "$out"
export IVRPAY_PIN_KEY=bench-pin-key-0123456789
export IVRPAY_DATA_KEY=$(printf 'ab%.0s' $(seq 32))
export TWILIO_AUTH_TOKEN=bench-token
export RUST_LOG=warn
accounts=100000
$bin accounts generate --count $accounts --out "$out/accounts.csv"

run_load() { # name url pid extra-args...
  local name=$1 url=$2 pid=$3; shift 3
  echo "== $name: $*" | tee -a "$out/$name.txt"
  $bin loadtest --url "$url" --accounts $accounts --server-pid "$pid" "$@" | tee -a "$out/$name.txt"
}

# The scenarios; each runs against a freshly started server, so its peak memory is its own.
scenarios=(
  # Throughput: callers press their keys as soon as they are asked.
  "--concurrency 100 --calls 3000"
  "--concurrency 1000 --calls 5000"
  "--concurrency 10000 --calls 10000"
  # Calls in progress at a person's pace: a caller answers each question after about 5 seconds.
  "--concurrency 1000 --calls 1000 --think-ms 5000"
  "--concurrency 10000 --calls 10000 --think-ms 5000"
)

start_server() { # database-url
  $bin serve --database-url "$1" --listen 127.0.0.1:8181 --db-max-connections 16 > "$out/server.log" 2>&1 &
  server=$!
  for _ in $(seq 1 50); do curl -sf http://127.0.0.1:8181/health > /dev/null && return; sleep 0.2; done
  echo "server did not start"; cat "$out/server.log"; exit 1
}

start_ceiling() {
  $bin ceiling --listen 127.0.0.1:8190 > /dev/null &
  server=$!
  sleep 0.5
}

for backend in ${1:-sqlite postgres}; do
  case $backend in
    sqlite)
      rm -f "$out"/bench.db*
      url="sqlite:$out/bench.db" ;;
    postgres)
      psql -h 127.0.0.1 -U postgres -qc "DROP DATABASE IF EXISTS ivrpay_bench" -c "CREATE DATABASE ivrpay_bench"
      url="postgres://postgres@127.0.0.1:5432/ivrpay_bench" ;;
  esac
  /usr/bin/time -f "import of $accounts accounts: %e s" $bin accounts import "$out/accounts.csv" --database-url "$url" 2>&1 | tee "$out/import-$backend.txt"
  : > "$out/$backend.txt"
  for scenario in "${scenarios[@]}"; do
    # Callers pay each account's minimum, which is then no longer due: start every scenario
    # from the generated balances (the import is an upsert).
    $bin accounts import "$out/accounts.csv" --database-url "$url" > /dev/null
    start_server "$url"
    # shellcheck disable=SC2086
    run_load "$backend" http://127.0.0.1:8181 $server $scenario
    kill $server; wait $server 2>/dev/null || true
  done
done

: > "$out/ceiling.txt"
for scenario in "${scenarios[@]}"; do
  start_ceiling
  # shellcheck disable=SC2086
  run_load ceiling http://127.0.0.1:8190 $server --ceiling $scenario
  kill $server; wait $server 2>/dev/null || true
done
echo "results in $out/"
