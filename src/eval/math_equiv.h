// Whether two final answers (LaTeX, as written inside \boxed{}) denote the same thing.
//
// Rules, in order (docs/evaluation.md has the full list with examples):
//  1. Normalize both: drop $ \( \) delimiters, \left \right, spacing commands, \displaystyle,
//     degrees (^\circ), \$ and \%, trailing units in \text{} / \mbox{} or a known unit word,
//     thousands separators (1,000  10,\!080  10{,}080), "x \in" prefixes; \dfrac \tfrac -> \frac.
//  2. Structure: unions (\cup), matrices (pmatrix/bmatrix), intervals and tuples "(a,b]" (bracket
//     kinds must match; order matters), sets "\{...\}" and bare comma lists (order does not), and
//     "a \pm b" as the two answers a+b, a-b.
//  3. Scalars: equal text; choice letters ("(C)", "\text{(C)}", "C"); numerals in a base ("52_8"
//     vs "52"); equations (same locus up to a constant factor; "x = 5" matches "5"); otherwise both
//     are parsed as LaTeX arithmetic and compared numerically, at random points if they have
//     variables (relative tolerance 1e-6: 3.14 is not \pi, 0.333 is not 1/3).
//  4. Anything unparsable falls back to a case-insensitive comparison of the normalized text.
// Issue 16 added: inequalities become intervals (inequality.h), lists in words become comma lists
// (answer_list.h), sets and bare lists collapse duplicates and a one-element set equals its
// element, labelled answers / chains / \approx are compared by the value they state
// (answer_label.h), matrix arithmetic and vectors as tuples, and the decimal-comma rule
// ("{,}" + not three digits is a decimal comma; a bare comma never is).
#ifndef RELAYGEN_EVAL_MATH_EQUIV_H_
#define RELAYGEN_EVAL_MATH_EQUIV_H_

#include <optional>
#include <string>
#include <string_view>

namespace relaygen {

// Step 1 above; the canonical text that is also stored as the run file's "extracted" answer.
std::string NormalizeAnswer(std::string_view answer);

// Steps 1-4. Symmetric.
bool MathEquivalent(std::string_view predicted, std::string_view reference);

// The option letter of an answer such as "C", "(C)", "\text{(C)}", "C)" or "C: 10^-4 eV"
// (uppercase A-Z only), or nullopt.
std::optional<char> ChoiceLetter(std::string_view answer);

}  // namespace relaygen

#endif  // RELAYGEN_EVAL_MATH_EQUIV_H_
