#include "eval/grader.h"

#include <cctype>

#include "eval/answer_extract.h"
#include "eval/math_equiv.h"
#include "eval/reference_grader.h"
#include "util/error.h"

namespace relaygen {

namespace {

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

}  // namespace

const char* GraderName(GraderKind grader) {
  return grader == GraderKind::kReference ? "reference" : "relaygen";
}

GraderKind ParseGraderName(const std::string& name) {
  if (name == "relaygen") return GraderKind::kRelaygen;
  if (name == "reference") return GraderKind::kReference;
  throw Error("unknown grader '" + name + "' (relaygen or reference)");
}

Grade GradeOutput(std::string_view output, const EvalProblem& problem, GraderKind grader) {
  Grade grade;
  if (grader == GraderKind::kReference && problem.kind != AnswerKind::kChoice) {
    auto answer = ReferenceExtractAnswer(output);
    if (!answer) return grade;
    grade.answered = true;
    grade.extracted = *answer;
    grade.correct = ReferenceMathEqual(*answer, ReferenceStripString(problem.answer));
    return grade;
  }
  auto answer = ExtractAnswer(output);
  if (!answer) return grade;
  grade.answered = true;
  grade.extracted = *answer;
  if (problem.kind == AnswerKind::kChoice) {
    std::optional<char> letter = ChoiceLetter(*answer);
    if (!letter) {
      // A model that boxes the option's text instead of its letter.
      std::string text = Lower(NormalizeAnswer(*answer));
      for (std::size_t i = 0; i < problem.choices.size(); ++i) {
        if (Lower(NormalizeAnswer(problem.choices[i])) == text) {
          letter = static_cast<char>('A' + i);
          break;
        }
      }
    }
    if (letter) grade.extracted = std::string(1, *letter);
    grade.correct = letter && std::string(1, *letter) == problem.answer;
    return grade;
  }
  grade.correct = MathEquivalent(*answer, problem.answer);
  return grade;
}

bool HasOracleSolution(const EvalProblem& problem) { return !problem.solution.empty(); }

std::string OracleOutput(const EvalProblem& problem) {
  if (!HasOracleSolution(problem)) {
    throw Error("the oracle policy needs reference solutions, and " + problem.dataset +
                " problem " + problem.id + " has none (math500 and aime24 have them)");
  }
  return problem.solution;
}

}  // namespace relaygen
