// Speculative Thinking (SPEC §6), the step-level baseline: the small model reasons; at each
// trigger (`\n\n`) it drafts a short peek; when the peek contains reflective or negative words
// the large model writes the next stretch instead. After repeated negative steps the large model
// gets a longer "recap" intervention. Parameters mirror the reference's configuration file.
#ifndef RELAYGEN_RELAY_SPEC_THINKING_H_
#define RELAYGEN_RELAY_SPEC_THINKING_H_

#include <string>
#include <vector>

#include "engine/engine.h"
#include "relay/policy.h"

namespace relaygen {

struct SpecThinkingConfig {
  std::vector<std::string> triggers = {"\n\n"};
  int peek_tokens = 20;    // the small model's look-ahead at a trigger
  int large_tokens = 20;   // what the large model writes when the peek is flagged
  std::vector<std::string> verify_keywords = {"verify", "think again", "recap", "check"};
  std::vector<std::string> negative_keywords = {"wait", "alternatively", "hold on", "another"};
  std::vector<std::string> positive_keywords = {"yeah", "yes", "final answer", "confident"};
  // Recap: after `recap_after_negative` negative steps, `recap_words` is inserted and the large
  // model writes `recap_tokens`; both thresholds then grow (up to their maxima).
  std::string recap_words = "Let me check whether there are some wrong steps:";
  int recap_tokens = 125;
  int recap_after_negative = 15;
  int add_each_recap = 25;
  int add_each_negative = 5;
  int max_recap_tokens = 200;
  int max_negative = 30;
  // A verify keyword in the written step also hands `recap_tokens` to the large model.
  bool verify_triggers_recap = true;
};

// Reads a JSON object whose keys are the field names above (all optional: defaults fill the
// rest). Unknown keys are an error, so a typo does not silently fall back to a default.
SpecThinkingConfig LoadSpecThinkingConfig(const std::string& path);
SpecThinkingConfig SpecThinkingConfigFromJson(const std::string& json, const std::string& origin);

// -1 when `text` contains a negative or verify keyword, +1 for a positive one, else 0
// (case-insensitive).
int StepSentiment(const std::string& text, const SpecThinkingConfig& config);

class SpecThinkingPolicy : public Policy {
 public:
  SpecThinkingPolicy(Session* large, Session* small, SpecThinkingConfig config);
  const std::string& name() const override { return name_; }
  PolicyResult Run(const std::string& prompt, const Sampling& sampling, int max_tokens,
                   const std::function<void(Writer, std::string_view)>& on_text = {}) override;

 private:
  std::string name_ = "spec-thinking";
  Session* large_;
  Session* small_;
  SpecThinkingConfig config_;
};

}  // namespace relaygen

#endif  // RELAYGEN_RELAY_SPEC_THINKING_H_
