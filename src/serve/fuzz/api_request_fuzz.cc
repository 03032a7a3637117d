// libFuzzer target: any body, either endpoint. ParseApiRequest must return a request or
// throw ApiError, never anything else, and what it returns must satisfy the limits it enforces.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "serve/api_request.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace relaygen;
  static const RequestDefaults defaults = [] {
    RequestDefaults d;
    d.max_tokens_limit = 4096;
    d.policies = {"large", "small", "relay"};
    d.profiles = {"", "math"};
    return d;
  }();
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  for (bool chat : {true, false}) {
    try {
      const ApiRequest r = ParseApiRequest(body, chat, defaults);
      if (r.max_tokens < 1 || r.max_tokens > defaults.max_tokens_limit) std::abort();
      if (r.stop.size() > defaults.max_stops) std::abort();
      if (r.sampling.temperature < 0 || r.sampling.top_p <= 0 || r.sampling.top_p > 1) std::abort();
      if (chat ? r.messages.empty() : r.prompt.empty()) std::abort();
    } catch (const ApiError&) {
    }
  }
  return 0;
}
