// One sequence of a LlamaModel: a KV cache and the token view of the transcript it holds. The
// sequence is a llama_context of its own, or, when the model serves several sessions at once
// (LlamaOptions::n_parallel > 1), one sequence of the model's BatchedContext.
#ifndef RELAYGEN_ENGINE_LLAMA_SESSION_H_
#define RELAYGEN_ENGINE_LLAMA_SESSION_H_

#include <llama.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "engine/engine.h"

namespace relaygen {

class BatchedContext;
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
  ScoredPrefillResult PrefillScored(const std::string& text, size_t score_from) override;
  ScoreResult Score(const std::string& context, const std::string& continuation) override;
  int CountTokens(const std::string& text) const override;

  // The session's own llama.cpp context (null for a sequence of a shared one), for tests that
  // need to reach below the session (e.g. to make a decode fail with llama_set_abort_callback).
  llama_context* raw_context() const { return ctx_.get(); }

 private:
  // Speculative decoding (speculative.h) drives a session's cache and sampler below Generate:
  // verify batches with all logits through Decode/LogitsRow/DrawToken, rollback through Truncate.
  friend class SpeculativeSession;
  friend class ModelDrafter;

  struct SyncStats {
    int reused = 0;
    int prefilled = 0;
  };
  // Makes the KV cache hold exactly `text` (keeping the longest still-valid token prefix) and
  // leaves the logits of its last token ready for sampling.
  // With `scored`, the fresh tokens from byte `score_from` on are evaluated with all logits and
  // each one whose predicting row is known gets its margin there (PrefillScored).
  SyncStats Sync(const std::string& text, std::vector<PrefillToken>* scored = nullptr, size_t score_from = 0);
  // Decode for Sync's `scored`: chunks of n_batch with all logits; `prev` is the row that
  // predicts tokens[0] (empty: unknown, tokens[0] is not scored); `at` is tokens[0]'s offset.
  void DecodeScored(const std::vector<Token>& tokens, const std::vector<std::string>& pieces,
                    std::vector<float> prev, size_t at, std::vector<PrefillToken>* scored);
  std::vector<Token> Tokenize(const std::string& text, bool add_special) const;
  std::vector<Token> TokenizeValid(const std::string& text, bool add_special) const;
  Token ByteToken(unsigned char byte) const;  // -1 if the vocabulary has no such token
  std::string Piece(Token token) const;
  // Tokens of `text` appended after the cached ones, with the byte length of each, if their
  // pieces spell `text` exactly (false for tokenizers that normalise, e.g. SPM's dummy space).
  bool TokenizeExact(const std::string& text, bool add_special, std::vector<Token>* tokens,
                     std::vector<size_t>* lengths) const;
  void Truncate(size_t n_keep);
  // Evaluates `tokens` (spelling `pieces`) after the cached ones, in chunks of n_batch. A chunk is
  // recorded in tokens_/offsets_/text_ only once llama_decode has accepted it, so after a failure
  // (thrown as relaygen::Error) the bookkeeping and the KV cache still agree. With `all_logits`
  // (at most one chunk) every token keeps its logits, else only the last one.
  void Decode(const std::vector<Token>& tokens, const std::vector<std::string>& pieces, bool all_logits);
  // One chunk of Decode, tokens[start, start + count), on the session's own context or through the
  // shared one; llama_decode's code.
  int DecodeOwn(const std::vector<Token>& tokens, int start, int count, bool all_logits);
  int DecodeShared(const std::vector<Token>& tokens, int start, int count, bool all_logits);
  int n_batch() const;
  struct SamplerDeleter {
    void operator()(llama_sampler* sampler) const { llama_sampler_free(sampler); }
  };
  using SamplerPtr = std::unique_ptr<llama_sampler, SamplerDeleter>;
  SamplerPtr MakeSampler(const Sampling& sampling) const;
  // The logits row of the i-th token that kept logits in the last Decode (-1: the last such
  // token). Every read of logits goes through here, so where rows live is decided in one place.
  float* LogitsRow(int32_t i);
  // Draws a token from `logits` (a row of n_vocab) with `sampler`, made by MakeSampler(sampling),
  // and tells the sampler it was accepted. Neither path copies the row: greedy is a plain argmax,
  // and a chain that starts with top-k gets only the k best candidates, sorted (TopK), which is
  // what its top-k step would keep of a candidate array of the whole vocabulary. Only a chain
  // without top-k (top_k 0) is given every candidate.
  Token DrawToken(llama_sampler* sampler, const float* logits, const Sampling& sampling);
  const std::vector<Token>& TokensStartingWith(const std::string& prefix);
  const std::vector<Token>& EndOfGenerationTokens();  // built on first use
  int n_ctx() const;

  struct ContextDeleter {
    void operator()(llama_context* ctx) const { llama_free(ctx); }
  };
  // One llama_batch of n_batch tokens for every decode of the session, allocated once.
  class Batch {
   public:
    explicit Batch(int capacity) : batch_(llama_batch_init(capacity, 0, 1)), capacity_(capacity) {}
    ~Batch() { llama_batch_free(batch_); }
    Batch(const Batch&) = delete;
    Batch& operator=(const Batch&) = delete;
    llama_batch& get() { return batch_; }
    int capacity() const { return capacity_; }

   private:
    llama_batch batch_;
    int capacity_;
  };

  LlamaModel* model_;
  const llama_vocab* vocab_;
  BatchedContext* shared_;  // the model's shared context, or null: then ctx_ is the session's own
  int seq_ = 0;             // the sequence of shared_ this session is
  std::unique_ptr<llama_context, ContextDeleter> ctx_;
  Batch batch_;             // for ctx_ (one token when shared_ builds the batches)
  std::vector<float> rows_; // with shared_: the logits rows the last decode kept
  // The cache: tokens_[i] ends at byte offsets_[i] of text_, and text_ is what they spell. Only
  // tokens llama_decode has accepted are here.
  std::vector<Token> tokens_;
  std::vector<size_t> offsets_;
  std::string text_;
  bool logits_ready_ = false;  // the last decode ended with tokens_.back() and kept its logits
  std::map<std::string, std::vector<Token>> prefix_tokens_;
  mutable std::vector<Token> byte_tokens_;  // built on first use
  std::vector<Token> eog_tokens_;
  std::vector<llama_token_data> candidates_;  // DrawToken's buffers, kept between tokens
  std::vector<int> top_k_;
};

// p(top-1) - p(top-2) of softmax(logits) (p(top-1) if the vocabulary has one entry); also the
// probability of `token` when token >= 0.
float TopTwoMargin(const float* logits, int n_vocab, Token token, float* p_token);

}  // namespace relaygen

#endif  // RELAYGEN_ENGINE_LLAMA_SESSION_H_
