// `relaygen report` on run files that `relaygen eval` wrote: the markdown tables, the CSV files and
// the gnuplot plot, and bad input.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "eval/csv.h"
#include "run_command.h"
#include "test_models.h"

namespace relaygen {
namespace {

std::string MakeTempDir() {
  std::string pattern = ::testing::TempDir() + "/relaygen-report-XXXXXX";
  if (mkdtemp(pattern.data()) == nullptr) ADD_FAILURE() << "mkdtemp failed";
  return pattern;
}

bool HaveGnuplot() {
  return RunCommand({"/bin/sh", "-c", "command -v gnuplot"}).exit_code == 0;
}

// Runs of the small and the large policy (greedy) on a three-problem dataset, written once for
// all tests of this file.
class ReportCommand : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new std::string(MakeTempDir());
    {
      std::ofstream out(*dir_ + "/tiny.jsonl");
      out << "{\"id\": \"a\", \"problem\": \"What is 2 + 3?\", \"answer\": \"5\"}\n"
             "{\"id\": \"b\", \"problem\": \"What is 4 + 4?\", \"answer\": \"8\"}\n"
             "{\"id\": \"c\", \"problem\": \"What is 9 - 2?\", \"answer\": \"7\"}\n";
    }
    for (const char* policy : {"small", "large"}) {
      const std::string run = *dir_ + "/" + policy + ".jsonl";
      const CommandOutput r = RunCommand(
          {RelaygenBinary(), "eval", "--dataset", *dir_ + "/tiny.jsonl", "--policy", policy,
           "--small", TestModelPath("tiny.gguf"), "--large", TestModelPath("tiny-b.gguf"),
           "--samples", "2", "--out", run, "-n", "16", "-t", "1", "--temp", "0"});
      ASSERT_EQ(r.exit_code, 0) << r.err;
    }
  }
  static void TearDownTestSuite() {
    delete dir_;
    dir_ = nullptr;
  }

  static std::string Run(const char* policy) { return *dir_ + "/" + policy + ".jsonl"; }

  static std::string* dir_;
};

std::string* ReportCommand::dir_ = nullptr;

TEST_F(ReportCommand, TablesAndCsv) {
  ASSERT_TRUE(std::filesystem::exists(Run("small")) && std::filesystem::exists(Run("large")));
  const std::string out_dir = MakeTempDir() + "/report";
  const CommandOutput r = RunCommand(
      {RelaygenBinary(), "report", Run("small"), Run("large"), "--out-dir", out_dir, "--csv"});
  ASSERT_EQ(r.exit_code, 0) << r.err;

  // Markdown: both tables, on stdout and in report.md.
  const std::string md = r.out;
  EXPECT_EQ(ReadFile(out_dir + "/report.md"), md);
  const std::size_t accuracy = md.find("## Accuracy"), speed = md.find("## Speed");
  ASSERT_NE(accuracy, std::string::npos) << md;
  ASSERT_NE(speed, std::string::npos) << md;
  ASSERT_LT(accuracy, speed);
  const std::string accuracy_md = md.substr(accuracy, speed - accuracy), speed_md = md.substr(speed);
  EXPECT_NE(accuracy_md.find("Graded by: relaygen."), std::string::npos) << accuracy_md;
  EXPECT_NE(accuracy_md.find("| Policy | tiny.jsonl |"), std::string::npos) << accuracy_md;
  EXPECT_NE(accuracy_md.find("| small |"), std::string::npos) << accuracy_md;
  EXPECT_NE(accuracy_md.find("| large |"), std::string::npos) << accuracy_md;
  EXPECT_NE(accuracy_md.find("3x2"), std::string::npos) << "problems x samples: " << accuracy_md;
  EXPECT_LT(accuracy_md.find("| small |"), accuracy_md.find("| large |")) << "paper order";
  EXPECT_NE(speed_md.find("Speed-up over `large` on tiny.jsonl"), std::string::npos) << speed_md;
  EXPECT_NE(speed_md.find("| large | 1.00 ± 0.00 | 3 | 100.0 |"), std::string::npos) << speed_md;
  EXPECT_NE(speed_md.find("| small |"), std::string::npos) << speed_md;
  EXPECT_NE(speed_md.find("| 3 | 0.0 |"), std::string::npos) << "small: 0% large tokens: " << speed_md;

  // CSV: parse and check the cells.
  const CsvTable acc = ReadCsvFile(out_dir + "/accuracy.csv");
  ASSERT_EQ(acc.rows.size(), 2u);
  std::map<std::string, std::vector<std::string>> by_policy;
  for (const auto& row : acc.rows) {
    EXPECT_EQ(row[acc.Column("dataset", "accuracy.csv")], "tiny.jsonl");
    by_policy[row[acc.Column("policy", "accuracy.csv")]] = row;
  }
  ASSERT_EQ(by_policy.count("small"), 1u);
  ASSERT_EQ(by_policy.count("large"), 1u);
  for (const auto& [policy, row] : by_policy) {
    EXPECT_EQ(row[acc.Column("problems", "accuracy.csv")], "3") << policy;
    EXPECT_EQ(row[acc.Column("samples", "accuracy.csv")], "6") << policy;
    EXPECT_EQ(row[acc.Column("samples_per_problem", "accuracy.csv")], "2") << policy;
    const double pass = std::atof(row[acc.Column("pass_at_1", "accuracy.csv")].c_str());
    EXPECT_GE(pass, 0) << policy;
    EXPECT_LE(pass, 1) << policy;
  }
  const CsvTable sp = ReadCsvFile(out_dir + "/speed.csv");
  ASSERT_EQ(sp.rows.size(), 2u);
  for (const auto& row : sp.rows) {
    const std::string policy = row[sp.Column("policy", "speed.csv")];
    EXPECT_EQ(row[sp.Column("baseline", "speed.csv")], "large");
    const double speedup = std::atof(row[sp.Column("speedup_mean", "speed.csv")].c_str());
    const double utilization = std::atof(row[sp.Column("large_utilization", "speed.csv")].c_str());
    EXPECT_GT(std::atof(row[sp.Column("mean_wall_ms", "speed.csv")].c_str()), 0) << policy;
    if (policy == "large") {
      EXPECT_DOUBLE_EQ(speedup, 1.0);
      EXPECT_DOUBLE_EQ(utilization, 1.0);
    } else {
      EXPECT_EQ(policy, "small");
      EXPECT_GT(speedup, 0);
      EXPECT_DOUBLE_EQ(utilization, 0.0);
    }
  }

}

