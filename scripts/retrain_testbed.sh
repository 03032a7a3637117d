#!/usr/bin/env bash
# Retrains relaygen's testbed pair (v2, issue 10) from scratch; not part of CI: generates the task
# data, trains the small and then the large model, checks llama.cpp's logits against libtorch's, and
# evaluates both greedily on the test split (and the large one with a slip injected). Needs a build with the libtorch trainer
# (libtorch-dev + libopenblas0-openmp installed; RELAYGEN_TESTBED_TRAINER=AUTO finds it).
#
#   scripts/retrain_testbed.sh                 # results in $OUT (default build/testbed-retrain)
#   INSTALL=1 scripts/retrain_testbed.sh       # also copy the models and splits into models/
#
# Environment: RELAYGEN (the relaygen binary, default build/bin/relaygen), OUT, THREADS (2). The
# recipe is the one of models/README.md: the small model (64 dim, 4 layers) SMALL_STEPS, then the
# large model (128 dim, 8 layers), one after the other so each gets both cores. The large
# model may be trained in stages, each continuing from the previous one's F32 weights with a fresh
# warmup + cosine schedule (LARGE_STAGES: "steps:lr:warmup:seed ...", default one stage).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
RELAYGEN=${RELAYGEN:-$ROOT/build/bin/relaygen}
OUT=${OUT:-$ROOT/build/testbed-retrain}
LARGE_STAGES=${LARGE_STAGES:-"1800:3e-3:60:1"}
SMALL_STEPS=${SMALL_STEPS:-1200}
THREADS=${THREADS:-2}
# libgomp's busy-waiting makes training ~10x slower on a machine shared with other jobs (relaygen
# sets PASSIVE unless told otherwise); on an idle machine ACTIVE is ~20% faster.
export OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-PASSIVE}

if [[ ! -x "$RELAYGEN" ]]; then
  echo "retrain_testbed: $RELAYGEN not found; build first (cmake --build build --target relaygen_cli)" >&2
  exit 1
fi
mkdir -p "$OUT"
start=$(date +%s)

echo "[retrain] data -> $OUT/data"
"$RELAYGEN" testbed data --out "$OUT/data" --seed 2 --n-train 60000 --n-calibration 40 --n-test 300

echo "[retrain] training small, then large (logs: $OUT/*.train.err)"
"$RELAYGEN" testbed train --data "$OUT/data" --size small --steps "$SMALL_STEPS" --warmup 100 --lr 3e-3 --batch 16 \
  --seed 1 --threads "$THREADS" --type f16 --out "$OUT/testbed-small.gguf" \
  --f32-out "$OUT/testbed-small-f32.gguf" --check-logits --log "$OUT/small.log.jsonl" \
  > "$OUT/small.train.json" 2> "$OUT/small.train.err"
echo "[retrain] small done at $(( $(date +%s) - start )) s"
init=()
stage=0
for spec in $LARGE_STAGES; do
  IFS=: read -r steps lr warmup seed <<< "$spec"
  stage=$((stage + 1))
  "$RELAYGEN" testbed train --data "$OUT/data" --size large --steps "$steps" --warmup "$warmup" --lr "$lr" \
    --batch 16 --seed "$seed" --threads "$THREADS" --type f16 "${init[@]}" \
    --out "$OUT/testbed-large.gguf" --f32-out "$OUT/testbed-large-f32.gguf" --check-logits \
    --log "$OUT/large.stage$stage.log.jsonl" > "$OUT/large.stage$stage.train.json" 2> "$OUT/large.stage$stage.train.err"
  cp "$OUT/testbed-large-f32.gguf" "$OUT/testbed-large-stage$stage-f32.gguf"
  init=(--init "$OUT/testbed-large-stage$stage-f32.gguf")
  echo "[retrain] large stage $stage done at $(( $(date +%s) - start )) s"
done
cat "$OUT/small.train.json" "$OUT"/large.stage*.train.json

for size in large small; do
  echo "[retrain] eval $size (greedy, test split)"
  "$RELAYGEN" testbed eval --model "$OUT/testbed-$size.gguf" --data "$OUT/data" --split test --temp 0 -t 1 \
    --traces "$OUT/$size.test.traces.jsonl" --json | tee "$OUT/$size.test.json"
done
for kind in compute restate; do
  echo "[retrain] eval large with one $kind slip injected (greedy, test split)"
  "$RELAYGEN" testbed eval --model "$OUT/testbed-large.gguf" --data "$OUT/data" --split test --temp 0 -t 1 \
    --inject-slip "$kind" --json | tee "$OUT/large.slip-$kind.json"
done
echo "[retrain] done in $(( $(date +%s) - start )) s; compare with models/README.md"

if [[ "${INSTALL:-0}" == "1" ]]; then
  cp "$OUT/testbed-large.gguf" "$OUT/testbed-small.gguf" "$ROOT/models/"
  cp "$OUT/data/test.jsonl" "$ROOT/models/testbed-test.jsonl"
  cp "$OUT/data/calibration.jsonl" "$ROOT/models/testbed-calibration.jsonl"
  cp "$OUT/data/data.json" "$ROOT/models/testbed-data.json"
  echo "[retrain] installed into models/"
fi
