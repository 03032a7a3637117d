// `relaygen bench` as a user runs it: the JSON summary of the latency protocol on the tiny test
// pair, the reference rows it always adds, the progress line, and bad input.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cmath>
#include <cstdlib>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "run_command.h"
#include "test_models.h"

namespace relaygen {
namespace {

using nlohmann::json;

std::string MakeTempDir() {
  std::string pattern = ::testing::TempDir() + "/relaygen-bench-XXXXXX";
  if (mkdtemp(pattern.data()) == nullptr) ADD_FAILURE() << "mkdtemp failed";
  return pattern;
}

void WriteFile(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  ASSERT_TRUE(out.good()) << path;
}

// A dataset of three problems, a minimal cue profile (a few cues selected, one not) and the
// command line of the brief; `policies` is the --policies value.
struct BenchSetup {
  std::string dir = MakeTempDir();
  std::string dataset = dir + "/tiny.jsonl";
  std::string profile = dir + "/cues.json";

  BenchSetup() {
    WriteFile(dataset,
              "{\"id\": \"a\", \"problem\": \"What is 2 + 3?\", \"answer\": \"5\"}\n"
              "{\"id\": \"b\", \"problem\": \"What is 4 + 4?\", \"answer\": \"8\"}\n"
              "{\"id\": \"c\", \"problem\": \"What is 9 - 2?\", \"answer\": \"7\"}\n");
    const json cues = {{"large", "tiny-b.gguf"},
                       {"small", "tiny.gguf"},
                       {"calibration_set", "hand-written"},
                       {"global_mean", 0.5},
                       {"cues",
                        {{{"cue", "So,"}, {"selected", true}},
                         {{"cue", "Now"}, {"selected", true}},
                         {{"cue", "Therefore,"}, {"selected", true}},
                         {{"cue", "Wait,"}, {"selected", false}}}}};
    WriteFile(profile, cues.dump(2));
  }

