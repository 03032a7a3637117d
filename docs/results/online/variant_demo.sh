#!/bin/bash
# Calibrate on a task variant (3-digit numbers, relaygen testbed data --seed 11 --start-digits 3
# --amount-digits 3: its 10 calibration problems x 4 samples), deploy on the bundled test split
# (first 100 problems, greedy, 1 thread) with online statistics (explore 0.2), re-select from them.
set -e
BIN=/work/wt15/build/bin/relaygen
W=/work/wt15
D=/tmp/wt15_meas/variant
rm -rf $D && mkdir -p $D
for rule in mean min; do
  $BIN calibrate --problems /tmp/wt15_meas/hard/calibration.jsonl --samples 4 --seed 42 -t 1 --rule $rule \
    -o $D/variant-$rule.json --traces $D/traces.jsonl 2> $D/calibrate-$rule.err
  $BIN eval --dataset testbed --policy relay --profile $D/variant-$rule.json --limit 100 --temp 0 -t 1 \
    --out $D/deployed-$rule.jsonl --online-stats $D/online-$rule.jsonl --online-explore 0.2 2> $D/deployed-$rule.err
  $BIN calibrate --from-online $D/online-$rule.jsonl --rule $rule -o $D/reselected-$rule.json \
    --report-dir $D/report-$rule --diff $D/variant-$rule.json > $D/diff-$rule.txt 2> $D/reselect-$rule.err
  $BIN eval --dataset testbed --policy relay --profile $D/reselected-$rule.json --limit 100 --temp 0 -t 1 \
    --out $D/reselected-$rule.jsonl 2> $D/reselected-$rule.err
done
