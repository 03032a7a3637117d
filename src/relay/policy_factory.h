// Every policy by name, so the CLI, evaluation and benchmarks take the same --policy values.
#ifndef RELAYGEN_RELAY_POLICY_FACTORY_H_
#define RELAYGEN_RELAY_POLICY_FACTORY_H_

#include <memory>
#include <string>
#include <vector>

#include "engine/engine.h"
#include "relay/cue_regions.h"
#include "relay/policy.h"
#include "relay/spec_thinking.h"
#include "relay/token_router.h"

namespace relaygen {

struct PolicyOptions {
  std::vector<std::string> cues;  // relay: the profile's selected cues
  CueMatch match = CueMatch::kWordBoundary;
  bool raw_handoff = false;
  bool prefill_ahead = true;  // relay, all-cues, answer-only: see RelayOptions
  int min_large_tokens = 5;
  SpecThinkingConfig spec_thinking;
  TokenRouterOptions token_router;
};

// large, small, relay, all-cues, answer-only, spec-thinking, token-router.
const std::vector<std::string>& PolicyNames();

// Which models a policy runs (the other session may be null).
bool PolicyUsesLarge(const std::string& name);
bool PolicyUsesSmall(const std::string& name);
// Only `relay` reads the cue profile.
bool PolicyUsesProfile(const std::string& name);

// Throws relaygen::Error for an unknown name, or a missing session the policy needs. The sessions
// are borrowed.
std::unique_ptr<Policy> MakePolicy(const std::string& name, Session* large, Session* small,
                                   const PolicyOptions& options);

}  // namespace relaygen

#endif  // RELAYGEN_RELAY_POLICY_FACTORY_H_
