#!/usr/bin/env bash
# Every provider's dialect under the same load (BENCHMARKS.md, "Every provider"): one server on
# SQLite serving every registered provider, each accepting what its simulator signs with the
# bench token (`ivrpay simulator-settings`), driven by `ivrpay loadtest --provider NAME` in
# turn; then the ceiling (a fixed answer in the provider's own markup) for each.
#
#   bash bench/providers.sh        # 100 callers, no pause, 3000 calls a provider (about 5 minutes)
set -euo pipefail
source "$(dirname "$0")/setup.sh"
accounts=100000
scenario=(--concurrency 100 --calls 3000)
$bin accounts generate --count $accounts --out "$out/accounts.csv"
# The registered providers, as the load tool lists them.
providers=$($bin loadtest --help | sed -n 's/.*\[possible values: \(.*\)\]/\1/p' | head -1 | tr -d ',')
for provider in $providers; do
  while IFS= read -r setting; do export "${setting?}"; done \
    < <($bin simulator-settings --provider "$provider" --auth-token bench-token)
done

wait_for() { # url
  for _ in $(seq 1 50); do curl -s -o /dev/null "$1" && return; sleep 0.2; done
  echo "$1 did not answer"; exit 1
}

db="sqlite:$out/providers.db"
rm -f "$out"/providers.db*
: > "$out/providers.txt"
for provider in $providers; do
  # Callers pay each account's minimum: every provider starts from the generated balances.
  $bin accounts import "$out/accounts.csv" --database-url "$db" > /dev/null
  "${server_cpu[@]}" $bin serve --database-url "$db" --listen 127.0.0.1:8181 --db-max-connections 16 > "$out/server.log" 2>&1 &
  server=$!
  wait_for http://127.0.0.1:8181/health
  echo "== $provider: ${scenario[*]}" | tee -a "$out/providers.txt"
  "${load_cpu[@]}" $bin loadtest --url http://127.0.0.1:8181 --provider "$provider" --auth-token bench-token \
    --accounts $accounts --server-pid $server "${scenario[@]}" | tee -a "$out/providers.txt"
  kill $server; wait $server 2>/dev/null || true

  "${server_cpu[@]}" $bin ceiling --listen 127.0.0.1:8190 --provider "$provider" > /dev/null &
  server=$!
  wait_for http://127.0.0.1:8190/
  echo "== ceiling $provider: ${scenario[*]}" | tee -a "$out/providers.txt"
  "${load_cpu[@]}" $bin loadtest --url http://127.0.0.1:8190 --provider "$provider" --auth-token bench-token \
    --ceiling --accounts $accounts --server-pid $server "${scenario[@]}" | tee -a "$out/providers.txt"
  kill $server; wait $server 2>/dev/null || true
done
echo
echo "== webhooks/s by provider (the line, then the ceiling in the provider's markup)"
awk '/^== ceiling/ { side = "ceiling"; name = $3; sub(":", "", name); next }
     /^== / { side = "line"; name = $2; sub(":", "", name); next }
     /^webhooks\/s/ { rate[name, side] = $2; names[name] = 1 }
     END { for (n in names) printf "%-11s %8s %8s  %.2f\n", n, rate[n, "line"], rate[n, "ceiling"], rate[n, "line"] / rate[n, "ceiling"] }' \
  "$out/providers.txt" | sort
echo "results in $out/providers.txt"
