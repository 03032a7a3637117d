// What an OpenAI client sees of the text a policy writes: the reasoning (everything before
// `</think>`, a leading `<think>` dropped) and the answer (after it) as separate fields, cut
// before the first of the request's stop strings.
//
// Text that might still turn into a stop string or `</think>` is held back until the next piece
// decides, so a client never receives text that a stop later takes back. Stop strings are matched
// on everything the models write, reasoning included, as llama-server and vLLM match them.
#ifndef RELAYGEN_SERVE_OUTPUT_STREAM_H_
#define RELAYGEN_SERVE_OUTPUT_STREAM_H_

#include <string>
#include <string_view>
#include <vector>

#include "relay/policy.h"

namespace relaygen {

struct OutputDelta {
  bool reasoning = false;  // reasoning text (else answer text)
  Writer writer = Writer::kLarge;
  std::string text;
};

class OutputStream {
 public:
  // With `split_reasoning` false (the completions endpoint) all text is answer text and `</think>`
  // is kept as written.
  OutputStream(std::vector<std::string> stops, bool split_reasoning);

  // Takes text `writer` wrote and appends to `out` what can be sent now. Returns false once a stop
  // string has matched: the rest of the generation is not wanted.
  bool Add(Writer writer, std::string_view text, std::vector<OutputDelta>* out);
  // The generation ended: appends the text held back.
  void Finish(std::vector<OutputDelta>* out);

  bool stopped() const { return stopped_; }
  const std::string& reasoning() const { return reasoning_; }
  const std::string& content() const { return content_; }

 private:
  enum class Phase { kStart, kReasoning, kAnswer };
  struct Run {
    Writer writer;
    size_t bytes;
  };
  // Moves the first `n` bytes of pending_ to `out` in the current phase; `drop` more are discarded.
  void Emit(size_t n, size_t drop, std::vector<OutputDelta>* out);
  // Decides a leading `<think>` (false: more text is needed to tell, unless `final`).
  bool SettleStart(bool final);
  // Whether a stop matches (or, with `partial`, may yet match) from a position in [begin, end) of
  // pending_: then a tag there is not taken out, since stops see the text as written.
  bool StopMayStartIn(size_t begin, size_t end, bool partial) const;
  // The bytes at the end of pending_ that may begin a stop (or `</think>` while reasoning).
  size_t HeldBack() const;
  // Sends what is decided; `final` (no more text comes) sends everything up to a stop.
  void Scan(std::vector<OutputDelta>* out, bool final);

  std::vector<std::string> stops_;
  bool split_;
  Phase phase_;
  bool stopped_ = false;
  std::string pending_;    // received, not yet sent
  std::vector<Run> runs_;  // who wrote pending_, in order
  std::string reasoning_;  // sent so far
  std::string content_;
};

}  // namespace relaygen

#endif  // RELAYGEN_SERVE_OUTPUT_STREAM_H_
