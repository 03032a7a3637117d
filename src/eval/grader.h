// Grading a model's output against a problem's reference answer, and the oracle policy that
// grades the dataset's own reference solution the same way (a check of the grader itself).
#ifndef RELAYGEN_EVAL_GRADER_H_
#define RELAYGEN_EVAL_GRADER_H_

#include <string>
#include <string_view>

#include "eval/dataset.h"

namespace relaygen {

struct Grade {
  bool answered = false;  // an answer was found in the output
  std::string extracted;  // what was found (for choice problems: the option letter when resolved)
  bool correct = false;
};

// Which grader decides: relaygen's own (answer_extract + math_equiv; the default) or the reference's
// Qwen2.5-Math math_equal reproduced (reference_grader.h), for faithful reproduction of its tables.
enum class GraderKind { kRelaygen, kReference };

// "relaygen" / "reference".
const char* GraderName(GraderKind grader);
// The GraderKind named `name`; throws relaygen::Error for any other name.
GraderKind ParseGraderName(const std::string& name);

// ExtractAnswer, then: choice problems compare option letters (a boxed option text also counts as
// its letter; the same for both graders); numeric and latex problems use MathEquivalent, or with
// kReference ReferenceExtractAnswer + ReferenceMathEqual.
Grade GradeOutput(std::string_view output, const EvalProblem& problem,
                  GraderKind grader = GraderKind::kRelaygen);

// True if the problem has a reference solution the oracle can answer with.
bool HasOracleSolution(const EvalProblem& problem);

// The oracle policy's "model output": the reference solution, unchanged. Throws relaygen::Error
// for a problem without one (name the dataset in the message).
std::string OracleOutput(const EvalProblem& problem);

}  // namespace relaygen

#endif  // RELAYGEN_EVAL_GRADER_H_