  std::vector<std::string> Args(const std::string& policies) const {
    return {RelaygenBinary(), "bench", "--dataset", dataset, "--policies", policies,
            "--large", TestModelPath("tiny-b.gguf"), "--small", TestModelPath("tiny.gguf"),
            "--profile", profile, "--problems", "2", "--runs", "2", "-n", "32", "-t", "1",
            "--json"};
  }
};

TEST(BenchCommand, JsonSummaryOfRelayAndAllCues) {
  const BenchSetup setup;
  const CommandOutput r = RunCommand(setup.Args("relay,all-cues"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const json out = json::parse(r.out);
  ASSERT_TRUE(out.contains("policies") && out["policies"].is_array()) << r.out;

  // 2 problems x 2 runs x 4 policies, one request at a time: the final progress line says 16/16.
  EXPECT_NE(r.err.find("[bench] 16/16"), std::string::npos) << r.err;

  std::map<std::string, json> rows;
  for (const json& row : out["policies"]) {
    for (const char* key : {"speedup", "speedup_std", "large_utilization", "efficiency", "pass1",
                            "large_ms_per_token", "small_ms_per_token", "handoff_loss", "token_loss",
                            "handoff_ms_per_switch", "large_ms_per_token_here", "small_ms_per_token_here"}) {
      ASSERT_TRUE(row.contains(key) && row[key].is_number()) << key << " in " << row.dump();
    }
    ASSERT_TRUE(row.contains("policy") && row["policy"].is_string()) << row.dump();
    const std::string name = row["policy"].get<std::string>();
    EXPECT_TRUE(rows.emplace(name, row).second) << "two rows for " << name;

    const double efficiency = row["efficiency"].get<double>();
    // The time over the ideal is split without remainder.
    EXPECT_NEAR(efficiency + row["handoff_loss"].get<double>() + row["token_loss"].get<double>(), 1.0, 1e-9)
        << name;
    EXPECT_GE(efficiency, 0.2) << name;  // random models are noisy, but not this noisy
    EXPECT_LE(efficiency, 5.0) << name;
    EXPECT_GT(row["speedup"].get<double>(), 0) << name;
    EXPECT_GE(row["speedup_std"].get<double>(), 0) << name;
    EXPECT_GE(row["large_utilization"].get<double>(), 0) << name;
    EXPECT_LE(row["large_utilization"].get<double>(), 1) << name;
    EXPECT_GE(row["pass1"].get<double>(), 0) << name;
    EXPECT_LE(row["pass1"].get<double>(), 1) << name;
    EXPECT_GT(row["large_ms_per_token"].get<double>(), 0) << name;
    EXPECT_GT(row["small_ms_per_token"].get<double>(), 0) << name;
  }
  // The references are always run, even when --policies does not name them.
  ASSERT_EQ(rows.size(), 4u) << r.out;
  for (const char* name : {"large", "small", "relay", "all-cues"}) {
    ASSERT_EQ(rows.count(name), 1u) << name << " missing: " << r.out;
  }
  EXPECT_DOUBLE_EQ(rows["large"]["speedup"].get<double>(), 1.0);
  EXPECT_DOUBLE_EQ(rows["large"]["speedup_std"].get<double>(), 0.0);
  EXPECT_DOUBLE_EQ(rows["large"]["large_utilization"].get<double>(), 1.0);
  EXPECT_DOUBLE_EQ(rows["small"]["large_utilization"].get<double>(), 0.0);
  // Each model's speed is measured once for the whole bench and reported on every row.
  for (const auto& [name, row] : rows) {
    EXPECT_EQ(row["large_ms_per_token"], rows["large"]["large_ms_per_token"]) << name;
    EXPECT_EQ(row["small_ms_per_token"], rows["large"]["small_ms_per_token"]) << name;
  }
  EXPECT_EQ(out.value("problems", 0), 2);
  EXPECT_EQ(out.value("runs", 0), 2);
}

TEST(BenchCommand, TableWithoutJson) {
  const BenchSetup setup;
  std::vector<std::string> args = WithFlag(setup.Args("large"), "--problems", "1");
  args.pop_back();  // --json
  const CommandOutput r = RunCommand(args);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("| large |"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("| small |"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("ms/token"), std::string::npos) << r.out;
}

TEST(BenchCommand, DatasetFlagsAsInEval) {
  const BenchSetup setup;
  std::vector<std::string> args = WithFlag(setup.Args("large"), "--problems", "1");
  args = WithFlag(args, "--runs", "1");
  const CommandOutput plain = RunCommand(args);
  ASSERT_EQ(plain.exit_code, 0) << plain.err;
  EXPECT_EQ(json::parse(plain.out).value("prompt_style", ""), "clean");
  EXPECT_EQ(json::parse(plain.out).value("gpqa_fixed_order", true), false);

  args.insert(args.end(), {"--gpqa-fixed-order", "--prompt-style", "reference"});
  const CommandOutput ref = RunCommand(args);
  ASSERT_EQ(ref.exit_code, 0) << ref.err;
  EXPECT_EQ(json::parse(ref.out).value("prompt_style", ""), "reference");
  EXPECT_EQ(json::parse(ref.out).value("gpqa_fixed_order", false), true);

  ExpectError(RunCommand(WithFlag(args, "--prompt-style", "fancy")), "--prompt-style");
}

TEST(BenchCommand, UnknownPolicy) {
  const BenchSetup setup;
  ExpectError(RunCommand(setup.Args("relay,bogus")), "unknown policy 'bogus' in --policies");
}

TEST(BenchCommand, EmptyDataset) {
  const BenchSetup setup;
  WriteFile(setup.dir + "/empty.jsonl", "");
  ExpectError(RunCommand(WithFlag(setup.Args("relay"), "--dataset", setup.dir + "/empty.jsonl")), "has no problems");
}

TEST(BenchCommand, NonPositiveProblemsOrRuns) {
  const BenchSetup setup;
  ExpectError(RunCommand(WithFlag(setup.Args("relay"), "--runs", "0")), "must be positive");
}

TEST(BenchCommand, MissingProfileForRelay) {
  const BenchSetup setup;
  ExpectError(RunCommand(WithFlag(setup.Args("relay"), "--profile", setup.dir + "/missing-cues.json")),
              "missing-cues.json");
}

}  // namespace
}  // namespace relaygen
