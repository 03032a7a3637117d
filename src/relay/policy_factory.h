// Every policy by name, so the CLI, evaluation and benchmarks take the same --policy values.
#ifndef RELAYGEN_RELAY_POLICY_FACTORY_H_
#define RELAYGEN_RELAY_POLICY_FACTORY_H_

#include <memory>
#include <string>
#include <vector>

#include "engine/engine.h"
#include "relay/policy.h"
#include "relay/relay_controller.h"
#include "relay/spec_thinking.h"
#include "relay/token_router.h"

namespace relaygen {

// How every policy behaves: the one struct the CLI's policy flags write into (cli/flags.h) and
// MakePolicy hands on, each policy taking its own part as is. The defaults are the parts' own.
struct PolicyOptions {
  // relay, all-cues and answer-only. `cues` are the relay policy's (the cue profile's selected
  // cues); MakePolicy sets `name`, and the cues of all-cues (every candidate) and answer-only (none).
  RelayOptions relay;
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
