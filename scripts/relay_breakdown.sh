#!/usr/bin/env bash
# Where one relay request's wall time goes, per segment (docs/benchmarks.md): runs
# `relaygen relay --json` on a test problem for several seeds, with and without prefill ahead, and
# next to the single-model policies, and prints per-run means of the segments' prefill and decode
# time. "waiting" is what is left: mostly the controller waiting for the background reader's
# chunk in flight at a handoff.
#
#   ./scripts/relay_breakdown.sh [PROBLEM_INDEX] [SEEDS]    # default: problem 0, 6 seeds
#
# Extra relaygen flags (e.g. --large/--small/--profile) go in $RELAY_FLAGS. Needs jq.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${RELAYGEN:-build/bin/relaygen}
INDEX=${1:-0}
SEEDS=${2:-6}
PROBLEM=$(sed -n "$((INDEX + 1))p" models/testbed-test.jsonl | jq -r .problem)
[ -n "$PROBLEM" ] || { echo "relay_breakdown: no test problem $INDEX" >&2; exit 2; }

summary='
  def sum(f): map(f) | add // 0;
  . as $runs | ($runs | length) as $n
  | [$runs[] | .segments | map(select(.inserted | not))] as $segs
  | {
      runs: $n,
      wall_ms: ($runs | sum(.stats.wall_ms) / $n),
      prompt_prefill_ms: ($segs | sum(.[0].prefill_ms) / $n),
      large_tokens: ($segs | sum(sum(select(.writer == "large") | .tokens)) / $n),
      large_decode_ms: ($segs | sum(sum(select(.writer == "large") | .decode_ms)) / $n),
      small_tokens: ($segs | sum(sum(select(.writer == "small") | .tokens)) / $n),
      small_decode_ms: ($segs | sum(sum(select(.writer == "small") | .decode_ms)) / $n),
      large_handoff_prefill_ms: ($segs | sum(.[1:] | sum(select(.writer == "large") | .prefill_ms)) / $n),
      small_handoff_prefill_ms: ($segs | sum(.[1:] | sum(select(.writer == "small") | .prefill_ms)) / $n),
      ahead_prefill_ms: ($runs | sum(.stats.ahead_prefill_ms) / $n)
    }
  | .waiting_ms = .wall_ms - .prompt_prefill_ms - .large_decode_ms - .small_decode_ms
                  - .large_handoff_prefill_ms - .small_handoff_prefill_ms
  | .large_ms_per_token = (if .large_tokens > 0 then .large_decode_ms / .large_tokens else null end)
  | .small_ms_per_token = (if .small_tokens > 0 then .small_decode_ms / .small_tokens else null end)'

ERR=$(mktemp)
trap 'rm -f "$ERR"' EXIT

run() {  # label, then relaygen relay flags
  local label=$1; shift
  for seed in $(seq 1 "$SEEDS"); do
    # shellcheck disable=SC2086
    # Its stderr is only the human summary; a failure still stops the script, with its message.
    "$BIN" relay -p "$PROBLEM" --seed "$seed" -t 1 --json ${RELAY_FLAGS:-} "$@" 2>"$ERR" ||
      { cat "$ERR" >&2; echo "relay_breakdown: relaygen relay failed ($label, seed $seed)" >&2; exit 1; }
  done | jq -s "$summary" | jq -c --arg name "$label" '{case: $name} + .'
}
run relay
run relay-no-prefill-ahead --no-prefill-ahead
run large --policy large
run small --policy small
