// Out-of-line parts of the engine interface (engine.h) that every engine shares.
#include "engine/engine.h"

#include "engine/stop_matcher.h"
#include "util/error.h"

namespace relaygen {

const char* ToString(StopReason reason) {
  switch (reason) {
    case StopReason::kStop: return "stop";
    case StopReason::kEndOfGeneration: return "eos";
    case StopReason::kLength: return "length";
  }
  return "?";
}

LookaheadResult Session::ContinuesWord(const std::string& transcript, const Sampling& sampling) {
  SegmentRequest one;
  one.sampling = sampling;
  one.max_tokens = 1;
  const Segment next = Generate(transcript, one);
  LookaheadResult result;
  result.continues_word = !next.text.empty() && IsWordByte(next.text[0]);
  result.n_prefilled = next.n_prefilled;
  result.ms = next.prefill_ms + next.decode_ms;
  return result;
}

ScoredPrefillResult Session::PrefillScored(const std::string& text, size_t score_from) {
  (void)text;
  (void)score_from;
  throw Error("this engine cannot score the text it prefills (online statistics need an embedded small model)");
}

}  // namespace relaygen
