#!/usr/bin/env bash
# The test command (README): builds relaygen, runs unit + integration tests, then builds again
# with AddressSanitizer + UBSan and runs the tests there too.
#
#   ./scripts/test.sh            # everything (what CI runs): release, ASan+UBSan, then the fuzzers
#   ./scripts/test.sh --fast     # skip the sanitizer pass and the fuzzers
#   CTEST_ARGS="-R Stop" ./scripts/test.sh --fast
#
# Tests that cannot run here (no gnuplot, no datasets in ../shared) skip with GTEST_SKIP; each pass
# prints how many did. RELAYGEN_FAIL_ON_SKIP=1 (set by CI) makes any skipped test a failure.
#
# Needs scripts/setup.sh to have run once (it provides llama.cpp).
set -euo pipefail
cd "$(dirname "$0")/.."
JOBS=$(nproc 2>/dev/null || echo 2)
fast=0
[ "${1:-}" = "--fast" ] && fast=1

run_suite() {  # run_suite <build-dir> <cmake args...>
  local dir=$1; shift
  echo "== build ($dir) ==" >&2
  cmake -S . -B "$dir" -G Ninja "$@" >/dev/null
  cmake --build "$dir" -j "$JOBS"
  echo "== tests ($dir) ==" >&2
  local log="$dir/ctest-output.log" rc=0
  # shellcheck disable=SC2086
  ctest --test-dir "$dir" --output-on-failure -j "$JOBS" --timeout 900 ${CTEST_ARGS:-} ${EXTRA_CTEST_ARGS:-} \
    2>&1 | tee "$log" || rc=$?
  local skipped
  skipped=$(grep -c '(Skipped)$' "$log" || true)
  echo "== $skipped tests skipped ($dir) ==" >&2
  grep '(Skipped)$' "$log" >&2 || true
  [ "$rc" = 0 ] || exit "$rc"
  if [ "${RELAYGEN_FAIL_ON_SKIP:-0}" = 1 ] && [ "$skipped" != 0 ]; then
    echo "== skipped tests are failures here (RELAYGEN_FAIL_ON_SKIP=1) ==" >&2
    exit 1
  fi
}

start=$(date +%s)
run_suite build -DCMAKE_BUILD_TYPE=Release
if [ $fast = 0 ]; then
  # Sanitized build: our code under ASan+UBSan (llama.cpp itself is the uninstrumented release
  # build). The libtorch trainer is left out: libtorch is not built for ASan.
  EXTRA_CTEST_ARGS="-LE no-sanitizer" run_suite build-asan -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DRELAYGEN_SANITIZE=ON -DRELAYGEN_TESTBED_TRAINER=OFF
fi
if [ $fast = 0 ]; then
  # The server's request parser and output stream under libFuzzer (clang), FUZZ_SECONDS each.
  echo "== fuzz ==" >&2
  FUZZ_SECONDS=${FUZZ_SECONDS:-30} ./scripts/fuzz.sh
fi
echo "== all tests passed in $(( $(date +%s) - start )) s ==" >&2
