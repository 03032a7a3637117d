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

const char kSpecSuffix[] = "+spec";

bool PolicyUsesSpec(const std::string& name) {
  const size_t n = sizeof(kSpecSuffix) - 1;
  return name.size() > n && name.compare(name.size() - n, n, kSpecSuffix) == 0;
}

std::string BasePolicyName(const std::string& name) {
  return PolicyUsesSpec(name) ? name.substr(0, name.size() - (sizeof(kSpecSuffix) - 1)) : name;
}

std::string SpecDrafter(const SpecOptions& options) {
  return options.drafter == "none" ? "draft" : options.drafter;
}

bool SpecDraftsWithSmall(const std::string& name, const SpecOptions& options) {
  return PolicyUsesSpec(name) && SpecDrafter(options) == "draft" && options.draft_model.empty() &&
         PolicyUsesSmall(name);
}

bool PolicyUsesLarge(const std::string& name) { return BasePolicyName(name) != "small"; }
bool PolicyUsesSmall(const std::string& name) { return BasePolicyName(name) != "large"; }
bool PolicyUsesProfile(const std::string& name) { return BasePolicyName(name) == "relay"; }

std::unique_ptr<Policy> MakePolicy(const std::string& name, Session* large, Session* small,
                                   const PolicyOptions& options) {
  const auto& names = PolicyNames();
  const std::string base = BasePolicyName(name);
  if (PolicyUsesSpec(name) && base == "small") throw Error("policy small+spec: speculation runs in the large model");
  if (std::find(names.begin(), names.end(), base) == names.end()) {
    std::string list;
    for (const std::string& n : names) list += (list.empty() ? "" : ", ") + n;
    throw Error("unknown policy '" + name + "' (expected one of: " + list + ", each but small also with the suffix +spec)");
  }
  if (PolicyUsesLarge(name) && large == nullptr) throw Error("policy " + name + " needs the large model");
  if (PolicyUsesSmall(name) && small == nullptr) throw Error("policy " + name + " needs the small model");
  if (base == "large") return std::make_unique<SingleModelPolicy>(name, large, Writer::kLarge);
  if (base == "small") return std::make_unique<SingleModelPolicy>(name, small, Writer::kSmall);
  if (base == "spec-thinking") return std::make_unique<SpecThinkingPolicy>(large, small, options.spec_thinking);
  if (base == "token-router") return std::make_unique<TokenRouterPolicy>(large, small, options.token_router);

  RelayOptions relay = options.relay;
  relay.name = name;
  relay.small_drafts = SpecDraftsWithSmall(name, options.spec);
  if (base == "relay") {
    if (relay.cues.empty()) throw Error("policy relay needs switch cues (a cue profile with selected cues)");
  } else if (base == "all-cues") {
    relay.cues = CandidateCues();
  } else {
    relay.cues.clear();  // answer-only
  }
  return std::make_unique<RelayController>(large, small, std::move(relay));
}

}  // namespace relaygen
