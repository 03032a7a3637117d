// The policy flags write straight into PolicyOptions, the struct MakePolicy hands each policy.
#include "cli/flags.h"

#include <CLI/CLI.hpp>
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <string>
#include <vector>

namespace relaygen {
namespace {

PolicyOptions Parse(std::vector<std::string> args) {
  CLI::App app;
  PolicyOptions options;
  AddPolicyFlags(&app, &options);
  std::reverse(args.begin(), args.end());  // CLI11 takes the arguments last first
  app.parse(args);
  return options;
}

TEST(PolicyFlags, DefaultsAreTheOptionsOwn) {
  const PolicyOptions parsed = Parse({});
  const PolicyOptions defaults;
  EXPECT_EQ(parsed.relay.raw_handoff, defaults.relay.raw_handoff);
  EXPECT_EQ(parsed.relay.prefill_ahead, defaults.relay.prefill_ahead);
  EXPECT_EQ(parsed.relay.match, defaults.relay.match);
  EXPECT_EQ(parsed.relay.min_large_tokens, defaults.relay.min_large_tokens);
  EXPECT_EQ(parsed.token_router.threshold, defaults.token_router.threshold);
  EXPECT_EQ(parsed.spec_thinking.peek_tokens, defaults.spec_thinking.peek_tokens);
  EXPECT_TRUE(parsed.relay.prefill_ahead);
  EXPECT_EQ(parsed.relay.match, CueMatch::kWordBoundary);
}

TEST(PolicyFlags, EachFlagSetsItsOption) {
  const std::string config = ::testing::TempDir() + "/spec.json";
  {
    std::ofstream out(config);
    out << "{\"peek_tokens\": 7}";
  }
  const PolicyOptions o = Parse({"--raw-handoff", "--no-prefill-ahead", "--substring-match",
                                 "--router-threshold", "0.25", "--spec-config", config});
  EXPECT_TRUE(o.relay.raw_handoff);
  EXPECT_FALSE(o.relay.prefill_ahead);
  EXPECT_EQ(o.relay.match, CueMatch::kSubstring);
  EXPECT_FLOAT_EQ(o.token_router.threshold, 0.25f);
  EXPECT_EQ(o.spec_thinking.peek_tokens, 7);
}

TEST(PolicyFlags, ABadSpecConfigIsAUsageError) {
  EXPECT_THROW(Parse({"--spec-config", "/nonexistent/spec.json"}), CLI::ValidationError);
  EXPECT_THROW(Parse({"--router-threshold", "1.5"}), CLI::ValidationError);
}

}  // namespace
}  // namespace relaygen
