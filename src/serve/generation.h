// One request of relaygen serve on one slot: the prompt rendered, the policy run on the slot's
// sessions, its text turned into reasoning and answer deltas, stopped early by a stop string or a
// client that went away, and counted for `usage`.
#ifndef RELAYGEN_SERVE_GENERATION_H_
#define RELAYGEN_SERVE_GENERATION_H_

#include <functional>
#include <map>
#include <string>

#include "engine/engine.h"
#include "relay/policy.h"
#include "relay/policy_factory.h"
#include "serve/api_request.h"
#include "serve/output_stream.h"
#include "serve/slot_pool.h"

namespace relaygen {

// What every request of a server shares.
struct ServingConfig {
  const Model* chat_model = nullptr;               // renders chat prompts (the large model's template)
  std::map<std::string, PolicyOptions> profiles;   // by cue profile name; "" is the default
  // Sees every finished run with its rendered prompt (online calibration, say). Called from the
  // request's thread: it must be thread-safe.
  std::function<void(const ApiRequest& request, const std::string& prompt, const PolicyResult& result)> observe;
};

struct GenerationResult {
  std::string reasoning;
  std::string content;
  std::string finish_reason;  // "stop" (end of generation or a stop string) or "length"
  int prompt_tokens = 0;
  int completion_tokens = 0;  // both models' generated tokens
  int cached_tokens = 0;      // prompt tokens the writer's cache already held
  RunStats stats;
  bool client_gone = false;   // the sink refused output: nobody reads the rest
  double first_output_s = -1; // seconds from the start to the first delta (-1: none)
};

// Receives output as it is produced; returns false when the client is gone.
using DeltaSink = std::function<bool(const OutputDelta&)>;

// Throws relaygen::Error when the engine fails (the server answers 502) and ContextOverflow when
// the prompt does not fit (400).
GenerationResult RunGeneration(const ServingConfig& config, Slot& slot, const ApiRequest& request,
                               const DeltaSink& sink);

}  // namespace relaygen

#endif  // RELAYGEN_SERVE_GENERATION_H_
