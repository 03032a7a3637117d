// A policy decides which model writes which part of one generation. All policies — single model,
// RelayGen, and the baselines — produce the same record, so evaluation, benchmarking and serving
// treat them alike.
#ifndef RELAYGEN_RELAY_POLICY_H_
#define RELAYGEN_RELAY_POLICY_H_

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/engine.h"

namespace relaygen {

enum class Writer { kLarge, kSmall };
const char* ToString(Writer writer);

// One contiguous piece of the output written by one model.
struct SegmentRecord {
  Writer writer = Writer::kLarge;
  bool answer = false;      // written after </think>
  std::string text;
  int tokens = 0;           // generated tokens (count toward the budget)
  std::string ended_by;     // "cue:<cue>", "sentence", "</think>", "eos", "budget", ...
  int prefill_tokens = 0;   // transcript tokens the writer had to evaluate before this segment
  double prefill_ms = 0;
  double decode_ms = 0;
  // Text the policy inserted itself rather than a model (the `</think>` that closes reasoning cut
  // off by the budget, spec-thinking's recap prompt). tokens == 0; `writer` is the model that
  // reads it next.
  bool inserted = false;
  SpecStats spec;  // speculative decoding in this segment (+spec policies)
};

struct RunStats {
  int large_tokens = 0;
  int small_tokens = 0;     // answer tokens count as small
  int switches_l_to_s = 0;
  int switches_s_to_l = 0;
  double large_utilization = 0;  // large_tokens / (large_tokens + small_tokens)
  double wall_ms = 0;
  int handoff_prefill_tokens = 0;  // tokens prefilled at handoffs (excludes the first prompt prefill)
  // Tokens the idle model prefilled in the background while the other one wrote (prefill ahead),
  // and the time that took on the worker thread (not on the request's critical path).
  int ahead_prefill_tokens = 0;
  double ahead_prefill_ms = 0;
  // Word cues whose lookahead token the large model drew in the background (their prefill is
  // counted in ahead_prefill_*).
  int deferred_lookaheads = 0;
  double prompt_prefill_ms = 0;    // the large (or only) model's first prefill of the prompt
  // Tokens generated but not kept in the output (spec-thinking's rejected peeks, token-router's
  // overruled small-model proposals): compute spent, not part of the budget.
  int discarded_tokens = 0;
  // Selected cues that did not switch (RelayOptions::explore): the large model wrote on.
  int explored_cues = 0;
  SpecStats spec;  // speculative decoding, all segments (+spec policies)
};

struct PolicyResult {
  std::string text;    // everything generated after the prompt (reasoning + answer)
  RunStats stats;
  std::vector<SegmentRecord> segments;
  // With RelayOptions::score_read_along: what the small model read ahead while the large model
  // wrote, with its margins (`begin` counts bytes of prompt + text). Online calibration's input.
  std::vector<PrefillToken> read_along;
  // Byte offsets in `text` right after each selected cue that did not switch (exploration).
  std::vector<size_t> explored;
};

// What ends the reasoning block in the chat formats relaygen runs (Qwen3, DeepSeek-R1), and the
// stop every policy watches for: it fires at once, even before min_tokens, and mid-token.
extern const char kThinkEndTag[];  // "</think>"
Stop ThinkEndStop();

// The final answer: the text after the last `</think>` (empty when reasoning never ended).
std::string AnswerText(const PolicyResult& result);

// SegmentRecord::ended_by of a segment by how the engine ended it: "stop", or for segments that
// did not end on a stop "eos", "budget" or "context" (the window filled up).
std::string EndReason(const Segment& segment);

// Runs one request. `prompt` is the full prompt text (already rendered with the chat template).
// `on_text` (optional) receives the output as it is produced, with the writer of each piece.
class Policy {
 public:
  virtual ~Policy() = default;
  virtual const std::string& name() const = 0;
  virtual PolicyResult Run(const std::string& prompt, const Sampling& sampling, int max_tokens,
                           const std::function<void(Writer, std::string_view)>& on_text = {}) = 0;
};

}  // namespace relaygen

#endif  // RELAYGEN_RELAY_POLICY_H_
