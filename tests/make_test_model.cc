// make_test_model: writes a small llama-architecture GGUF with deterministic random weights and a
// tiny byte-level BPE vocabulary, so tests never download a model.
//
//   make_test_model --out X.gguf [--seed N] [--n-embd 64] [--n-layer 2] [--n-head 4]
//                   [--n-head-kv H] [--n-ff 128] [--type f32|f16|q8_0] [--n-ctx 512]
//
// The vocabulary is 256 byte tokens, the merges below and Qwen3's five special tokens. Some merges
// exist for the engine's stop-string tests: tokens that hold a sentence end plus more characters
// (".\n", ".\n\n", ",\n"), and "Nowhere", a word that starts with the cue "Now".
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <utility>
#include <vector>

#include "testbed/bpe.h"
#include "testbed/chat_template.h"
#include "testbed/gguf_writer.h"
#include "testbed/rng.h"
#include "util/error.h"

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
    else if (flag == "--type") type = ParseWeightType(value);
    else throw Error("unknown flag " + flag);
  }
  if (out.empty()) throw Error("--out is required");
  if (c.n_head_kv == 0) c.n_head_kv = c.n_head;

  GgufModel model;
  model.name = "relaygen-test-model-seed" + std::to_string(seed);
  model.vocab = BuildByteLevelVocab(kMerges);
  c.n_vocab = static_cast<int>(model.vocab.tokens.size());
  model.config = c;
  model.chat_template = Qwen3ChatTemplate();
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
  WriteLlamaGguf(out, model, type);
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
