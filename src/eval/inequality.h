// Inequalities as intervals. "x \ge 3", "3 \le x", "x >= 3" and "[3,\infty)" are one answer, as
// are "-3 \le x \le 5" and "[-3,5]", "0<g(t)<2" and "(0,2)", "x \ne 2" and
// "(-\infty,2)\cup(2,\infty)", "x<-1 \text{ or } x>2" and "(-\infty,-1)\cup(2,\infty)". The grader
// rewrites an answer that is an inequality in one named quantity into interval notation and lets
// the interval rules decide (bracket kinds and ends must match: "x > 3" is not "[3,\infty)").
#ifndef RELAYGEN_EVAL_INEQUALITY_H_
#define RELAYGEN_EVAL_INEQUALITY_H_

#include <optional>
#include <string>

namespace relaygen {

// Rewrites every spelling of a relation to one: "\le" (<=, =<, \leq, \leqslant, ≤, \not>,
// \ngtr), "\ge" (>=, =>, \geq, \geqslant, ≥, \not<, \nless), "\ne" (!=, \neq, ≠), "<" (\lt,
// \not\ge, \ngeq), ">" (\gt, \not\le, \nleq).
void CanonicalRelations(std::string* s);

// The interval (or union of intervals) an inequality describes, e.g. "(-\infty,-1)\cup(2,\infty)"
// for "x<-1 \text{ or } x>2"; nullopt if `s` (with canonical relations) is not an inequality in
// one named quantity (IsLabel) against constants. "|x| \le c" is "[-c,c]".
std::optional<std::string> InequalityAsInterval(const std::string& s);

}  // namespace relaygen

#endif  // RELAYGEN_EVAL_INEQUALITY_H_
