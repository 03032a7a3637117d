#include "serve/stoppable_session.h"

namespace relaygen {

Segment StoppableSession::Generate(const std::string& transcript, const SegmentRequest& request,
                                   const TextCallback& on_text) {
  // A stopped request ends like a full context window: every policy ends its run there at once
  // (at the end of a budget some would go on, e.g. to close the reasoning and answer).
  if (stopped()) return Stopped(Segment{});
  // The engine stops generating when the callback returns false; it is asked after every piece of
  // text, so a stop takes effect within one token.
  const TextCallback watched = [this, &on_text](std::string_view text) {
    if (stopped()) return false;
    const bool go_on = on_text ? on_text(text) : true;
    return go_on && !stopped();
  };
  Segment seg = inner_->Generate(transcript, request, watched);
  return stopped() ? Stopped(std::move(seg)) : seg;
}

Segment StoppableSession::Stopped(Segment seg) {
  seg.stop_reason = StopReason::kLength;
  seg.context_full = true;
  return seg;
}

PrefillResult StoppableSession::Prefill(const std::string& text) {
  if (stopped()) return {};
  return inner_->Prefill(text);
}

ScoredPrefillResult StoppableSession::PrefillScored(const std::string& text, size_t score_from) {
  if (stopped()) return {};
  return inner_->PrefillScored(text, score_from);
}

LookaheadResult StoppableSession::ContinuesWord(const std::string& transcript, const Sampling& sampling) {
  if (stopped()) return {};
  return inner_->ContinuesWord(transcript, sampling);
}

ScoreResult StoppableSession::Score(const std::string& context, const std::string& continuation) {
  return inner_->Score(context, continuation);
}

}  // namespace relaygen
