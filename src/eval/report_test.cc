#include "eval/report.h"

#include <gtest/gtest.h>

#include "eval/eval_test_util.h"
#include "util/error.h"

namespace relaygen {
namespace {

RunRecord Line(const std::string& dataset, const std::string& policy, const std::string& id,
               int sample, bool correct, double wall_ms, double utilization) {
  RunRecord r;
  r.dataset = dataset;
  r.policy = policy;
  r.id = id;
  r.sample = sample;
  r.correct = correct;
  r.wall_ms = wall_ms;
  r.large_utilization = utilization;
  r.large_tokens = static_cast<std::int64_t>(100 * utilization);
  r.small_tokens = 100 - r.large_tokens;
  return r;
}

// Two problems x two samples under `large` and `relay` on aime25, and an untimed oracle on
// math500. By hand:
//   large: pass@1 = (1/2 + 2/2) / 2 = 75%; walls p1 (1000+3000)/2 = 2000, p2 4000.
//   relay: pass@1 = (2/2 + 0/2) / 2 = 50%; walls p1 1000, p2 1000: ratios 2 and 4,
//          speed-up 3.00 ± 1.00 (population std of 2 and 4); utilization (0.6+0.8+0.7+0.9)/4 = 75.0%.
std::vector<RunRecord> Synthetic() {
  return {
      Line("aime25", "large", "p1", 0, true, 1000, 1.0),
      Line("aime25", "large", "p1", 1, false, 3000, 1.0),
      Line("aime25", "large", "p2", 0, true, 4000, 1.0),
      Line("aime25", "large", "p2", 1, true, 4000, 1.0),
      Line("aime25", "relay", "p1", 0, true, 1000, 0.6),
      Line("aime25", "relay", "p1", 1, true, 1000, 0.8),
      Line("aime25", "relay", "p2", 0, false, 1000, 0.7),
      Line("aime25", "relay", "p2", 1, false, 1000, 0.9),
      Line("math500", "oracle", "a", 0, true, 0, 0),
      Line("math500", "oracle", "b", 0, true, 0, 0),
      Line("math500", "oracle", "c", 0, false, 0, 0),
  };
}

TEST(ReportTest, AccuracyTable) {
  Report report = BuildReport(Synthetic());
  EXPECT_EQ(AccuracyMarkdown(report),
            "Pass@1 (%), mean over samples per problem, then over problems; in parentheses: "
            "problems x samples per problem.\n\n"
            "| Policy | math500 | aime25 |\n"
            "|---|---|---|\n"
            "| large | - | 75.00 (2x2) |\n"
            "| relay | - | 50.00 (2x2) |\n"
            "| oracle | 66.67 (3x1) | - |\n");
  EXPECT_EQ(AccuracyCsv(report),
            "dataset,policy,problems,samples,samples_per_problem,pass_at_1\n"
            "math500,oracle,3,3,1,0.666667\n"
            "aime25,large,2,4,2,0.750000\n"
            "aime25,relay,2,4,2,0.500000\n");
}

TEST(ReportTest, SpeedTable) {
  Report report = BuildReport(Synthetic());
  ASSERT_EQ(report.speed.size(), 2u);
  EXPECT_DOUBLE_EQ(report.speed[1].speedup_mean, 3.0);
  EXPECT_DOUBLE_EQ(report.speed[1].speedup_std, 1.0);
  EXPECT_EQ(SpeedMarkdown(report),
            "Speed-up over `large` on aime25 (mean ± std over problems of the per-problem latency "
            "ratio):\n\n"
            "| Policy | Speed-up | Problems | Large-model utilization (%) | Mean latency (s) | Mean tokens |\n"
            "|---|---|---|---|---|---|\n"
            "| large | 1.00 ± 0.00 | 2 | 100.0 | 3.00 | 100 |\n"
            "| relay | 3.00 ± 1.00 | 2 | 75.0 | 1.00 | 100 |\n\n");
  EXPECT_EQ(SpeedCsv(report),
            "dataset,policy,baseline,problems,speedup_mean,speedup_std,large_utilization,mean_wall_ms,mean_tokens\n"
            "aime25,large,large,2,1.000000,0.000000,1.000000,3000.000,100.0\n"
            "aime25,relay,large,2,3.000000,1.000000,0.750000,1000.000,100.0\n");
}

TEST(ReportTest, UnevenSamplesAndMissingBaseline) {
  std::vector<RunRecord> records = {
      Line("amc23", "small", "x", 0, true, 10, 0),
      Line("amc23", "small", "x", 1, false, 10, 0),
      Line("amc23", "small", "y", 0, false, 10, 0),
  };
  Report report = BuildReport(records);
  ASSERT_EQ(report.accuracy.size(), 1u);
  EXPECT_DOUBLE_EQ(report.accuracy[0].pass_at_1, 0.25);
  EXPECT_EQ(report.accuracy[0].samples_per_problem, 0);
  EXPECT_NE(AccuracyMarkdown(report).find("| small | 25.00 (2 problems, 3 samples) |"), std::string::npos);
  EXPECT_TRUE(report.speed.empty());
  EXPECT_EQ(SpeedMarkdown(report), "No speed table: no timed lines of the baseline policy `large`.\n");
  // Another baseline by name.
  EXPECT_EQ(BuildReport(records, "small").speed.size(), 1u);
}

TEST(ReportTest, SameLineInTwoFilesIsAnError) {
  std::vector<RunRecord> records = Synthetic();
  records.push_back(records[0]);
  EXPECT_THROW(BuildReport(records), Error);
}

TEST(ReportTest, PlotWritesPngAndSvg) {
  if (std::system("command -v gnuplot >/dev/null 2>&1") != 0) GTEST_SKIP() << "gnuplot not installed";
  TempDir dir;
  WritePlot(BuildReport(Synthetic()), dir.path());
  for (const char* ext : {".png", ".svg", ".gp", ".dat"}) {
    EXPECT_GT(ReadText(dir.File(std::string("accuracy_vs_speedup") + ext)).size(), 40u) << ext;
  }
  EXPECT_EQ(ReadText(dir.File("accuracy_vs_speedup.png")).substr(1, 3), "PNG");
  EXPECT_NE(ReadText(dir.File("accuracy_vs_speedup.svg")).find("<svg"), std::string::npos);
  // Nothing timed: nothing to plot.
  std::vector<RunRecord> untimed = {Line("math500", "oracle", "a", 0, true, 0, 0)};
  EXPECT_THROW(WritePlot(BuildReport(untimed), dir.path()), Error);
}

TEST(ReportTest, PolicyOrderFollowsThePaper) {
  EXPECT_TRUE(PolicyBefore("small", "large"));
  EXPECT_TRUE(PolicyBefore("large", "relay"));
  EXPECT_TRUE(PolicyBefore("relay", "oracle"));
  EXPECT_TRUE(PolicyBefore("oracle", "aaa-custom"));
  EXPECT_FALSE(PolicyBefore("relay", "relay"));
}

}  // namespace
}  // namespace relaygen
