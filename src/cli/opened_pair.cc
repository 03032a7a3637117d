#include "cli/opened_pair.h"

#include <cstdlib>

#include "engine/remote_engine.h"
#include "relay/cue_profile.h"
#include "util/error.h"

namespace relaygen {

std::unique_ptr<Model> OpenPairModel(const std::string& path, const std::string& url, const PairFlags& flags,
                                     const LlamaOptions& engine) {
  if (url.empty()) return LlamaModel::Open(path, engine);
  RemoteOptions options;
  options.url = url;
  options.server = flags.server;
  options.http.read_timeout_s = flags.server_timeout_s;
  options.resend_text = flags.resend_text;
  const char* key = std::getenv("RELAYGEN_API_KEY");
  if (key != nullptr) options.http.api_key = key;
  return RemoteModel::Connect(options);
}

OpenedPair::OpenedPair(const PairFlags& flags, const LlamaOptions& engine,
                       const std::vector<std::string>& policies, PolicyOptions options)
    : options_(std::move(options)) {
  bool need_large = false, need_small = false, need_profile = false, need_draft = false;
  const SpecOptions& spec = options_.spec;
  for (const std::string& policy : policies) {
    need_large |= PolicyUsesLarge(policy);
    need_small |= PolicyUsesSmall(policy);
    need_profile |= PolicyUsesProfile(policy);
    if (PolicyUsesSpec(policy) && SpecDrafter(spec) == "draft") {
      // The pair's small model drafts unless --spec-draft names another one.
      (spec.draft_model.empty() ? need_small : need_draft) = true;
    }
  }
  if (need_profile) {
    options_.relay.cues = LoadCueProfile(flags.profile).Selected();
    if (options_.relay.cues.empty()) throw Error("cue profile " + flags.profile + " selects no cues");
  }
  if (need_large) large_ = OpenPairModel(flags.large, flags.large_url, flags, ForModel(engine, flags.large_model));
  if (need_small) small_ = OpenPairModel(flags.small, flags.small_url, flags, ForModel(engine, flags.small_model));
  if (need_draft) draft_ = LlamaModel::Open(spec.draft_model, ForModel(engine, flags.small_model));
  const auto* large_remote = dynamic_cast<const RemoteModel*>(large_.get());
  const auto* small_remote = dynamic_cast<const RemoteModel*>(small_.get());
  if (large_remote != nullptr && small_remote != nullptr) CheckSameTokenizer(*large_remote, *small_remote);
}

SessionPolicy OpenedPair::NewPolicy(const std::string& name) const { return NewPolicy(name, options_); }

SessionPolicy OpenedPair::NewPolicy(const std::string& name, const PolicyOptions& options) const {
  SessionPolicy p;
  if (large_ && PolicyUsesLarge(name)) p.large = large_->NewSession();
  if (small_ && PolicyUsesSmall(name)) p.small = small_->NewSession();
  if (PolicyUsesSpec(name)) {
    SpecOptions spec = options.spec;
    spec.drafter = SpecDrafter(spec);
    // The relay's own small session drafts (and so reads along); other policies get one of their own.
    Session* borrowed = SpecDraftsWithSmall(name, spec) ? p.small.get() : nullptr;
    p.large = MakeSpeculativeSession(std::move(p.large), spec, borrowed, draft_ ? draft_.get() : small_.get());
  }
  p.policy = MakePolicy(name, p.large.get(), p.small.get(), options);
  return p;
}

}  // namespace relaygen
