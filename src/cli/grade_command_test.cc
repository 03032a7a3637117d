// `relaygen grade`: one verdict by hand, and the JSONL batch form.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <sstream>
#include <string>

#include "run_command.h"

namespace relaygen {
namespace {

TEST(GradeCommand, OneVerdict) {
  CommandOutput r = RunCommand({RelaygenBinary(), "grade", "4, 7", "The solutions are $\\boxed{4}$ and $\\boxed{7}$."});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("extracted:  4, 7\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("verdict:    equal\n"), std::string::npos) << r.out;
  r = RunCommand({RelaygenBinary(), "grade", "x \\ge 3", "\\boxed{(3,\\infty)}"});
  EXPECT_NE(r.out.find("verdict:    not equal\n"), std::string::npos) << r.out;
  r = RunCommand({RelaygenBinary(), "grade", "--json", "12", "So the smallest k is 12."});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  nlohmann::json v = nlohmann::json::parse(r.out);
  EXPECT_EQ(v["extracted"], "12");
  EXPECT_EQ(v["equal"], true);
}

TEST(GradeCommand, JsonlBatchWithLabels) {
  std::string input =
      "{\"gold\": \"\\\\frac{1}{2}\", \"pred\": \"\\\\boxed{0.5}\", \"label\": true}\n"
      "\n"
      "{\"gold\": \"2\", \"pred\": \"\\\\boxed{-2}\", \"label\": false}\n"
      "{\"gold\": 35, \"pred\": \"\\\\boxed{35 \\\\text{ percent}}\"}\n";
  CommandOutput r = RunCommand({RelaygenBinary(), "grade", "--jsonl", "-"}, input);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::istringstream lines(r.out);
  std::string line;
  std::vector<bool> verdicts;
  while (std::getline(lines, line)) verdicts.push_back(nlohmann::json::parse(line)["equal"].get<bool>());
  EXPECT_EQ(verdicts, (std::vector<bool>{true, false, true}));
  EXPECT_NE(r.err.find("3 pairs, 2 graded equal"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("labelled 2: agreement 2 (100.0%), false positives 0, false negatives 0"),
            std::string::npos)
      << r.err;
}

TEST(GradeCommand, BadInput) {
  ExpectError(RunCommand({RelaygenBinary(), "grade", "5"}), "give GOLD and PRED");
  ExpectError(RunCommand({RelaygenBinary(), "grade", "--jsonl", "-"}, "{\"gold\": 1}\n"), "-:1: needs");
  ExpectError(RunCommand({RelaygenBinary(), "grade", "--jsonl", "-"}, "not json\n"), "-:1: not JSON");
}

}  // namespace
}  // namespace relaygen
