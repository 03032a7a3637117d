// make_test_model: writes a small GGUF with deterministic random weights, so tests never download
// a model.
//
//   make_test_model --out X.gguf [--seed N] [--n-embd 64] [--n-layer 2] [--n-head 4]
//                   [--n-head-kv H] [--n-ff 128] [--type f32|f16|q8_0|q4_k] [--n-ctx 512]
//                   [--arch llama|qwen2|qwen3]
//                   [--vocab-from VOCAB.gguf [--tokens qwen3|r1-distill|none] [--n-vocab N]]
//                   [--chat-template FILE.jinja] [--force-token TEXT]
//
// By default the vocabulary is 256 byte tokens, the merges below and Qwen3's five special tokens.
// Some merges exist for the engine's stop-string tests: tokens that hold a sentence end plus more
// characters (".\n", ".\n\n", ",\n"), and "Nowhere", a word that starts with the cue "Now".
//
// Real-shaped models (docs/real-models.md): --vocab-from copies a real tokenizer from one of
// llama.cpp's vocab-only GGUFs and --tokens adds a family's added tokens as its GGUFs carry them
// (testbed/real_vocab.h); --chat-template stores a real Jinja template; --arch picks the tensor
// layout; --type q4_k writes F16 and quantizes it with llama.cpp's own llama_model_quantize
// (Q4_K_M's mix, as a real Q4_K_M file). --force-token makes TEXT the model's argmax after any
// context, so tests can make a model write e.g. </think>.
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <unistd.h>
#include <fstream>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "testbed/bpe.h"
#include "testbed/chat_template.h"
#include "testbed/gguf_writer.h"
#include "testbed/real_vocab.h"
#include "testbed/rng.h"
#include "util/error.h"

#include "llama.h"

