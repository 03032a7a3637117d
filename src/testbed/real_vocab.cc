#include "testbed/real_vocab.h"

#include <utility>
#include <vector>

#include "util/error.h"

namespace relaygen {
namespace {

// Qwen2's byte-level BPE vocabulary proper: ids 0..151642. Everything above is added tokens.
constexpr int kQwenBaseTokens = 151643;
// Qwen3's and the R1-Distill 1.5B's embedding rows (R1-Distill-Qwen-32B pads to 152,064).
constexpr int kQwenPaddedVocab = 151936;

struct Added {
  const char* text;
  TokenType type;
};

constexpr TokenType C = TokenType::kControl;
constexpr TokenType U = TokenType::kUserDefined;

// As convert_hf_to_gguf.py types them: added tokens that are special or look special (<|…|>,
// <｜…｜>) are control tokens, the others (<think>, <tool_call>, …) user-defined.
const std::vector<Added> kQwen3Added = {
    {"<|endoftext|>", C},  {"<|im_start|>", C},     {"<|im_end|>", C},       {"<|object_ref_start|>", C},
    {"<|object_ref_end|>", C}, {"<|box_start|>", C}, {"<|box_end|>", C},     {"<|quad_start|>", C},
    {"<|quad_end|>", C},   {"<|vision_start|>", C}, {"<|vision_end|>", C},   {"<|vision_pad|>", C},
    {"<|image_pad|>", C},  {"<|video_pad|>", C},    {"<tool_call>", U},      {"</tool_call>", U},
    {"<|fim_prefix|>", C}, {"<|fim_middle|>", C},   {"<|fim_suffix|>", C},   {"<|fim_pad|>", C},
    {"<|repo_name|>", C},  {"<|file_sep|>", C},     {"<tool_response>", U},  {"</tool_response>", U},
    {"<think>", U},        {"</think>", U},
};

const std::vector<Added> kR1DistillAdded = {
    {"<｜end▁of▁sentence｜>", C}, {"<｜User｜>", C},      {"<｜Assistant｜>", C}, {"<｜begin▁of▁sentence｜>", C},
    {"<|EOT|>", C},             {"<think>", U},         {"</think>", U},         {"<|quad_start|>", C},
    {"<|quad_end|>", C},        {"<|vision_start|>", C}, {"<|vision_end|>", C},  {"<|vision_pad|>", C},
    {"<|image_pad|>", C},       {"<|video_pad|>", C},   {"<tool_call>", U},      {"</tool_call>", U},
    {"<|fim_prefix|>", C},      {"<|fim_middle|>", C},  {"<|fim_suffix|>", C},   {"<|fim_pad|>", C},
    {"<|repo_name|>", C},       {"<|file_sep|>", C},
};

void Append(const std::vector<Added>& added, int n_vocab, BpeVocab* v) {
  for (const Added& a : added) {
    v->tokens.emplace_back(a.text);
    v->types.push_back(a.type);
  }
  if (n_vocab < static_cast<int>(v->tokens.size())) {
    throw Error("--n-vocab " + std::to_string(n_vocab) + " is smaller than the " + std::to_string(v->tokens.size()) +
                " tokens of the vocabulary");
  }
  while (static_cast<int>(v->tokens.size()) < n_vocab) {
    v->tokens.push_back("[PAD" + std::to_string(v->tokens.size()) + "]");
    v->types.push_back(TokenType::kUnused);
  }
}

}  // namespace

void AddFamilyTokens(const std::string& family, BpeVocab* v, int n_vocab) {
  if (n_vocab <= 0) n_vocab = kQwenPaddedVocab;
  if (family == "none") return;
  if (family != "qwen3" && family != "r1-distill") {
    throw Error("unknown token family '" + family + "' (expected qwen3, r1-distill or none)");
  }
  if (static_cast<int>(v->tokens.size()) < kQwenBaseTokens) {
    throw Error("the vocabulary has " + std::to_string(v->tokens.size()) + " tokens, fewer than Qwen2's " +
                std::to_string(kQwenBaseTokens) + ": not a Qwen vocabulary");
  }
  for (int i = 0; i < kQwenBaseTokens; ++i) {
    if (v->types[i] != TokenType::kNormal) {
      throw Error("token " + std::to_string(i) + " of the base vocabulary is not a normal token: not Qwen2's vocabulary");
    }
  }
  // Ids from 151643 on are the family's added tokens, whatever the base file put there.
  v->tokens.resize(kQwenBaseTokens);
  v->types.resize(kQwenBaseTokens);
  if (family == "qwen3") {
    Append(kQwen3Added, n_vocab, v);
    v->bos = 151643;  // <|endoftext|>, never added
    v->eos = 151645;  // <|im_end|>
    v->pad = 151643;
    v->eot = -1;
    v->add_bos = false;
    v->pre = "qwen2";
  } else {
    Append(kR1DistillAdded, n_vocab, v);
    v->bos = 151646;  // <｜begin▁of▁sentence｜>, added to every prompt
    v->eos = 151643;  // <｜end▁of▁sentence｜>
    v->pad = 151643;
    v->eot = -1;
    v->add_bos = true;
    v->pre = "deepseek-r1-qwen";
  }
}

BpeVocab RealVocab(const std::string& path, const std::string& family, int n_vocab) {
  BpeVocab v = ReadVocabFromGguf(path);
  AddFamilyTokens(family, &v, n_vocab);
  return v;
}

}  // namespace relaygen
