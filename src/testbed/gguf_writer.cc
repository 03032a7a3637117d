#include "testbed/gguf_writer.h"

#include <cmath>
#include <cstdio>
#include <memory>
#include <set>

#include <unistd.h>

#include "ggml.h"
#include "gguf.h"
#include "util/error.h"

namespace relaygen {

namespace {

struct GgufDeleter {
  void operator()(gguf_context* ctx) const { gguf_free(ctx); }
};
struct GgmlDeleter {
  void operator()(ggml_context* ctx) const { ggml_free(ctx); }
};

std::string ShapeString(const std::vector<int64_t>& shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + "]";
}

void ValidateVocab(const BpeVocab& vocab, int n_vocab) {
  if (vocab.tokens.empty()) throw Error("gguf writer: the vocabulary is empty");
  if (vocab.types.size() != vocab.tokens.size()) {
    throw Error("gguf writer: " + std::to_string(vocab.tokens.size()) + " tokens but " +
                std::to_string(vocab.types.size()) + " token types");
  }
  if (static_cast<int>(vocab.tokens.size()) != n_vocab) {
    throw Error("gguf writer: config n_vocab is " + std::to_string(n_vocab) + " but the vocabulary has " +
                std::to_string(vocab.tokens.size()) + " tokens");
  }
  std::set<std::string> seen;
  for (const std::string& t : vocab.tokens) {
    if (t.empty()) throw Error("gguf writer: empty token text");
    if (!seen.insert(t).second) throw Error("gguf writer: duplicate token '" + t + "'");
  }
  for (const std::string& m : vocab.merges) {
    const size_t space = m.find(' ');
    if (space == std::string::npos || space == 0 || space + 1 == m.size() ||
        m.find(' ', space + 1) != std::string::npos) {
      throw Error("gguf writer: merge '" + m + "' is not of the form 'left right'");
    }
    // A merge whose result is not a token would make llama.cpp's BPE produce unknown tokens.
    if (!seen.count(m.substr(0, space) + m.substr(space + 1))) {
      throw Error("gguf writer: merge '" + m + "' produces a token missing from the vocabulary");
    }
  }
  for (int32_t id : {vocab.bos, vocab.eos, vocab.eot, vocab.pad}) {
    if (id < -1 || id >= n_vocab) throw Error("gguf writer: special token id " + std::to_string(id) + " out of range");
  }
}

}  // namespace

void LlamaConfig::Validate() const {
  if (n_vocab <= 0 || n_embd <= 0 || n_layer <= 0 || n_head <= 0 || n_head_kv <= 0 || n_ff <= 0 ||
      n_ctx_train <= 0) {
    throw Error("llama config: every dimension must be positive");
  }
  if (n_embd % n_head != 0) throw Error("llama config: n_embd must be a multiple of n_head");
  if (n_head % n_head_kv != 0) throw Error("llama config: n_head must be a multiple of n_head_kv");
  if (head_dim() % 2 != 0) throw Error("llama config: the head dimension must be even (RoPE rotates pairs)");
  if (!(rope_theta > 0) || !(rms_eps > 0)) throw Error("llama config: rope_theta and rms_eps must be positive");
  if (arch != "llama" && arch != "qwen2" && arch != "qwen3") {
    throw Error("llama config: unknown architecture '" + arch + "' (expected llama, qwen2 or qwen3)");
  }
}

int64_t LlamaConfig::ParameterCount() const {
  int64_t n = 0;
  for (const NamedTensor& t : LlamaTensorLayout(*this)) {
    int64_t count = 1;
    for (int64_t d : t.shape) count *= d;
    n += count;
  }
  return n;
}

int32_t BpeVocab::Find(const std::string& text) const {
  for (size_t i = 0; i < tokens.size(); ++i) {
    if (tokens[i] == text) return static_cast<int32_t>(i);
  }
  return -1;
}

WeightType ParseWeightType(const std::string& name) {
  if (name == "f32") return WeightType::kF32;
  if (name == "f16") return WeightType::kF16;
  if (name == "q8_0") return WeightType::kQ8_0;
  throw Error("unknown weight type '" + name + "' (expected f32, f16 or q8_0)");
}

std::vector<NamedTensor> LlamaTensorLayout(const LlamaConfig& c) {
  c.Validate();
  const int64_t kv_dim = static_cast<int64_t>(c.head_dim()) * c.n_head_kv;
  std::vector<NamedTensor> layout;
  auto add = [&layout](std::string name, std::vector<int64_t> shape) {
    layout.push_back(NamedTensor{std::move(name), std::move(shape), {}});
  };
  add("token_embd.weight", {c.n_vocab, c.n_embd});
  for (int l = 0; l < c.n_layer; ++l) {
    const std::string p = "blk." + std::to_string(l) + ".";
    add(p + "attn_norm.weight", {c.n_embd});
    add(p + "attn_q.weight", {c.n_embd, c.n_embd});
    add(p + "attn_k.weight", {kv_dim, c.n_embd});
    add(p + "attn_v.weight", {kv_dim, c.n_embd});
    if (c.arch == "qwen2") {  // Qwen2 (and R1-Distill-Qwen) have biases on q, k and v
      add(p + "attn_q.bias", {c.n_embd});
      add(p + "attn_k.bias", {kv_dim});
      add(p + "attn_v.bias", {kv_dim});
    }
    if (c.arch == "qwen3") {  // Qwen3 RMS-normalizes each head's query and key
      add(p + "attn_q_norm.weight", {c.head_dim()});
      add(p + "attn_k_norm.weight", {c.head_dim()});
    }
    add(p + "attn_output.weight", {c.n_embd, c.n_embd});
    add(p + "ffn_norm.weight", {c.n_embd});
    add(p + "ffn_gate.weight", {c.n_ff, c.n_embd});
    add(p + "ffn_up.weight", {c.n_ff, c.n_embd});
    add(p + "ffn_down.weight", {c.n_embd, c.n_ff});
  }
  add("output_norm.weight", {c.n_embd});
  add("output.weight", {c.n_vocab, c.n_embd});
  return layout;
}

namespace {

void WriteGguf(const std::string& path, const GgufModel& model, WeightType type, bool vocab_only) {
  const LlamaConfig& c = model.config;
  c.Validate();
  ValidateVocab(model.vocab, c.n_vocab);

  // Every expected tensor exactly once, with the expected shape and size.
  const std::vector<NamedTensor> layout = vocab_only ? std::vector<NamedTensor>() : LlamaTensorLayout(c);
  if (model.tensors.size() != layout.size()) {
    throw Error("gguf writer: expected " + std::to_string(layout.size()) + " tensors, got " +
                std::to_string(model.tensors.size()));
  }
  std::vector<const NamedTensor*> ordered;
  for (const NamedTensor& want : layout) {
    const NamedTensor* found = nullptr;
    for (const NamedTensor& t : model.tensors) {
      if (t.name == want.name) found = &t;
    }
    if (!found) throw Error("gguf writer: missing tensor " + want.name);
    if (found->shape != want.shape) {
      throw Error("gguf writer: tensor " + want.name + " has shape " + ShapeString(found->shape) +
                  ", expected " + ShapeString(want.shape));
    }
    int64_t count = 1;
    for (int64_t d : want.shape) count *= d;
    if (static_cast<int64_t>(found->data.size()) != count) {
      throw Error("gguf writer: tensor " + want.name + " holds " + std::to_string(found->data.size()) +
                  " values, expected " + std::to_string(count));
    }
    for (float v : found->data) {
      if (!std::isfinite(v)) throw Error("gguf writer: tensor " + want.name + " contains a non-finite value");
    }
    ordered.push_back(found);
  }

  // Choose the storage type per tensor and size one ggml context that holds all the data.
  std::vector<ggml_type> types;
  size_t mem = ggml_tensor_overhead() * (ordered.size() + 1) + 1024;
  for (const NamedTensor* t : ordered) {
    const int64_t ne0 = t->shape.back();
    const int64_t nrows = t->shape.size() == 2 ? t->shape[0] : 1;
    ggml_type tt = GGML_TYPE_F32;
    if (t->shape.size() == 2) {
      if (type == WeightType::kF16) tt = GGML_TYPE_F16;
      if (type == WeightType::kQ8_0) tt = ne0 % ggml_blck_size(GGML_TYPE_Q8_0) == 0 ? GGML_TYPE_Q8_0 : GGML_TYPE_F16;
    }
    types.push_back(tt);
    mem += ggml_row_size(tt, ne0) * nrows + GGML_MEM_ALIGN;
  }
  ggml_init_params params = {mem, nullptr, /*no_alloc=*/false};
  std::unique_ptr<ggml_context, GgmlDeleter> ctx(ggml_init(params));
  if (!ctx) throw Error("gguf writer: cannot allocate " + std::to_string(mem) + " bytes");
  std::unique_ptr<gguf_context, GgufDeleter> gguf(gguf_init_empty());
  gguf_context* g = gguf.get();

  const std::string& arch = c.arch;
  auto key = [&arch](const char* suffix) { return arch + "." + suffix; };
  gguf_set_val_str(g, "general.architecture", arch.c_str());
  gguf_set_val_str(g, "general.name", model.name.c_str());
  gguf_set_val_u32(g, "general.file_type", type == WeightType::kF32 ? 0 : type == WeightType::kF16 ? 1 : 7);
  gguf_set_val_u32(g, key("vocab_size").c_str(), c.n_vocab);
  gguf_set_val_u32(g, key("context_length").c_str(), c.n_ctx_train);
  gguf_set_val_u32(g, key("embedding_length").c_str(), c.n_embd);
  gguf_set_val_u32(g, key("block_count").c_str(), c.n_layer);
  gguf_set_val_u32(g, key("feed_forward_length").c_str(), c.n_ff);
  gguf_set_val_u32(g, key("attention.head_count").c_str(), c.n_head);
  gguf_set_val_u32(g, key("attention.head_count_kv").c_str(), c.n_head_kv);
  gguf_set_val_u32(g, key("rope.dimension_count").c_str(), c.head_dim());
  gguf_set_val_f32(g, key("rope.freq_base").c_str(), c.rope_theta);
  gguf_set_val_f32(g, key("attention.layer_norm_rms_epsilon").c_str(), c.rms_eps);

  const BpeVocab& v = model.vocab;
  gguf_set_val_str(g, "tokenizer.ggml.model", "gpt2");
  gguf_set_val_str(g, "tokenizer.ggml.pre", v.pre.c_str());
  std::vector<const char*> strs;
  for (const std::string& t : v.tokens) strs.push_back(t.c_str());
  gguf_set_arr_str(g, "tokenizer.ggml.tokens", strs.data(), strs.size());
  std::vector<int32_t> token_types;
  for (TokenType t : v.types) token_types.push_back(static_cast<int32_t>(t));
  gguf_set_arr_data(g, "tokenizer.ggml.token_type", GGUF_TYPE_INT32, token_types.data(), token_types.size());
  strs.clear();
  for (const std::string& m : v.merges) strs.push_back(m.c_str());
  gguf_set_arr_str(g, "tokenizer.ggml.merges", strs.data(), strs.size());
  if (v.bos >= 0) gguf_set_val_u32(g, "tokenizer.ggml.bos_token_id", v.bos);
  if (v.eos >= 0) gguf_set_val_u32(g, "tokenizer.ggml.eos_token_id", v.eos);
  if (v.eot >= 0) gguf_set_val_u32(g, "tokenizer.ggml.eot_token_id", v.eot);
  if (v.pad >= 0) gguf_set_val_u32(g, "tokenizer.ggml.padding_token_id", v.pad);
  gguf_set_val_bool(g, "tokenizer.ggml.add_bos_token", v.add_bos);
  gguf_set_val_bool(g, "tokenizer.ggml.add_eos_token", false);
  if (!model.chat_template.empty()) gguf_set_val_str(g, "tokenizer.chat_template", model.chat_template.c_str());

  for (size_t i = 0; i < ordered.size(); ++i) {
    const NamedTensor& t = *ordered[i];
    const int64_t ne0 = t.shape.back();
    const int64_t nrows = t.shape.size() == 2 ? t.shape[0] : 1;
    ggml_tensor* gt = t.shape.size() == 2 ? ggml_new_tensor_2d(ctx.get(), types[i], ne0, nrows)
                                          : ggml_new_tensor_1d(ctx.get(), types[i], ne0);
    ggml_set_name(gt, t.name.c_str());
    switch (types[i]) {
      case GGML_TYPE_F32:
        std::copy(t.data.begin(), t.data.end(), static_cast<float*>(gt->data));
        break;
      case GGML_TYPE_F16:
        ggml_fp32_to_fp16_row(t.data.data(), static_cast<ggml_fp16_t*>(gt->data), ne0 * nrows);
        break;
      default:
        ggml_quantize_chunk(types[i], t.data.data(), gt->data, 0, nrows, ne0, nullptr);
        break;
    }
    gguf_add_tensor(g, gt);
  }

  // A per-process temporary name: several test processes may create the same model at once.
  const std::string tmp = path + ".tmp." + std::to_string(getpid());
  if (!gguf_write_to_file(g, tmp.c_str(), /*only_meta=*/false)) {
    std::remove(tmp.c_str());
    throw Error("gguf writer: cannot write " + tmp);
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    std::remove(tmp.c_str());
    throw Error("gguf writer: cannot rename " + tmp + " to " + path);
  }
}

}  // namespace

void WriteLlamaGguf(const std::string& path, const GgufModel& model, WeightType type) {
  WriteGguf(path, model, type, /*vocab_only=*/false);
}

void WriteVocabGguf(const std::string& path, const BpeVocab& vocab, const std::string& chat_template) {
  GgufModel model;
  model.name = "vocab";
  model.vocab = vocab;
  model.chat_template = chat_template;
  // Placeholder hyper-parameters: llama.cpp reads them even when it loads only the vocabulary.
  model.config.n_vocab = static_cast<int>(vocab.tokens.size());
  model.config.n_embd = 64;
  model.config.n_layer = 1;
  model.config.n_head = 1;
  model.config.n_head_kv = 1;
  model.config.n_ff = 64;
  model.config.n_ctx_train = 4096;
  WriteGguf(path, model, WeightType::kF32, /*vocab_only=*/true);
}

BpeVocab ReadVocabFromGguf(const std::string& path) {
  gguf_init_params params = {/*no_alloc=*/true, nullptr};
  std::unique_ptr<gguf_context, GgufDeleter> g(gguf_init_from_file(path.c_str(), params));
  if (!g) throw Error("cannot read GGUF file " + path);
  auto key = [&](const char* name) {
    const int64_t id = gguf_find_key(g.get(), name);
    if (id < 0) throw Error(path + ": missing key " + name);
    return id;
  };
  auto optional_id = [&](const char* name) -> int32_t {
    const int64_t id = gguf_find_key(g.get(), name);
    return id < 0 ? -1 : static_cast<int32_t>(gguf_get_val_u32(g.get(), id));
  };
  BpeVocab v;
  if (std::string(gguf_get_val_str(g.get(), key("tokenizer.ggml.model"))) != "gpt2") {
    throw Error(path + ": not a byte-level BPE (gpt2) vocabulary");
  }
  v.pre = gguf_get_val_str(g.get(), key("tokenizer.ggml.pre"));
  const int64_t tokens = key("tokenizer.ggml.tokens"), types = key("tokenizer.ggml.token_type");
  const int64_t merges = key("tokenizer.ggml.merges");
  const size_t n = gguf_get_arr_n(g.get(), tokens);
  if (gguf_get_arr_n(g.get(), types) != n || gguf_get_arr_type(g.get(), types) != GGUF_TYPE_INT32) {
    throw Error(path + ": token types do not match the tokens");
  }
  const int32_t* type_data = static_cast<const int32_t*>(gguf_get_arr_data(g.get(), types));
  for (size_t i = 0; i < n; ++i) {
    v.tokens.push_back(gguf_get_arr_str(g.get(), tokens, i));
    v.types.push_back(static_cast<TokenType>(type_data[i]));
  }
  for (size_t i = 0; i < gguf_get_arr_n(g.get(), merges); ++i) v.merges.push_back(gguf_get_arr_str(g.get(), merges, i));
  v.bos = optional_id("tokenizer.ggml.bos_token_id");
  v.eos = optional_id("tokenizer.ggml.eos_token_id");
  v.eot = optional_id("tokenizer.ggml.eot_token_id");
  v.pad = optional_id("tokenizer.ggml.padding_token_id");
  const int64_t add_bos = gguf_find_key(g.get(), "tokenizer.ggml.add_bos_token");
  v.add_bos = add_bos >= 0 && gguf_get_val_bool(g.get(), add_bos);
  return v;
}

GgufModel ReadLlamaGguf(const std::string& path) {
  ggml_context* data_ctx = nullptr;
  gguf_init_params params = {/*no_alloc=*/false, &data_ctx};
  std::unique_ptr<gguf_context, GgufDeleter> g(gguf_init_from_file(path.c_str(), params));
  if (!g) throw Error("cannot read GGUF file " + path);
  std::unique_ptr<ggml_context, GgmlDeleter> ctx(data_ctx);
  auto u32 = [&](const char* name) -> int {
    const int64_t id = gguf_find_key(g.get(), name);
    if (id < 0) throw Error(path + ": missing key " + name);
    return static_cast<int>(gguf_get_val_u32(g.get(), id));
  };
  auto f32 = [&](const char* name) {
    const int64_t id = gguf_find_key(g.get(), name);
    if (id < 0) throw Error(path + ": missing key " + name);
    return gguf_get_val_f32(g.get(), id);
  };
  const int64_t arch = gguf_find_key(g.get(), "general.architecture");
  if (arch < 0 || std::string(gguf_get_val_str(g.get(), arch)) != "llama") throw Error(path + ": not a llama GGUF");
  GgufModel m;
  const int64_t name = gguf_find_key(g.get(), "general.name");
  if (name >= 0) m.name = gguf_get_val_str(g.get(), name);
  m.vocab = ReadVocabFromGguf(path);
  LlamaConfig& c = m.config;
  c.n_vocab = static_cast<int>(m.vocab.tokens.size());
  c.n_embd = u32("llama.embedding_length");
  c.n_layer = u32("llama.block_count");
  c.n_head = u32("llama.attention.head_count");
  c.n_head_kv = u32("llama.attention.head_count_kv");
  c.n_ff = u32("llama.feed_forward_length");
  c.n_ctx_train = u32("llama.context_length");
  c.rope_theta = f32("llama.rope.freq_base");
  c.rms_eps = f32("llama.attention.layer_norm_rms_epsilon");
  const int64_t tmpl = gguf_find_key(g.get(), "tokenizer.chat_template");
  if (tmpl >= 0) m.chat_template = gguf_get_val_str(g.get(), tmpl);
  for (NamedTensor t : LlamaTensorLayout(c)) {
    ggml_tensor* gt = ggml_get_tensor(ctx.get(), t.name.c_str());
    if (!gt) throw Error(path + ": missing tensor " + t.name);
    int64_t count = 1;
    for (int64_t d : t.shape) count *= d;
    if (ggml_nelements(gt) != count || gt->ne[0] != t.shape.back()) throw Error(path + ": tensor " + t.name + " has an unexpected shape");
    t.data.resize(count);
    if (gt->type == GGML_TYPE_F32) {
      std::copy(static_cast<const float*>(gt->data), static_cast<const float*>(gt->data) + count, t.data.begin());
    } else if (ggml_get_type_traits(gt->type)->to_float != nullptr) {
      ggml_get_type_traits(gt->type)->to_float(gt->data, t.data.data(), count);
    } else {
      throw Error(path + ": tensor " + t.name + " has an unsupported type " + ggml_type_name(gt->type));
    }
    m.tensors.push_back(std::move(t));
  }
  return m;
}

}  // namespace relaygen
