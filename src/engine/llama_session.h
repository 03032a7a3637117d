// One sequence of a LlamaModel: a llama_context with its KV cache, and the token view of the
// transcript that cache holds.
#ifndef RELAYGEN_ENGINE_LLAMA_SESSION_H_
#define RELAYGEN_ENGINE_LLAMA_SESSION_H_

#include <map>
#include <string>
#include <vector>

#include "engine/engine.h"

struct llama_context;
struct llama_sampler;
struct llama_vocab;

namespace relaygen {

class LlamaModel;

class LlamaSession : public Session {
 public:
  explicit LlamaSession(LlamaModel* model);
  ~LlamaSession() override;
  LlamaSession(const LlamaSession&) = delete;
  LlamaSession& operator=(const LlamaSession&) = delete;

  Segment Generate(const std::string& transcript, const SegmentRequest& request,
                   const TextCallback& on_text) override;
  PrefillResult Prefill(const std::string& text) override;
  ScoreResult Score(const std::string& context, const std::string& continuation) override;
  int CountTokens(const std::string& text) const override;

 private:
  struct SyncStats {
    int reused = 0;
    int prefilled = 0;
  };
  // Makes the KV cache hold exactly `text` (keeping the longest still-valid token prefix) and
  // leaves the logits of its last token ready for sampling.
  SyncStats Sync(const std::string& text);
  std::vector<Token> Tokenize(const std::string& text, bool add_special) const;
  std::vector<Token> TokenizeValid(const std::string& text, bool add_special) const;
  Token ByteToken(unsigned char byte) const;  // -1 if the vocabulary has no such token
  std::string Piece(Token token) const;
  // Tokens of `text` appended after the cached ones, with the byte length of each, if their
  // pieces spell `text` exactly (false for tokenizers that normalise, e.g. SPM's dummy space).
  bool TokenizeExact(const std::string& text, bool add_special, std::vector<Token>* tokens,
                     std::vector<size_t>* lengths) const;
  void Truncate(size_t n_keep);
  void Append(Token token, const std::string& piece);
  void Decode(const Token* tokens, int n, bool all_logits);
  llama_sampler* MakeSampler(const Sampling& sampling) const;
  const std::vector<Token>& TokensStartingWith(const std::string& prefix);
  int n_ctx() const;

  LlamaModel* model_;
  const llama_vocab* vocab_;
  llama_context* ctx_;
  // The cache: tokens_[i] ends at byte offsets_[i] of text_, and text_ is what they spell.
  std::vector<Token> tokens_;
  std::vector<size_t> offsets_;
  std::string text_;
  bool logits_ready_ = false;  // the last decode ended with tokens_.back() and kept its logits
  std::map<std::string, std::vector<Token>> prefix_tokens_;
  mutable std::vector<Token> byte_tokens_;  // built on first use
};

// p(top-1) - p(top-2) of softmax(logits) (p(top-1) if the vocabulary has one entry); also the
// probability of `token` when token >= 0.
float TopTwoMargin(const float* logits, int n_vocab, Token token, float* p_token);

}  // namespace relaygen

#endif  // RELAYGEN_ENGINE_LLAMA_SESSION_H_
