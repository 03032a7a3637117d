#!/usr/bin/env bash
# Per-token cost with a real vocabulary (docs/real-models.md, docs/benchmarks.md): relaygen on a
# real-shaped model (Qwen2's 151,936-entry vocabulary, qwen3 architecture, 512 wide x 8 layers,
# random weights; TYPE=f16 by default, TYPE=q8_0 where llama.cpp's AMX kernels work: on the
# development machine they fault for Q8_0 and llama-bench has no --no-repack, docs/real-models.md) against llama.cpp's own tools on the same model, interleaved in one run so
# machine noise hits both sides alike.
#
#   ./scripts/bench_real_shaped.sh [THREADS] [ROUNDS]
#
#  1. decode: `relaygen generate` (greedy, 128 evaluated tokens, decode time only) vs
#     `llama-bench -p 0 -n 128 -d <same prompt depth>`; also sampled decoding (temp 0.6, top-p 0.95,
#     top-k 20) vs the same llama-bench number.                              target >= 0.98
#  2. scoring: `relaygen calibrate --traces` (teacher-forced margins over a 1,024-token trace, one
#     logits row per token) vs `llama-bench -p 1024 -n 0` (prompt processing, which keeps one
#     logits row per batch), and vs llama.cpp's own all-logits decode of the same text
#     (build/tests/llama_score_reference: batches of 512, every row kept and read once). target >= 0.90
set -euo pipefail
cd "$(dirname "$0")/.."
THREADS=${1:-1}
ROUNDS=${2:-3}
PREFIX=$(cat "${RELAYGEN_CACHE:-$HOME/.cache/relaygen}/llama-prefix")
BIN=build/bin/relaygen
MAKE=build/tests/make_test_model
REF=build/tests/llama_score_reference
[ -x "$BIN" ] && [ -x "$MAKE" ] && [ -x "$REF" ] || { echo "build relaygen_cli make_test_model llama_score_reference first" >&2; exit 1; }
DIR=build/bench-real-shaped
mkdir -p "$DIR"
TYPE=${TYPE:-f16}
MODEL=$DIR/qwen3-512x8-$TYPE.gguf
if [ ! -f "$MODEL" ]; then
  "$MAKE" --out "$MODEL" --arch qwen3 --vocab-from "$PREFIX/share/llama.cpp/ggml-vocab-qwen2.gguf" --tokens qwen3 \
    --chat-template testdata/templates/Qwen-Qwen3-0.6B.jinja --n-embd 512 --n-layer 8 --n-head 8 --n-head-kv 4 \
    --n-ff 1536 --n-ctx 4096 --type "$TYPE" --seed 5
fi

python3 - "$MODEL" "$THREADS" "$ROUNDS" "$PREFIX/bin/llama-bench" "$BIN" "$DIR" "$REF" <<'PY'
import json, re, statistics, subprocess, sys
model, threads, rounds, llama_bench, relaygen, out_dir, ref_tool = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4], sys.argv[5], sys.argv[6], sys.argv[7]
N = 128
prompt = "Natalia sold clips to 48 of her friends in April, and then she sold half as many clips in May. How many clips did Natalia sell altogether in April and May?"

def bench(args):
    out = subprocess.run([llama_bench, "-m", model, "-t", threads, "-r", "1", "-o", "json"] + args,
                         check=True, capture_output=True, text=True).stdout
    return json.loads(out)[0]["avg_ts"]

def generate(extra):
    out = subprocess.run([relaygen, "generate", "-m", model, "-p", prompt, "-n", str(N + 1), "-t", threads, "--json"] + extra,
                         check=True, capture_output=True, text=True).stdout
    j = json.loads(out)
    # Only evaluated tokens: the last sampled token is never evaluated.
    return (j["n_generated"] - 1) / (j["decode_ms"] / 1000.0), j

# A 1,024-token-ish trace for scoring: varied English reasoning text.
words = ("So the total is 48 plus 24 which gives 72 . Therefore , she sold 72 clips . Wait , let me check : "
         "half of 48 is 24 , and 48 + 24 = 72 . Now , the answer is 72 . Hmm , another way : 3 * 24 = 72 . ").split()
text = " ".join(words[i % len(words)] for i in range(700))
traces = f"{out_dir}/trace.jsonl"
problems = f"{out_dir}/problems.jsonl"
with open(traces, "w") as f:
    f.write(json.dumps({"id": "0", "problem": prompt, "text": "<think>\n" + text + "\n</think>\n\n72", "tokens": 0}) + "\n")
with open(f"{out_dir}/trace.txt", "w") as f:
    f.write(text)
with open(problems, "w") as f:
    f.write(json.dumps({"id": "0", "problem": prompt}) + "\n")

def score():
    r = subprocess.run([relaygen, "calibrate", "--problems", problems, "--traces", traces, "-o", f"{out_dir}/cues.json",
                        "--small", model, "--large", model, "-t", threads], check=True, capture_output=True, text=True)
    m = re.search(r"scored (\d+) tokens in ([\d.]+) ms \(([\d.]+) tokens/s\)", r.stderr)
    return int(m.group(1)), float(m.group(3))

def reference():
    out = subprocess.run([ref_tool, model, f"{out_dir}/trace.txt", threads], check=True, capture_output=True, text=True).stdout
    return float(out.split()[2])

rows = {"greedy": [], "sampled": [], "score vs -pp": [], "score vs all-logits decode": []}
for r in range(rounds):
    greedy, j = generate(["--temp", "0"])
    tg = bench(["-p", "0", "-n", str(N), "-d", str(j["n_prompt"])])
    sampled, _ = generate(["--temp", "0.6", "--top-p", "0.95", "--top-k", "20", "--seed", str(r + 1)])
    n_scored, scored = score()
    pp = bench(["-p", str(n_scored), "-n", "0", "-b", "512", "-ub", "512"])
    rows["greedy"].append(greedy / tg)
    rows["sampled"].append(sampled / tg)
    ref = reference()
    rows["score vs -pp"].append(scored / pp)
    rows["score vs all-logits decode"].append(scored / ref)
    print(f"round {r+1}: llama-bench tg{N}@d{j['n_prompt']} {tg:7.1f} tok/s | generate greedy {greedy:7.1f} "
          f"({greedy/tg:.3f}) sampled {sampled:7.1f} ({sampled/tg:.3f}) | llama-bench pp{n_scored} {pp:7.1f} tok/s | "
          f"calibrate scoring {scored:7.1f} tok/s ({scored/pp:.3f}) | all-logits decode {ref:7.1f} tok/s ({scored/ref:.3f})", flush=True)
for k, v in rows.items():
    print(f"median of paired ratios, {k}: {statistics.median(v):.3f}")
PY
