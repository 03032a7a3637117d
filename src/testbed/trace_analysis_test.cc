#include "testbed/trace_analysis.h"

#include <gtest/gtest.h>

#include "util/error.h"

namespace relaygen {
namespace {

Problem Example() {
  Problem p;
  p.id = "x";
  p.answer = 60;
  p.response =
      "<think>\nOkay, let me go through the changes one at a time.\nFirst, Omar starts with 58 tickets.\n"
      "Then he uses 19, so I subtract 19: 58 - 19 = 39.\nSo Omar has 39 tickets now.\n"
      "Next, he sells 12. That gives 39 - 12 = 27.\nWait, let me check: 27 + 12 = 39. Yes, that is right.\n"
      "Now he wins 33, so 27 + 33 = 60.\nTherefore, the answer is 60.\n</think>\n\nThe answer is \\boxed{60}.";
  return p;
}

std::string Replace(std::string s, const std::string& from, const std::string& to) {
  s.replace(s.find(from), from.size(), to);
  return s;
}

TEST(TraceAnalysisTest, ReferenceIsClean) {
  const Problem p = Example();
  const TraceAnalysis a = AnalyzeTrace(p, p.response);
  EXPECT_EQ(a.first_error, TraceError::kNone);
  EXPECT_EQ(a.equations, 4);
  EXPECT_EQ(a.compute_errors, 0);
  EXPECT_EQ(a.copy_errors, 0);
  EXPECT_EQ(a.copies, 2 * 3 + 3 + 1);  // 3 steps x 2 operands, 3 restated numbers, the box
}

TEST(TraceAnalysisTest, ClassifiesTheFirstError) {
  const Problem p = Example();
  // A wrong result: compute (the restatement that repeats it is a correct copy).
  const std::string t = Replace(p.response, "58 - 19 = 39.\nSo Omar has 39", "58 - 19 = 49.\nSo Omar has 49");
  const TraceAnalysis a = AnalyzeTrace(p, t);
  EXPECT_EQ(a.first_error, TraceError::kCompute);
  EXPECT_EQ(a.compute_errors, 1);
  // A restatement that does not repeat the value just computed: copy.
  EXPECT_EQ(AnalyzeTrace(p, Replace(p.response, "So Omar has 39", "So Omar has 93")).first_error, TraceError::kCopy);
  // An amount copied wrong from the problem: copy.
  EXPECT_EQ(AnalyzeTrace(p, Replace(p.response, "39 - 12 = 27", "39 - 21 = 18")).first_error, TraceError::kCopy);
  // A step skipped: structure.
  const std::string skipped = "<think>\nFirst, Omar starts with 58 tickets.\nThen he uses 19, so 58 - 19 = 39.\n"
                              "Now he wins 33, so 39 + 33 = 72.\n</think>\n\nThe answer is \\boxed{72}.";
  EXPECT_EQ(AnalyzeTrace(p, skipped).first_error, TraceError::kStructure);
  // Never closing the reasoning: format.
  EXPECT_EQ(AnalyzeTrace(p, "<think>\nFirst, Omar starts with 58 tickets.\n").first_error, TraceError::kFormat);
  // Huge numbers from a broken model do not crash the analysis.
  EXPECT_EQ(AnalyzeTrace(p, "<think>\n99999999999999999999 - 1 = 3\n").first_error, TraceError::kCompute);
  Problem no_ref;
  EXPECT_THROW(AnalyzeTrace(no_ref, "x"), Error);
}

TEST(TraceAnalysisTest, Tally) {
  const Problem p = Example();
  ErrorTally tally;
  tally.Add(AnalyzeTrace(p, p.response), true);
  tally.Add(AnalyzeTrace(p, Replace(p.response, "So Omar has 39", "So Omar has 93")), false);
  const nlohmann::json j = tally.ToJson();
  EXPECT_EQ(j["wrong"], 1);
  EXPECT_EQ(j["first_error_of_wrong_traces"]["copy"], 1);
  EXPECT_DOUBLE_EQ(j["compute_accuracy"].get<double>(), 1.0);
  EXPECT_LT(j["copy_accuracy"].get<double>(), 1.0);
}

}  // namespace
}  // namespace relaygen
