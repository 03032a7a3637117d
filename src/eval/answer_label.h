// Answers that carry a name or a derivation besides their value: "(a,b)=(4,1)", "P:Q=2",
// "\frac{AB}{CD}=\frac34", "m\angle A = 30", chains "y = 2+3 = 5", approximations
// "\frac13 \approx 0.333". A reader grades the value, so the grader compares the value too.
#ifndef RELAYGEN_EVAL_ANSWER_LABEL_H_
#define RELAYGEN_EVAL_ANSWER_LABEL_H_

#include <string>
#include <vector>

namespace relaygen {

// True if `s` (normalized) only names a quantity: a variable or point name ("x", "AB", "S_{10}",
// "\lambda", "[ABC]", "Area"), a function value "f(3)", a tuple of names "(a,b)", a ratio of names
// "P:Q" or "\frac{BE}{EC}", an angle "\angle ABC". No operator or number outside subscripts and
// the arguments of a function value, so "x+y" and "2x" are not labels.
bool IsLabel(const std::string& s);

// The values an answer with '=' or '\approx' at top level states, or {} when it has neither:
//   label = v            -> v        ("x = 5", "(a,b) = (4,1)")
//   a = b = ... = v      -> v        (a chain: the last side is the result)
//   c = v, c a constant   -> v        ("2+3=5", "\log_2 4 = 2"; only when c equals v numerically)
//   a \approx b          -> a and b (not a side that is a label)
// An equation such as "y - 2x - 3 = 0" states no value and yields {} (it is compared as an
// equation).
std::vector<std::string> StatedValues(const std::string& s);

}  // namespace relaygen

#endif  // RELAYGEN_EVAL_ANSWER_LABEL_H_
