#include "relay/policy_factory.h"

#include <algorithm>

#include "relay/cue_profile.h"
#include "relay/relay_controller.h"
#include "relay/single_model_policy.h"
#include "util/error.h"

namespace relaygen {

const std::vector<std::string>& PolicyNames() {
  static const std::vector<std::string> names = {"large",       "small",         "relay",
                                                 "all-cues",    "answer-only",   "spec-thinking",
                                                 "token-router"};
  return names;
}

bool PolicyUsesLarge(const std::string& name) { return name != "small"; }
bool PolicyUsesSmall(const std::string& name) { return name != "large"; }
bool PolicyUsesProfile(const std::string& name) { return name == "relay"; }

std::unique_ptr<Policy> MakePolicy(const std::string& name, Session* large, Session* small,
                                   const PolicyOptions& options) {
  const auto& names = PolicyNames();
  if (std::find(names.begin(), names.end(), name) == names.end()) {
    std::string list;
    for (const std::string& n : names) list += (list.empty() ? "" : ", ") + n;
    throw Error("unknown policy '" + name + "' (expected one of: " + list + ")");
  }
  if (PolicyUsesLarge(name) && large == nullptr) throw Error("policy " + name + " needs the large model");
  if (PolicyUsesSmall(name) && small == nullptr) throw Error("policy " + name + " needs the small model");
  if (name == "large") return std::make_unique<SingleModelPolicy>(name, large, Writer::kLarge);
  if (name == "small") return std::make_unique<SingleModelPolicy>(name, small, Writer::kSmall);
  if (name == "spec-thinking") return std::make_unique<SpecThinkingPolicy>(large, small, options.spec_thinking);
  if (name == "token-router") return std::make_unique<TokenRouterPolicy>(large, small, options.token_router);

  RelayOptions relay = options.relay;
  relay.name = name;
  if (name == "relay") {
    if (relay.cues.empty()) throw Error("policy relay needs switch cues (a cue profile with selected cues)");
  } else if (name == "all-cues") {
    relay.cues = CandidateCues();
  } else {
    relay.cues.clear();  // answer-only
  }
  return std::make_unique<RelayController>(large, small, std::move(relay));
}

}  // namespace relaygen
