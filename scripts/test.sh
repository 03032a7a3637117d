#!/usr/bin/env bash
# The test command (README): builds relaygen, runs unit + integration tests, then builds again
# with AddressSanitizer + UBSan and runs the tests there too.
#
#   ./scripts/test.sh            # everything (what CI runs)
#   ./scripts/test.sh --fast     # skip the sanitizer pass
#   CTEST_ARGS="-R Stop" ./scripts/test.sh --fast
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
  # shellcheck disable=SC2086
  ctest --test-dir "$dir" --output-on-failure -j "$JOBS" --timeout 900 ${CTEST_ARGS:-} ${EXTRA_CTEST_ARGS:-}
}

start=$(date +%s)
run_suite build -DCMAKE_BUILD_TYPE=Release
if [ $fast = 0 ]; then
  # Sanitized build: our code under ASan+UBSan (llama.cpp itself is the uninstrumented release
  # build). The libtorch trainer is left out: libtorch is not built for ASan.
  EXTRA_CTEST_ARGS="-LE no-sanitizer" run_suite build-asan -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DRELAYGEN_SANITIZE=ON -DRELAYGEN_TESTBED_TRAINER=OFF
fi
echo "== all tests passed in $(( $(date +%s) - start )) s ==" >&2
