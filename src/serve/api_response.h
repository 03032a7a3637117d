// The OpenAI response shapes relaygen serve writes: whole responses, streamed chunks, usage, errors.
#ifndef RELAYGEN_SERVE_API_RESPONSE_H_
#define RELAYGEN_SERVE_API_RESPONSE_H_

#include <nlohmann/json.hpp>

#include <string>

#include "serve/api_request.h"
#include "serve/generation.h"
#include "serve/output_stream.h"

namespace relaygen {

// What every response of one request shares.
struct ResponseHeader {
  std::string id;       // "chatcmpl-…" or "cmpl-…"
  int64_t created = 0;  // Unix seconds
  std::string model;    // as the request named it
  bool chat = true;
};

// {prompt_tokens, completion_tokens, total_tokens, prompt_tokens_details: {cached_tokens},
//  relaygen: {policy, large_tokens, small_tokens, switches, large_utilization, …}}
nlohmann::ordered_json UsageJson(const std::string& policy, const GenerationResult& result);

// A whole (non-streamed) response.
nlohmann::ordered_json ResponseJson(const ResponseHeader& header, const std::string& policy,
                                    const GenerationResult& result);

// One streamed chunk carrying `delta` (the first chunk of a chat stream also carries the role).
nlohmann::ordered_json DeltaChunk(const ResponseHeader& header, const OutputDelta& delta, bool first);
// The chunk that ends the choice with its finish_reason.
nlohmann::ordered_json FinishChunk(const ResponseHeader& header, const std::string& finish_reason);
// The usage chunk of stream_options.include_usage (no choices).
nlohmann::ordered_json UsageChunk(const ResponseHeader& header, const std::string& policy,
                                  const GenerationResult& result);

// {"error": {"message", "type", "param", "code"}}
nlohmann::ordered_json ErrorJson(int status, const std::string& type, const std::string& param,
                                 const std::string& message);

// JSON text, with bytes that are not UTF-8 (a model may write them) replaced.
std::string Dump(const nlohmann::ordered_json& json);

}  // namespace relaygen

#endif  // RELAYGEN_SERVE_API_RESPONSE_H_
