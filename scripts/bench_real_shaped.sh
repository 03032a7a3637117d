#!/usr/bin/env bash
# Per-token cost with a real vocabulary (docs/real-models.md, docs/benchmarks.md): relaygen on
# real-shaped models (Qwen2's 151,936-entry vocabulary, qwen3 architecture, random weights) against
# llama.cpp's own tools on the same file, interleaved in one run so machine noise hits both sides.
#
#   ./scripts/bench_real_shaped.sh [THREADS] [ROUNDS]
#
#  1. decode, 512 wide x 8 layers (TYPE=f16 by default; TYPE=q8_0 where llama.cpp's AMX kernels
#     work: on the development machine they fault for Q8_0 and llama-bench has no --no-repack,
#     docs/real-models.md): `relaygen generate` (greedy, 128 evaluated tokens, decode time only)
#     vs `llama-bench -p 0 -n 128 -d <same prompt depth>`, at a short prompt and at a DEPTH-token
#     one (default 16384: a long trace's per-token cost, where anything relaygen did per token in
#     proportion to the text so far would show); also sampled decoding (temp 0.6, top-p 0.95,
#     top-k 20) at the short depth.                                          target >= 0.98
#  2. scoring, on a model of Qwen3-1.7B's shape (2048 wide x 28 layers, 16/8 heads, FFN 6144, F16;
#     SCORE_SHAPE=512x8 uses the decode model instead): `relaygen calibrate --traces`
#     (teacher-forced margins over a 1,024-token trace, a logits row per token) vs `llama-bench -p
#     1024 -n 0` (prompt processing, one logits row per batch), and vs llama.cpp's own all-logits
#     decode of the same text (build/tests/llama_score_reference: batches of 512, every row kept
#     and read once). The script prints the bound no scorer can pass against -pp: the share of a
#     token's multiply-adds outside the output projection.                   target >= 0.90
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
DEPTH=${DEPTH:-16384}
SCORE_SHAPE=${SCORE_SHAPE:-1.7b}
VOCAB=$PREFIX/share/llama.cpp/ggml-vocab-qwen2.gguf
TEMPLATE=testdata/templates/Qwen-Qwen3-0.6B.jinja
MODEL=$DIR/qwen3-512x8-$TYPE.gguf
if [ ! -f "$MODEL" ]; then
  "$MAKE" --out "$MODEL" --arch qwen3 --vocab-from "$VOCAB" --tokens qwen3 --chat-template "$TEMPLATE" \
    --n-embd 512 --n-layer 8 --n-head 8 --n-head-kv 4 --n-ff 1536 --n-ctx 40960 --type "$TYPE" --seed 5
fi
# Qwen3-1.7B: hidden 2048, 28 layers, 16 query heads and 8 KV heads of 128, FFN 6144.
SCORE_MODEL=$MODEL
SCORE_DIMS="512 8 8 4 1536"
if [ "$SCORE_SHAPE" = 1.7b ]; then
  SCORE_MODEL=$DIR/qwen3-2048x28-f16.gguf
  SCORE_DIMS="2048 28 16 8 6144"
  if [ ! -f "$SCORE_MODEL" ]; then
    "$MAKE" --out "$SCORE_MODEL" --arch qwen3 --vocab-from "$VOCAB" --tokens qwen3 --chat-template "$TEMPLATE" \
      --n-embd 2048 --n-layer 28 --n-head 16 --n-head-kv 8 --n-ff 6144 --n-ctx 4096 --type f16 --seed 6
  fi
fi

python3 - "$MODEL" "$THREADS" "$ROUNDS" "$PREFIX/bin/llama-bench" "$BIN" "$DIR" "$REF" "$DEPTH" "$SCORE_MODEL" $SCORE_DIMS <<'PY'
import json, re, statistics, subprocess, sys
model, threads, rounds, llama_bench, relaygen, out_dir, ref_tool = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4], sys.argv[5], sys.argv[6], sys.argv[7]
depth, score_model = int(sys.argv[8]), sys.argv[9]
d, n_layer, n_head, n_head_kv, n_ff = (int(x) for x in sys.argv[10:15])
N = 128
prompt = "Natalia sold clips to 48 of her friends in April, and then she sold half as many clips in May. How many clips did Natalia sell altogether in April and May?"

def bench(m, args):
    out = subprocess.run([llama_bench, "-m", m, "-t", threads, "-r", "1", "-o", "json"] + args,
                         check=True, capture_output=True, text=True).stdout
    return json.loads(out)[0]["avg_ts"]

