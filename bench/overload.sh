#!/usr/bin/env bash
# Overload on purpose (BENCHMARKS.md): callers who press their keys the instant they are asked,
# 4,000 at once, against the service with its admission limits (the default: 64 in flight, 1,024
# waiting, 3 s wait) and with them lifted so that every webhook queues, as before they existed.
# Each side may hold 8,192 connections, so the connection cap does not turn callers away before
# admission sees them. SQLite; server on core 0, load tool on core 1.
#
#   bash bench/overload.sh                 # 4,000 callers, 12,000 calls
#   CALLERS=10000 CALLS=20000 bash bench/overload.sh
set -euo pipefail
export RUST_LOG=error
source "$(dirname "$0")/setup.sh"
accounts=100000
callers=${CALLERS:-4000}
calls=${CALLS:-12000}
$bin accounts generate --count $accounts --out "$out/accounts.csv"
: > "$out/overload.txt"
for limits in "default" "--max-webhooks-in-flight 100000 --max-webhooks-waiting 100000"; do
  rm -f "$out"/overload.db*
  $bin accounts import "$out/accounts.csv" --database-url "sqlite:$out/overload.db" > /dev/null
  extra=()
  [ "$limits" != default ] && read -r -a extra <<< "$limits"
  "${server_cpu[@]}" $bin serve --database-url "sqlite:$out/overload.db" --listen 127.0.0.1:8182 \
    --db-max-connections 16 --max-connections 8192 "${extra[@]}" > "$out/overload-server.log" 2>&1 &
  server=$!
  for _ in $(seq 1 50); do curl -sf http://127.0.0.1:8182/health > /dev/null && break; sleep 0.2; done
  echo "== limits: $limits; $callers callers, $calls calls, no pause" | tee -a "$out/overload.txt"
  "${load_cpu[@]}" $bin loadtest --url http://127.0.0.1:8182 --accounts $accounts --server-pid $server \
    --concurrency "$callers" --calls "$calls" | tee -a "$out/overload.txt"
  kill $server; wait $server 2>/dev/null || true
done
echo "results in $out/overload.txt"