TEST_F(ReportCommand, Plot) {
  if (!HaveGnuplot()) GTEST_SKIP() << "gnuplot not installed (scripts/setup.sh installs gnuplot-nox)";
  ASSERT_TRUE(std::filesystem::exists(Run("small")) && std::filesystem::exists(Run("large")));
  const std::string out_dir = MakeTempDir() + "/report";
  const CommandOutput r = RunCommand(
      {RelaygenBinary(), "report", Run("small"), Run("large"), "--out-dir", out_dir, "--plot"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  for (const char* ext : {"png", "svg"}) {
    const std::string plot = out_dir + "/accuracy_vs_speedup." + ext;
    ASSERT_TRUE(std::filesystem::exists(plot)) << plot << "\n" << r.err;
    EXPECT_GT(std::filesystem::file_size(plot), 100u) << plot;
  }
  EXPECT_EQ(ReadFile(out_dir + "/accuracy_vs_speedup.png").substr(1, 3), "PNG");
  EXPECT_NE(ReadFile(out_dir + "/accuracy_vs_speedup.svg").find("<svg"), std::string::npos);
}

TEST_F(ReportCommand, SameRunFileTwiceIsRefused) {
  ASSERT_TRUE(std::filesystem::exists(Run("small")) && std::filesystem::exists(Run("large")));
  const CommandOutput r = RunCommand({RelaygenBinary(), "report", Run("small"), Run("small")});
  EXPECT_NE(r.exit_code, 0) << r.out;
  EXPECT_LT(r.exit_code, 128) << r.err;
  EXPECT_FALSE(r.err.empty());
}

TEST_F(ReportCommand, MissingRunFile) {
  const CommandOutput r = RunCommand({RelaygenBinary(), "report", *dir_ + "/no-such-run.jsonl"});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_LT(r.exit_code, 128) << r.err;
  EXPECT_NE(r.err.find("no-such-run.jsonl"), std::string::npos) << r.err;
}

// --grader re-grades math lines from their text and the table says which grader made it: "50"
// for 0.5 is wrong for relaygen, right for the reference (its percent variants).
TEST(ReportGrader, RegradesAndSaysWhichGrader) {
  const std::string dir = MakeTempDir();
  const std::string run = dir + "/run.jsonl";
  {
    std::ofstream out(run);
    out << "{\"id\": \"a\", \"dataset\": \"toy\", \"policy\": \"large\", \"sample\": 0, "
           "\"text\": \"so \\\\boxed{50}\", \"answer\": \"0.5\", \"correct\": false, \"grader\": \"relaygen\"}\n"
           "{\"id\": \"b\", \"dataset\": \"toy\", \"policy\": \"large\", \"sample\": 0, "
           "\"text\": \"\\\\boxed{7}\", \"answer\": \"7\", \"correct\": true, \"grader\": \"relaygen\"}\n";
  }
  CommandOutput r = RunCommand({RelaygenBinary(), "report", run});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("Graded by: relaygen."), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("| large | 50.00"), std::string::npos) << r.out;
  r = RunCommand({RelaygenBinary(), "report", run, "--grader", "reference"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("Graded by: reference."), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("| large | 100.00"), std::string::npos) << r.out;
  ExpectError(RunCommand({RelaygenBinary(), "report", run, "--grader", "nope"}), "nope");
}

}  // namespace
}  // namespace relaygen
