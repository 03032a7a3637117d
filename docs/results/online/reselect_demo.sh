#!/bin/bash
# The paper's mean-rule profile (docs/calibration-testbed/rule-mean) deployed: relay on the first
# 100 bundled test problems (greedy, 1 thread) with online statistics and exploration 0.2; then the
# cues re-selected from those statistics (mean and min rules), diffed against the deployed and
# shipped profiles, and the re-selected mean-rule profile run on the same problems.
set -e
BIN=/work/wt15/build/bin/relaygen
W=/work/wt15
D=/tmp/wt15_meas/reselect
rm -rf $D && mkdir -p $D
$BIN eval --dataset testbed --policy relay --profile $W/docs/calibration-testbed/rule-mean/cues.json --limit 100 \
  --temp 0 -t 1 --out $D/deployed-mean.jsonl --online-stats $D/online.jsonl --online-explore 0.2 2> $D/deployed-mean.err
$BIN calibrate --from-online $D/online.jsonl --rule mean -o $D/reselected-mean.json --report-dir $D/report-mean \
  --diff $W/docs/calibration-testbed/rule-mean/cues.json > $D/diff-mean.txt 2> $D/calibrate-mean.err
$BIN calibrate --from-online $D/online.jsonl --rule min -o $D/reselected-min.json --report-dir $D/report-min \
  --diff $W/models/testbed-cues.json > $D/diff-min.txt 2> $D/calibrate-min.err
$BIN eval --dataset testbed --policy relay --profile $D/reselected-mean.json --limit 100 --temp 0 -t 1 \
  --out $D/reselected-mean.jsonl 2> $D/reselected-mean.err
