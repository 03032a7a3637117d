// token-router: a training-free stand-in for token-level routing (R2R, SPEC §6). The small model
// proposes every token; when its top-2 probability margin is below a threshold, the proposal is
// dropped and the large model writes that token instead. R2R's trained router is not available,
// so results of this policy are reported as "token-router", never as R2R.
#ifndef RELAYGEN_RELAY_TOKEN_ROUTER_H_
#define RELAYGEN_RELAY_TOKEN_ROUTER_H_

#include <string>

#include "engine/engine.h"
#include "relay/policy.h"

namespace relaygen {

struct TokenRouterOptions {
  // Route to the large model when the small model's margin p(top-1) - p(top-2) is below this.
  float threshold = 0.5f;
};

class TokenRouterPolicy : public Policy {
 public:
  TokenRouterPolicy(Session* large, Session* small, TokenRouterOptions options);
  const std::string& name() const override { return name_; }
  PolicyResult Run(const std::string& prompt, const Sampling& sampling, int max_tokens,
                   const std::function<void(Writer, std::string_view)>& on_text = {}) override;

 private:
  std::string name_ = "token-router";
  Session* large_;
  Session* small_;
  TokenRouterOptions options_;
};

}  // namespace relaygen

#endif  // RELAYGEN_RELAY_TOKEN_ROUTER_H_
