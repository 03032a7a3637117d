// A scripted engine for tests of the policy layer: a Session that emits the tokens of a tape in
// order. It generates through the engine's own SegmentBuilder, so stops, min_tokens, max_tokens,
// margins, streaming and cancellation (the TextCallback contract) are the real engine's; token
// healing prefixes are checked. No model, so state-machine tests are exact and instant.
#ifndef RELAYGEN_RELAY_SCRIPTED_SESSION_H_
#define RELAYGEN_RELAY_SCRIPTED_SESSION_H_

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "engine/engine.h"

namespace relaygen {

struct ScriptedToken {
  ScriptedToken(const char* t, float m = 1.0f) : text(t), margin(m) {}  // NOLINT: implicit
  ScriptedToken(std::string t, float m = 1.0f) : text(std::move(t)), margin(m) {}  // NOLINT
  std::string text;     // kEos for end of generation
  float margin = 1.0f;  // reported with want_margins
};
extern const char* const kEos;  // "<eos>"

// Splits text the way the scripted engine counts tokens: a word with its leading spaces, a run
// of digits, each punctuation character, each newline.
std::vector<std::string> SimpleTokenize(const std::string& text);

class ScriptedSession : public Session {
 public:
  // Each entry is one token; kEos marks end of generation, and so does the end of the tape.
  explicit ScriptedSession(std::vector<ScriptedToken> tape);

  Segment Generate(const std::string& transcript, const SegmentRequest& request,
                   const TextCallback& on_text = {}) override;
  // Peeks at the next tape token without consuming it, as the inline lookahead does.
  LookaheadResult ContinuesWord(const std::string& transcript, const Sampling& sampling) override;
  ScoreResult Score(const std::string& context, const std::string& continuation) override;
  int CountTokens(const std::string& text) const override;

  struct Call {
    std::string transcript;
    SegmentRequest request;
    Segment segment;
  };
  const std::vector<Call>& calls() const { return calls_; }
  // A context window of `tokens` (SimpleTokenize tokens): a transcript longer than that fails a
  // fresh session with ContextOverflow and ends a used one with context_full, as LlamaSession does.
  void set_context_tokens(int tokens) { context_tokens_ = tokens; }
  size_t position() const { return pos_; }

  // Margins returned by Score: f(context, continuation tokens so far, piece). Default: a hash of
  // the text, in [0, 1), so results are deterministic but not uniform.
  using MarginFn = std::function<float(const std::string& context, const std::string& before,
                                       const std::string& piece)>;
  void set_margin_fn(MarginFn fn) { margin_fn_ = std::move(fn); }

  // Called before the token at tape index `position` is produced (Generate), and before a deferred
  // lookahead is answered (ContinuesWord, which a relay runs on its worker thread): lets a test
  // order events across the two models of a relay. Set them before the session is used.
  void set_before_token(std::function<void(size_t position)> fn) { before_token_ = std::move(fn); }
  void set_before_lookahead(std::function<void()> fn) { before_lookahead_ = std::move(fn); }

 private:
  std::vector<ScriptedToken> tape_;
  size_t pos_ = 0;
  std::string cached_;  // transcript + kept text of the last call: the "KV cache"
  std::vector<Call> calls_;
  MarginFn margin_fn_;
  int context_tokens_ = 1 << 30;
  std::function<void(size_t)> before_token_;
  std::function<void()> before_lookahead_;
};

// A Model over a shared tape: every session reads the next tokens of the same tape, so traces
// generated in sequence are reproducible. RenderChat is a fixed toy template.
class ScriptedModel : public Model {
 public:
  ScriptedModel(std::string name, std::vector<std::string> tape);
  const std::string& name() const override { return name_; }
  std::string RenderChat(const std::vector<ChatMessage>& messages) const override;
  std::unique_ptr<Session> NewSession() override;

 private:
  std::string name_;
  std::shared_ptr<ScriptedSession> shared_;
};

}  // namespace relaygen

#endif  // RELAYGEN_RELAY_SCRIPTED_SESSION_H_
