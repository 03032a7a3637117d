#!/usr/bin/env bash
# The speculative-decoding numbers of docs/speculative.md, on the bundled testbed pair.
#
#   scripts/spec_tables.sh speed  [OUT]  # latency protocol (5 problems × 5 runs), both drafters, with and
#                                        # without prefill ahead, + spec-cost
#   scripts/spec_tables.sh pass1  [OUT]  # pass@1 on the test split's first LIMIT problems (default 100)
#
# OUT defaults to docs/results/speculative. Each command's output goes to its own file there.
set -euo pipefail
REPO=$(cd "$(dirname "$0")/.." && pwd)
BIN=${RELAYGEN:-$REPO/build/bin/relaygen}
what=${1:-speed}
OUT=${2:-$REPO/docs/results/speculative}
mkdir -p "$OUT"

case "$what" in
  speed)
    # With prefill ahead (the relay's default: two threads) and without (one thread per request).
    for drafter in draft ngram; do
      "$BIN" bench --policies large,large+spec,relay,relay+spec --spec "$drafter" \
        --out "$OUT/bench_$drafter.json" >"$OUT/bench_$drafter.md"
      "$BIN" bench --policies large,large+spec,relay,relay+spec --spec "$drafter" --no-prefill-ahead \
        --out "$OUT/bench_${drafter}_no_prefill_ahead.json" >"$OUT/bench_${drafter}_no_prefill_ahead.md"
    done
    "$BIN" spec-cost --out "$OUT/spec_cost.json" >"$OUT/spec_cost.md"
    ;;
  pass1)
    limit=${LIMIT:-100}
    for run in "large none" "large draft" "large ngram" "relay none" "relay draft" "relay ngram"; do
      set -- $run
      rm -f "$OUT/pass1_$1_$2.jsonl"
      "$BIN" eval --dataset testbed --limit "$limit" --policy "$1" --spec "$2" --out "$OUT/pass1_$1_$2.jsonl" \
        2>>"$OUT/pass1.log"
    done
    # One report per drafter (both drafters name their runs <policy>+spec), each with the plain runs.
    : >"$OUT/pass1.md"
    for drafter in draft ngram; do
      { echo "# --spec $drafter"; echo; "$BIN" report "$OUT"/pass1_{large,relay}_{none,$drafter}.jsonl; echo; } \
        >>"$OUT/pass1.md"
    done
    ;;
  *)
    echo "usage: $0 speed|pass1 [OUT]" >&2
    exit 2
    ;;
esac
