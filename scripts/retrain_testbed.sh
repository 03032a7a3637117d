#!/usr/bin/env bash
# Retrains relaygen's testbed pair from scratch (issue 3; not part of CI): generates the task data,
# trains the small and the large model (concurrently), checks llama.cpp's logits against libtorch's,
# and evaluates both greedily on the test split. Needs a build with the libtorch trainer
# (libtorch-dev + libopenblas0-openmp installed; RELAYGEN_TESTBED_TRAINER=AUTO finds it).
#
#   scripts/retrain_testbed.sh                 # results in $OUT (default build/testbed-retrain)
#   INSTALL=1 scripts/retrain_testbed.sh       # also copy the models and splits into models/
#
# Environment: RELAYGEN (the relaygen binary, default build/bin/relaygen), OUT, THREADS_LARGE (2),
# THREADS_SMALL (1), STEPS (1200). The seeds and hyper-parameters are those of models/README.md.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
RELAYGEN=${RELAYGEN:-$ROOT/build/bin/relaygen}
OUT=${OUT:-$ROOT/build/testbed-retrain}
STEPS=${STEPS:-1200}
THREADS_LARGE=${THREADS_LARGE:-2}
THREADS_SMALL=${THREADS_SMALL:-1}
# libgomp's busy-waiting makes training ~10x slower on a shared machine (relaygen also sets this).
export OMP_WAIT_POLICY=PASSIVE

if [[ ! -x "$RELAYGEN" ]]; then
  echo "retrain_testbed: $RELAYGEN not found; build first (cmake --build build --target relaygen_cli)" >&2
  exit 1
fi
mkdir -p "$OUT"
start=$(date +%s)

echo "[retrain] data -> $OUT/data"
"$RELAYGEN" testbed data --out "$OUT/data" --seed 1 --n-train 60000 --n-calibration 40 --n-test 300

train() {  # size threads
  "$RELAYGEN" testbed train --data "$OUT/data" --size "$1" --steps "$STEPS" --warmup 100 --lr 3e-3 --batch 16 \
    --seed 1 --threads "$2" --type f16 --out "$OUT/testbed-$1.gguf" --f32-out "$OUT/testbed-$1-f32.gguf" \
    --check-logits --log "$OUT/$1.log.jsonl" > "$OUT/$1.train.json" 2> "$OUT/$1.train.err"
}
echo "[retrain] training small and large (logs: $OUT/*.train.err)"
train small "$THREADS_SMALL" &
small_pid=$!
train large "$THREADS_LARGE"
wait "$small_pid"
cat "$OUT/small.train.json" "$OUT/large.train.json"

for size in large small; do
  echo "[retrain] eval $size (greedy, test split)"
  "$RELAYGEN" testbed eval --model "$OUT/testbed-$size.gguf" --data "$OUT/data" --split test --temp 0 -t 1 \
    --traces "$OUT/$size.test.traces.jsonl" --json | tee "$OUT/$size.test.json"
done
echo "[retrain] done in $(( $(date +%s) - start )) s; compare with models/README.md"

if [[ "${INSTALL:-0}" == "1" ]]; then
  cp "$OUT/testbed-large.gguf" "$OUT/testbed-small.gguf" "$ROOT/models/"
  cp "$OUT/data/test.jsonl" "$ROOT/models/testbed-test.jsonl"
  cp "$OUT/data/calibration.jsonl" "$ROOT/models/testbed-calibration.jsonl"
  echo "[retrain] installed into models/"
fi
