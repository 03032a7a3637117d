// The engine layer: how a model continues text. Backend-agnostic — the llama.cpp implementation
// lives in llama_engine.h; a remote OpenAI-compatible engine can implement the same interface.
//
// Vocabulary:
//   Model        loaded weights + vocabulary + chat template. Cheap to share; opens sessions.
//   Session      one sequence with its own KV state, attached to one Model.
//   transcript   the text every model of a relay appends to (prompt + generated text so far).
//                Each session keeps its own token view of it and, before generating, keeps the
//                longest prefix of its cached tokens that still matches the transcript text and
//                prefills only the rest.
//   segment      one call to Generate: text generated until a stop, end of generation or length.
#ifndef RELAYGEN_ENGINE_ENGINE_H_
#define RELAYGEN_ENGINE_ENGINE_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace relaygen {

using Token = int32_t;

struct Sampling {
  float temperature = 0.0f;  // 0 selects greedy decoding (top_p, top_k and seed are then unused)
  float top_p = 1.0f;        // 1 disables nucleus sampling
  int top_k = 0;             // 0 disables top-k
  uint64_t seed = 0;
  // End-of-generation tokens are never drawn: the model writes until a stop or the budget (what
  // load tests want: llama-server and vLLM call it ignore_eos too).
  bool ignore_eos = false;
};

// A string that ends a segment when it appears in the generated text (bytes, not tokens).
//
// Semantics (tested in stop_matcher_test.cc):
//  * Matching runs on the text stream, so a stop may span several tokens and UTF-8 sequences split
//    across tokens match like any bytes.
//  * A match counts only when it ends inside the text of a token generated once at least
//    SegmentRequest::min_tokens tokens exist (that token included), unless `immediate` is set.
//    Matches suppressed that way never fire later.
//  * When several stops complete in the same token, the one that ends first wins (ties: the longer).
//  * The segment's text is cut right after the stop; any surplus characters of that token are
//    dropped and the token is never written to the KV cache, so transcript and cache agree.
//  * word_boundary: the match must not be glued to a word character (ASCII letter, digit, '_', or
//    any non-ASCII byte) on a side where the stop itself begins/ends with one: `Now` does not fire
//    in `Nowhere` or `KnowNow`. The character before the match may come from earlier transcript
//    text. When the match ends at the end of the text so far, the decision waits for one more
//    token (one token of lookahead): a word character there cancels the match, anything else
//    (or end of generation) confirms it, and the lookahead token is then dropped.
//    At the token budget a match still waiting for lookahead is not confirmed (reason kLength).
struct Stop {
  std::string text;  // must not be empty
  bool word_boundary = false;
  bool immediate = false;  // may fire before min_tokens
};

enum class StopReason {
  kStop,             // a stop string matched (Segment::stop_index says which)
  kEndOfGeneration,  // the model produced an end-of-generation token (not part of the text)
  kLength,           // max_tokens reached, or the context window is full
};
const char* ToString(StopReason reason);

struct SegmentRequest {
  Sampling sampling;
  int max_tokens = 256;  // must be > 0
  int min_tokens = 0;    // stops (other than immediate ones) may fire only from this many tokens on
  std::vector<Stop> stops;
  // Token healing: when non-empty, the first generated token must begin with these bytes. The
  // caller removes them from the end of the transcript first (e.g. the space after `So `), so the
  // model writes them itself as part of a token it would naturally produce (` the`, not ` ` `the`).
  std::string first_token_prefix;
  // Record, for every generated token, the top-2 margin of the distribution it was drawn from
  // (raw probabilities at temperature 1, before top-k/top-p): what a margin-based router needs.
  bool want_margins = false;
  // A word-boundary stop that matches at the very end of the text so far fires at once, with
  // Segment::lookahead_deferred set, instead of generating one more token to see whether a word
  // character follows. The caller settles it later with Session::ContinuesWord — off the critical
  // path, e.g. while another model already continues the text.
  bool defer_lookahead = false;
};

// What speculative decoding did in one segment (engine/speculative.h); all zero without it.
struct SpecStats {
  int drafted = 0;   // tokens a drafter proposed
  int accepted = 0;  // drafted tokens the target model kept (drew itself)
  int batches = 0;   // verify batches (target decodes that carried at least one drafted token)
  double acceptance() const { return drafted > 0 ? static_cast<double>(accepted) / drafted : 0.0; }
  SpecStats& operator+=(const SpecStats& o) {
    drafted += o.drafted;
    accepted += o.accepted;
    batches += o.batches;
    return *this;
  }
};

