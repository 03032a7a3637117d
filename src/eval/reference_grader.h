// The reference's grader, reproduced as closely as C++ allows: Qwen2.5-Math's evaluation code
// (parser.py extract_answer + strip_string, grader.py math_equal, the ToRA lineage), which the
// paper's numbers were scored with. It is more lenient than relaygen's grader in places (a
// number matches its value x100 and /100 - percent variants; tolerance 1e-4 relative; brackets
// are ignored when comparing strings; the last number of an output without a box is its answer)
// and stricter in others (one box only; no inequality or label rules). Use it to reproduce a
// table faithfully (`relaygen eval/report --grader reference`); relaygen's own grader is the default.
//
// Differences that remain: sympy's parse_latex/simplify are replaced by LatexExpr evaluated at
// random points (so "symbolic" equality is numeric here), and the timeouts of the Python code do
// not exist.
#ifndef RELAYGEN_EVAL_REFERENCE_GRADER_H_
#define RELAYGEN_EVAL_REFERENCE_GRADER_H_

#include <optional>
#include <string>
#include <string_view>

namespace relaygen {

// extract_answer(pred_str, "math"): the minerva "final answer is $...$. I hope" form, else the
// last "boxed", else "he answer is" / "final answer is", else the last number; then strip_string.
// nullopt when nothing is found.
std::optional<std::string> ReferenceExtractAnswer(std::string_view text);

// strip_string: the reference's normalization of an answer (units, \text, "x=", spaces, fracs...).
std::string ReferenceStripString(std::string s);

// math_equal(prediction, reference) on stripped answers.
bool ReferenceMathEqual(const std::string& prediction, const std::string& reference);

}  // namespace relaygen

#endif  // RELAYGEN_EVAL_REFERENCE_GRADER_H_
