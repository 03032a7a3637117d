#!/usr/bin/env bash
# The GPU check of speculative decoding (docs/speculative.md), on one NVIDIA Hopper card (sm_90):
# builds llama.cpp and relaygen with CUDA (RELAYGEN_CUDA=1 ./scripts/setup.sh: its own prefix and
# build-cuda/, the CPU build untouched), runs the engine tests, the verify-batch cost curve and the
# bench of large, large+spec, relay and relay+spec for both drafters, and writes every table to one
# folder. Within 10 minutes on 16 cores: each step has its own time limit (330 + 80 + 40 + 2 × 70 s),
# so a slow one cannot eat the rest. Never part of CI (.ci/run does not call it).
#
#   scripts/gpu_check.sh [OUT_DIR]     # default: build-cuda/gpu-check
#
# The machine needs the CUDA toolkit (nvcc) and the Debian packages setup.sh installs; with no
# network, llama.cpp's source must already be in the cache (or LLAMA_CPP_DIR) and RELAYGEN_NO_APT=1.
set -euo pipefail

REPO=$(cd "$(dirname "$0")/.." && pwd)
OUT=${1:-$REPO/build-cuda/gpu-check}
BIN=$REPO/build-cuda/bin/relaygen
mkdir -p "$OUT"

say() { echo "[gpu_check] $*" >&2; }
die() { echo "[gpu_check] error: $*" >&2; exit 1; }
# step NAME SECONDS CMD...: runs CMD with a time limit, its output in $OUT/NAME.log; a failure is
# recorded in $OUT/summary.md and the check goes on with the next step.
step() {
  local name=$1 limit=$2; shift 2
  local start=$SECONDS rc=0
  say "$name (limit ${limit}s)"
  timeout "$limit" "$@" >"$OUT/$name.log" 2>&1 || rc=$?
  echo "| $name | $rc | $((SECONDS - start)) |" >>"$OUT/summary.md"
  [ "$rc" = 0 ] || say "$name failed (exit $rc): see $OUT/$name.log"
}

command -v nvidia-smi >/dev/null || die "no nvidia-smi: this is not a GPU machine"
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv >"$OUT/gpu.csv" || die "nvidia-smi failed"
say "card: $(tail -1 "$OUT/gpu.csv")"
{
  echo "# GPU check $(date -u +%FT%TZ), $(tail -1 "$OUT/gpu.csv")"
  echo
  echo "| step | exit | seconds |"
  echo "|---|---|---|"
} >"$OUT/summary.md"

export RELAYGEN_CUDA=1
step setup 330 "$REPO/scripts/setup.sh"
[ -x "$BIN" ] || die "the CUDA build did not produce $BIN: see $OUT/setup.log"
# The engine tests: exactness of speculation and the engine's own contract, now on the GPU backend.
step tests 80 ctest --test-dir "$REPO/build-cuda" -R '^(Speculative|LlamaEngine|SpecCommand)\.' --output-on-failure
step spec_cost 40 "$BIN" spec-cost --out "$OUT/spec_cost.json"
for drafter in draft ngram; do
  step "bench_$drafter" 70 "$BIN" bench --policies large,large+spec,relay,relay+spec --spec "$drafter" \
    --out "$OUT/bench_$drafter.json"
done
# One folder, one file to read: the tables as the commands printed them.
{
  cat "$OUT/summary.md"
  for name in spec_cost bench_draft bench_ngram; do
    echo
    echo "## $name"
    echo
    cat "$OUT/$name.log" 2>/dev/null || echo "(missing)"
  done
} >"$OUT/tables.md"
say "tables in $OUT/tables.md"
