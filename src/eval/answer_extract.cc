#include "eval/answer_extract.h"

#include <algorithm>
#include <cctype>
#include <vector>

namespace relaygen {

namespace {

std::string Trim(std::string_view s) {
  const char* ws = " \t\n\r\f\v";
  std::size_t b = s.find_first_not_of(ws);
  if (b == std::string_view::npos) return "";
  return std::string(s.substr(b, s.find_last_not_of(ws) - b + 1));
}

// The box content starting right after the command at `after`, or nullopt if malformed.
std::optional<std::string> BoxContent(std::string_view text, std::size_t after) {
  std::size_t i = after;
  while (i < text.size() && (text[i] == ' ' || text[i] == '\t')) ++i;
  if (i < text.size() && text[i] == '{') {
    int depth = 0;
    for (std::size_t j = i; j < text.size(); ++j) {
      char c = text[j];
      if (c == '\\' && j + 1 < text.size() && (text[j + 1] == '{' || text[j + 1] == '}')) {
        ++j;  // an escaped brace is content, not structure
        continue;
      }
      if (c == '{') ++depth;
      if (c == '}' && --depth == 0) return Trim(text.substr(i + 1, j - i - 1));
    }
    return std::nullopt;  // cut off before the closing brace
  }
  if (i == after) return std::nullopt;  // "\boxedx": not the command
  std::size_t end = text.find_first_of("$\n", i);
  std::string content = Trim(text.substr(i, end == std::string_view::npos ? end : end - i));
  while (!content.empty() && content.back() == '.') content.pop_back();
  return content;
}

}  // namespace

std::optional<std::string> FindLastBoxed(std::string_view text) {
  std::vector<std::size_t> starts;  // offsets just past "\boxed" / "\fbox"
  for (std::string_view command : {std::string_view("\\boxed"), std::string_view("\\fbox")}) {
    for (std::size_t pos = text.find(command); pos != std::string_view::npos;
         pos = text.find(command, pos + 1)) {
      std::size_t after = pos + command.size();
      if (after < text.size() && std::isalpha(static_cast<unsigned char>(text[after]))) continue;
      starts.push_back(after);
    }
  }
  std::sort(starts.begin(), starts.end());
  for (auto it = starts.rbegin(); it != starts.rend(); ++it) {
    auto content = BoxContent(text, *it);
    if (content && !content->empty()) return content;
  }
  return std::nullopt;
}

std::optional<std::string> ExtractAnswer(std::string_view text) {
  if (auto boxed = FindLastBoxed(text)) return boxed;
  std::size_t best = std::string_view::npos;
  std::size_t best_end = 0;
  for (std::string_view marker : {std::string_view("answer is"), std::string_view("Answer:"),
                                  std::string_view("ANSWER:")}) {
    std::size_t pos = text.rfind(marker);
    if (pos != std::string_view::npos && (best == std::string_view::npos || pos > best)) {
      best = pos;
      best_end = pos + marker.size();
    }
  }
  if (best == std::string_view::npos) return std::nullopt;
  std::size_t line_end = text.find('\n', best_end);
  std::string rest;
  for (char c : text.substr(best_end, line_end == std::string_view::npos ? line_end : line_end - best_end)) {
    if (c != '$') rest += c;
  }
  rest = Trim(rest);
  if (!rest.empty() && rest[0] == ':') rest = Trim(rest.substr(1));
  while (!rest.empty() && rest.back() == '.') rest.pop_back();
  if (rest.empty()) return std::nullopt;
  return rest;
}

}  // namespace relaygen
