#include "cli/opened_pair.h"

#include "relay/cue_profile.h"
#include "util/error.h"

namespace relaygen {

OpenedPair::OpenedPair(const PairFlags& flags, const LlamaOptions& engine,
                       const std::vector<std::string>& policies, PolicyOptions options)
    : options_(std::move(options)) {
  bool need_large = false, need_small = false, need_profile = false;
  for (const std::string& policy : policies) {
    need_large |= PolicyUsesLarge(policy);
    need_small |= PolicyUsesSmall(policy);
    need_profile |= PolicyUsesProfile(policy);
  }
  if (need_profile) {
    options_.relay.cues = LoadCueProfile(flags.profile).Selected();
    if (options_.relay.cues.empty()) throw Error("cue profile " + flags.profile + " selects no cues");
  }
  if (need_large) large_ = LlamaModel::Open(flags.large, engine);
  if (need_small) small_ = LlamaModel::Open(flags.small, engine);
}

SessionPolicy OpenedPair::NewPolicy(const std::string& name) const {
  SessionPolicy p;
  if (large_ && PolicyUsesLarge(name)) p.large = large_->NewSession();
  if (small_ && PolicyUsesSmall(name)) p.small = small_->NewSession();
  p.policy = MakePolicy(name, p.large.get(), p.small.get(), options_);
  return p;
}

}  // namespace relaygen
