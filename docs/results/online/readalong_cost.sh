#!/bin/bash
# Interleaved: each of the first N test problems through `relay --json` (greedy, 1 thread) without
# and with --online-stats (explore 0): sums of wall_ms, ahead_prefill_tokens, ahead_prefill_ms.
N=${N:-30}
BIN=/work/wt15/build/bin/relaygen
STATS=/tmp/wt15_meas/readalong.jsonl
rm -f $STATS
head -n $N /work/wt15/models/testbed-test.jsonl | python3 -c 'import sys,json; [print(json.loads(l)["prompt"].replace("\n","\\n")) for l in sys.stdin]' > /tmp/wt15_meas/prompts.txt
while IFS= read -r p; do
  p=$(printf '%b' "$p")
  $BIN relay -p "$p" --temp 0 -t 1 --json 2>/dev/null | python3 -c 'import sys,json; s=json.load(sys.stdin)["stats"]; print("plain", s["wall_ms"], s["ahead_prefill_tokens"], s["ahead_prefill_ms"], s["large_tokens"])'
  $BIN relay -p "$p" --temp 0 -t 1 --json --online-stats $STATS --online-explore 0 2>/dev/null | python3 -c 'import sys,json; s=json.load(sys.stdin)["stats"]; print("online", s["wall_ms"], s["ahead_prefill_tokens"], s["ahead_prefill_ms"], s["large_tokens"], s["online"]["measured_tokens"])'
done < /tmp/wt15_meas/prompts.txt
