// Finding the final answer in a model's output. Like the reference scorer (Qwen2.5-Math's
// parser), the answer is the content of the LAST \boxed{...} in the whole text; reasoning models
// box their answer after </think>, so the last box is the final one.
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

// FindLastBoxed, else the rest of the line after the last "answer is" / "Answer:" (the reference's
// fallbacks), with '$' and a trailing '.' removed. nullopt when the output states no answer.
std::optional<std::string> ExtractAnswer(std::string_view text);

}  // namespace relaygen

#endif  // RELAYGEN_EVAL_ANSWER_EXTRACT_H_
