#include "eval/answer_list.h"

#include <regex>

namespace relaygen {

bool JoinWordsAsCommas(std::string* s) {
  if (s->find(';') == std::string::npos && s->find("and") == std::string::npos &&
      s->find("or") == std::string::npos) {
    return false;
  }
  // "\lor" and "\land" are logic symbols, and words only join at depth 0 (not inside \{x \mid ...\}).
  static const std::regex kJoin(R"(\s*,?\s*(;|\band\b|\bor\b)\s*)");
  std::string out, flat;
  bool changed = false;
  auto flush = [&] {
    std::string rewritten = std::regex_replace(flat, kJoin, ", ");
    changed |= rewritten != flat;
    out += rewritten;
    flat.clear();
  };
  int depth = 0;
  for (char c : *s) {
    if (c == '(' || c == '[' || c == '{') {
      if (depth++ == 0) flush();
    } else if ((c == ')' || c == ']' || c == '}') && depth > 0) {
      --depth;
      out += c;
      continue;
    }
    (depth == 0 ? flat : out) += c;
  }
  flush();
  if (changed) *s = out;
  return changed;
}

}  // namespace relaygen