struct Segment {
  std::string text;           // generated text, cut after the stop if one fired
  std::vector<Token> tokens;  // tokens whose text is (at least partly) in `text`
  StopReason stop_reason = StopReason::kLength;
  int stop_index = -1;        // index into SegmentRequest::stops when stop_reason == kStop
  bool context_full = false;  // kLength because the context window filled up
  int n_reused = 0;           // transcript tokens kept from the session's KV cache
  int n_prefilled = 0;        // transcript tokens evaluated before generating
  double prefill_ms = 0;
  double decode_ms = 0;       // sampling + evaluating generated tokens
  std::vector<float> margins; // with want_margins: one per entry of `tokens`
  // kStop by a word-boundary stop whose right boundary is not checked yet (defer_lookahead). The
  // token that completed it was not evaluated, like a token cut by a stop.
  bool lookahead_deferred = false;
  SpecStats spec;  // speculative decoding (engine/speculative.h)
};

// Called with generated text as soon as it can no longer become part of a stop match, in complete
// UTF-8 sequences where the model produced them. Return false to cancel generation (kLength).
using TextCallback = std::function<bool(std::string_view text)>;

// The answer of Session::ContinuesWord.
struct LookaheadResult {
  bool continues_word = false;
  int n_prefilled = 0;  // transcript tokens evaluated to answer
  double ms = 0;
};

// Teacher-forced scores of one continuation token.
struct TokenScore {
  Token token = 0;
  std::string piece;   // the token's text
  float margin = 0;    // p(top-1) - p(top-2) of the distribution that predicted this token
  float p_token = 0;   // probability the model gave this token
};

// One token a scored prefill evaluated (Session::PrefillScored).
struct PrefillToken {
  size_t begin = 0;   // byte offset of the token's text in the prefilled text
  std::string piece;  // the token's text
  float margin = 0;   // p(top-1) - p(top-2) of the distribution that predicted it (as TokenScore)
};

// What a Prefill call evaluated.
struct PrefillResult {
  int n_prefilled = 0;  // tokens evaluated (0 when the text was already cached)
  double ms = 0;
};

// What a PrefillScored call evaluated, and every evaluated token whose predicting distribution
// this call saw, in text order (a token re-evaluated only to get its logits back is not among them).
struct ScoredPrefillResult : PrefillResult {
  std::vector<PrefillToken> scored;
};

struct ScoreResult {
  std::vector<TokenScore> tokens;
  int n_reused = 0;     // context tokens kept from the KV cache
  int n_prefilled = 0;  // context tokens evaluated
  double ms = 0;
};

class Session {
 public:
  virtual ~Session() = default;

  // Continues `transcript` by one segment. Throws relaygen::Error on invalid requests (empty stop,
  // max_tokens <= 0), and ContextOverflow when a fresh session's transcript does not fit the
  // context. A session that has already evaluated part of the transcript instead returns an empty
  // segment with context_full set: generated text filling the window is a normal end. The transcript is bytes:
  // models may emit broken UTF-8, so validating user input is the caller's job.
  virtual Segment Generate(const std::string& transcript, const SegmentRequest& request,
                           const TextCallback& on_text = {}) = 0;

  // Evaluates `text`, the start of a transcript this session will continue later, so that the
  // later Generate prefills only what follows it (e.g. text another party is still writing).
  // Cached text that `text` is a prefix of is kept as it is. May be called from another thread
  // than the other calls, never at the same time as them. Engines without a local cache keep the
  // default, which does nothing.
  virtual PrefillResult Prefill(const std::string& text) {
    (void)text;
    return {};
  }

  // Prefill, and also the top-2 margin of each evaluated token that starts at or after byte
  // `score_from`, from the distribution of the token before it: what Score gives for that text,
  // for the price of the logits of those tokens (text before `score_from` is prefilled as Prefill
  // does, without them).
  // How the relay measures its small model on the large model's text while it reads along
  // (online calibration, docs/online-calibration.md). The default throws relaygen::Error:
  // engines without local logits cannot do it.
  virtual ScoredPrefillResult PrefillScored(const std::string& text, size_t score_from);

  // The deferred lookahead of a word-boundary stop: draws the token that would follow `transcript`
  // and tells whether it begins with a word character (then the stop was inside a word and does
  // not count). The token is neither kept nor evaluated. The default asks Generate for one token.
  virtual LookaheadResult ContinuesWord(const std::string& transcript, const Sampling& sampling);

  // Teacher-forces `continuation` after `context` and scores every continuation token.
  virtual ScoreResult Score(const std::string& context, const std::string& continuation) = 0;

  // Number of tokens `text` is made of for this session's model.
  virtual int CountTokens(const std::string& text) const = 0;
};

struct ChatMessage {
  std::string role;  // "system", "user" or "assistant"
  std::string content;
};

class Model {
 public:
  virtual ~Model() = default;
  virtual const std::string& name() const = 0;

  // The prompt for `messages` rendered with the model's own chat template, ending with the
  // assistant turn opened and thinking enabled (the model writes `<think>` or it is prefilled,
  // as the template does).
  virtual std::string RenderChat(const std::vector<ChatMessage>& messages) const = 0;

  virtual std::unique_ptr<Session> NewSession() = 0;
};

}  // namespace relaygen

#endif  // RELAYGEN_ENGINE_ENGINE_H_
