#include "eval/text_util.h"

#include <cctype>

namespace relaygen {

std::string Trim(std::string_view s) {
  const char* ws = " \t\n\r\f\v";
  std::size_t b = s.find_first_not_of(ws);
  if (b == std::string_view::npos) return "";
  return std::string(s.substr(b, s.find_last_not_of(ws) - b + 1));
}

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

void ReplaceAll(std::string* s, const std::string& from, const std::string& to) {
  if (from.empty()) return;
  std::size_t pos = 0;
  while ((pos = s->find(from, pos)) != std::string::npos) {
    s->replace(pos, from.size(), to);
    pos += to.size();
  }
}

std::size_t MatchingBrace(const std::string& s, std::size_t open) {
  int depth = 0;
  for (std::size_t i = open; i < s.size(); ++i) {
    if (s[i] == '\\' && i + 1 < s.size() && (s[i + 1] == '{' || s[i + 1] == '}')) {
      ++i;
      continue;
    }
    if (s[i] == '{') ++depth;
    if (s[i] == '}' && --depth == 0) return i;
  }
  return std::string::npos;
}

std::vector<std::string> SplitTopLevel(const std::string& s, const std::string& sep) {
  std::vector<std::string> parts;
  int depth = 0;
  std::size_t start = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    TrackDepth(s[i], &depth);
    if (depth == 0 && s.compare(i, sep.size(), sep) == 0) {
      bool command_prefix = sep[0] == '\\' && i + sep.size() < s.size() &&
                            std::isalpha(static_cast<unsigned char>(s[i + sep.size()]));
      if (!command_prefix) {
        parts.push_back(Trim(s.substr(start, i - start)));
        start = i + sep.size();
        i = start - 1;
      }
    }
  }
  parts.push_back(Trim(s.substr(start)));
  return parts;
}

}  // namespace relaygen
