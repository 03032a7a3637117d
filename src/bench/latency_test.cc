#include "bench/latency.h"

#include <gtest/gtest.h>

#include "util/error.h"

namespace relaygen {
namespace {

TimedRun Timed(const std::string& policy, int problem, double wall, int large, int small, bool correct) {
  TimedRun r;
  r.policy = policy;
  r.problem = problem;
  r.wall_ms = wall;
  r.prompt_prefill_ms = 10;
  r.large_tokens = large;
  r.small_tokens = small;
  r.large_decode_ms = large * 2.0;  // large: 2 ms/token
  r.small_decode_ms = small * 0.5;  // small: 0.5 ms/token
  r.correct = correct;
  return r;
}

TEST(Latency, SpeedupEfficiencyUtilizationPass1) {
  const std::vector<TimedRun> runs = {
      Timed("large", 0, 210, 100, 0, true),  Timed("large", 1, 410, 200, 0, true),
      Timed("small", 0, 60, 0, 100, false),  Timed("small", 1, 110, 0, 200, true),
      // relay: 60 large + 40 small tokens: ideal 10 + 120 + 20 = 150, measured 160.
      Timed("relay", 0, 160, 60, 40, true),  Timed("relay", 1, 205, 100, 100, true),
  };
  std::vector<TimedRun> with_switches = runs;
  with_switches[4].switches = 4;
  with_switches[4].handoff_prefill_tokens = 10;
  with_switches[5].switches = 6;
  with_switches[5].handoff_prefill_tokens = 20;
  const auto rows = SummarizeLatency(with_switches, {"large", "small", "relay"});
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_DOUBLE_EQ(rows[0].speedup, 1.0);
  EXPECT_DOUBLE_EQ(rows[0].speedup_std, 0.0);
  EXPECT_DOUBLE_EQ(rows[0].large_ms_per_token, 2.0);
  EXPECT_DOUBLE_EQ(rows[0].small_ms_per_token, 0.5);
  const auto& relay = rows[2];
  // Speed-ups 210/160 = 1.3125 and 410/205 = 2.0: mean 1.65625, std 0.34375.
  EXPECT_DOUBLE_EQ(relay.speedup, 1.65625);
  EXPECT_DOUBLE_EQ(relay.speedup_std, 0.34375);
  EXPECT_DOUBLE_EQ(relay.large_utilization, 160.0 / 300.0);
  // ideal: (10 + 120 + 20) + (10 + 200 + 50) = 410; wall 365.
  EXPECT_DOUBLE_EQ(relay.efficiency, 410.0 / 365.0);
  EXPECT_DOUBLE_EQ(relay.pass1, 1.0);
  EXPECT_DOUBLE_EQ(rows[1].pass1, 0.5);
  EXPECT_DOUBLE_EQ(relay.switches, 5.0);
  EXPECT_DOUBLE_EQ(relay.handoff_prefill_per_switch, 3.0);
  EXPECT_DOUBLE_EQ(rows[0].handoff_prefill_per_switch, 0.0);
  EXPECT_NE(LatencyTable(rows).find("| relay | 2 | 1.66 ± 0.34 |"), std::string::npos) << LatencyTable(rows);
}

TEST(Latency, TimeOverTheIdealSplitsIntoHandoffsAndDearerTokens) {
  TimedRun large = Timed("large", 0, 210, 100, 0, true);
  TimedRun small = Timed("small", 0, 60, 0, 100, true);
  // 60 large tokens at 2.5 instead of 2 ms (+30 ms), 40 small at 0.5 ms; prompt 10 ms; wall 200:
  // 200 − 10 − 150 − 20 = 20 ms outside prompt and decode, over 4 switches. Ideal 150.
  TimedRun relay = Timed("relay", 0, 200, 60, 40, true);
  relay.large_decode_ms = 150;
  relay.switches = 4;
  const auto rows = SummarizeLatency({large, small, relay}, {"large", "small", "relay"});
  const PolicySummary& r = rows[2];
  EXPECT_DOUBLE_EQ(r.efficiency, 150.0 / 200.0);
  EXPECT_DOUBLE_EQ(r.handoff_loss, 20.0 / 200.0);
  EXPECT_DOUBLE_EQ(r.token_loss, 30.0 / 200.0);
  EXPECT_DOUBLE_EQ(r.handoff_ms_per_switch, 5.0);
  EXPECT_DOUBLE_EQ(r.large_ms_per_token_here, 2.5);
  EXPECT_DOUBLE_EQ(r.small_ms_per_token_here, 0.5);
  EXPECT_DOUBLE_EQ(rows[0].handoff_ms_per_switch, 0.0);
}

// The loss split summed over runs whose parts differ: one run loses time on a dearer large model,
// the other gains on a cheaper large model and loses on a dearer small one. Every number below is
// worked out by hand from the runs, not from the other outputs.
TEST(Latency, LossesSumOverRunsPartByPart) {
  const std::vector<TimedRun> reference = {
      Timed("large", 0, 210, 100, 0, true), Timed("large", 1, 410, 200, 0, true),
      Timed("small", 0, 60, 0, 100, true),  Timed("small", 1, 110, 0, 200, true)};
  // A: wall 200 = prompt 10 + large 150 (60 tokens, ideal 120) + small 20 (40 tokens, ideal 20)
  //    + 20 outside; 4 switches.
  TimedRun a = Timed("relay", 0, 200, 60, 40, true);
  a.large_decode_ms = 150;
  a.switches = 4;
  // B: wall 300 = prompt 10 + large 190 (100 tokens, ideal 200) + small 70 (100 tokens, ideal 50)
  //    + 30 outside; 6 switches.
  TimedRun b = Timed("relay", 1, 300, 100, 100, false);
  b.large_decode_ms = 190;
  b.small_decode_ms = 70;
  b.switches = 6;
  std::vector<TimedRun> runs = reference;
  runs.push_back(a);
  runs.push_back(b);
  const PolicySummary r = SummarizeLatency(runs, {"large", "small", "relay"})[2];
  EXPECT_DOUBLE_EQ(r.efficiency, (150.0 + 260.0) / 500.0);  // ideal A 10+120+20, B 10+200+50
  EXPECT_DOUBLE_EQ(r.handoff_loss, (20.0 + 30.0) / 500.0);
  EXPECT_DOUBLE_EQ(r.token_loss, (30.0 + 0.0 - 10.0 + 20.0) / 500.0);
  EXPECT_DOUBLE_EQ(r.handoff_ms_per_switch, 50.0 / 10.0);
  EXPECT_DOUBLE_EQ(r.large_ms_per_token_here, (150.0 + 190.0) / 160.0);
  EXPECT_DOUBLE_EQ(r.small_ms_per_token_here, (20.0 + 70.0) / 140.0);
  EXPECT_DOUBLE_EQ(r.pass1, 0.5);
  // Speed-ups 210/200 and 410/300.
  EXPECT_DOUBLE_EQ(r.speedup, (210.0 / 200.0 + 410.0 / 300.0) / 2);
}

TEST(Latency, NeedsSingleModelReferenceRuns) {
  EXPECT_THROW(SummarizeLatency({Timed("relay", 0, 1, 1, 1, true)}, {"relay"}), Error);
  EXPECT_THROW(SummarizeLatency({Timed("large", 0, 1, 1, 0, true), Timed("relay", 0, 1, 1, 1, true)}, {"relay"}), Error);
}

}  // namespace
}  // namespace relaygen
