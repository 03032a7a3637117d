// The `large` and `small` policies: one model writes everything.
#ifndef RELAYGEN_RELAY_SINGLE_MODEL_POLICY_H_
#define RELAYGEN_RELAY_SINGLE_MODEL_POLICY_H_

#include <string>

#include "engine/engine.h"
#include "relay/policy.h"

namespace relaygen {

// One model writes the reasoning up to `</think>`, then the answer. Two segments so the record
// separates them; the second costs no prefill beyond the held-back token.
class SingleModelPolicy : public Policy {
 public:
  // The session is borrowed and must outlive the policy.
  SingleModelPolicy(std::string name, Session* session, Writer writer);
  const std::string& name() const override { return name_; }
  PolicyResult Run(const std::string& prompt, const Sampling& sampling, int max_tokens,
                   const std::function<void(Writer, std::string_view)>& on_text = {}) override;

 private:
  std::string name_;
  Session* session_;
  Writer writer_;
};

}  // namespace relaygen

#endif  // RELAYGEN_RELAY_SINGLE_MODEL_POLICY_H_
