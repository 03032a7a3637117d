#!/usr/bin/env bash
# Decode speed through relaygen vs llama.cpp's own llama-bench -tg, on the same model, same
# threads, interleaved in one run so machine noise hits both alike.
#
#   ./scripts/bench_decode.sh [MODEL.gguf] [THREADS] [ROUNDS]
#
# Default model: the bundled testbed large model. Prints per-round numbers and the ratio of
# medians (relaygen / llama-bench); the project's target is >= 0.98. Both run without flash
# attention (relaygen's default for models this small; on CPU it is slower for them).
set -euo pipefail
cd "$(dirname "$0")/.."
MODEL=${1:-models/testbed-large.gguf}
THREADS=${2:-2}
ROUNDS=${3:-5}
N=128
PREFIX=$(cat "${RELAYGEN_CACHE:-$HOME/.cache/relaygen}/llama-prefix")
BIN=build/bin/relaygen
[ -x "$BIN" ] || { echo "build relaygen first (./scripts/setup.sh)" >&2; exit 1; }

# Default prompt: the first problem of the testbed's test split (the testbed models answer it at
# length); set PROMPT for other models.
PROMPT=${PROMPT:-$(head -1 models/testbed-test.jsonl | python3 -c 'import json,sys; print(json.loads(sys.stdin.read())["prompt"])')}

python3 - "$MODEL" "$THREADS" "$ROUNDS" "$N" "$PREFIX/bin/llama-bench" "$BIN" "$PROMPT" <<'PY'
import json, statistics, subprocess, sys
model, threads, rounds, n, llama_bench, relaygen, prompt = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5], sys.argv[6], sys.argv[7]
ref, ours = [], []
for r in range(rounds):
    # A chat prompt the model answers at length; decode time only (prefill is timed apart); count
    # only evaluated tokens (the last sampled token is never evaluated) so the comparison is like for like.
    out = subprocess.run([relaygen, "generate", "-m", model, "-p", prompt, "-n", str(n + 1), "--temp", "0",
                          "-t", threads, "--flash-attn", "off", "--json"], check=True, capture_output=True,
                         text=True).stdout
    j = json.loads(out)
    ours.append((j["n_generated"] - 1) / (j["decode_ms"] / 1000.0))
    # llama-bench decodes at the same depth: attention cost grows with the context.
    out = subprocess.run([llama_bench, "-m", model, "-p", "0", "-n", str(n), "-d", str(j["n_prompt"]), "-t", threads,
                          "-fa", "0", "-r", "1", "-o", "json"], check=True, capture_output=True, text=True).stdout
    ref.append(json.loads(out)[0]["avg_ts"])
    print(f"round {r+1}: llama-bench tg{n}@d{j['n_prompt']} {ref[-1]:8.1f} tok/s | relaygen {ours[-1]:8.1f} tok/s "
          f"({j['n_generated']} tokens) | ratio {ours[-1]/ref[-1]:.3f}")
mr, mo = statistics.median(ref), statistics.median(ours)
paired = statistics.median(o / f for o, f in zip(ours, ref))
print(f"median: llama-bench {mr:.1f} tok/s, relaygen {mo:.1f} tok/s, ratio of medians {mo/mr:.3f}, "
      f"median of paired ratios {paired:.3f}")
PY
