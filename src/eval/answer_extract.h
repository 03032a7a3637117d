// Finding the final answer in a model's output, the way a careful reader does:
//  - boxes: the LAST \boxed{...} is the final answer, together with the boxes written right before
//    it as one answer ("\boxed{4} and \boxed{7}", "$a=\boxed{3}$, $b=\boxed{5}$"): boxes joined only
//    by "and", "or", commas, semicolons, "$", spacing, line breaks or a "x =" label. A box in an
//    earlier sentence is an intermediate result, not part of the answer;
//  - an answer phrase AFTER the last box overrides it ("I first guessed \boxed{12}, ... the answer
//    is 15"), when the phrase states something math-like (a digit, '$' or a command);
//  - without a box: the last "answer is" / "Answer:" / "Final Answer" heading / "####" line, cut at
//    the end of its sentence ("The final answer is 12. I hope it is correct." -> "12");
//  - else the last sentence's "... is X" or its last $...$ ("So the smallest k is 12.").
#ifndef RELAYGEN_EVAL_ANSWER_EXTRACT_H_
#define RELAYGEN_EVAL_ANSWER_EXTRACT_H_

#include <optional>
#include <string>
#include <string_view>

namespace relaygen {

// The content of the last well-formed, non-empty \boxed{...} or \fbox{...} (nested braces
// counted, \{ \} ignored), or of "\boxed 5" without braces (up to '$' or the line end). A box cut
// off by the token budget is skipped in favour of an earlier complete one. nullopt if none.
std::optional<std::string> FindLastBoxed(std::string_view text);

// The final answer by the rules above; several boxes of one answer are joined with ", " (equal
// contents once). nullopt when the output states no answer.
std::optional<std::string> ExtractAnswer(std::string_view text);

}  // namespace relaygen

#endif  // RELAYGEN_EVAL_ANSWER_EXTRACT_H_
