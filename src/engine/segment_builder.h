// The model-independent half of Session::Generate: the stop semantics (StopMatcher), the token
// budget, margins, and streaming through the TextCallback. An engine samples and evaluates tokens;
// it hands every sampled token to a SegmentBuilder, which says whether to evaluate it and go on.
//
// LlamaSession generates through it, and so do scripted engines written for tests, which thereby
// keep the engine's contract instead of a copy of it.
#ifndef RELAYGEN_ENGINE_SEGMENT_BUILDER_H_
#define RELAYGEN_ENGINE_SEGMENT_BUILDER_H_

#include <cstddef>
#include <string_view>

#include "engine/engine.h"
#include "engine/stop_matcher.h"

namespace relaygen {

class SegmentBuilder {
 public:
  // `transcript` is the text the segment continues (its last byte matters for word boundaries).
  // Throws relaygen::Error on an invalid request (max_tokens <= 0, an empty stop). `on_text` is
  // borrowed (it must outlive the builder) and may be empty.
  SegmentBuilder(const SegmentRequest& request, std::string_view transcript, const TextCallback& on_text);

  // A sampled token that is not end of generation, and the top-2 margin of the distribution it
  // was drawn from (kept only with want_margins). True: evaluate the token and sample the next.
  // False: the segment is complete (a stop fired, the budget is spent, or the callback cancelled)
  // and the token must not be evaluated. A token only used as a word-boundary lookahead is not
  // added to Segment::tokens.
  bool Add(Token token, std::string_view piece, float margin);
  // The model produced end of generation instead of a token.
  void EndOfGeneration();
  // The context window has no room for another token.
  void ContextFull();

  // Completes the segment: its text, and the text not streamed yet goes to the callback (whose
  // answer no longer matters). The engine fills in its own fields (prefill, timing) afterwards.
  Segment Finish();

 private:
  const int max_tokens_;
  const bool want_margins_;
  const bool defer_lookahead_;
  const TextCallback& on_text_;
  StopMatcher matcher_;
  Segment seg_;
  size_t emitted_ = 0;    // bytes of matcher_.text() given to on_text_
  bool stopped_ = false;  // a stop fired: seg_.text is set
};

}  // namespace relaygen

#endif  // RELAYGEN_ENGINE_SEGMENT_BUILDER_H_
