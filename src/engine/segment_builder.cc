#include "engine/segment_builder.h"

#include <string>

#include "util/error.h"

namespace relaygen {

SegmentBuilder::SegmentBuilder(const SegmentRequest& request, std::string_view transcript,
                               const TextCallback& on_text)
    : max_tokens_(request.max_tokens),
      want_margins_(request.want_margins),
      defer_lookahead_(request.defer_lookahead),
      on_text_(on_text),
      matcher_(request.stops, request.min_tokens, transcript) {
  if (request.max_tokens <= 0) {
    throw Error("max tokens must be positive (got " + std::to_string(request.max_tokens) + ")");
  }
}

bool SegmentBuilder::Add(Token token, std::string_view piece, float margin) {
  StopMatcher::Result r = matcher_.Push(piece);
  if (!r.fired && defer_lookahead_ && matcher_.pending()) {
    r = matcher_.FirePending();
    seg_.lookahead_deferred = true;
  }
  if (r.fired) {
    // The stop ends inside this token: the text is cut there and the token is never evaluated,
    // so an engine's cache holds exactly the kept text (the cut remainder is prefilled next time
    // if needed). A lookahead token contributes nothing at all.
    if (!r.drop_token) {
      seg_.tokens.push_back(token);
      if (want_margins_) seg_.margins.push_back(margin);
    }
    seg_.text = matcher_.text().substr(0, r.cut);
    seg_.stop_reason = StopReason::kStop;
    seg_.stop_index = r.stop_index;
    stopped_ = true;
    return false;
  }
  seg_.tokens.push_back(token);
  if (want_margins_) seg_.margins.push_back(margin);
  bool go_on = true;
  // Everything pushed before is final (a stop is kept in the text and cuts only inside the newest
  // token), so all complete UTF-8 sequences can be shown.
  const size_t safe = matcher_.SafeLength();
  if (on_text_ && safe > emitted_) {
    go_on = on_text_(std::string_view(matcher_.text()).substr(emitted_, safe - emitted_));
    emitted_ = safe;
  }
  return go_on && static_cast<int>(seg_.tokens.size()) < max_tokens_;
}

void SegmentBuilder::EndOfGeneration() {
  // A word-boundary match waiting for its lookahead is confirmed: the text really ends there.
  const StopMatcher::Result r = matcher_.Finish(true);
  if (!r.fired) {
    seg_.stop_reason = StopReason::kEndOfGeneration;
    return;
  }
  seg_.text = matcher_.text().substr(0, r.cut);
  seg_.stop_reason = StopReason::kStop;
  seg_.stop_index = r.stop_index;
  stopped_ = true;
}

void SegmentBuilder::ContextFull() { seg_.context_full = true; }

Segment SegmentBuilder::Finish() {
  if (!stopped_) {
    if (seg_.stop_reason == StopReason::kLength) matcher_.Finish(false);  // budget, cancel, context
    seg_.text = matcher_.text();
  }
  if (on_text_ && seg_.text.size() > emitted_) {
    on_text_(std::string_view(seg_.text).substr(emitted_));
    emitted_ = seg_.text.size();
  }
  return std::move(seg_);
}

}  // namespace relaygen
