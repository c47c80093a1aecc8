#!/usr/bin/env bash
# Target 3 of BENCHMARKS.md: one signed first webhook, ivrpay's against twilio-labs'
# sample-pay-service answering its own `/pay` (Express, twilio's validator, a `<Pay>` TwiML), on
# the same core, driven by wrk with 50 connections from the other core.
#
#   git clone https://github.com/twilio-labs/sample-pay-service /tmp/sample-pay-service
#   (cd /tmp/sample-pay-service && npm ci)
#   SAMPLE=/tmp/sample-pay-service bash bench/first_webhook.sh
#
# Every request to ivrpay is a new call (a distinct CallSid, from a generated account's number),
# signed as Twilio signs; the sample's `/pay` keeps nothing per call, so one signed request is
# sent again and again. Needs wrk (apt-get install wrk) and Node.js.
set -euo pipefail
source "$(dirname "$0")/setup.sh"
sample=${SAMPLE:?set SAMPLE to a checkout of twilio-labs/sample-pay-service with npm ci run}
seconds=${SECONDS_EACH:-10}
rate() { awk '/^Requests\/sec/ { print $2 }' "$1"; }

# ivrpay on SQLite with 100,000 generated accounts; 200,000 distinct first webhooks.
$bin accounts generate --count 100000 --out "$out/accounts.csv"
rm -f "$out"/first.db*
$bin accounts import "$out/accounts.csv" --database-url "sqlite:$out/first.db" > /dev/null
python3 bench/signed_requests.py http://127.0.0.1:8186/twilio/voice bench-token 200000 0 > "$out/first-requests.tsv"
"${server_cpu[@]}" $bin serve --database-url "sqlite:$out/first.db" --listen 127.0.0.1:8186 \
  --db-max-connections 16 > "$out/first-server.log" 2>&1 &
server=$!
for _ in $(seq 1 50); do curl -sf http://127.0.0.1:8186/health > /dev/null && break; sleep 0.2; done
REQUESTS="$out/first-requests.tsv" "${load_cpu[@]}" wrk -t1 -c50 -d"${seconds}s" --latency \
  -s bench/first_webhook.lua http://127.0.0.1:8186 | tee "$out/first-ivrpay.txt"
grep VmHWM "/proc/$server/status" | tee -a "$out/first-ivrpay.txt"
kill $server; wait $server 2>/dev/null || true

# The sample, as its README runs it (morgan's request log to /dev/null), one signed `/pay`.
python3 bench/signed_requests.py http://127.0.0.1:3000/pay bench-token 1 0 > "$out/sample-requests.tsv"
(cd "$sample" && CI=true PORT=3000 TWILIO_AUTH_TOKEN=bench-token "${server_cpu[@]}" node . > /dev/null 2>&1) &
for _ in $(seq 1 50); do curl -s -o /dev/null http://127.0.0.1:3000/ && break; sleep 0.2; done
sample_pid=$(pgrep -f "node \." | head -1)
REQUESTS="$out/sample-requests.tsv" "${load_cpu[@]}" wrk -t1 -c50 -d"${seconds}s" --latency \
  -s bench/first_webhook.lua http://127.0.0.1:3000 | tee "$out/first-sample.txt"
grep VmHWM "/proc/$sample_pid/status" | tee -a "$out/first-sample.txt"
kill "$sample_pid"; wait 2>/dev/null || true

awk -v a="$(rate "$out/first-ivrpay.txt")" -v b="$(rate "$out/first-sample.txt")" \
  'BEGIN { printf "\nivrpay %s requests/s, sample-pay-service %s requests/s: %.1f times (target 20)\n", a, b, a / b }'
