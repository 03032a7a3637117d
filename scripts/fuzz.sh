#!/usr/bin/env bash
# Builds relaygen serve's libFuzzer targets with clang (src/serve/fuzz/) and runs each for
# FUZZ_SECONDS (default 30). Called by scripts/test.sh; a crash fails the script and leaves the
# input in build-fuzz/crash-*.
#
#   ./scripts/fuzz.sh                 # every target, 30 s each
#   FUZZ_SECONDS=300 ./scripts/fuzz.sh api_request_fuzz
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_EACH=${FUZZ_SECONDS:-30}
OUT=build-fuzz
CXX=${FUZZ_CXX:-$(command -v clang++ || command -v clang++-14 || true)}
[ -n "$CXX" ] || { echo "[fuzz] clang++ not found (apt-get install clang libclang-rt-14-dev)" >&2; exit 1; }
mkdir -p "$OUT"
FLAGS=(-std=c++17 -O1 -g -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined -Isrc)
# Only the code under test: the request parser and the output stream need nothing from llama.cpp.
declare -A SOURCES=(
  [api_request_fuzz]="src/serve/fuzz/api_request_fuzz.cc src/serve/api_request.cc"
  [output_stream_fuzz]="src/serve/fuzz/output_stream_fuzz.cc src/serve/output_stream.cc src/relay/policy.cc"
)
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(api_request_fuzz output_stream_fuzz)
for t in "${targets[@]}"; do
  # shellcheck disable=SC2086
  "$CXX" "${FLAGS[@]}" ${SOURCES[$t]} -o "$OUT/$t"
  mkdir -p "$OUT/corpus-$t"
  echo "[fuzz] $t for ${SECONDS_EACH} s" >&2
  (cd "$OUT" && "./$t" -max_total_time="$SECONDS_EACH" -max_len=4096 -print_final_stats=1 "corpus-$t" \
      >"$t.log" 2>&1) || { tail -40 "$OUT/$t.log" >&2; echo "[fuzz] $t FAILED" >&2; exit 1; }
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$OUT/$t.log")
  echo "[fuzz] $t: ${runs:-?} inputs in ${SECONDS_EACH} s, no crash" >&2
done
