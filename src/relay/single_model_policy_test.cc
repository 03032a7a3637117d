#include "relay/single_model_policy.h"

#include <gtest/gtest.h>

#include "relay/policy_test_util.h"
#include "relay/scripted_session.h"

namespace relaygen {
namespace {

const std::string kPrompt = "<|user|>q\n<|assistant|>\n";

TEST(SingleModelPolicyTest, ReasoningThenAnswerOnOneModel) {
  ScriptedSession model({"<think>\n", "Now", " x", ".", "</think>", "\n\n", "4", "<eos>"});
  SingleModelPolicy policy("large", &model, Writer::kLarge);
  const PolicyResult r = policy.Run(kPrompt, Sampling{}, 100);
  ExpectRunInvariants(r);
  ASSERT_EQ(r.segments.size(), 2u);
  EXPECT_FALSE(r.segments[0].answer);
  EXPECT_TRUE(r.segments[1].answer);
  EXPECT_EQ(r.segments[1].writer, Writer::kLarge);
  EXPECT_EQ(r.text, "<think>\nNow x.</think>\n\n4");
  EXPECT_EQ(r.stats.large_tokens, 7);
  EXPECT_DOUBLE_EQ(r.stats.large_utilization, 1.0);
  EXPECT_EQ(r.stats.switches_l_to_s + r.stats.switches_s_to_l, 0);
}

TEST(SingleModelPolicyTest, BudgetEndsReasoningWithoutForcing) {
  ScriptedSession model({"a", " b", " c", "<eos>"});
  SingleModelPolicy policy("small", &model, Writer::kSmall);
  const PolicyResult r = policy.Run(kPrompt, Sampling{}, 2);
  EXPECT_EQ(r.text, "a b");
  EXPECT_EQ(r.stats.small_tokens, 2);
  EXPECT_DOUBLE_EQ(r.stats.large_utilization, 0.0);
}

}  // namespace
}  // namespace relaygen