namespace relaygen {
namespace {

const std::vector<std::pair<std::string, std::string>> kMerges = {
    {"h", "e"},   {" ", "t"},     {" t", "he"},  {"i", "n"},    {" ", "a"},    {"e", "r"},     {"o", "n"},
    {" ", "S"},   {"S", "o"},     {" S", "o"},   {"N", "o"},    {"o", "w"},    {"N", "ow"},    {" ", "s"},
    {"r", "e"},   {"a", "t"},     {"e", "n"},    {"i", "s"},    {" ", "i"},    {" i", "s"},    {" ", "w"},
    {"o", "r"},   {"a", "n"},     {" a", "n"},   {" an", "d"},  {"T", "h"},    {"Th", "e"},    {"Th", "en"},
    {"i", "t"},   {"W", "a"},     {"Wa", "it"},  {"h", "er"},   {"her", "e"},  {"Now", "here"}, {" ", "o"},
    {" o", "f"},  {"l", "l"},     {"e", "s"},    {".", "\n"},   {".\n", "\n"}, {",", "\n"},    {"\n", "\n"},
    {"?", "\n"},  {"!", "\n"},    {" ", "N"},    {" N", "ow"},
};

int ParseInt(const std::string& flag, const std::string& value) {
  char* end = nullptr;
  const long v = std::strtol(value.c_str(), &end, 10);
  if (value.empty() || *end != '\0' || v <= 0 || v > (1 << 24)) {
    throw Error(flag + " expects a positive integer, got '" + value + "'");
  }
  return static_cast<int>(v);
}

std::string ReadText(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error("cannot read " + path);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Makes `token` the argmax of every next-token distribution: one embedding dimension carries a
// large constant through the residual stream (every token's embedding has it, the layers add
// unit-scale noise), so the final normed state always points along it, and only `token`'s output
// row reads it with a large weight.
void ForceToken(int32_t token, GgufModel* model) {
  const int n_embd = model->config.n_embd;
  for (NamedTensor& t : model->tensors) {
    if (t.name == "token_embd.weight") {
      for (size_t row = 0; row < t.data.size() / n_embd; ++row) t.data[row * n_embd] = 30.0f;
    } else if (t.name == "output.weight") {
      t.data[static_cast<size_t>(token) * n_embd] = 10.0f;
    }
  }
}

// Quantizes `in` into `out` the way llama-quantize does (Q4_K_M's per-tensor mix; rows whose
// width is not a multiple of 256 fall back to llama.cpp's own choice).
void QuantizeQ4K(const std::string& in, const std::string& out) {
  llama_model_quantize_params params = llama_model_quantize_default_params();
  params.nthread = 1;
  params.ftype = LLAMA_FTYPE_MOSTLY_Q4_K_M;
  // Per-process names: several test processes may build the same model at once.
  const std::string tmp = out + ".q.tmp." + std::to_string(getpid());
  if (llama_model_quantize(in.c_str(), tmp.c_str(), &params) != 0) {
    std::remove(tmp.c_str());
    throw Error("llama_model_quantize failed for " + in);
  }
  if (std::rename(tmp.c_str(), out.c_str()) != 0) throw Error("cannot rename " + tmp + " to " + out);
}

void SilenceLlama() {
  llama_log_set([](ggml_log_level level, const char* text, void*) {
    if (level == GGML_LOG_LEVEL_ERROR) std::fputs(text, stderr);
  }, nullptr);
}

int Run(int argc, char** argv) {
  std::string out;
  uint64_t seed = 1;
  LlamaConfig c;
  c.n_embd = 64;
  c.n_layer = 2;
  c.n_head = 4;
  c.n_head_kv = 0;  // default: n_head
  c.n_ff = 128;
  c.n_ctx_train = 512;
  WeightType type = WeightType::kF32;
  bool q4_k = false;
  std::string vocab_from, tokens_family, template_file, force_token;
  int pad_vocab = 0;
  for (int i = 1; i < argc; ++i) {
    const std::string flag = argv[i];
    if (i + 1 >= argc) throw Error("missing value for " + flag);
    const std::string value = argv[++i];
    if (flag == "--out") out = value;
    else if (flag == "--seed") seed = static_cast<uint64_t>(ParseInt(flag, value));
    else if (flag == "--n-embd") c.n_embd = ParseInt(flag, value);
    else if (flag == "--n-layer") c.n_layer = ParseInt(flag, value);
    else if (flag == "--n-head") c.n_head = ParseInt(flag, value);
    else if (flag == "--n-head-kv") c.n_head_kv = ParseInt(flag, value);
    else if (flag == "--n-ff") c.n_ff = ParseInt(flag, value);
    else if (flag == "--n-ctx") c.n_ctx_train = ParseInt(flag, value);
    else if (flag == "--type" && value == "q4_k") q4_k = true;
    else if (flag == "--type") type = ParseWeightType(value);
    else if (flag == "--arch") c.arch = value;
    else if (flag == "--vocab-from") vocab_from = value;
    else if (flag == "--tokens") tokens_family = value;
    else if (flag == "--n-vocab") pad_vocab = ParseInt(flag, value);
    else if (flag == "--chat-template") template_file = value;
    else if (flag == "--force-token") force_token = value;
    else throw Error("unknown flag " + flag);
  }
  if (out.empty()) throw Error("--out is required");
  if (c.n_head_kv == 0) c.n_head_kv = c.n_head;

  GgufModel model;
  model.name = "relaygen-test-model-seed" + std::to_string(seed);
  if (!vocab_from.empty()) {
    model.vocab = RealVocab(vocab_from, tokens_family.empty() ? "qwen3" : tokens_family, pad_vocab);
  } else {
    if (!tokens_family.empty() || pad_vocab > 0) throw Error("--tokens and --n-vocab need --vocab-from");
    model.vocab = BuildByteLevelVocab(kMerges);
  }
  c.n_vocab = static_cast<int>(model.vocab.tokens.size());
  model.config = c;
  model.chat_template = template_file.empty() ? std::string(Qwen3ChatTemplate()) : ReadText(template_file);
  Rng rng(seed);
  for (NamedTensor t : LlamaTensorLayout(c)) {
    int64_t count = 1;
    for (int64_t d : t.shape) count *= d;
    t.data.resize(count);
    if (t.shape.size() == 1) {
      for (float& v : t.data) v = 1.0f + 0.1f * static_cast<float>(rng.Normal());
    } else {
      // Unit-variance embeddings; other weights keep activations at unit scale (1/sqrt(fan_in)),
      // the output a little sharper so greedy decoding does not settle on one token.
      const bool embd = t.name == "token_embd.weight";
      const double fan_in = static_cast<double>(t.shape[1]);
      const double scale = embd ? 1.0 : (t.name == "output.weight" ? 3.0 : 1.0) / std::sqrt(fan_in);
      for (float& v : t.data) v = static_cast<float>(scale * rng.Normal());
    }
    model.tensors.push_back(std::move(t));
  }
  if (!force_token.empty()) {
    const int32_t id = model.vocab.Find(force_token);
    if (id < 0) throw Error("--force-token: '" + force_token + "' is not a token of the vocabulary");
    ForceToken(id, &model);
  }
  if (!q4_k) {
    WriteLlamaGguf(out, model, type);
    return 0;
  }
  SilenceLlama();
  const std::string f16 = out + ".f16.tmp." + std::to_string(getpid());
  WriteLlamaGguf(f16, model, WeightType::kF16);
  QuantizeQ4K(f16, out);
  std::remove(f16.c_str());
  return 0;
}

}  // namespace
}  // namespace relaygen

int main(int argc, char** argv) {
  try {
    return relaygen::Run(argc, argv);
  } catch (const relaygen::Error& e) {
    std::fprintf(stderr, "make_test_model: error: %s\n", e.what());
    return 1;
  }
}
