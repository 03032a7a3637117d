#!/bin/bash
# Accuracy and speed cost of exploration: relay on the first 100 bundled test problems, greedy,
# 1 thread: without online statistics, and with --online-explore 0, 0.05 and 0.2.
set -e
BIN=/work/wt15/build/bin/relaygen
D=/tmp/wt15_meas/explore
rm -rf $D && mkdir -p $D
$BIN eval --dataset testbed --policy relay --limit 100 --temp 0 -t 1 --out $D/plain.jsonl 2> $D/plain.err
for e in 0 0.05 0.2; do
  $BIN eval --dataset testbed --policy relay --limit 100 --temp 0 -t 1 --out $D/explore-$e.jsonl \
    --online-stats $D/stats-$e.jsonl --online-explore $e 2> $D/explore-$e.err
done
