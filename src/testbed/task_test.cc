#include "testbed/task.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <regex>
#include <set>

#include "util/error.h"

namespace relaygen {
namespace {

TEST(TaskTest, DeterministicDisjointSplits) {
  const TaskOptions opt;
  const TaskSplits a = MakeTaskSplits(7, 300, 40, 200, opt);
  const TaskSplits b = MakeTaskSplits(7, 300, 40, 200, opt);
  ASSERT_EQ(a.train.size(), 300u);
  ASSERT_EQ(a.calibration.size(), 40u);
  ASSERT_EQ(a.test.size(), 200u);
  for (size_t i = 0; i < a.test.size(); ++i) EXPECT_EQ(a.test[i].response, b.test[i].response);
  std::set<std::string> held_out;
  for (const Problem& p : a.calibration) held_out.insert(p.problem);
  for (const Problem& p : a.test) EXPECT_TRUE(held_out.insert(p.problem).second) << "calibration/test overlap";
  for (const Problem& p : a.train) EXPECT_FALSE(held_out.count(p.problem)) << "train overlaps held-out";
  // The held-out splits do not depend on the training set's size.
  const TaskSplits c = MakeTaskSplits(7, 10, 40, 200, opt);
  EXPECT_EQ(c.test.back().problem, a.test.back().problem);
  EXPECT_NE(MakeTaskSplits(8, 0, 0, 1, opt).test[0].problem, a.test[0].problem);
}

TEST(TaskTest, TracesAreCorrectAndInQwen3Format) {
  TaskOptions opt;
  opt.p_check = 0.5;
  const TaskSplits s = MakeTaskSplits(3, 0, 0, 100, opt);
  const std::regex eq(R"((\d+) ([+-]) (\d+) = (\d+))");
  for (const Problem& p : s.test) {
    ASSERT_EQ(p.response.rfind("<think>\n", 0), 0u);
    const std::string tail = "\n</think>\n\nThe answer is \\boxed{" + std::to_string(p.answer) + "}.";
    ASSERT_GE(p.response.size(), tail.size());
    EXPECT_EQ(p.response.substr(p.response.size() - tail.size()), tail);
    EXPECT_EQ(LastBoxed(p.response), std::to_string(p.answer));
    EXPECT_NE(p.UserMessage().find(kMathPromptSuffix), std::string::npos);
    EXPECT_GE(p.answer, 0);
    EXPECT_LE(p.answer, 99);
    // Every equation in the trace is arithmetic truth.
    int n_eq = 0;
    for (auto it = std::sregex_iterator(p.response.begin(), p.response.end(), eq); it != std::sregex_iterator(); ++it) {
      const int a = std::stoi((*it)[1]), b = std::stoi((*it)[3]), r = std::stoi((*it)[4]);
      EXPECT_EQ((*it)[2] == "+" ? a + b : a - b, r) << p.response;
      ++n_eq;
    }
    EXPECT_GE(n_eq, opt.min_steps);
    // v2 shape: paragraphs, no slips outside the training split.
    EXPECT_NE(p.response.find("\n\n"), std::string::npos);
    EXPECT_TRUE(p.no_loss.empty());
    EXPECT_EQ(p.response.find("not "), std::string::npos) << p.response;
    int checks = 0;
    for (size_t at = p.response.find("Yes, that is right"); at != std::string::npos; at = p.response.find("Yes", at + 1)) ++checks;
    EXPECT_EQ(CountSteps(p.response), n_eq - checks);
  }
  EXPECT_EQ(ChatPrompt("Hi"), "<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n");
}

// Slips appear only in training traces, each repaired right after it, with exactly the slip's
// digits excluded from the loss.
TEST(TaskTest, TrainingSlipsAreRepairedAndMasked) {
  TaskOptions opt;
  opt.p_slip_compute = 0.3;
  opt.p_slip_restate = 0.3;
  const TaskSplits s = MakeTaskSplits(11, 200, 0, 20, opt);
  int slips = 0;
  for (const Problem& p : s.train) {
    for (const auto& [b, e] : p.no_loss) {
      ++slips;
      ASSERT_LT(b, e);
      ASSERT_LE(e, p.response.size());
      const std::string wrong = p.response.substr(b, e - b);
      for (char c : wrong) EXPECT_TRUE(c >= '0' && c <= '9') << wrong;
      EXPECT_EQ(p.response[b - 1], ' ');
      EXPECT_FALSE(p.response[e] >= '0' && p.response[e] <= '9');
      // The repair names the wrong value after "not" before the next step's computation.
      EXPECT_NE(p.response.find(", not " + wrong + ".", e), std::string::npos) << p.response;
    }
    EXPECT_EQ(LastBoxed(p.response), std::to_string(p.answer));
  }
  EXPECT_GT(slips, 50);
  for (const Problem& p : s.test) EXPECT_TRUE(p.no_loss.empty());
  // Without slips the generator writes the same held-out problems.
  TaskOptions clean = opt;
  clean.p_slip_compute = clean.p_slip_restate = 0;
  EXPECT_EQ(MakeTaskSplits(11, 0, 0, 20, clean).test[7].response, s.test[7].response);
}

TEST(TaskTest, InjectSlipCutsAfterTheWrongNumber) {
  const TaskSplits s = MakeTaskSplits(5, 0, 0, 3, TaskOptions{});
  const Problem& p = s.test[0];
  const int steps = CountSteps(p.response);
  ASSERT_GE(steps, 3);
  for (int i = 0; i < steps; ++i) {
    const InjectedSlip c = InjectSlip(p, SlipKind::kCompute, i, 9);
    EXPECT_NE(c.wrong, c.right);
    const std::string tail = " = " + std::to_string(c.wrong) + ".";
    ASSERT_GE(c.prefix.size(), tail.size());
    EXPECT_EQ(c.prefix.substr(c.prefix.size() - tail.size()), tail);
    EXPECT_EQ(p.response.find(c.prefix.substr(0, c.prefix.size() - tail.size())), 0u);
    const InjectedSlip r = InjectSlip(p, SlipKind::kRestate, i, 9);
    EXPECT_EQ(r.right, c.right);
    EXPECT_NE(r.prefix.find(" = " + std::to_string(r.right) + "."), std::string::npos);
    const std::string restated = " has " + std::to_string(r.wrong);
    const size_t at = r.prefix.find(restated);
    ASSERT_NE(at, std::string::npos) << r.prefix;
    EXPECT_FALSE(std::isdigit(static_cast<unsigned char>(r.prefix[at + restated.size()]))) << r.prefix;
    EXPECT_EQ(r.prefix.back(), '.');
  }
  EXPECT_THROW(InjectSlip(p, SlipKind::kCompute, steps, 1), Error);
  // One routine sentence per step, each starting with a space after its cue and ending in '.'.
  const auto spans = RestatementSpans(p.response);
  ASSERT_EQ(static_cast<int>(spans.size()), steps);
  for (const auto& [b, e] : spans) {
    EXPECT_EQ(p.response[b], ' ');
    EXPECT_EQ(p.response[e - 1], '.');
    EXPECT_NE(p.response.substr(b, e - b).find(" has "), std::string::npos);
  }
}

TEST(TaskTest, JsonLinesRoundTripAndBadInput) {
  const TaskSplits s = MakeTaskSplits(5, 0, 3, 0, TaskOptions{});
  const std::string path = ::testing::TempDir() + "task_test.jsonl";
  WriteProblems(path, s.calibration);
  const std::vector<Problem> back = ReadProblems(path);
  ASSERT_EQ(back.size(), 3u);
  EXPECT_EQ(back[1].problem, s.calibration[1].problem);
  EXPECT_EQ(back[1].answer, s.calibration[1].answer);
  EXPECT_EQ(back[1].response, s.calibration[1].response);
  // Slip ranges survive the round trip.
  TaskOptions slippy;
  slippy.p_slip_restate = 1;
  std::vector<Problem> train = MakeTaskSplits(5, 2, 0, 0, slippy).train;
  ASSERT_FALSE(train[0].no_loss.empty());
  WriteProblems(path, train);
  EXPECT_EQ(ReadProblems(path)[0].no_loss, train[0].no_loss);
  FILE* f = std::fopen(path.c_str(), "w");
  std::fputs("{\"id\": 1}\n", f);
  std::fclose(f);
  EXPECT_THROW(ReadProblems(path), Error);
  EXPECT_THROW(ReadProblems(path + ".missing"), Error);
  TaskOptions bad;
  bad.min_steps = 0;
  EXPECT_THROW(MakeTaskSplits(1, 1, 1, 1, bad), Error);
  EXPECT_EQ(LastBoxed("a \\boxed{1} b \\boxed{42}."), "42");
  EXPECT_EQ(LastBoxed("no box"), "");
}

}  // namespace
}  // namespace relaygen