def generate(extra):
    out = subprocess.run([relaygen, "generate", "-m", model, "-n", str(N + 1), "-t", threads, "--json"] + extra,
                         check=True, capture_output=True, text=True).stdout
    j = json.loads(out)
    # Only evaluated tokens: the last sampled token is never evaluated.
    return (j["n_generated"] - 1) / (j["decode_ms"] / 1000.0), j

# Varied English reasoning text: the scored trace, and the long prompt of the depth row.
words = ("So the total is 48 plus 24 which gives 72 . Therefore , she sold 72 clips . Wait , let me check : "
         "half of 48 is 24 , and 48 + 24 = 72 . Now , the answer is 72 . Hmm , another way : 3 * 24 = 72 . ").split()
def text_of(n_words):
    return " ".join(words[i % len(words)] for i in range(n_words))
text = text_of(700)
traces = f"{out_dir}/trace.jsonl"
problems = f"{out_dir}/problems.jsonl"
with open(traces, "w") as f:
    f.write(json.dumps({"id": "0", "problem": prompt, "text": "<think>\n" + text + "\n</think>\n\n72", "tokens": 0}) + "\n")
with open(f"{out_dir}/trace.txt", "w") as f:
    f.write(text)
with open(problems, "w") as f:
    f.write(json.dumps({"id": "0", "problem": prompt}) + "\n")
long_prompt = f"{out_dir}/long-prompt.txt"
with open(long_prompt, "w") as f:  # about 1.4 tokens a word in this text
    f.write(text_of(int(depth / 1.4)) + "\n\n" + prompt)

def score():
    r = subprocess.run([relaygen, "calibrate", "--problems", problems, "--traces", traces, "-o", f"{out_dir}/cues.json",
                        "--small", score_model, "--large", score_model, "-t", threads], check=True, capture_output=True, text=True)
    m = re.search(r"scored (\d+) tokens in ([\d.]+) ms \(([\d.]+) tokens/s\)", r.stderr)
    return int(m.group(1)), float(m.group(3))

def reference():
    out = subprocess.run([ref_tool, score_model, f"{out_dir}/trace.txt", threads], check=True, capture_output=True, text=True).stdout
    return float(out.split()[2])

# Multiply-adds per token (weights only: attention over a 1k context is small next to them).
head_dim = d // n_head
body = n_layer * (2 * d * d + 2 * d * n_head_kv * head_dim + 3 * d * n_ff)
vocab_rows = 151936
bound = body / (body + d * vocab_rows)

rows = {"greedy": [], "sampled": [], f"greedy at depth {depth}": [], "score vs -pp": [], "score vs all-logits decode": []}
for r in range(rounds):
    greedy, j = generate(["-p", prompt, "--temp", "0"])
    tg = bench(model, ["-p", "0", "-n", str(N), "-d", str(j["n_prompt"])])
    sampled, _ = generate(["-p", prompt, "--temp", "0.6", "--top-p", "0.95", "--top-k", "20", "--seed", str(r + 1)])
    deep, jd = generate(["-f", long_prompt, "--temp", "0", "-c", str(depth + 4096)])
    tg_deep = bench(model, ["-p", "0", "-n", str(N), "-d", str(jd["n_prompt"])])
    n_scored, scored = score()
    pp = bench(score_model, ["-p", str(n_scored), "-n", "0", "-b", "512", "-ub", "512"])
    ref = reference()
    rows["greedy"].append(greedy / tg)
    rows["sampled"].append(sampled / tg)
    rows[f"greedy at depth {depth}"].append(deep / tg_deep)
    rows["score vs -pp"].append(scored / pp)
    rows["score vs all-logits decode"].append(scored / ref)
    print(f"round {r+1}: tg{N}@d{j['n_prompt']} {tg:7.1f} tok/s | greedy {greedy:7.1f} ({greedy/tg:.3f}) "
          f"sampled {sampled:7.1f} ({sampled/tg:.3f}) | tg{N}@d{jd['n_prompt']} {tg_deep:7.1f} | greedy {deep:7.1f} "
          f"({deep/tg_deep:.3f}) | pp{n_scored} {pp:7.1f} | scoring {scored:7.1f} ({scored/pp:.3f}) | "
          f"all-logits decode {ref:7.1f} ({scored/ref:.3f})", flush=True)
for k, v in rows.items():
    print(f"median of paired ratios, {k}: {statistics.median(v):.3f}")
print(f"bound on score vs -pp for this shape ({d} wide x {n_layer} layers): {bound:.3f} "
      f"(multiply-adds outside the {vocab_rows}-row output projection; -pp runs it once a batch, scoring every token)")
PY
