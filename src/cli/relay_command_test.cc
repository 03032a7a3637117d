// `relaygen relay` on the bundled testbed pair, as a user runs it with no model arguments.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "run_command.h"

namespace relaygen {
namespace {

const char* kProblem =
    "Ruby has 42 stickers. Then she uses 33 stickers. Next, she finds 74 stickers. Then she wins 11 "
    "stickers. Now she loses 34 stickers. Next, she loses 40 stickers. How many stickers does Ruby "
    "have now? Please reason step by step, and put your final answer within \\boxed{}.";

nlohmann::json Relay(std::vector<std::string> args) {
  args.insert(args.begin(), {RelaygenBinary(), "relay", "-p", kProblem, "--temp", "0", "-t", "1", "--json"});
  const CommandOutput r = RunCommand(args);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("[relay]"), std::string::npos) << r.err;
  return r.exit_code == 0 ? nlohmann::json::parse(r.out) : nlohmann::json::object();
}

TEST(RelayCommand, JsonRecordOfARelayOnTheBundledPair) {
  const nlohmann::json j = Relay({});
  ASSERT_TRUE(j.contains("stats"));
  EXPECT_EQ(j["policy"], "relay");
  const auto& s = j["stats"];
  for (const char* key : {"large_tokens", "small_tokens", "switches_l_to_s", "switches_s_to_l",
                          "large_utilization", "wall_ms", "handoff_prefill_tokens", "ahead_prefill_tokens"}) {
    EXPECT_TRUE(s.contains(key)) << key;
  }
  EXPECT_GT(s["switches_l_to_s"].get<int>(), 0) << j["text"];
  std::string joined;
  int large = 0, small = 0;
  for (const auto& seg : j["segments"]) {
    joined += seg["text"].get<std::string>();
    (seg["writer"] == "large" ? large : small) += seg["tokens"].get<int>();
  }
  EXPECT_EQ(joined, j["text"]);
  EXPECT_EQ(large, s["large_tokens"].get<int>());
  EXPECT_EQ(small, s["small_tokens"].get<int>());
  // It ends properly: an answer after `</think>`, or the budget or context window ran out (the
  // testbed's weak small model can send the relay into repeating steps until the window is full).
  const std::string last = j["segments"].back()["ended_by"];
  const bool answered = j["text"].get<std::string>().find("</think>") != std::string::npos;
  EXPECT_TRUE(answered || last == "context" || last == "budget") << last;
}

TEST(RelayCommand, PrefillAheadChangesNoTextAndPrefillsEachTokenOnce) {
  const nlohmann::json ahead = Relay({});
  const nlohmann::json at_handoff = Relay({"--no-prefill-ahead"});
  ASSERT_TRUE(ahead.contains("stats") && at_handoff.contains("stats"));
  // The same tokens end up in each model's cache, so greedy decoding writes the same text.
  EXPECT_EQ(ahead["text"], at_handoff["text"]);
  const auto& a = ahead["stats"];
  const auto& b = at_handoff["stats"];
  EXPECT_EQ(b["ahead_prefill_tokens"].get<int>(), 0);
  // Each token is prefilled once either way; a deferred lookahead also prefills the cue's last
  // token, which the inline lookahead decodes as part of the large model's turn.
  EXPECT_EQ(a["handoff_prefill_tokens"].get<int>() + a["ahead_prefill_tokens"].get<int>(),
            b["handoff_prefill_tokens"].get<int>() + a["deferred_lookaheads"].get<int>());
  // How much prefill ahead reads before each handoff depends on how fast its thread runs (on a
  // quiet machine all but the unfinished last word: 3 tokens per switch instead of 17, see
  // docs/benchmarks.md; under a parallel test run much less). What holds regardless: it read the
  // prompt and more, and it only ever takes work off the handoffs.
  EXPECT_GT(a["ahead_prefill_tokens"].get<int>(), 0);
  EXPECT_LT(a["handoff_prefill_tokens"].get<int>(), b["handoff_prefill_tokens"].get<int>());
}

}  // namespace
}  // namespace relaygen
