#include "relay/policy.h"

namespace relaygen {

const char kThinkEndTag[] = "</think>";

const char* ToString(Writer writer) { return writer == Writer::kLarge ? "large" : "small"; }

Stop ThinkEndStop() { return Stop{kThinkEndTag, /*word_boundary=*/false, /*immediate=*/true}; }

std::string AnswerText(const PolicyResult& result) {
  const size_t pos = result.text.rfind(kThinkEndTag);
  if (pos == std::string::npos) return "";
  return result.text.substr(pos + std::string_view(kThinkEndTag).size());
}

std::string EndReason(const Segment& segment) {
  switch (segment.stop_reason) {
    case StopReason::kEndOfGeneration:
      return "eos";
    case StopReason::kLength:
      return segment.context_full ? "context" : "budget";
    case StopReason::kStop:
      break;
  }
  return "stop";
}

}  // namespace relaygen
