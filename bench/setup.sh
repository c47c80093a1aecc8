# Sourced by the load benchmarks (run.sh, overload.sh, first_webhook.sh): from the repository
# root, a release build, where results go, the settings every benchmark server runs with, and
# the cores the server and the load tool are pinned to.
cd "$(dirname "${BASH_SOURCE[0]}")/.."
ulimit -n 65535 2>/dev/null || ulimit -n "$(ulimit -Hn)" || true
cargo build --release --quiet
bin=./target/release/ivrpay
out=${BENCH_OUT:-bench/results}
mkdir -p "$out"
export IVRPAY_PIN_KEY=bench-pin-key-0123456789
export IVRPAY_DATA_KEY=$(printf 'ab%.0s' $(seq 32))
export TWILIO_AUTH_TOKEN=bench-token
export RUST_LOG=${RUST_LOG:-warn}
# On two cores or more: the server on core 0, the load tool on core 1, so neither takes the
# other's time.
server_cpu=() load_cpu=()
if command -v taskset > /dev/null && [ "$(nproc)" -ge 2 ]; then
  server_cpu=(taskset -c 0) load_cpu=(taskset -c 1)
fi
