// Speculative decoding inside one model's segments: a drafter proposes the next few tokens, the
// target model evaluates them in one verify batch and keeps the longest prefix it would have drawn
// itself, plus its own next token; both KV caches are rolled back past what was rejected.
//
// Acceptance scheme (exact for any sampling): the target draws every position from its own row
// with its own sampler, the chain LlamaSession::MakeSampler builds; a drafted token is kept while
// it equals the target's draw, and the first draw that differs is the next token. Each position
// is drawn once, in order, so the sampler consumes its random stream exactly as it would without
// speculation: the output is the target's own (greedy: argmax for argmax), up to the numerical
// difference between batched and single-token logits (speculative_test states the tolerance).
//
// Stops, the token budget, margins and streaming go token by token through the SegmentBuilder, so a
// cue or stop inside an accepted run ends the segment exactly where it would without speculation.
#ifndef RELAYGEN_ENGINE_SPECULATIVE_H_
#define RELAYGEN_ENGINE_SPECULATIVE_H_

#include <memory>
#include <string>
#include <vector>

#include "engine/engine.h"

struct llama_model;

namespace relaygen {

class LlamaSession;

// How a model decodes speculatively: the one struct --spec* flags write (cli/flags.h).
struct SpecOptions {
  std::string drafter = "none";  // "none", "draft" (a draft model) or "ngram" (transcript lookup)
  std::string draft_model;       // --spec-draft: a GGUF; empty: the pair's small model
  int n_max = 4;                 // drafted tokens per verify batch, at most (docs/speculative.md)
  bool adaptive = true;          // each batch asks for one more draft than the last one kept
                                 // (off: always n_max; spec-cost measures fixed batch sizes)
  float p_min = 0.5f;            // a draft model stops drafting below this top-1 probability
  int ngram_max = 5;             // the n-gram drafter matches the last ngram_max..ngram_min tokens
  int ngram_min = 3;
};

// The drafter names SpecOptions::drafter accepts ("none", "draft", "ngram").
const std::vector<std::string>& SpecDrafterNames();

// Proposes tokens the target is likely to write next.
class Drafter {
 public:
  virtual ~Drafter() = default;
  // Up to `n_max` tokens to follow `context`, the target's tokens so far (ending with the token it
  // drew last, not evaluated yet), which spell `text`. May return fewer, or none.
  virtual std::vector<Token> Draft(const std::vector<Token>& context, const std::string& text, int n_max) = 0;
};

// Drafts from the transcript itself, no model: finds the earlier occurrences of the context's last
// n tokens (the largest n from ngram_max down to ngram_min that occurred; the latest
// kMaxOccurrences of them) and proposes what followed them for as long as they all agree.
class NgramDrafter : public Drafter {
 public:
  NgramDrafter(int ngram_max, int ngram_min);
  std::vector<Token> Draft(const std::vector<Token>& context, const std::string& text, int n_max) override;

 private:
  static constexpr size_t kMaxOccurrences = 4;  // the latest occurrences that must agree
  int ngram_max_;
  int ngram_min_;
};

// Drafts greedily with a model's session, stopping early when its top-1 probability falls below
// p_min. The session follows the target's text (LlamaSession::Sync keeps what still matches), so
// the relay's small session drafts and stays in step with the transcript at the same time.
class ModelDrafter : public Drafter {
 public:
  // `session` must be a LlamaSession whose vocabulary is `target`'s (CheckDraftVocabulary). It
  // is borrowed, or owned when `owned` holds it.
  ModelDrafter(Session* session, std::unique_ptr<Session> owned, Session* target, float p_min);
  ~ModelDrafter() override;
  std::vector<Token> Draft(const std::vector<Token>& context, const std::string& text, int n_max) override;

 private:
  std::unique_ptr<Session> owned_;
  LlamaSession* session_;
  float p_min_;
};

// Throws relaygen::Error with the reason when tokens of `draft` do not mean the same text as in
// `target` (a different vocabulary size, or a sampled token with another piece).
void CheckDraftVocabulary(const llama_model* target, const llama_model* draft);

// A LlamaSession whose Generate decodes speculatively. Every other call goes to the target as is
// (ContinuesWord included: a background lookahead must not touch the drafter's session).
class SpeculativeSession : public Session {
 public:
  SpeculativeSession(std::unique_ptr<Session> target, std::unique_ptr<Drafter> drafter, const SpecOptions& options);
  ~SpeculativeSession() override;

  Segment Generate(const std::string& transcript, const SegmentRequest& request,
                   const TextCallback& on_text = {}) override;
  PrefillResult Prefill(const std::string& text) override { return target_->Prefill(text); }
  ScoredPrefillResult PrefillScored(const std::string& text, size_t score_from) override {
    return target_->PrefillScored(text, score_from);
  }
  LookaheadResult ContinuesWord(const std::string& transcript, const Sampling& sampling) override {
    return target_->ContinuesWord(transcript, sampling);
  }
  ScoreResult Score(const std::string& context, const std::string& continuation) override {
    return target_->Score(context, continuation);
  }
  int CountTokens(const std::string& text) const override { return target_->CountTokens(text); }

 private:
  struct Run;  // what one Generate call keeps between its steps
  // Draws from `row` with the run's sampler, as LlamaSession::Generate draws.
  Token Draw(Run* run, float* row);
  // Draws the segment's first token (healed as LlamaSession::Generate heals it); -1 when the
  // window has no room for it.
  Token DrawFirst(Run* run);
  // One step: `next` (drawn, not evaluated) goes through the stop matcher, then is evaluated with
  // the drafts that follow it in one batch; keeps the drafts the target draws itself. Returns the
  // next token drawn and not evaluated, or -1 when the segment is complete.
  Token Step(Run* run, Token next);

  std::unique_ptr<Session> target_;
  LlamaSession* llama_;  // target_, as the session below Generate
  std::unique_ptr<Drafter> drafter_;
  SpecOptions options_;
  int draft_length_;  // drafts asked for next: one more than the last batch kept, at most n_max
};

// `target` decoding speculatively with `options.drafter` ("ngram" or "draft"; "none" returns
// `target` as is). A draft model's session is `draft_session` (borrowed: it must outlive the
// result; the relay's small session) or, when that is null, a new session of `draft_model`.
// Throws relaygen::Error when a session is not an embedded llama.cpp one or the vocabularies differ.
std::unique_ptr<Session> MakeSpeculativeSession(std::unique_ptr<Session> target, const SpecOptions& options,
                                                Session* draft_session, Model* draft_model);

}  // namespace relaygen

#endif  // RELAYGEN_ENGINE_SPECULATIVE_H_
