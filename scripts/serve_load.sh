#!/usr/bin/env bash
# Throughput of `relaygen serve` (the relay) at 1, 2, 4 and 8 concurrent clients, and of
# `llama-server -np 4` serving the large model alone on the same load, in one run: each server is
# started, loaded with `relaygen load`, and stopped in turn, so the two never share the cores.
#
#   ./scripts/serve_load.sh [OUT_DIR]       (default docs/results/testbed)
#   CLIENTS=1,2,4,8 REQUESTS=8 MAX_TOKENS=512 THREADS=1 LLAMA_THREADS=2 ./scripts/serve_load.sh
#
# THREADS is per model of relaygen serve (two models: up to 2 x THREADS cores); llama-server gets
# LLAMA_THREADS (default: every core), so each server may use the whole machine.
#
# Writes OUT_DIR/serve-load-relaygen.json, serve-load-llama-server.json and serve-load.md.
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${1:-docs/results/testbed}
CLIENTS=${CLIENTS:-1,2,4,8}
REQUESTS=${REQUESTS:-8}
MAX_TOKENS=${MAX_TOKENS:-512}
THREADS=${THREADS:-1}
LLAMA_THREADS=${LLAMA_THREADS:-$(nproc)}
RELAYGEN=build/bin/relaygen
LLAMA_SERVER=$(cat "${RELAYGEN_CACHE:-$HOME/.cache/relaygen}/llama-prefix")/bin/llama-server
mkdir -p "$OUT"
log=$(mktemp -d)
pid=""
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; wait 2>/dev/null || true; }
trap cleanup EXIT

wait_ready() {  # wait_ready PORT
  for _ in $(seq 1 300); do
    curl -sf "http://127.0.0.1:$1/health" >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  echo "server on port $1 did not come up" >&2; exit 1
}

load() {  # load PORT NAME MODEL
  "$RELAYGEN" load --url "http://127.0.0.1:$1" --model "$3" --clients "$CLIENTS" --requests "$REQUESTS" \
    -n "$MAX_TOKENS" --out "$OUT/serve-load-$2.json" >"$log/$2.md"
  kill "$pid"; wait "$pid" 2>/dev/null || true; pid=""
}

port=$((20000 + RANDOM % 20000))
"$RELAYGEN" serve --port "$port" --slots 8 -t "$THREADS" >"$log/relaygen.log" 2>&1 &
pid=$!
wait_ready "$port"
load "$port" relaygen relaygen

port=$((port + 1))
"$LLAMA_SERVER" -m models/testbed-large.gguf --port "$port" -np 4 -c $((4 * 4096)) -t "$LLAMA_THREADS" -tb "$LLAMA_THREADS" \
  -fa off --no-webui >"$log/llama-server.log" 2>&1 &
pid=$!
wait_ready "$port"
load "$port" llama-server testbed-large

{
  echo "# relaygen serve vs llama-server -np 4 (large model alone): throughput"
  echo
  echo "\`./scripts/serve_load.sh\` ($(date -u +%Y-%m-%d), $(nproc) cores, CLIENTS=$CLIENTS REQUESTS=$REQUESTS per client,"
  echo "MAX_TOKENS=$MAX_TOKENS, THREADS=$THREADS per model, LLAMA_THREADS=$LLAMA_THREADS, testbed problems, temperature 0.6)."
  echo
  echo "## relaygen serve --slots 8 (relay, bundled pair)"
  echo
  cat "$log/relaygen.md"
  echo
  echo "## llama-server -np 4 -t $LLAMA_THREADS (testbed-large.gguf alone)"
  echo
  cat "$log/llama-server.md"
} >"$OUT/serve-load.md"
cat "$OUT/serve-load.md"
