#!/usr/bin/env bash
# The paper's two tables for the bundled testbed pair, on its test split.
#
#   ./scripts/testbed_tables.sh accuracy   # Table 2 style: pass@1 of every policy (eval + report)
#   ./scripts/testbed_tables.sh speed      # Table 3 style: the latency protocol (relaygen bench)
#
# Results go to docs/results/testbed/ (run files, report.md, CSV, plots; bench.md / bench.json).
# Runs are resumable: rerunning continues unfinished run files. Environment: SAMPLES (default 1),
# LIMIT (default 0 = all 300), THREADS (default 1), POLICIES.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=build/bin/relaygen
OUT=docs/results/testbed
SAMPLES=${SAMPLES:-1}
LIMIT=${LIMIT:-0}
THREADS=${THREADS:-1}
POLICIES=${POLICIES:-large small relay all-cues answer-only spec-thinking token-router}
mkdir -p "$OUT"
[ -x "$BIN" ] || { echo "build relaygen first: ./scripts/setup.sh" >&2; exit 1; }

case "${1:-}" in
  accuracy)
    runs=()
    for p in $POLICIES; do
      run="$OUT/eval-$p.jsonl"
      resume=(); [ -s "$run" ] && resume=(--resume)
      "$BIN" eval --dataset testbed --policy "$p" --samples "$SAMPLES" --limit "$LIMIT" -t "$THREADS" \
        --out "$run" "${resume[@]}"
      runs+=("$run")
    done
    "$BIN" report "${runs[@]}" --out-dir "$OUT" --csv --plot > "$OUT/report.md"
    cat "$OUT/report.md"
    ;;
  speed)
    "$BIN" bench --dataset testbed --policies "$(echo $POLICIES | tr ' ' ',')" --problems 5 --runs 5 \
      -t "$THREADS" --out "$OUT/bench.json" | tee "$OUT/bench.md"
    ;;
  *) echo "usage: $0 accuracy|speed" >&2; exit 2 ;;
esac
