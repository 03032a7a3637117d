// Lists written in words: "3 \text{ and } 5", "x=3 \text{ or } x=5", "1; -2", "2, 4, and 6".
// Every joining word or semicolon becomes a comma, so that the list rules (any order for a bare
// list, duplicates collapse) decide. A hedge stays a list: "3 or 5" never equals 3.
#ifndef RELAYGEN_EVAL_ANSWER_LIST_H_
#define RELAYGEN_EVAL_ANSWER_LIST_H_

#include <string>

namespace relaygen {

// Rewrites top-level "and" / "or" / ";" (with any comma before them) to ", " in a normalized
// answer (\text{} already unwrapped). Returns true if anything changed.
bool JoinWordsAsCommas(std::string* s);

}  // namespace relaygen

#endif  // RELAYGEN_EVAL_ANSWER_LIST_H_
