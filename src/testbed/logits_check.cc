#include "testbed/logits_check.h"

#include <cmath>
#include <memory>

#include "llama.h"
#include "util/error.h"

namespace relaygen {

namespace {
struct ModelDeleter {
  void operator()(llama_model* m) const { llama_model_free(m); }
};
struct ContextDeleter {
  void operator()(llama_context* c) const { llama_free(c); }
};
}  // namespace

LogitsComparison CompareLogitsWithLlamaCpp(LlamaTorch& model, const std::string& gguf_path,
                                           const std::vector<int32_t>& tokens, int threads, bool flash_attn) {
  if (tokens.empty()) throw Error("logits check: no tokens");
  std::unique_ptr<llama_model, ModelDeleter> lm(llama_model_load_from_file(gguf_path.c_str(), llama_model_default_params()));
  if (!lm) throw Error("logits check: llama.cpp cannot load " + gguf_path);
  const int n_vocab = llama_vocab_n_tokens(llama_model_get_vocab(lm.get()));
  if (n_vocab != model->config().n_vocab) throw Error("logits check: the GGUF's vocabulary differs from the model's");

  llama_context_params cp = llama_context_default_params();
  const uint32_t n = static_cast<uint32_t>(tokens.size());
  cp.n_ctx = std::max<uint32_t>(n, 256);
  cp.n_batch = cp.n_ubatch = cp.n_ctx;
  cp.n_threads = cp.n_threads_batch = threads;
  cp.type_k = cp.type_v = GGML_TYPE_F32;
  cp.flash_attn_type = flash_attn ? LLAMA_FLASH_ATTN_TYPE_ENABLED : LLAMA_FLASH_ATTN_TYPE_DISABLED;
  std::unique_ptr<llama_context, ContextDeleter> ctx(llama_init_from_model(lm.get(), cp));
  if (!ctx) throw Error("logits check: cannot create a llama.cpp context");
  llama_batch batch = llama_batch_init(static_cast<int32_t>(n), 0, 1);
  for (uint32_t i = 0; i < n; ++i) {
    batch.token[i] = tokens[i];
    batch.pos[i] = static_cast<llama_pos>(i);
    batch.n_seq_id[i] = 1;
    batch.seq_id[i][0] = 0;
    batch.logits[i] = 1;
  }
  batch.n_tokens = static_cast<int32_t>(n);
  const int rc = llama_decode(ctx.get(), batch);
  llama_batch_free(batch);
  if (rc != 0) throw Error("logits check: llama_decode failed (" + std::to_string(rc) + ")");

  torch::NoGradGuard no_grad;
  model->eval();
  std::vector<int64_t> ids(tokens.begin(), tokens.end());
  const torch::Tensor input = torch::tensor(ids, torch::kInt64).unsqueeze(0);
  const torch::Tensor logits = model->forward(input).squeeze(0).contiguous();  // [n, V]
  const float* ref = logits.data_ptr<float>();

  LogitsComparison out;
  out.n_tokens = static_cast<int>(n);
  for (uint32_t i = 0; i < n; ++i) {
    const float* got = llama_get_logits_ith(ctx.get(), static_cast<int32_t>(i));
    const float* want = ref + static_cast<size_t>(i) * n_vocab;
    int arg_got = 0, arg_want = 0;
    for (int v = 0; v < n_vocab; ++v) {
      out.max_abs_diff = std::max(out.max_abs_diff, static_cast<double>(std::fabs(got[v] - want[v])));
      if (got[v] > got[arg_got]) arg_got = v;
      if (want[v] > want[arg_want]) arg_want = v;
    }
    if (arg_got == arg_want) ++out.argmax_agree;
  }
  return out;
}

}  // namespace relaygen
