#!/usr/bin/env bash
# Reproduces BENCHMARKS.md: the service on SQLite and on PostgreSQL, and the ceiling (a minimal
# axum server answering a fixed TwiML document), driven by `ivrpay loadtest` on this machine,
# then prints the ratios the targets are stated in.
#
#   bash bench/run.sh                  # every scenario, both backends (about 12 minutes)
#   bash bench/run.sh --quick          # 100 callers, no pause, each side three times (a few minutes)
#   bash bench/run.sh sqlite           # one backend (the ceiling always runs)
#   bash bench/run.sh --quick sqlite
#
# On a machine with two cores or more the server runs on core 0 and the load tool on core 1
# (taskset), so the two do not take each other's time; the ceiling runs the same way.
# Needs PostgreSQL at 127.0.0.1:5432 (user postgres) for the postgres runs.
set -euo pipefail
quick=false
if [ "${1:-}" = "--quick" ]; then quick=true; shift; fi
backends=${1:-sqlite postgres}
source "$(dirname "$0")/setup.sh"
accounts=100000
$bin accounts generate --count $accounts --out "$out/accounts.csv"

if $quick; then
  # Throughput, three times each side, so the spread shows.
  scenarios=("--concurrency 100 --calls 3000" "--concurrency 100 --calls 3000" "--concurrency 100 --calls 3000")
else
  scenarios=(
    # Throughput: callers press their keys as soon as they are asked.
    "--concurrency 100 --calls 3000"
    "--concurrency 1000 --calls 5000"
    "--concurrency 10000 --calls 10000"
    # Calls in progress at a person's pace: a caller answers each question after about 5 seconds.
    "--concurrency 1000 --calls 1000 --think-ms 5000"
    "--concurrency 10000 --calls 10000 --think-ms 5000"
  )
fi

run_load() { # name url pid extra-args...
  local name=$1 url=$2 pid=$3; shift 3
  echo "== $name: $*" | tee -a "$out/$name.txt"
  "${load_cpu[@]}" $bin loadtest --url "$url" --accounts $accounts --server-pid "$pid" "$@" | tee -a "$out/$name.txt"
}

start_server() { # database-url
  "${server_cpu[@]}" $bin serve --database-url "$1" --listen 127.0.0.1:8181 --db-max-connections 16 > "$out/server.log" 2>&1 &
  server=$!
  for _ in $(seq 1 50); do curl -sf http://127.0.0.1:8181/health > /dev/null && return; sleep 0.2; done
  echo "server did not start"; cat "$out/server.log"; exit 1
}

start_ceiling() {
  "${server_cpu[@]}" $bin ceiling --listen 127.0.0.1:8190 > /dev/null &
  server=$!
  for _ in $(seq 1 50); do curl -s -o /dev/null http://127.0.0.1:8190/ && return; sleep 0.1; done
}

for backend in $backends; do
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

# The ratios, from the 100-caller runs: the median of each side's webhooks per second.
median_rate() { # file
  awk '/^== / { hundred = ($0 ~ /--concurrency 100 --calls/ && $0 !~ /think/) }
       hundred && /^webhooks\/s/ { print $2 }' "$1" | sort -n | awk '{ v[NR] = $1 } END { if (NR) print v[int((NR + 1) / 2)] }'
}
ceiling=$(median_rate "$out/ceiling.txt")
echo
echo "== ratios (100 callers, no pause; medians of webhooks/s; cores pinned: ${server_cpu[*]:-no})"
echo "ceiling            $ceiling webhooks/s"
sqlite=""
for backend in $backends; do
  rate=$(median_rate "$out/$backend.txt")
  [ "$backend" = sqlite ] && sqlite=$rate
  awk -v b="$backend" -v r="$rate" -v c="$ceiling" 'BEGIN { printf "%-18s %s webhooks/s, %.2f of the ceiling (target 0.50 on SQLite)\n", b, r, r / c }'
done
for backend in $backends; do
  if [ "$backend" = postgres ] && [ -n "$sqlite" ]; then
    rate=$(median_rate "$out/postgres.txt")
    awk -v r="$rate" -v s="$sqlite" 'BEGIN { printf "postgres / sqlite  %.2f (target 0.80)\n", r / s }'
  fi
done
echo "results in $out/"
