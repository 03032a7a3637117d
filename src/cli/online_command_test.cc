// --online-stats on relay, eval and bench, and calibrate --from-online --diff, end to end on the
// bundled testbed pair.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cstdio>
#include <fstream>
#include <sstream>

#include "run_command.h"
#include "test_models.h"

namespace relaygen {
namespace {

using json = nlohmann::json;

const char* kProblem =
    "Ruby has 42 stickers. Then she uses 33 stickers. Next, she finds 74 stickers. Then she wins 11 "
    "stickers. Now she loses 34 stickers. How many stickers does Ruby have now? Please reason step by "
    "step, and put your final answer within \\boxed{}.";

std::string Fresh(const std::string& name) {
  const std::string path = TestDataPath(name);
  std::remove(path.c_str());
  return path;
}

int Lines(const std::string& path) {
  std::istringstream in(ReadFile(path));
  int n = 0;
  for (std::string line; std::getline(in, line);) n += !line.empty();
  return n;
}

std::vector<std::string> RelayArgs(const std::string& stats) {
  return {RelaygenBinary(), "relay", "-p", kProblem, "--temp", "0", "-t", "1", "--json", "--online-stats", stats};
}

TEST(OnlineCommand, RelayRecordsItsReadAlongAndAppendsOneLinePerRun) {
  const std::string stats = Fresh("online_relay.jsonl");
  const CommandOutput r = RunCommand(RelayArgs(stats));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const json j = json::parse(r.out);
  ASSERT_TRUE(j["stats"].contains("online")) << r.out;
  const json& online = j["stats"]["online"];
  EXPECT_GT(online["read_tokens"].get<int>(), 0);
  EXPECT_GT(online["measured_tokens"].get<int>(), 0);
  EXPECT_LE(online["measured_tokens"].get<int>(), j["stats"]["large_tokens"].get<int>());
  EXPECT_TRUE(online["drift"].is_array());
  EXPECT_EQ(Lines(stats), 1);
  ASSERT_EQ(RunCommand(RelayArgs(stats)).exit_code, 0);
  EXPECT_EQ(Lines(stats), 2);  // appended, not rewritten
  const json line = json::parse(ReadFile(stats).substr(0, ReadFile(stats).find('\n')));
  EXPECT_EQ(line["v"], 1);
  EXPECT_EQ(line["policy"], "relay");
  EXPECT_EQ(line["requests"], 1);
}

TEST(OnlineCommand, RefusesWhatItCannotMeasure) {
  const std::string stats = Fresh("online_refused.jsonl");
  std::vector<std::string> args = RelayArgs(stats);
  args.push_back("--no-prefill-ahead");
  ExpectError(RunCommand(args), "--no-prefill-ahead");
  args = RelayArgs(stats);
  args.insert(args.end(), {"--policy", "large"});
  ExpectError(RunCommand(args), "reads along");
  args = RelayArgs(stats);
  args.insert(args.end(), {"--online-explore", "1.5"});
  ExpectError(RunCommand(args), "--online-explore");
  ExpectError(RunCommand({RelaygenBinary(), "relay", "-p", kProblem, "--online-explore", "0.1"}), "--online-stats");
}

// An evaluation killed after a sample's statistics line and before its run-file line makes that
// sample again when it resumes: the statistics still count it once (its "request" key).
TEST(OnlineCommand, AResumedEvalCountsEachSampleOnce) {
  const std::string stats = Fresh("online_resume_stats.jsonl"), run = Fresh("online_resume_run.jsonl");
  const std::vector<std::string> args = {RelaygenBinary(), "eval", "--dataset", "testbed", "--limit", "2", "--temp",
                                         "0", "-t", "1", "--out", run, "--online-stats", stats};
  const CommandOutput first = RunCommand(args);
  ASSERT_EQ(first.exit_code, 0) << first.err;
  ASSERT_EQ(Lines(stats), 2);
  const std::string before = ReadFile(stats);
  // The kill: the second sample's run-file line is lost, its statistics line is not.
  const std::string lines = ReadFile(run);
  std::ofstream(run, std::ios::trunc) << lines.substr(0, lines.find('\n') + 1);
  std::vector<std::string> resume = args;
  resume.push_back("--resume");
  const CommandOutput second = RunCommand(resume);
  ASSERT_EQ(second.exit_code, 0) << second.err;
  EXPECT_EQ(Lines(run), 2);
  EXPECT_EQ(Lines(stats), 2);
  EXPECT_EQ(ReadFile(stats), before);
  const std::string first_line = before.substr(0, before.find('\n'));
  EXPECT_NE(json::parse(first_line).value("request", "").find("#testbed/relay/"), std::string::npos) << first_line;
}

TEST(OnlineCommand, EvalBenchAndCalibrateFromOnlineWithDiff) {
  const std::string eval_stats = Fresh("online_eval.jsonl");
  const std::string run = Fresh("online_eval_run.jsonl");
  const CommandOutput eval = RunCommand({RelaygenBinary(), "eval", "--dataset", "testbed", "--limit", "2", "--temp",
                                         "0", "-t", "1", "--out", run, "--online-stats", eval_stats,
                                         "--online-explore", "0.5"});
  ASSERT_EQ(eval.exit_code, 0) << eval.err;
  EXPECT_EQ(Lines(eval_stats), 2);
  std::istringstream lines(ReadFile(run));
  for (std::string line; std::getline(lines, line);) {
    const json record = json::parse(line);
    ASSERT_TRUE(record.contains("online")) << line;
    EXPECT_GE(record["online"]["explored"].get<int>(), 0);
  }

  const std::string bench_stats = Fresh("online_bench.jsonl");
  const CommandOutput bench = RunCommand({RelaygenBinary(), "bench", "--problems", "1", "--runs", "1", "--policies",
                                          "relay", "-n", "200", "-t", "1", "--json", "--online-stats", bench_stats,
                                          "--online-explore", "0"});
  ASSERT_EQ(bench.exit_code, 0) << bench.err;
  bool measured = false;
  const json table = json::parse(bench.out);
  for (const json& p : table["policies"]) measured |= p["policy"] == "relay+online";
  EXPECT_TRUE(measured) << bench.out;
  EXPECT_NE(bench.err.find("online statistics: relay+online / relay wall time"), std::string::npos) << bench.err;
  EXPECT_EQ(Lines(bench_stats), 1);  // only the measured variant adds lines

  const std::string profile = Fresh("online_profile.json");
  const CommandOutput cal = RunCommand({RelaygenBinary(), "calibrate", "--from-online", eval_stats, bench_stats,
                                        "--rule", "min", "-o", profile, "--diff",
                                        BundledModelFile("testbed-cues.json")});
  ASSERT_EQ(cal.exit_code, 0) << cal.err;
  EXPECT_NE(cal.out.find("selected cues kept"), std::string::npos) << cal.out;
  const json p = json::parse(ReadFile(profile));
  EXPECT_EQ(p["traces"], 3);  // requests
  EXPECT_EQ(p["rule"], "min");
  EXPECT_EQ(p["calibration_set"], "online:online_eval.jsonl,online_bench.jsonl");
  EXPECT_EQ(p["cues"].size(), 91u);

  ExpectError(RunCommand({RelaygenBinary(), "calibrate", "--from-online", eval_stats, "--rule", "quantile:0.5", "-o",
                          profile}),
              "mean and min");
  ExpectError(RunCommand({RelaygenBinary(), "calibrate", "-o", profile}), "--problems is required");
}

}  // namespace
}  // namespace relaygen
