// The llama architecture in libtorch, computed exactly the way llama.cpp computes LLM_ARCH_LLAMA,
// so a model trained here and exported to GGUF gives llama.cpp's logits (see logits_check.h):
//   x = token_embd[tokens]
//   per layer: x += attn_output(attention(rope(attn_q(n)), rope(attn_k(n)), attn_v(n))), n = rms(x)*attn_norm
//              x += ffn_down(silu(ffn_gate(n)) * ffn_up(n)),                             n = rms(x)*ffn_norm
//   logits = output(rms(x) * output_norm)     (untied output)
// RoPE is llama.cpp's NORM mode: it rotates consecutive pairs (x[2i], x[2i+1]) by
// pos * theta^(-2i/head_dim) — not the half-split "rotate_half" of Hugging Face code, which would
// need convert_hf_to_gguf's q/k permutation. Attention scale 1/sqrt(head_dim), causal.
#ifndef RELAYGEN_TESTBED_LLAMA_TORCH_H_
#define RELAYGEN_TESTBED_LLAMA_TORCH_H_

#include <torch/torch.h>

#include <string>
#include <vector>

#include "testbed/gguf_writer.h"

namespace relaygen {

class LlamaTorchImpl : public torch::nn::Module {
 public:
  // Weights drawn from torch's generator (seed it first): N(0, 0.02), residual projections
  // scaled by 1/sqrt(2 n_layer), norms 1.
  explicit LlamaTorchImpl(const LlamaConfig& config);

  // tokens: [batch, time] int64 -> logits [batch, time, n_vocab].
  torch::Tensor forward(const torch::Tensor& tokens);

  const LlamaConfig& config() const { return config_; }
  // The weights in llama.cpp naming and layout (LlamaTensorLayout order), as float32 copies.
  std::vector<NamedTensor> ExportTensors() const;
  // Replaces the weights with `tensors` (names and shapes as ExportTensors gives them).
  void ImportTensors(const std::vector<NamedTensor>& tensors);
  // Parameters that get weight decay (matrices) and those that do not (norm gains).
  std::vector<torch::Tensor> DecayedParameters() const;
  std::vector<torch::Tensor> UndecayedParameters() const;

 private:
  torch::Tensor Rms(const torch::Tensor& x, const torch::Tensor& gain) const;
  torch::Tensor Rope(const torch::Tensor& x, const torch::Tensor& cos, const torch::Tensor& sin) const;

  LlamaConfig config_;
  // name -> parameter, in LlamaTensorLayout order.
  std::vector<std::pair<std::string, torch::Tensor>> weights_;
  torch::Tensor& W(const std::string& name);
};
TORCH_MODULE(LlamaTorch);

}  // namespace relaygen

#endif  // RELAYGEN_TESTBED_LLAMA_TORCH_H_
