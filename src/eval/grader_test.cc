#include "eval/grader.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <string>
#include <utility>

#include "eval/eval_test_util.h"
#include "eval/math_equiv.h"
#include "util/error.h"

namespace relaygen {
namespace {

EvalProblem ChoiceProblem() {
  EvalProblem p;
  p.id = "q1";
  p.dataset = "toy";
  p.kind = AnswerKind::kChoice;
  p.choices = {"10^-8 eV", "10^-4 eV", "1 eV", "none"};
  p.answer = "B";
  return p;
}

TEST(GraderTest, ChoiceProblems) {
  EvalProblem p = ChoiceProblem();
  Grade g = GradeOutput("<think>A or B?</think> The answer is \\boxed{B}.", p);
  EXPECT_TRUE(g.answered);
  EXPECT_TRUE(g.correct);
  EXPECT_EQ(g.extracted, "B");
  EXPECT_TRUE(GradeOutput("\\boxed{\\text{(B)}}", p).correct);
  EXPECT_TRUE(GradeOutput("\\boxed{B: 10^-4 eV}", p).correct);
  EXPECT_TRUE(GradeOutput("\\boxed{10^-4 eV}", p).correct);  // the option's text
  EXPECT_FALSE(GradeOutput("\\boxed{A}", p).correct);
  EXPECT_FALSE(GradeOutput("\\boxed{10^-8 eV}", p).correct);
  Grade none = GradeOutput("I cannot decide.", p);
  EXPECT_FALSE(none.answered);
  EXPECT_FALSE(none.correct);
  EXPECT_EQ(none.extracted, "");
}

TEST(GraderTest, MathProblems) {
  EvalProblem p;
  p.kind = AnswerKind::kLatex;
  p.answer = "\\frac{14}{3}";
  EXPECT_TRUE(GradeOutput("... so $x = \\boxed{\\dfrac{14}{3}}$.", p).correct);
  EXPECT_EQ(GradeOutput("... so $x = \\boxed{\\dfrac{14}{3}}$.", p).extracted, "\\dfrac{14}{3}");
  EXPECT_FALSE(GradeOutput("\\boxed{\\frac{3}{14}}", p).correct);
  p.kind = AnswerKind::kNumeric;
  p.answer = "25";
  EXPECT_TRUE(GradeOutput("\\boxed{025}", p).correct);
  EXPECT_FALSE(GradeOutput("\\boxed{205}", p).correct);
}

TEST(GraderTest, OracleNeedsASolution) {
  EvalProblem p = ChoiceProblem();
  EXPECT_FALSE(HasOracleSolution(p));
  EXPECT_THROW(OracleOutput(p), Error);
  p.solution = "It is \\boxed{B}.";
  EXPECT_EQ(OracleOutput(p), p.solution);
}

// The acceptance test of the grader: the reference solution of every MATH-500 problem, graded as
// if a model had written it, is correct.
TEST(GraderTest, OracleSolvesAllOfMath500) {
  if (!DatasetsAvailable()) GTEST_SKIP() << "no datasets at " << DefaultDataDir();
  std::vector<EvalProblem> problems = LoadDataset("math500", DatasetOptions{});
  ASSERT_EQ(problems.size(), 500u);
  int correct = 0;
  for (const EvalProblem& p : problems) {
    ASSERT_TRUE(HasOracleSolution(p)) << p.id;
    Grade g = GradeOutput(OracleOutput(p), p);
    EXPECT_TRUE(g.correct) << p.id << ": extracted '" << g.extracted << "', answer '" << p.answer << "'";
    correct += g.correct;
  }
  EXPECT_EQ(correct, 500);
}

// The same answers re-spelled as a model might write them: \dfrac for \frac, wrapped in $...$ and
// a sentence, spaces after list commas, integers with a trailing ".0".
TEST(GraderTest, RespelledMath500AnswersStillGradeCorrect) {
  if (!DatasetsAvailable()) GTEST_SKIP() << "no datasets at " << DefaultDataDir();
  int correct = 0;
  std::vector<EvalProblem> problems = LoadDataset("math500", DatasetOptions{});
  for (const EvalProblem& p : problems) {
    std::string a = p.answer;
    std::string respelled;
    for (std::size_t i = 0; i < a.size(); ++i) {
      if (a.compare(i, 5, "\\frac") == 0) {
        respelled += "\\dfrac";
        i += 4;
      } else if (a[i] == ',' && i + 1 < a.size() && a[i + 1] != '\\' &&
                 !(std::isdigit(static_cast<unsigned char>(a[i + 1])) && i > 0 &&
                   std::isdigit(static_cast<unsigned char>(a[i - 1])))) {  // not 58,500
        respelled += ", ";
      } else {
        respelled += a[i];
      }
    }
    bool integer = !a.empty() && a.find_first_not_of("0123456789") == std::string::npos;
    if (integer) respelled += ".0";
    Grade g = GradeOutput("Therefore the final answer is $\\boxed{" + respelled + "}$.", p);
    EXPECT_TRUE(g.correct) << p.id << ": '" << respelled << "' vs '" << p.answer << "'";
    correct += g.correct;
  }
  EXPECT_EQ(correct, 500);
}

// Leniency check: among the 124,750 pairs of different MATH-500 answers, only genuinely equal
// spellings ("90^\circ" and "90", "x=5" and "5", "\frac14" and "\frac{1}{4}", ...) may match.
TEST(GraderTest, DifferentMath500AnswersRarelyMatch) {
  if (!DatasetsAvailable()) GTEST_SKIP() << "no datasets at " << DefaultDataDir();
  std::vector<EvalProblem> problems = LoadDataset("math500", DatasetOptions{});
  std::set<std::pair<std::string, std::string>> matches;
  int problem_pairs = 0;
  for (std::size_t i = 0; i < problems.size(); ++i) {
    for (std::size_t j = i + 1; j < problems.size(); ++j) {
      if (problems[i].answer == problems[j].answer) continue;
      if (MathEquivalent(problems[i].answer, problems[j].answer)) {
        matches.insert(std::minmax(problems[i].answer, problems[j].answer));
        ++problem_pairs;
      }
    }
  }
  // Each checked by hand: set order, thousands separators, degrees, units, dollars, bases, "x=",
  // spacing, \frac14. Pinned pair by pair, so a new false match cannot hide behind a lost one.
  const std::set<std::pair<std::string, std::string>> expected = {
      {R"((-2,1))", R"(-2,1)"},
      {R"(-2,1)", R"(1,-2)"},
      {R"(10,\!080)", R"(10080)"},
      {R"(120)", R"(120^\circ)"},
      {R"(15)", R"(15\mbox{ cm}^2)"},
      {R"(2 \sqrt{5})", R"(2\sqrt{5})"},
      {R"(30)", R"(30^\circ)"},
      {R"(36)", R"(36^\circ)"},
      {R"(36)", R"(\$36)"},
      {R"(36^\circ)", R"(\$36)"},
      {R"(40)", R"(40_9)"},
      {R"(5)", R"(x=5)"},
      {R"(90)", R"(90^\circ)"},
      {R"(\frac14)", R"(\frac{1}{4})"},
  };
  std::string listed;
  for (const auto& [a, b] : matches) listed += "  " + a + "  ==  " + b + "\n";
  EXPECT_EQ(matches, expected) << listed;
  EXPECT_EQ(problem_pairs, 34) << "pairs of problems with these answers";
}

TEST(GraderTest, ShuffledChoiceDatasetGradesByLetter) {
  if (!DatasetsAvailable()) GTEST_SKIP() << "no datasets at " << DefaultDataDir();
  DatasetOptions options;
  options.seed = 99;
  int correct = 0, wrong_letter_correct = 0;
  for (const EvalProblem& p : LoadDataset("gpqa_diamond", options)) {
    correct += GradeOutput("\\boxed{" + p.answer + "}", p).correct;
    char other = p.answer[0] == 'A' ? 'B' : 'A';
    wrong_letter_correct += GradeOutput("\\boxed{" + std::string(1, other) + "}", p).correct;
  }
  EXPECT_EQ(correct, 198);
  EXPECT_EQ(wrong_letter_correct, 0);
}

}  // namespace
}  // namespace relaygen
