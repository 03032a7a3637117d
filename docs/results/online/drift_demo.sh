#!/bin/bash
# Drift demo: profiles calibrated on the bundled task (2-digit numbers) run on a harder variant
# (3-digit numbers: relaygen testbed data --seed 11 --start-digits 3 --amount-digits 3), 40
# problems, greedy, 1 thread, --online-explore 0.2; and the same-domain control (bundled test split).
set -e
BIN=/work/wt15/build/bin/relaygen
W=/work/wt15
D=${OUTDIR:-/tmp/wt15_meas/drift}
rm -rf $D && mkdir -p $D
for rule in mean min; do
  P=$W/docs/calibration-testbed/rule-mean/cues.json
  [ $rule = min ] && P=$W/models/testbed-cues.json
  $BIN eval --dataset ${VARIANT:-/tmp/wt15_meas/hard}/test.jsonl --policy relay --profile $P --limit 40 --temp 0 -t 1 \
    --out $D/hard-$rule.jsonl --online-stats $D/hard-$rule.stats.jsonl --online-explore 0.2 2> $D/hard-$rule.err
  $BIN eval --dataset testbed --policy relay --profile $P --limit 40 --temp 0 -t 1 \
    --out $D/same-$rule.jsonl --online-stats $D/same-$rule.stats.jsonl --online-explore 0.2 2> $D/same-$rule.err
done
