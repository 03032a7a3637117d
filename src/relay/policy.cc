#include "relay/policy.h"

namespace relaygen {

const char* ToString(Writer writer) { return writer == Writer::kLarge ? "large" : "small"; }

std::string AnswerText(const PolicyResult& result) {
  static const std::string kThinkEnd = "</think>";
  const size_t pos = result.text.rfind(kThinkEnd);
  if (pos == std::string::npos) return "";
  return result.text.substr(pos + kThinkEnd.size());
}

}  // namespace relaygen
