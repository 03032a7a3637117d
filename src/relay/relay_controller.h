// The RelayGen runtime (SPEC §3): the large model writes until a switch cue, the small model
// finishes that sentence, control returns to the large model; after `</think>` the small model
// writes the whole answer. One token budget is shared by both models.
//
// The same controller runs the `answer-only` baseline (no cues: the large model reasons, the
// small one answers) and the `all-cues` ablation (every candidate cue).
#ifndef RELAYGEN_RELAY_RELAY_CONTROLLER_H_
#define RELAYGEN_RELAY_RELAY_CONTROLLER_H_

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "engine/engine.h"
#include "relay/cue_regions.h"
#include "relay/policy.h"
#include "relay/prefill_ahead.h"

namespace relaygen {

struct RelayOptions {
  std::string name = "relay";
  std::vector<std::string> cues;        // switch cues; empty: the large model keeps the reasoning
  CueMatch match = CueMatch::kWordBoundary;  // kSubstring: the reference's plain stop strings
  // The reference hands over the raw text: after a cue that ends in whitespace (`So `) the small
  // model continues after a bare space. Without raw_handoff the whitespace is backed off and the
  // small model's first token must supply it (token healing).
  bool raw_handoff = false;
  int min_large_tokens = 5;  // per L turn before a cue may stop it (the reference's min_tokens)
  // Prefill ahead (prefill_ahead.h): the model not writing prefills the text on a worker thread,
  // so a handoff prefills only the last word or two. The reference prefills it all at the handoff.
  bool prefill_ahead = true;
  // How long prefill ahead's threads poll before sleeping (PrefillAhead::kDefaultSpin).
  std::chrono::microseconds prefill_ahead_spin = PrefillAhead::kDefaultSpin;
  // Online calibration (docs/online-calibration.md): the small model reads ahead with margins
  // (PolicyResult::read_along; needs prefill_ahead), and with probability `explore` a selected cue
  // does not switch, so that its sentence too is large-model text the small model reads. The
  // draw is a hash of the request's seed and the position: deterministic for a seed.
  bool score_read_along = false;
  double explore = 0;
  // The small session drafts for the large one (a +spec policy, engine/speculative.h), which keeps
  // it in step with the transcript: prefill ahead does not follow it during the large model's
  // turns (the two would take turns on one session).
  bool small_drafts = false;
};

// Whether the cue that ends `generated_size` bytes of output is explored (does not switch).
bool ExploreCue(uint64_t seed, size_t generated_size, double rate);

// Stops of mode L: the cues (word-boundary unless kSubstring), then `</think>` (immediate).
std::vector<Stop> LargeModeStops(const RelayOptions& options);
// Stops of mode S: `.` `!` `?` `\n\n`, then `</think>` (immediate).
std::vector<Stop> SmallModeStops();

// What closes reasoning the models left open (budget, end of generation), as in the reference.
extern const char* const kForcedThinkEnd;  // "\n</think>"

class RelayController : public Policy {
 public:
  // The sessions are borrowed and must outlive the controller. They may be reused across Run
  // calls: each one keeps its KV cache and prefills only transcript text it has not seen.
  RelayController(Session* large, Session* small, RelayOptions options);

  const std::string& name() const override { return options_.name; }
  PolicyResult Run(const std::string& prompt, const Sampling& sampling, int max_tokens,
                   const std::function<void(Writer, std::string_view)>& on_text = {}) override;

 private:
  // Where a run is. Reasoning alternates between mode L and mode S; an answer follows it.
  enum class State {
    kLarge,         // mode L: the large model writes until a cue (after min_large_tokens) or </think>
    kLargeResumed,  // mode L again, after a deferred cue proved to be inside a word: the same turn
                    // goes on, with no new minimum before a cue, in the same record
    kSmall,         // mode S: the small model finishes the sentence a cue began
    kSmallAfterDeferredCue,  // mode S while the large model still draws the cue's lookahead
                             // token: the small model's text is held back, and withdrawn (its
                             // generation cancelled) if the cue was inside a word
    kReasoningLeftOpen,      // budget or end of generation ended the reasoning without </think>
    kAnswer,        // the small model writes the answer
    kDone,          // finished, or a context window is full
  };

  Session* large_;
  Session* small_;
  RelayOptions options_;
  std::vector<Stop> large_stops_;
  std::vector<Stop> small_stops_;
  std::unique_ptr<PrefillAhead> ahead_;  // null without options_.prefill_ahead
};

}  // namespace relaygen

#endif  // RELAYGEN_RELAY_RELAY_CONTROLLER_H_
