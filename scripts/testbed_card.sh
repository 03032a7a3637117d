#!/usr/bin/env bash
# Measures what models/README.md reports about a testbed pair, on the test split:
#   accuracy greedy and at temperature 0.6 / top-p 0.95 / top-k 20 with 4 samples per problem,
#   boxed and </think> rates, where each model goes wrong (copy vs compute), its ms/token in
#   relaygen, and decode speed side by side in llama-bench (small vs large, same run).
#
#   ./scripts/testbed_card.sh [LARGE.gguf SMALL.gguf]   # default: the bundled pair
#
# JSON results go to $OUT (default build/testbed-card); a summary table is printed. Needs jq.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=build/bin/relaygen
LARGE=${1:-models/testbed-large.gguf}
SMALL=${2:-models/testbed-small.gguf}
OUT=${OUT:-build/testbed-card}
PREFIX=$(cat "${RELAYGEN_CACHE:-$HOME/.cache/relaygen}/llama-prefix")
mkdir -p "$OUT"

for size in large small; do
  model=$LARGE; [ "$size" = small ] && model=$SMALL
  echo "[card] $size: greedy" >&2
  "$BIN" testbed eval -m "$model" --split test --temp 0 -t 1 --json --traces "$OUT/$size.greedy.traces.jsonl" \
    > "$OUT/$size.greedy.json"
  echo "[card] $size: temperature 0.6, 4 samples" >&2
  "$BIN" testbed eval -m "$model" --split test --temp 0.6 --top-p 0.95 --top-k 20 --samples 4 -t 1 --json \
    > "$OUT/$size.t06.json"
done
# Recovery from one slip in the context (the large model; issue 10).
for kind in compute restate; do
  echo "[card] large: one $kind slip injected (greedy)" >&2
  "$BIN" testbed eval -m "$LARGE" --split test --temp 0 -t 1 --inject-slip "$kind" --json > "$OUT/large.slip-$kind.json"
done
# Decode speed: both models in each llama-bench run (as relaygen runs them: 1 thread, no flash
# attention for models this small), 5 runs; the ratio reported is the median of the runs' ratios.
echo "[card] llama-bench, 5 runs of both models" >&2
ratios=()
for run in 1 2 3 4 5; do
  "$PREFIX/bin/llama-bench" -m "$SMALL" -m "$LARGE" -p 0 -n 128 -t 1 -fa 0 -r 10 -o json 2>/dev/null \
    > "$OUT/llama-bench.$run.json"
  ratios+=("$(jq '.[0].avg_ts / .[1].avg_ts' "$OUT/llama-bench.$run.json")")
done
cp "$OUT/llama-bench.3.json" "$OUT/llama-bench.json"
# Reading vs writing at the depth of relay traces (~300 tokens): the large model's prefill per token
# in calls of 4/8/16 against the small model's decode per token. Read-along hides a handoff only if
# the large model reads a sentence faster than the small one writes it.
echo "[card] llama-bench prefill vs decode at depth 300" >&2
"$PREFIX/bin/llama-bench" -m "$SMALL" -m "$LARGE" -p 4,8,16 -n 32 -d 300 -t 1 -fa 0 -r 8 -o json 2>/dev/null \
  > "$OUT/llama-bench.depth300.json"

echo "| | small | large |"
echo "|---|---|---|"
row() {  # row LABEL JQ-FILTER FILE-SUFFIX
  printf '| %s | %s | %s |\n' "$1" "$(jq -r "$2" "$OUT/small.$3.json")" "$(jq -r "$2" "$OUT/large.$3.json")"
}
row "accuracy, greedy" '.accuracy * 100 | tostring + " %"' greedy
row "accuracy, T 0.6, 4 samples" '.accuracy * 100 | tostring + " %"' t06
row "boxed / </think> closed (greedy)" '"\(.boxed_rate * 100) % / \(.think_closed_rate * 100) %"' greedy
row "boxed / </think> closed (T 0.6)" '"\(.boxed_rate * 100) % / \(.think_closed_rate * 100) %"' t06
row "copy / lookup / compute accuracy (greedy)" '"\(.errors.copy_accuracy * 1000 | round / 10) % of \(.errors.copies) / \(.errors.lookup_accuracy * 1000 | round / 10) % of \(.errors.lookups) / \(.errors.compute_accuracy * 1000 | round / 10) % of \(.errors.equations)"' greedy
row "first error of wrong traces: copy / lookup / compute / structure / format" '.errors.first_error_of_wrong_traces | "\(.copy) / \(.lookup) / \(.compute) / \(.structure) / \(.format)"' greedy
row "tokens per trace (greedy)" '.tokens_per_trace' greedy
row "ms/token in relaygen (greedy, 1 thread)" '.ms_per_token' greedy
printf '| accuracy with one slip injected: compute / restate (greedy; repair rate) | – | %s |\n' \
  "$(jq -r '"\(.accuracy * 1000 | round / 10) % (\(.repair_rate * 1000 | round / 10) %)"' "$OUT/large.slip-compute.json") / $(jq -r '"\(.accuracy * 1000 | round / 10) % (\(.repair_rate * 1000 | round / 10) %)"' "$OUT/large.slip-restate.json")"
small_ts=$(jq '.[0].avg_ts' "$OUT/llama-bench.json")
large_ts=$(jq '.[1].avg_ts' "$OUT/llama-bench.json")
echo "| llama-bench tg128, 1 thread, no flash attention (run 3 of 5) | $small_ts tok/s | $large_ts tok/s |"
echo
echo "small/large decode speed (llama-bench, 5 runs): ${ratios[*]}; median $(printf '%s\n' "${ratios[@]}" | sort -g | sed -n 3p)"
echo
echo "ms per token at depth 300 (llama-bench, 1 thread, no flash attention, 8 reps):"
jq -r '.[] | "\(.model_filename | split("/") | last): \(if .n_gen > 0 then "decode" else "prefill \(.n_prompt)" end) \(1000 / .avg_ts | . * 1000 | round / 1000) ms/token"' \
  "$OUT/llama-bench.depth300.json"
