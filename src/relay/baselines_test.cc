// The baseline policies on the scripted engine: spec-thinking, token-router, and the factory.
#include <gtest/gtest.h>

#include "relay/policy_factory.h"
#include "relay/relay_controller.h"
#include "relay/scripted_session.h"
#include "relay/spec_thinking.h"
#include "relay/token_router.h"
#include "util/error.h"
#include "relay/policy_test_util.h"

namespace relaygen {
namespace {

const std::string kPrompt = "P\n";

TEST(SpecThinkingTest, Sentiment) {
  SpecThinkingConfig c;
  EXPECT_EQ(StepSentiment("Wait, that is off", c), -1);
  EXPECT_EQ(StepSentiment("let me CHECK it", c), -1);
  EXPECT_EQ(StepSentiment("yes, so 5", c), 1);
  EXPECT_EQ(StepSentiment("then add 3", c), 0);
}

TEST(SpecThinkingTest, ConfigFromJson) {
  const SpecThinkingConfig c =
      SpecThinkingConfigFromJson(R"({"peek_tokens": 8, "negative_keywords": ["hmm"]})", "cfg");
  EXPECT_EQ(c.peek_tokens, 8);
  EXPECT_EQ(c.large_tokens, 20);  // default kept
  EXPECT_EQ(c.negative_keywords, std::vector<std::string>{"hmm"});
  EXPECT_THROW(SpecThinkingConfigFromJson(R"({"peek_tokns": 8})", "cfg"), Error);
  EXPECT_THROW(SpecThinkingConfigFromJson(R"({"peek_tokens": 0})", "cfg"), Error);
  EXPECT_THROW(SpecThinkingConfigFromJson("[1]", "cfg"), Error);
}

TEST(SpecThinkingTest, FlaggedPeekHandsTheStretchToLarge) {
  SpecThinkingConfig c;
  c.peek_tokens = 3;
  c.large_tokens = 2;
  c.verify_triggers_recap = false;
  // small: step 1, then a peek with "Wait" (discarded), then after large's stretch a clean peek
  // (kept), then `</think>` and the answer.
  ScriptedSession small({"a", " b", "\n\n", "Wait", ",", " no", " c", "\n\n", " d", " e", " f",
                         "</think>", "7", "<eos>"});
  ScriptedSession large({"L1", " L2", " L3", "<eos>"});
  SpecThinkingPolicy policy(&large, &small, c);
  const PolicyResult r = policy.Run(kPrompt, Sampling{}, 100);
  ExpectRunInvariants(r);
  EXPECT_EQ(r.text, "a b\n\nL1 L2 c\n\n d e f</think>7");
  EXPECT_EQ(r.stats.large_tokens, 2);
  EXPECT_EQ(r.stats.discarded_tokens, 3);  // the flagged peek
  EXPECT_EQ(r.stats.switches_l_to_s, 1);
  EXPECT_EQ(r.stats.switches_s_to_l, 1);
  ASSERT_FALSE(r.segments.empty());
  EXPECT_TRUE(r.segments.back().answer);
  EXPECT_EQ(r.segments.back().writer, Writer::kSmall);
  EXPECT_EQ(large.calls()[0].request.max_tokens, 2);
}

TEST(SpecThinkingTest, RecapAfterNegativeSteps) {
  SpecThinkingConfig c;
  c.peek_tokens = 1;
  c.large_tokens = 1;
  c.recap_after_negative = 1;
  c.recap_tokens = 2;
  c.recap_words = " Recap:";
  c.verify_triggers_recap = false;
  ScriptedSession small({"a", "\n\n", "wait", "\n\n", "<eos>"});
  ScriptedSession large({" hmm", " R1", " R2", "<eos>"});
  // step "a\n\n"; peek "wait" flagged → large " hmm" (negative? no: neutral) ...
  c.negative_keywords = {"wait", "hmm"};
  SpecThinkingPolicy policy(&large, &small, c);
  const PolicyResult r = policy.Run(kPrompt, Sampling{}, 100);
  ExpectRunInvariants(r);
  // Large's " hmm" is negative → 1 negative step → at the next trigger the recap runs.
  EXPECT_NE(r.text.find(" Recap: R1 R2"), std::string::npos) << r.text;
  bool inserted = false;
  for (const auto& s : r.segments) inserted |= s.inserted && s.text == " Recap:";
  EXPECT_TRUE(inserted);
}

TEST(TokenRouterTest, LowMarginTokensGoToLarge) {
  ScriptedSession small({{"a", 0.9f}, {" b", 0.1f}, {" c", 0.8f}, {" d", 0.2f}, {"<eos>", 1.0f}});
  ScriptedSession large({" B", " D", "<eos>"});
  TokenRouterPolicy policy(&large, &small, TokenRouterOptions{0.5f});
  std::string streamed;
  const PolicyResult r =
      policy.Run(kPrompt, Sampling{}, 100, [&](Writer, std::string_view t) { streamed += t; });
  ExpectRunInvariants(r);
  // Small proposes one token per step; its " b" and " d" are overruled and the large writes.
  EXPECT_EQ(r.text, "a B c D");
  EXPECT_EQ(streamed, r.text);
  EXPECT_EQ(r.stats.large_tokens, 2);
  EXPECT_EQ(r.stats.small_tokens, 2);
  EXPECT_EQ(r.stats.discarded_tokens, 2);
  EXPECT_EQ(r.segments.size(), 4u);
  EXPECT_EQ(r.stats.switches_l_to_s, 1);
  EXPECT_EQ(r.stats.switches_s_to_l, 2);
  for (const auto& call : small.calls()) {
    EXPECT_EQ(call.request.max_tokens, 1);
    EXPECT_TRUE(call.request.want_margins);
  }
}

TEST(TokenRouterTest, MergesRunsAndRespectsBudget) {
  ScriptedSession small({{"a", 0.9f}, {" b", 0.9f}, {" c", 0.9f}, {" d", 0.9f}});
  ScriptedSession large({"x"});
  TokenRouterPolicy policy(&large, &small, TokenRouterOptions{0.5f});
  const PolicyResult r = policy.Run(kPrompt, Sampling{}, 3);
  EXPECT_EQ(r.text, "a b c");
  ASSERT_EQ(r.segments.size(), 1u);
  EXPECT_EQ(r.segments[0].tokens, 3);
  EXPECT_TRUE(large.calls().empty());
  EXPECT_THROW(TokenRouterPolicy(&large, &small, TokenRouterOptions{1.5f}), Error);
}

TEST(PolicyFactoryTest, AllNamesAndErrors) {
  ScriptedSession large({"x"});
  ScriptedSession small({"y"});
  PolicyOptions o;
  o.relay.cues = {"Now"};
  for (const std::string& name : PolicyNames()) {
    auto p = MakePolicy(name, &large, &small, o);
    EXPECT_EQ(p->name(), name);
  }
  EXPECT_EQ(PolicyNames().size(), 7u);
  EXPECT_THROW(MakePolicy("r2r", &large, &small, o), Error);
  EXPECT_THROW(MakePolicy("relay", &large, &small, PolicyOptions{}), Error);  // no cues
  EXPECT_THROW(MakePolicy("relay", &large, nullptr, o), Error);
  EXPECT_NO_THROW(MakePolicy("large", &large, nullptr, o));
  EXPECT_NO_THROW(MakePolicy("small", nullptr, &small, o));
  EXPECT_TRUE(PolicyUsesProfile("relay"));
  EXPECT_FALSE(PolicyUsesProfile("all-cues"));
}

TEST(PolicyFactoryTest, AllCuesUsesEveryCandidate) {
  // "Hmm" is a candidate: all-cues switches on it, relay with only "Now" does not.
  for (const std::string name : {"all-cues", "relay"}) {
    ScriptedSession large({"a", " b", " c", " d", " e", " Hmm", ",", " f", "</think>", "<eos>"});
    ScriptedSession small({" g", ".", "1", "<eos>"});
    PolicyOptions o;
    o.relay.cues = {"Now"};
    const PolicyResult r = MakePolicy(name, &large, &small, o)->Run(kPrompt, Sampling{}, 100);
    EXPECT_EQ(r.stats.switches_l_to_s, name == "all-cues" ? 1 : 0) << name;
  }
}

}  // namespace
}  // namespace relaygen
