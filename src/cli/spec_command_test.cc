// Speculative decoding from the command line, on the bundled testbed pair: --spec on generate,
// relay, eval and bench, the +spec policy suffix, its statistics in --json and the bench table,
// spec-cost, and the refusals. Exactness itself is engine/speculative_test.cc's.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cstdio>

#include "run_command.h"
#include "test_models.h"

namespace relaygen {
namespace {

const char* kProblem =
    "Leo has 19 stamps. Then he loses 16 stamps. Then he gets 48 more stamps from a friend. How many stamps does "
    "Leo have now? Please reason step by step, and put your final answer within \\boxed{}.";

CommandOutput Relaygen(const std::string& command, std::vector<std::string> args) {
  args.insert(args.begin(), {RelaygenBinary(), command});
  return RunCommand(args);
}

nlohmann::json Json(const CommandOutput& r) {
  EXPECT_EQ(r.exit_code, 0) << r.err;
  return nlohmann::json::parse(r.out);
}

TEST(SpecCommand, GenerateDraftsWithTheSmallModelAndWithNgrams) {
  const std::vector<std::string> base = {"-p", kProblem, "-n", "120", "--temp", "0", "--json"};
  const auto plain = Json(Relaygen("generate", base));
  EXPECT_FALSE(plain.contains("spec"));
  for (const char* drafter : {"draft", "ngram"}) {
    auto args = base;
    args.insert(args.end(), {"--spec", drafter, "--spec-n-max", "6"});
    const auto r = Relaygen("generate", args);
    const auto j = Json(r);
    ASSERT_TRUE(j.contains("spec")) << drafter;
    EXPECT_GT(j["spec"]["batches"].get<int>(), 0) << drafter;
    EXPECT_LE(j["spec"]["accepted"].get<int>(), j["spec"]["drafted"].get<int>());
    EXPECT_NE(r.err.find("verify batches"), std::string::npos);
    EXPECT_EQ(j["n_generated"], plain["n_generated"]) << drafter;
    // The same text (ties aside, which speculative_test rules on): here its start at least.
    EXPECT_EQ(j["text"].get<std::string>().substr(0, 60), plain["text"].get<std::string>().substr(0, 60));
  }
  const auto draft = Json(Relaygen("generate", {"-p", kProblem, "-n", "120", "--temp", "0", "--json", "--spec", "draft"}));
  EXPECT_GT(draft["spec"]["acceptance"].get<double>(), 0.5);  // the small model restates what the large one writes
}

TEST(SpecCommand, RelayReportsDraftsPerSegmentAndPerRequest) {
  const auto plain = Json(Relaygen("relay", {"-p", kProblem, "--temp", "0", "--json"}));
  const auto j = Json(Relaygen("relay", {"-p", kProblem, "--temp", "0", "--json", "--spec", "draft"}));
  EXPECT_EQ(j["policy"], "relay+spec");
  const auto& s = j["stats"];
  EXPECT_GT(s["spec_batches"].get<int>(), 0);
  EXPECT_GT(s["spec_accepted"].get<int>(), 0);
  int drafted = 0;
  for (const auto& seg : j["segments"]) {
    if (!seg.contains("spec")) continue;
    EXPECT_EQ(seg["writer"], "large");  // only the large model's segments speculate
    drafted += seg["spec"]["drafted"].get<int>();
  }
  EXPECT_EQ(drafted, s["spec_drafted"].get<int>());
  EXPECT_EQ(plain["stats"]["spec_drafted"].get<int>(), 0);
  EXPECT_EQ(j["answer"], plain["answer"]);
}

TEST(SpecCommand, BenchRunsSpecPoliciesAgainstTheSameBaseline) {
  const auto r = Relaygen("bench", {"--policies", "large,large+spec,relay+spec", "--problems", "1", "--runs", "1", "-n",
                               "160", "--spec", "ngram"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("| large+spec |"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("tokens / verify batch"), std::string::npos) << r.out;  // the drafts table
  const auto j = Json(Relaygen("bench", {"--policies", "large+spec", "--problems", "1", "--runs", "1", "-n", "80",
                                    "--json"}));
  bool seen = false;
  for (const auto& row : j["policies"]) {
    if (row["policy"] != "large+spec") continue;
    seen = true;
    EXPECT_GT(row["spec_batches"].get<int>(), 0);
    EXPECT_GT(row["spec_acceptance"].get<double>(), 0.0);
  }
  EXPECT_TRUE(seen) << j.dump();
}

TEST(SpecCommand, EvalRecordsTheSpecPolicy) {
  const std::string out = TestDataPath("spec_eval.jsonl");
  std::remove(out.c_str());
  const auto r = Relaygen("eval", {"--dataset", "testbed", "--limit", "1", "--policy", "large", "--spec", "ngram", "--out",
                              out, "-n", "64", "--temp", "0"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto line = nlohmann::json::parse(ReadFile(out).substr(0, ReadFile(out).find('\n')));
  EXPECT_EQ(line["policy"], "large+spec");
}

TEST(SpecCommand, SpecCostPrintsTheCurve) {
  const auto r = Relaygen("spec-cost", {"--n-max", "2", "--tokens", "16", "--reps", "1"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("| 3 |"), std::string::npos) << r.out;  // batches of 1..3 tokens
  EXPECT_NE(r.out.find("break-even"), std::string::npos);
}

TEST(SpecCommand, RefusesBadSpecInput) {
  ExpectError(Relaygen("generate", {"-p", "x", "--spec", "draft", "--spec-draft", TestModelPath()}), "vocabulary");
  ExpectError(Relaygen("generate", {"-p", "x", "--spec", "eagle"}), "--spec");
  ExpectError(Relaygen("generate", {"-p", "x", "--spec", "ngram", "--spec-n-max", "0"}), "--spec-n-max");
  ExpectError(Relaygen("relay", {"-p", "x", "--policy", "small+spec"}), "small");
  ExpectError(Relaygen("bench", {"--policies", "large,nope+spec"}), "nope+spec");
}

}  // namespace
}  // namespace relaygen
