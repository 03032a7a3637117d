// Writes GGUF files of llama.cpp's dense decoder architectures — llama, qwen2 (q/k/v biases) and
// qwen3 (per-head q/k RMS norms) — with a byte-level GPT-2-style BPE vocabulary. Used by the
// test-model tool and by the testbed trainer's export.
#ifndef RELAYGEN_TESTBED_GGUF_WRITER_H_
#define RELAYGEN_TESTBED_GGUF_WRITER_H_

#include <cstdint>
#include <string>
#include <vector>

namespace relaygen {

struct LlamaConfig {
  // general.architecture: "llama", "qwen2" or "qwen3". Only the tensor layout and the metadata
  // key prefix differ; the hyper-parameters mean the same in all three.
  std::string arch = "llama";
  int n_vocab = 0;
  int n_embd = 0;
  int n_layer = 0;
  int n_head = 0;
  int n_head_kv = 0;
  int n_ff = 0;
  int n_ctx_train = 0;
  float rope_theta = 10000.0f;
  float rms_eps = 1e-5f;

  int head_dim() const { return n_head > 0 ? n_embd / n_head : 0; }
  // Throws relaygen::Error when a dimension is non-positive or heads do not divide evenly.
  void Validate() const;
  // Number of weights of a model of this shape (untied output).
  int64_t ParameterCount() const;
};

// llama.cpp's token types (llama_token_type).
enum class TokenType : int32_t { kNormal = 1, kControl = 3, kUserDefined = 4, kUnused = 5 };

struct BpeVocab {
  std::vector<std::string> tokens;  // GPT-2 byte-to-unicode encoded text; specials verbatim
  std::vector<TokenType> types;     // one per token
  std::vector<std::string> merges;  // "left right", both sides encoded like tokens
  int32_t bos = -1;                 // -1: absent
  int32_t eos = -1;
  int32_t eot = -1;
  int32_t pad = -1;
  bool add_bos = false;             // tokenizer.ggml.add_bos_token (DeepSeek-R1-Distill: true)
  std::string pre = "qwen2";        // tokenizer.ggml.pre: llama.cpp's pre-tokenizer regex

  // Id of `text` (exact match), or -1.
  int32_t Find(const std::string& text) const;
};

// A weight in llama.cpp naming ("blk.0.attn_q.weight"). `shape` is row-major outermost-first, as
// in PyTorch (a Linear weight is {out, in}); GGUF stores the reverse (ne[0] = innermost).
struct NamedTensor {
  std::string name;
  std::vector<int64_t> shape;
  std::vector<float> data;
};

// Storage type of the 2-D weights. Norm weights are always F32 (llama.cpp expects that); a weight
// whose rows are not a multiple of Q8_0's block of 32 falls back to F16.
enum class WeightType { kF32, kF16, kQ8_0 };
WeightType ParseWeightType(const std::string& name);  // "f32", "f16", "q8_0"; throws otherwise

struct GgufModel {
  std::string name;           // general.name
  LlamaConfig config;
  BpeVocab vocab;
  std::string chat_template;  // tokenizer.chat_template
  std::vector<NamedTensor> tensors;
};

// The tensors a model of `config` (its arch included) must have, with their shapes, in file order.
std::vector<NamedTensor> LlamaTensorLayout(const LlamaConfig& config);

// Writes `model` to `path` (atomically: a temporary file renamed into place). Throws
// relaygen::Error when the config, vocabulary or tensors are inconsistent, or on I/O failure.
void WriteLlamaGguf(const std::string& path, const GgufModel& model, WeightType type);

// A GGUF with the vocabulary and chat template only (placeholder hyper-parameters, no tensors):
// what llama.cpp needs to tokenize exactly like the final model (llama_model_params.vocab_only).
void WriteVocabGguf(const std::string& path, const BpeVocab& vocab, const std::string& chat_template);

// The vocabulary of a GGUF written with a byte-level BPE ("gpt2") tokenizer. Throws relaygen::Error
// when the file cannot be read or holds another kind of vocabulary.
BpeVocab ReadVocabFromGguf(const std::string& path);

// The weights of a llama GGUF (F32, F16 or Q8_0, dequantized to float) with its config, in
// LlamaTensorLayout order and NamedTensor's outermost-first shapes: what a model was exported as,
// so the logits check can run on exactly the weights llama.cpp sees. Throws relaygen::Error on a
// file that is not a llama GGUF of the expected layout.
GgufModel ReadLlamaGguf(const std::string& path);

}  // namespace relaygen

#endif  // RELAYGEN_TESTBED_GGUF_WRITER_H_
