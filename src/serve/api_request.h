// The OpenAI request shapes relaygen serve accepts (/v1/chat/completions and /v1/completions),
// parsed and checked in one place so every bad request gets a status and a message before any
// model work starts.
#ifndef RELAYGEN_SERVE_API_REQUEST_H_
#define RELAYGEN_SERVE_API_REQUEST_H_

#include <string>
#include <string_view>
#include <vector>

#include "engine/engine.h"
#include "util/error.h"

namespace relaygen {

// A request the server refuses: an HTTP status and OpenAI's error fields.
class ApiError : public Error {
 public:
  ApiError(int status, std::string type, std::string param, const std::string& message)
      : Error(message), status_(status), type_(std::move(type)), param_(std::move(param)) {}
  int status() const { return status_; }
  const std::string& type() const { return type_; }    // "invalid_request_error", ...
  const std::string& param() const { return param_; }  // the offending field, or ""

 private:
  int status_;
  std::string type_;
  std::string param_;
};

// What the server fills in when a request leaves a field out, and what it allows.
struct RequestDefaults {
  Sampling sampling;           // the serve command's --temp/--top-p/--top-k/--seed
  int max_tokens = 4096;       // when the request gives none
  int max_tokens_limit = 32768;  // larger requests are refused (400)
  std::string policy = "relay";
  std::vector<std::string> policies;  // the names a request may pick
  std::vector<std::string> profiles;  // cue profile names a request may pick ("" is the default)
  size_t max_stops = 4;        // as OpenAI
};

struct ApiRequest {
  bool chat = true;                    // /v1/chat/completions (else /v1/completions)
  std::vector<ChatMessage> messages;   // chat
  std::string prompt;                  // completions: the prompt as is (no chat template)
  std::string model;                   // as the client sent it (echoed in responses)
  std::string policy;                  // resolved: from relaygen.policy, the model name, or the default
  std::string profile;                 // relaygen.profile ("" = the default profile)
  int max_tokens = 0;
  Sampling sampling;
  std::vector<std::string> stop;
  bool stream = false;
  bool include_usage = false;          // stream_options.include_usage
};

// The model names a client may send: "relaygen" (the default policy) and "relaygen/<policy>".
std::string ModelNameForPolicy(const std::string& policy);

// Parses a request body. Throws ApiError (400 for malformed or invalid fields, 404 for an unknown
// model, policy or profile) with the field named.
ApiRequest ParseApiRequest(std::string_view body, bool chat, const RequestDefaults& defaults);

}  // namespace relaygen

#endif  // RELAYGEN_SERVE_API_REQUEST_H_
