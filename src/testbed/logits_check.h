// Checks that llama.cpp computes the same logits as the libtorch model it was exported from: the
// proof that the trainer's architecture (RoPE mode, norms, untied output) matches LLM_ARCH_LLAMA.
#ifndef RELAYGEN_TESTBED_LOGITS_CHECK_H_
#define RELAYGEN_TESTBED_LOGITS_CHECK_H_

#include <cstdint>
#include <string>
#include <vector>

#include "testbed/llama_torch.h"

namespace relaygen {

struct LogitsComparison {
  double max_abs_diff = 0;  // over every position and vocabulary entry
  int n_tokens = 0;
  int argmax_agree = 0;     // positions where both pick the same next token
};

// Runs `tokens` through the GGUF at `gguf_path` (llama.cpp, F32 KV cache so nothing is rounded
// to F16 on the way) and through `model`, and compares the logits of every position. Export the
// model as F32 for an exact comparison. Throws relaygen::Error when the file cannot be loaded or
// the vocabularies differ in size.
LogitsComparison CompareLogitsWithLlamaCpp(LlamaTorch& model, const std::string& gguf_path,
                                           const std::vector<int32_t>& tokens, int threads = 2,
                                           bool flash_attn = false);

}  // namespace relaygen

#endif  // RELAYGEN_TESTBED_LOGITS_CHECK_H_
