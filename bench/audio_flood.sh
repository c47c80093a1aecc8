#!/usr/bin/env bash
# The audio flood of BENCHMARKS.md ("Audio amplification flood"): 40 clients that ask for audio and
# never read it, against a release build serving the espeak-ng demo recordings on SQLite.
#
#   bash bench/audio_flood.sh                 # $CARGO_TARGET_DIR/release/ivrpay
#   BIN=/work/ivrpay-before bash bench/audio_flood.sh
#
# Needs espeak-ng (for `ivrpay audio make-demo`) and `ss`. Listens on 127.0.0.1 only.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${BIN:-${CARGO_TARGET_DIR:-./target}/release/ivrpay}
port=${PORT:-18190}
hold=${HOLD:-45}
work=$(mktemp -d)
server=
trap 'if [ -n "$server" ]; then kill "$server" 2>/dev/null || true; fi; rm -rf "$work"' EXIT
export IVRPAY_PIN_KEY=bench-pin-key-0123456789
export IVRPAY_DATA_KEY=$(printf 'ab%.0s' $(seq 32))
export TWILIO_AUTH_TOKEN=bench-token
export RUST_LOG=error
"$bin" audio make-demo --dir "$work/audio" --flows call-flows >/dev/null
# The longest recording of a whole prompt: the worst a caller's flow can ask to be played.
longest=$(ls -S "$work/audio/en/prompts" | head -1)

flood() { # name path-template [flood args...]
  local name=$1; shift
  "$bin" serve --database-url "sqlite:$work/$name.db" --listen "127.0.0.1:$port" \
    --audio "$work/audio" --prompts recorded &
  server=$!
  for _ in $(seq 100); do
    curl -fs "http://127.0.0.1:$port/health" >/dev/null && break
    sleep 0.1
  done
  echo "== $name"
  python3 bench/audio_flood.py --port "$port" --pid "$server" --clients 40 --hold "$hold" "$@"
  kill "$server"
  wait "$server" 2>/dev/null || true
  server=
}

# The probe of issue 21: ask_hardship_reason 64 times, each client's URL distinct.
flood amplified --path '/audio/en/clip.wav?{parts}' --parts ask_hardship_reason,goodbye --count 64
# The same, signed with the service's key (before the change: `s=` is an unknown part, a 400).
flood amplified-signed --path '/audio/en/clip.wav?{parts}' --parts ask_hardship_reason,goodbye \
  --count 64 --sign-data-key "$IVRPAY_DATA_KEY"
# The longest real prompt, as a provider fetches it.
flood longest --path "/audio/en/prompts/$longest"
