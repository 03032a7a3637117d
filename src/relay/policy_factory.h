// Every policy by name, so the CLI, evaluation and benchmarks take the same --policy values.
#ifndef RELAYGEN_RELAY_POLICY_FACTORY_H_
#define RELAYGEN_RELAY_POLICY_FACTORY_H_

#include <memory>
#include <string>
#include <vector>

#include "engine/engine.h"
#include "engine/speculative.h"
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
  // Speculative decoding of `+spec` policies (and of every policy with relay/eval's --spec).
  SpecOptions spec;
};

// "<policy>+spec": the policy with speculative decoding in the large model's segments
// (engine/speculative.h), drafting with SpecDrafter(options.spec).
extern const char kSpecSuffix[];  // "+spec"
bool PolicyUsesSpec(const std::string& name);
std::string BasePolicyName(const std::string& name);  // without the suffix
// The drafter a +spec policy runs: options.drafter, or the draft model ("draft") when that is "none".
std::string SpecDrafter(const SpecOptions& options);
// A +spec policy whose drafter is the pair's small model, which then drafts in the policy's own
// small session (the relay keeps it in step with the transcript that way).
bool SpecDraftsWithSmall(const std::string& name, const SpecOptions& options);

// large, small, relay, all-cues, answer-only, spec-thinking, token-router.
const std::vector<std::string>& PolicyNames();

// Which models a policy runs (the other session may be null). A +spec policy runs its base's.
bool PolicyUsesLarge(const std::string& name);
bool PolicyUsesSmall(const std::string& name);
// Only `relay` reads the cue profile.
bool PolicyUsesProfile(const std::string& name);

// Throws relaygen::Error for an unknown name, or a missing session the policy needs. The sessions
// are borrowed; for a +spec policy `large` is already speculative (cli/opened_pair.cc).
std::unique_ptr<Policy> MakePolicy(const std::string& name, Session* large, Session* small,
                                   const PolicyOptions& options);

}  // namespace relaygen

#endif  // RELAYGEN_RELAY_POLICY_FACTORY_H_
