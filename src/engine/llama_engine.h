// The llama.cpp implementation of the engine interface (engine.h). Uses llama.cpp's C API plainly:
// one llama_model per LlamaModel, one llama_context (one sequence) per LlamaSession.
#ifndef RELAYGEN_ENGINE_LLAMA_ENGINE_H_
#define RELAYGEN_ENGINE_LLAMA_ENGINE_H_

#include <memory>
#include <string>

#include "engine/engine.h"

struct llama_context;
struct llama_model;

namespace relaygen {

class BatchedContext;

struct LlamaOptions {
  int n_threads = 0;   // 0: $RELAYGEN_THREADS if set, else all cores (1 for models < 20M params)
  int n_ctx = 0;       // 0: the model's training context, capped at 16384
  int n_batch = 512;   // prompt-processing chunk
  bool f32_kv_cache = false;  // exact logits (tests comparing against a reference)
  // "auto" (llama.cpp's choice), "on" or "off". On CPU, tiny models prefill short handoff texts
  // about twice as fast with it off (docs/benchmarks.md).
  std::string flash_attn = "auto";
  // Sessions that may exist at once. Above 1 they are sequences of one shared context whose
  // decodes are batched together (batched_context.h), each with n_ctx tokens of its own.
  int n_parallel = 1;
  // llama.cpp's model flags, passed through (docs/real-models.md).
  int n_gpu_layers = -1;         // -ngl: layers offloaded to a GPU; < 0 all (llama.cpp's default)
  std::string cache_type_k = "f16";  // -ctk: KV cache type (f32, f16, bf16, q8_0, q4_0, q4_1, iq4_nl, q5_0, q5_1)
  std::string cache_type_v = "f16";  // -ctv: a quantized V cache needs flash attention
  bool use_mlock = false;        // --mlock: keep the weights in RAM
  bool use_mmap = true;          // --no-mmap: read the weights instead of mapping them
  int n_threads_batch = 0;       // -tb: threads for prefill and scoring; 0 = n_threads
  // --no-repack (llama.cpp's -nr): no extra CPU buffer types (weight repacking, AMX). On a CPU
  // whose AMX kernels fault (docs/real-models.md) this is what makes Q8_0/Q4_K models run.
  bool repack = true;
  bool thinking = true;          // --reasoning off: render prompts with the template's empty think block
};

class LlamaModel : public Model {
 public:
  // Loads a GGUF file. Throws relaygen::Error with a clear message when the file is missing,
  // unreadable, truncated or not a model llama.cpp can load.
  static std::unique_ptr<LlamaModel> Open(const std::string& path, const LlamaOptions& options = {});
  ~LlamaModel() override;

  const std::string& name() const override { return name_; }
  std::string RenderChat(const std::vector<ChatMessage>& messages) const override;
  std::unique_ptr<Session> NewSession() override;

  llama_model* raw() const { return model_; }
  const LlamaOptions& options() const { return options_; }
  // The context every session shares when options().n_parallel > 1, else null.
  BatchedContext* batched_context() const { return batched_.get(); }

 private:
  LlamaModel(llama_model* model, std::string name, const LlamaOptions& options);

  llama_model* model_;
  std::string name_;
  LlamaOptions options_;
  std::unique_ptr<BatchedContext> batched_;  // destroyed before model_ is freed
};

// A llama.cpp context of `model` with the model's options and room for `n_seq` sequences of
// options().n_ctx tokens each (one KV cache per sequence). Throws relaygen::Error.
llama_context* NewLlamaContext(const LlamaModel& model, int n_seq);

// Silences llama.cpp's logging (on by default only when RELAYGEN_LLAMA_LOG=1).
void ConfigureLlamaLogging();

}  // namespace relaygen

#endif  // RELAYGEN_ENGINE_LLAMA_ENGINE_H_
