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
      "<think>\nOkay, let me go through the changes one at a time. Omar starts with 58 tickets.\n\n"
      "Then he uses 19, so 58 - 19 = 39. Therefore, he has 39 now, 19 fewer than the 58 before.\n\n"
      "Next, he sells 12. That gives 39 - 12 = 27. Now he has 27 in total, after 39 minus 12.\n\n"
      "Wait, let me double-check: 27 + 12 = 39. Yes, that is right.\n\n"
      "After that, he wins 33. Hmm, 27 + 33 = 60. Thus, he has 60 at this point, which is 27 plus 33.\n\n"
      "So the answer is 60.\n</think>\n\nThe answer is \\boxed{60}.";
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
  // Copies: 3 first operands; 58; 39, 19, 58; 27, 39, 12; 60, 27, 33; 60; the box. Lookups: 3
  // second operands; 12 and 33 in "Next, he sells 12." and "After that, he wins 33.".
  EXPECT_EQ(a.copies, 3 + 11 + 1);
  EXPECT_EQ(a.lookups, 3 + 2);
  EXPECT_EQ(a.lookup_errors, 0);
}

TEST(TraceAnalysisTest, ClassifiesTheFirstError) {
  const Problem p = Example();
  // A wrong result: compute (the restatement that repeats it is a correct copy).
  const std::string t = Replace(p.response, "58 - 19 = 39. Therefore, he has 39", "58 - 19 = 49. Therefore, he has 49");
  EXPECT_EQ(AnalyzeTrace(p, t).first_error, TraceError::kCompute);
  const TraceAnalysis a = AnalyzeTrace(p, t);
  EXPECT_EQ(a.first_error, TraceError::kCompute);
  EXPECT_EQ(a.compute_errors, 1);
  // A restatement that does not repeat the value just computed: copy.
  EXPECT_EQ(AnalyzeTrace(p, Replace(p.response, "he has 39 now", "he has 93 now")).first_error, TraceError::kCopy);
  // An amount taken wrong from the problem: lookup (the lead sentence "Next, he sells 12." was right).
  const TraceAnalysis wrong_amount = AnalyzeTrace(p, Replace(p.response, "39 - 12 = 27", "39 - 21 = 18"));
  EXPECT_EQ(wrong_amount.first_error, TraceError::kLookup);
  EXPECT_EQ(wrong_amount.lookup_errors, 1);
  EXPECT_EQ(AnalyzeTrace(p, Replace(p.response, "Next, he sells 12.", "Next, he sells 21.")).first_error,
            TraceError::kLookup);
  // A step skipped: structure.
  const std::string skipped = "<think>\nOmar starts with 58 tickets.\n\nThen he uses 19. So 58 - 19 = 39.\n\n"
                              "Then he wins 33. Hmm, 39 + 33 = 72.\n</think>\n\nThe answer is \\boxed{72}.";
  EXPECT_EQ(AnalyzeTrace(p, skipped).first_error, TraceError::kStructure);
  // Never closing the reasoning: format.
  EXPECT_EQ(AnalyzeTrace(p, "<think>\nFirst, Omar starts with 58 tickets.\n").first_error, TraceError::kFormat);
  // Huge numbers from a broken model do not crash the analysis.
  EXPECT_EQ(AnalyzeTrace(p, "<think>\n99999999999999999999 - 1 = 3\n").first_error, TraceError::kCompute);
  Problem no_ref;
  EXPECT_THROW(AnalyzeTrace(no_ref, "x"), Error);
}

// A slip followed by its repair: the slip is an error, the repair sentence is not, and the trace
// continues from the repaired value.
TEST(TraceAnalysisTest, RepairsRestoreTheCurrentValue) {
  const Problem p = Example();
  const std::string restate = Replace(p.response, "Therefore, he has 39 now, 19 fewer than the 58 before.",
                                      "Therefore, he has 93 now, 19 fewer than the 58 before.\n\n"
                                      "Wait, he has 39, not 93.");
  TraceAnalysis a = AnalyzeTrace(p, restate);
  EXPECT_EQ(a.copy_errors, 1);
  EXPECT_EQ(a.compute_errors, 0);
  const std::string compute = Replace(p.response, "That gives 39 - 12 = 27.", "That gives 39 - 12 = 37. Wait, 39 - 12 is 27, not 37.");
  a = AnalyzeTrace(p, compute);
  EXPECT_EQ(a.compute_errors, 1);
  EXPECT_EQ(a.equations, 5);
  EXPECT_EQ(a.copy_errors, 0);  // "27 + 33" copies the repaired value
  // A wrong repair is itself a compute error.
  a = AnalyzeTrace(p, Replace(compute, "is 27, not 37", "is 28, not 37"));
  EXPECT_EQ(a.compute_errors, 2);
}

TEST(TraceAnalysisTest, Tally) {
  const Problem p = Example();
  ErrorTally tally;
  tally.Add(AnalyzeTrace(p, p.response), true);
  tally.Add(AnalyzeTrace(p, Replace(p.response, "he has 39 now", "he has 93 now")), false);
  const nlohmann::json j = tally.ToJson();
  EXPECT_EQ(j["wrong"], 1);
  EXPECT_EQ(j["first_error_of_wrong_traces"]["copy"], 1);
  EXPECT_DOUBLE_EQ(j["compute_accuracy"].get<double>(), 1.0);
  EXPECT_DOUBLE_EQ(j["lookup_accuracy"].get<double>(), 1.0);
  EXPECT_EQ(j["lookups"], 10);
  EXPECT_LT(j["copy_accuracy"].get<double>(), 1.0);
}

}  // namespace
}  // namespace relaygen
