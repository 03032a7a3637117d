// The sequence relay, eval and bench share: open the models some policies need, once; read the cue
// profile if one of them uses it; then build each policy on fresh sessions of those models.
#ifndef RELAYGEN_CLI_OPENED_PAIR_H_
#define RELAYGEN_CLI_OPENED_PAIR_H_

#include <memory>
#include <string>
#include <vector>

#include "cli/flags.h"
#include "engine/engine.h"
#include "engine/llama_engine.h"
#include "relay/policy.h"
#include "relay/policy_factory.h"

namespace relaygen {

// A policy with the sessions it runs on. The sessions are the policy's alone, so each request
// that gets a new one starts from an empty cache.
struct SessionPolicy {
  // Destroyed after `small`, which a +spec large session may draft with (it never touches it then).
  std::unique_ptr<Session> large;  // null when the policy does not use that model
  std::unique_ptr<Session> small;
  std::unique_ptr<Policy> policy;  // last: destroyed before the sessions it borrows
};

// The embedded model at `path`, or the server at `url` when one is given.
std::unique_ptr<Model> OpenPairModel(const std::string& path, const std::string& url, const PairFlags& flags,
                                     const LlamaOptions& engine);

class OpenedPair {
 public:
  // Opens the models `policies` use and, if one of them reads the cue profile, sets the relay's
  // cues in `options` from flags.profile. Throws relaygen::Error (missing model, empty profile).
  OpenedPair(const PairFlags& flags, const LlamaOptions& engine, const std::vector<std::string>& policies,
             PolicyOptions options);

  // `name` (one of the policies above) on fresh sessions; a +spec policy's large session decodes
  // speculatively (engine/speculative.h).
  SessionPolicy NewPolicy(const std::string& name) const;
  // The same with other options (e.g. options() with online statistics on).
  SessionPolicy NewPolicy(const std::string& name, const PolicyOptions& options) const;
  // The policy options, the relay's cues from the profile included.
  const PolicyOptions& options() const { return options_; }

  // The chat template comes from the large model when it is loaded (a pair shares one template
  // family), else from the small one.
  const Model& chat_model() const { return large_ ? *large_ : *small_; }

 private:
  std::unique_ptr<Model> large_;
  std::unique_ptr<Model> small_;
  std::unique_ptr<Model> draft_;  // --spec-draft's model, when a +spec policy drafts with it
  PolicyOptions options_;
};

}  // namespace relaygen

#endif  // RELAYGEN_CLI_OPENED_PAIR_H_
