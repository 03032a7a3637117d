#!/usr/bin/env bash
# The paper's two tables for the bundled testbed pair, on its test split.
#
#   ./scripts/testbed_tables.sh calibrate  # the pair's cue profile (models/testbed-cues.json, rule $RULE)
#                                          # and, for comparison, the profiles of the other rules
#   ./scripts/testbed_tables.sh accuracy   # Table 2 style: pass@1 of every policy (eval + report)
#   ./scripts/testbed_tables.sh rules      # relay pass@1 with the other rules' profiles
#   ./scripts/testbed_tables.sh speed      # Table 3 style: the latency protocol (relaygen bench)
#   ./scripts/testbed_tables.sh remote     # the same over two llama-servers: token ids, then --resend-text
#
# Results go to docs/results/testbed/ (run files, report.md, CSV, plots; bench.md / bench.json).
# Runs are resumable: rerunning continues unfinished run files. Environment: SAMPLES (default 1),
# LIMIT (default 0 = all 300), THREADS (default 1), POLICIES, RULE (the shipped profile's selection
# rule, default min: what made the bundled profile; docs/calibration.md), OTHER_RULES (default
# "mean quantile:0.25").
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=build/bin/relaygen
OUT=docs/results/testbed
SAMPLES=${SAMPLES:-1}
LIMIT=${LIMIT:-0}
THREADS=${THREADS:-1}
POLICIES=${POLICIES:-large small relay all-cues answer-only spec-thinking token-router}
RULE=${RULE:-min}
OTHER_RULES=${OTHER_RULES:-mean quantile:0.25}
CAL=docs/calibration-testbed
mkdir -p "$OUT"
[ -x "$BIN" ] || { echo "build relaygen first: ./scripts/setup.sh" >&2; exit 1; }

case "${1:-}" in
  calibrate)
    # One set of large-model traces (made once, then reused) scored under every rule.
    "$BIN" calibrate --problems models/testbed-calibration.jsonl --samples 4 --seed 42 -t "$THREADS" \
      --traces "$CAL/traces.jsonl" --rule "$RULE" -o models/testbed-cues.json --report-dir "$CAL"
    for rule in $OTHER_RULES; do
      dir="$CAL/rule-${rule//:/-}"
      mkdir -p "$dir"
      "$BIN" calibrate --problems models/testbed-calibration.jsonl --samples 4 --seed 42 -t "$THREADS" \
        --traces "$CAL/traces.jsonl" --rule "$rule" -o "$dir/cues.json" --report-dir "$dir"
    done
    ;;
  rules)
    # The shipped rule's relay run is accuracy's eval-relay.jsonl; here the other rules' profiles.
    for rule in $OTHER_RULES; do
      profile="$CAL/rule-${rule//:/-}/cues.json"
      run="$OUT/eval-relay-rule-${rule//:/-}.jsonl"
      resume=(); [ -s "$run" ] && resume=(--resume)
      "$BIN" eval --dataset testbed --policy relay --profile "$profile" --samples "$SAMPLES" --limit "$LIMIT" \
        -t "$THREADS" --out "$run" "${resume[@]}"
      echo "rule $rule selects $(jq -c .selected "$profile")"
      "$BIN" report "$run"
    done
    ;;
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
  remote)
    # Two llama-servers (relaygen's llama.cpp build) serving the pair, as docs/serving.md launches them.
    server="$(cat "${RELAYGEN_CACHE:-$HOME/.cache/relaygen}/llama-prefix")/bin/llama-server"
    pids=()
    trap 'kill "${pids[@]}" 2>/dev/null' EXIT
    for m in large:18080 small:18081; do
      "$server" -m "models/testbed-${m%%:*}.gguf" --host 127.0.0.1 --port "${m##*:}" -t 1 -tb 1 -np 1 -fa off \
        -c 2048 --no-warmup --no-webui > "/tmp/testbed-llama-server-${m%%:*}.log" 2>&1 &
      pids+=($!)
    done
    for port in 18080 18081; do until curl -sf "http://127.0.0.1:$port/health" > /dev/null; do sleep 0.2; done; done
    urls=(--large-url http://127.0.0.1:18080 --small-url http://127.0.0.1:18081)
    "$BIN" bench --dataset testbed --policies relay,answer-only --problems 5 --runs 5 -t "$THREADS" "${urls[@]}" \
      --out "$OUT/bench-remote.json" | tee "$OUT/bench-remote.md"
    "$BIN" bench --dataset testbed --policies relay,answer-only --problems 5 --runs 5 -t "$THREADS" "${urls[@]}" \
      --resend-text --out "$OUT/bench-remote-resend-text.json" | tee "$OUT/bench-remote-resend-text.md"
    ;;
  *) echo "usage: $0 calibrate|accuracy|rules|speed|remote" >&2; exit 2 ;;
esac
