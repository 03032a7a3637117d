// Bookkeeping shared by every policy: appends segments to the transcript and the result, keeps
// the totals of RunStats, streams text to the caller, and derives per-segment sampling seeds.
// Keeping it in one place is what makes all policies report the same numbers the same way.
#ifndef RELAYGEN_RELAY_RUN_RECORDER_H_
#define RELAYGEN_RELAY_RUN_RECORDER_H_

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "engine/engine.h"
#include "relay/policy.h"
#include "relay/prefill_ahead.h"

namespace relaygen {

using PolicyTextCallback = std::function<void(Writer, std::string_view)>;

class RunRecorder {
 public:
  RunRecorder(std::string prompt, const Sampling& sampling, int max_tokens,
              const PolicyTextCallback& on_text);

  RunRecorder(const RunRecorder&) = delete;
  RunRecorder& operator=(const RunRecorder&) = delete;

  // Prompt + everything kept so far: what the next model continues.
  const std::string& transcript() const { return transcript_; }
  const std::string& generated() const { return result_.text; }
  int remaining() const { return max_tokens_ - used_; }
  int used() const { return used_; }

  // Sampling for the next Generate call. Each call gets its own seed (derived from the request's
  // seed and a call counter) so that segments, and single-token steps above all, do not replay
  // the same random draws.
  Sampling NextSampling();

  // A TextCallback for the next Generate of `writer`: forwards text to the caller as it streams,
  // holding back trailing whitespace and sentence-ending punctuation, which token healing may hand
  // to the next model.
  TextCallback Stream(Writer writer);

  // Records a model's segment whose kept text is `kept` (segment.text, or a prefix of it when the
  // policy backs off trailing whitespace). With `merge`, a segment continuing the previous record
  // of the same writer extends it instead of opening a new one (token-level policies).
  void Add(Writer writer, bool answer, const Segment& segment, std::string_view kept,
           const std::string& ended_by, bool merge = false);

  // Appends text no model generated (a closing `</think>`, a recap prompt).
  void Insert(Writer next_reader, bool answer, const std::string& text, const std::string& why);

  // Backs `n` bytes off the end of the transcript and of the last record (token healing). They
  // must be whitespace or punctuation that was never streamed.
  void BackOff(size_t n);

  void AddDiscarded(int tokens) { result_.stats.discarded_tokens += tokens; }

  // Background prefill an idle model did while the other one wrote (prefill ahead).
  void AddAheadPrefill(const PrefillAheadStats& stats) {
    result_.stats.ahead_prefill_tokens += stats.tokens;
    result_.stats.ahead_prefill_ms += stats.ms;
    result_.stats.deferred_lookaheads += stats.lookaheads;
    AddReadAlong(stats.scored);
  }
  // Tokens the small model read with margins (PolicyResult::read_along).
  void AddReadAlong(const std::vector<PrefillToken>& scored) {
    result_.read_along.insert(result_.read_along.end(), scored.begin(), scored.end());
  }
  // A selected cue that did not switch ends here, at the end of the text so far.
  void MarkExplored() {
    result_.explored.push_back(result_.text.size());
    result_.stats.explored_cues += 1;
  }

  // Finalizes the totals (switches, utilization, wall time) and returns the record.
  PolicyResult Finish();

 private:
  void Emit(Writer writer, std::string_view text);

  std::string transcript_;
  Sampling sampling_;
  int max_tokens_;
  int used_ = 0;
  PolicyTextCallback on_text_;
  PolicyResult result_;
  uint64_t calls_ = 0;
  bool first_generate_ = true;
  // Streaming state of the segment in flight.
  std::string held_;     // trailing whitespace not yet forwarded
  Writer held_writer_ = Writer::kLarge;
  size_t streamed_ = 0;  // bytes of the current segment forwarded or held
  std::chrono::steady_clock::time_point start_;
};

// splitmix64: a well-mixed 64-bit hash, used to derive seeds.
uint64_t MixSeed(uint64_t x);

}  // namespace relaygen

#endif  // RELAYGEN_RELAY_RUN_RECORDER_H_
