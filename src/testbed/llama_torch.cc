#include "testbed/llama_torch.h"

#include <cmath>

#include "util/error.h"

namespace relaygen {

LlamaTorchImpl::LlamaTorchImpl(const LlamaConfig& config) : config_(config) {
  torch::NoGradGuard no_grad;
  const double residual_std = 0.02 / std::sqrt(2.0 * config.n_layer);
  for (const NamedTensor& t : LlamaTensorLayout(config)) {
    torch::Tensor p;
    if (t.shape.size() == 1) {
      p = torch::ones(t.shape);
    } else {
      const bool residual = t.name.find("attn_output") != std::string::npos || t.name.find("ffn_down") != std::string::npos;
      p = torch::randn(t.shape) * (residual ? residual_std : 0.02);
    }
    // Module parameter names may not contain '.'.
    std::string key = t.name;
    for (char& c : key) c = c == '.' ? '_' : c;
    weights_.emplace_back(t.name, register_parameter(key, p));
  }
}

torch::Tensor& LlamaTorchImpl::W(const std::string& name) {
  for (auto& [n, p] : weights_) {
    if (n == name) return p;
  }
  throw Error("llama torch: no weight " + name);
}

torch::Tensor LlamaTorchImpl::Rms(const torch::Tensor& x, const torch::Tensor& gain) const {
  return x * torch::rsqrt(x.pow(2).mean(-1, /*keepdim=*/true) + config_.rms_eps) * gain;
}

torch::Tensor LlamaTorchImpl::Rope(const torch::Tensor& x, const torch::Tensor& cos, const torch::Tensor& sin) const {
  // x: [B, T, H, hd] viewed as pairs [B, T, H, hd/2, 2]; cos/sin: [T, hd/2].
  const auto sizes = x.sizes();
  const torch::Tensor pairs = x.reshape({sizes[0], sizes[1], sizes[2], sizes[3] / 2, 2});
  const torch::Tensor x0 = pairs.select(-1, 0), x1 = pairs.select(-1, 1);
  const torch::Tensor c = cos.unsqueeze(1), s = sin.unsqueeze(1);  // [T, 1, hd/2]
  return torch::stack({x0 * c - x1 * s, x0 * s + x1 * c}, -1).reshape(sizes);
}

torch::Tensor LlamaTorchImpl::forward(const torch::Tensor& tokens) {
  const LlamaConfig& c = config_;
  const int64_t B = tokens.size(0), T = tokens.size(1), hd = c.head_dim();
  // RoPE angles pos * theta^(-2i/hd), computed in double like ggml's float math is close to.
  const torch::Tensor pos = torch::arange(T, torch::kFloat64).unsqueeze(1);
  const torch::Tensor inv = torch::pow(static_cast<double>(c.rope_theta),
                                       -torch::arange(0, hd, 2, torch::kFloat64) / static_cast<double>(hd));
  const torch::Tensor angle = pos * inv.unsqueeze(0);
  const torch::Tensor cos = angle.cos().to(torch::kFloat32), sin = angle.sin().to(torch::kFloat32);
  const torch::Tensor causal = torch::ones({T, T}, torch::kBool).triu(1);
  const double scale = 1.0 / std::sqrt(static_cast<double>(hd));
  const int64_t group = c.n_head / c.n_head_kv;

  torch::Tensor x = torch::embedding(W("token_embd.weight"), tokens);
  for (int l = 0; l < c.n_layer; ++l) {
    const std::string p = "blk." + std::to_string(l) + ".";
    torch::Tensor n = Rms(x, W(p + "attn_norm.weight"));
    torch::Tensor q = torch::linear(n, W(p + "attn_q.weight")).view({B, T, c.n_head, hd});
    torch::Tensor k = torch::linear(n, W(p + "attn_k.weight")).view({B, T, c.n_head_kv, hd});
    torch::Tensor v = torch::linear(n, W(p + "attn_v.weight")).view({B, T, c.n_head_kv, hd});
    q = Rope(q, cos, sin).transpose(1, 2);  // [B, H, T, hd]
    k = Rope(k, cos, sin).transpose(1, 2);
    v = v.transpose(1, 2);
    if (group > 1) {
      k = k.repeat_interleave(group, 1);
      v = v.repeat_interleave(group, 1);
    }
    torch::Tensor att = torch::matmul(q, k.transpose(-2, -1)) * scale;
    att = att.masked_fill(causal, -std::numeric_limits<float>::infinity()).softmax(-1);
    torch::Tensor o = torch::matmul(att, v).transpose(1, 2).reshape({B, T, c.n_embd});
    x = x + torch::linear(o, W(p + "attn_output.weight"));
    n = Rms(x, W(p + "ffn_norm.weight"));
    const torch::Tensor ff = torch::silu(torch::linear(n, W(p + "ffn_gate.weight"))) * torch::linear(n, W(p + "ffn_up.weight"));
    x = x + torch::linear(ff, W(p + "ffn_down.weight"));
  }
  return torch::linear(Rms(x, W("output_norm.weight")), W("output.weight"));
}

std::vector<NamedTensor> LlamaTorchImpl::ExportTensors() const {
  std::vector<NamedTensor> out;
  for (const auto& [name, p] : weights_) {
    const torch::Tensor t = p.detach().to(torch::kFloat32).contiguous();
    NamedTensor nt;
    nt.name = name;
    nt.shape.assign(t.sizes().begin(), t.sizes().end());
    nt.data.assign(t.data_ptr<float>(), t.data_ptr<float>() + t.numel());
    out.push_back(std::move(nt));
  }
  return out;
}

void LlamaTorchImpl::ImportTensors(const std::vector<NamedTensor>& tensors) {
  torch::NoGradGuard no_grad;
  for (auto& [name, p] : weights_) {
    const NamedTensor* found = nullptr;
    for (const NamedTensor& t : tensors) {
      if (t.name == name) found = &t;
    }
    if (!found) throw Error("llama torch: import lacks " + name);
    if (std::vector<int64_t>(p.sizes().begin(), p.sizes().end()) != found->shape) {
      throw Error("llama torch: import has the wrong shape for " + name);
    }
    p.copy_(torch::from_blob(const_cast<float*>(found->data.data()), p.sizes(), torch::kFloat32));
  }
}

std::vector<torch::Tensor> LlamaTorchImpl::DecayedParameters() const {
  std::vector<torch::Tensor> out;
  for (const auto& [name, p] : weights_) {
    if (p.dim() == 2) out.push_back(p);
  }
  return out;
}

std::vector<torch::Tensor> LlamaTorchImpl::UndecayedParameters() const {
  std::vector<torch::Tensor> out;
  for (const auto& [name, p] : weights_) {
    if (p.dim() != 2) out.push_back(p);
  }
  return out;
}

}  // namespace relaygen
