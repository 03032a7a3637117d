#include "eval/dataset.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <set>

#include "eval/eval_test_util.h"
#include "util/error.h"

namespace relaygen {
namespace {

const char kInstruction[] = "Please reason step by step, and put your final answer within \\boxed{}.";

TEST(DatasetTest, MathPromptIsProblemNewlineInstruction) {
  EXPECT_EQ(MathPrompt("What is $1+1$?", PromptStyle::kClean),
            std::string("What is $1+1$?\n") + kInstruction);
  // The reference's literal, indentation and backspace included.
  EXPECT_EQ(MathPrompt("Q", PromptStyle::kReference),
            "\n        Q\n        Please reason step by step, and put your final answer within "
            "\x08oxed{}.\n        ");
}

TEST(DatasetTest, ChoicePromptListsLettersAndAsksForBoxedLetter) {
  std::vector<std::string> options = {"red", "green", "blue", "black"};
  EXPECT_EQ(ChoicePrompt("Which?", options, PromptStyle::kClean),
            "Please solve this multiple choice question.\n\nQuestion: Which?\n\nOptions:\n"
            "A: red\nB: green\nC: blue\nD: black\n\nPlease provide your answer in the format "
            "\\boxed{X}, where X is a single letter (A, B, C, or D).");
  std::string reference = ChoicePrompt("Which?", options, PromptStyle::kReference);
  EXPECT_NE(reference.find("        Question: Which?.\n\n        Options: \n        A: red\n"),
            std::string::npos);
}

TEST(DatasetTest, OptionPermutationIsSeededPerQuestion) {
  std::vector<int> p = OptionPermutation(7, "recXYZ", 4);
  EXPECT_EQ(p, OptionPermutation(7, "recXYZ", 4));  // deterministic
  std::vector<int> sorted = p;
  std::sort(sorted.begin(), sorted.end());
  EXPECT_EQ(sorted, (std::vector<int>{0, 1, 2, 3}));
  // Over many questions the correct option (index 0) lands on every letter about equally often,
  // and another seed moves it for most questions.
  std::map<int, int> where;
  int moved = 0;
  for (int q = 0; q < 4000; ++q) {
    std::string id = "rec" + std::to_string(q);
    std::vector<int> order = OptionPermutation(1, id, 4);
    std::vector<int> other = OptionPermutation(2, id, 4);
    int pos = static_cast<int>(std::find(order.begin(), order.end(), 0) - order.begin());
    ++where[pos];
    moved += order != other;
  }
  for (int letter = 0; letter < 4; ++letter) {
    EXPECT_GT(where[letter], 900) << letter;
    EXPECT_LT(where[letter], 1100) << letter;
  }
  EXPECT_GT(moved, 3700);
}

TEST(DatasetTest, GenericJsonl) {
  TempDir dir;
  dir.Write("t.jsonl",
            "{\"id\": 7, \"problem\": \"P1\", \"answer\": 27.0}\n"
            "\n"
            "{\"question\": \"P2\", \"answer\": \"\\\\frac{1}{2}\", \"solution\": \"S\"}\n"
            "{\"id\": \"c\", \"question\": \"P3\", \"choices\": [\" x \", \"y\"], \"answer\": \"B\"}\n"
            "{\"problem\": \"P4\", \"answer\": \"12\", \"kind\": \"latex\"}\n"
            "{\"id\": \"t1\", \"problem\": \"P5\", \"prompt\": \"P5 Please...\", \"answer\": \"9\","
            " \"response\": \"<think>\\n</think>\\n\\nThe answer is \\\\boxed{9}.\"}\n");
  std::vector<EvalProblem> ps = LoadDataset(dir.File("t.jsonl"), DatasetOptions{});
  ASSERT_EQ(ps.size(), 5u);
  EXPECT_EQ(ps[0].id, "7");
  EXPECT_EQ(ps[0].answer, "27");
  EXPECT_EQ(ps[0].kind, AnswerKind::kNumeric);
  EXPECT_EQ(ps[0].dataset, "t.jsonl");
  EXPECT_EQ(ps[0].prompt, std::string("P1\n") + kInstruction);
  EXPECT_EQ(ps[1].id, "1");  // the row index among non-blank lines
  EXPECT_EQ(ps[1].kind, AnswerKind::kLatex);
  EXPECT_EQ(ps[1].solution, "S");
  EXPECT_EQ(ps[2].kind, AnswerKind::kChoice);
  EXPECT_EQ(ps[2].choices, (std::vector<std::string>{"x", "y"}));
  EXPECT_EQ(ps[2].answer, "B");
  EXPECT_EQ(ps[3].kind, AnswerKind::kLatex);
  // The testbed's layout: its own user message, and its reference trace as the solution.
  EXPECT_EQ(ps[4].prompt, "P5 Please...");
  EXPECT_EQ(ps[4].solution, "<think>\n</think>\n\nThe answer is \\boxed{9}.");
  EXPECT_EQ(ps[4].kind, AnswerKind::kNumeric);
}

TEST(DatasetTest, MalformedJsonlNamesFileAndLine) {
  TempDir dir;
  auto message = [&](const std::string& content) {
    dir.Write("bad.jsonl", content);
    try {
      LoadDataset(dir.File("bad.jsonl"), DatasetOptions{});
    } catch (const Error& e) {
      std::string m = e.what();
      return m.substr(m.find("bad.jsonl"));
    }
    return std::string("no error");
  };
  EXPECT_EQ(message("{\"problem\": \"p\", \"answer\": 1}\n{\"answer\": 2}\n"),
            "bad.jsonl:2: missing field 'problem' (or 'question')");
  EXPECT_EQ(message("{\"problem\": \"p\"}\n"), "bad.jsonl:1: missing field 'answer'");
  EXPECT_EQ(message("[1]\n"), "bad.jsonl:1: expected a JSON object");
  EXPECT_EQ(message("{\"problem\": \"p\", \"answer\": \"Z\", \"choices\": [\"a\", \"b\"]}\n"),
            "bad.jsonl:1: a choice answer must be one of the option letters, got 'Z'");
  EXPECT_EQ(message("{\"problem\": \"p\", \"answer\": 1, \"kind\": \"words\"}\n"),
            "bad.jsonl:1: unknown answer kind 'words' (expected numeric, latex or choice)");
  EXPECT_EQ(message("{oops\n").substr(0, 26), "bad.jsonl:1: invalid JSON:");
}

TEST(DatasetTest, UnknownNameListsTheKnownOnes) {
  try {
    LoadDataset("no-such-dataset", DatasetOptions{});
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("aime25, amc23, gpqa_diamond, math500"), std::string::npos)
        << e.what();
  }
}

std::vector<EvalProblem> FakeTestbed(const DatasetOptions&) {
  EvalProblem p;
  p.id = "t0";
  p.dataset = "testbed";
  p.answer = "3";
  return {p};
}

TEST(DatasetTest, RegisteredLoader) {
  RegisterDataset("testbed", FakeTestbed);
  std::vector<std::string> names = DatasetNames();
  EXPECT_NE(std::find(names.begin(), names.end(), "testbed"), names.end());
  EXPECT_EQ(LoadDataset("testbed", DatasetOptions{}).at(0).id, "t0");
}

TEST(DatasetTest, BuiltinDatasets) {
  if (!DatasetsAvailable()) GTEST_SKIP() << "no datasets at " << DefaultDataDir();
  DatasetOptions options;
  std::vector<EvalProblem> aime25 = LoadDataset("aime25", options);
  ASSERT_EQ(aime25.size(), 30u);
  EXPECT_EQ(aime25[0].id, "I-1");
  EXPECT_EQ(aime25[0].answer, "70");
  EXPECT_EQ(aime25[29].id, "II-15");
  EXPECT_EQ(aime25[29].answer, "240");
  std::vector<EvalProblem> aime24 = LoadDataset("aime24", options);
  ASSERT_EQ(aime24.size(), 30u);
  EXPECT_EQ(aime24[0].id, "60");
  EXPECT_FALSE(aime24[0].solution.empty());
  std::vector<EvalProblem> amc = LoadDataset("amc23", options);
  ASSERT_EQ(amc.size(), 40u);
  EXPECT_EQ(amc[0].answer, "27");
  EXPECT_TRUE(std::any_of(amc.begin(), amc.end(), [](const EvalProblem& p) { return p.answer == "-1"; }));
  std::vector<EvalProblem> math = LoadDataset("math500", options);
  ASSERT_EQ(math.size(), 500u);
  EXPECT_EQ(math[0].id, "test/precalculus/807.json");
  EXPECT_EQ(math[0].answer, "\\left( 3, \\frac{\\pi}{2} \\right)");
  EXPECT_EQ(math[0].kind, AnswerKind::kLatex);
  std::set<std::string> ids;
  for (const auto& p : math) ids.insert(p.id);
  EXPECT_EQ(ids.size(), 500u);
}

TEST(DatasetTest, ChoiceCsvShuffledAndFixedOrder) {
  if (!DatasetsAvailable()) GTEST_SKIP() << "no datasets at " << DefaultDataDir();
  DatasetOptions fixed;
  fixed.gpqa_fixed_order = true;
  std::vector<EvalProblem> reference = LoadDataset("gpqa_diamond", fixed);
  ASSERT_EQ(reference.size(), 198u);
  std::map<std::string, int> letters;
  DatasetOptions shuffled;
  shuffled.seed = 1234;
  std::vector<EvalProblem> ps = LoadDataset("gpqa_diamond", shuffled);
  ASSERT_EQ(ps.size(), 198u);
  for (std::size_t i = 0; i < ps.size(); ++i) {
    const EvalProblem& a = reference[i];
    const EvalProblem& p = ps[i];
    EXPECT_EQ(a.answer, "A");  // the reference layout
    EXPECT_EQ(a.kind, AnswerKind::kChoice);
    ASSERT_EQ(p.choices.size(), 4u);
    for (const auto& c : p.choices) {
      ASSERT_FALSE(c.empty());
      EXPECT_FALSE(std::isspace(static_cast<unsigned char>(c.front())) ||
                   std::isspace(static_cast<unsigned char>(c.back())))
          << p.id;
    }
    // The same options, the correct one under its new letter.
    EXPECT_EQ(p.choices[p.answer[0] - 'A'], a.choices[0]) << p.id;
    std::vector<std::string> x = a.choices, y = p.choices;
    std::sort(x.begin(), x.end());
    std::sort(y.begin(), y.end());
    EXPECT_EQ(x, y);
    EXPECT_NE(p.prompt.find("\nD: " + p.choices[3] + "\n"), std::string::npos);
    ++letters[p.answer];
  }
  for (const char* l : {"A", "B", "C", "D"}) EXPECT_GT(letters[l], 25) << l;
  // Stable across loads.
  EXPECT_EQ(LoadDataset("gpqa_diamond", shuffled)[17].answer, ps[17].answer);
}

}  // namespace
}  // namespace relaygen
