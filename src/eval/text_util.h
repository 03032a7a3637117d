// String helpers the answer extractor and the grader share (LaTeX-aware splitting and matching).
#ifndef RELAYGEN_EVAL_TEXT_UTIL_H_
#define RELAYGEN_EVAL_TEXT_UTIL_H_

#include <string>
#include <string_view>
#include <vector>

namespace relaygen {

// Without leading and trailing whitespace.
std::string Trim(std::string_view s);

std::string Lower(std::string s);

void ReplaceAll(std::string* s, const std::string& from, const std::string& to);

// Index of the '}' closing the '{' at `open` (escaped "\{" "\}" are skipped), or npos.
std::size_t MatchingBrace(const std::string& s, std::size_t open);

// Counts `c` into a bracket depth: ( [ { open, ) ] } close.
inline void TrackDepth(char c, int* depth) {
  if (c == '(' || c == '[' || c == '{') ++*depth;
  if (c == ')' || c == ']' || c == '}') --*depth;
}

// Splits on `sep` outside brackets and braces ("\cup" does not split "\cupcake"); parts trimmed.
std::vector<std::string> SplitTopLevel(const std::string& s, const std::string& sep);

}  // namespace relaygen

#endif  // RELAYGEN_EVAL_TEXT_UTIL_H_
